// Recursive-descent parser producing the tree in ast.ts. Its structure mirrors
// text/template/parse so that the same inputs are accepted and the same
// mistakes get the same messages (`unexpected "}" in operand`, `missing value
// for command`, `undefined variable "$x"`, ...).

import type { ArgNode, BranchNode, CommandNode, ListNode, Node, PipeNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { parseError } from './errors.js';
import { quote } from './gofmt.js';
import { goQuote, lex, type Token } from './lexer.js';

interface Marker {
  kind: 'end' | 'else';
  pos: number;
}

const markerString = (m: Marker): string => `{{${m.kind}}}`;
const isMarker = (n: Node | Marker): n is Marker => n.kind === 'end' || n.kind === 'else';

function tokenString(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'EOF';
    case 'error':
      return t.val;
    case 'keyword':
    case 'dot':
    case 'nil':
      return `<${t.val}>`;
  }
  const runes = [...t.val];
  if (Buffer.byteLength(t.val) > 10) return quote(runes.slice(0, 10).join('')) + '...';
  return quote(t.val);
}

class Parser {
  private i = 0;
  private furthest = 0; // errors report the line of the furthest token read, like Go
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly funcs: ReadonlySet<string>,
  ) {}

  private next(): Token {
    const last = this.tokens[this.tokens.length - 1]!;
    const t = this.tokens[this.i] ?? { type: 'eof', val: '', pos: last.pos, line: last.line };
    if (this.i > this.furthest) this.furthest = Math.min(this.i, this.tokens.length - 1);
    this.i++;
    return t;
  }
  private backup(): void {
    this.i--;
  }
  private peek(): Token {
    const t = this.next();
    this.backup();
    return t;
  }
  private nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.type === 'space');
    return t;
  }
  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  errorf(msg: string): never {
    throw parseError(this.tokens[this.furthest]?.line ?? 1, msg);
  }

  private unexpected(t: Token, context: string): never {
    if (t.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at :${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(t.val + extra);
    }
    this.errorf(`unexpected ${tokenString(t)} in ${context}`);
  }

  private expect(type: Token['type'], context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  parse(): ListNode {
    const root: ListNode = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction();
      if (isMarker(n)) this.errorf(`unexpected ${markerString(n)}`);
      else root.nodes.push(n);
    }
    return root;
  }

  private itemList(): { list: ListNode; next: Marker } {
    const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (isMarker(n)) return { list, next: n };
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | Marker {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'text':
        return { kind: 'text', pos: t.pos, text: t.val };
      case 'leftDelim':
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
    }
    this.unexpected(t, 'input');
  }

  private action(): Node | Marker {
    const t = this.nextNonSpace();
    if (t.type === 'keyword') {
      switch (t.val) {
        case 'break':
        case 'continue':
          return this.breakControl(t);
        case 'else':
          return this.elseControl();
        case 'end':
          return { kind: 'end', pos: this.expect('rightDelim', 'end').pos };
        case 'if':
        case 'with':
        case 'range':
          return this.control(t.val);
        default:
          // define/template/block: Docker formats are single templates.
          this.errorf(`{{${t.val}}} is not supported`);
      }
    }
    this.backup();
    const pos = this.peek().pos;
    return { kind: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private breakControl(t: Token): Node {
    const kind = t.val as 'break' | 'continue';
    const next = this.nextNonSpace();
    if (next.type !== 'rightDelim') this.unexpected(next, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { kind, pos: t.pos };
  }

  private elseControl(): Marker {
    const peek = this.peekNonSpace();
    // "{{else if ...}}" and "{{else with ...}}": leave the keyword for control() to chain.
    if (peek.type === 'keyword' && (peek.val === 'if' || peek.val === 'with')) return { kind: 'else', pos: peek.pos };
    return { kind: 'else', pos: this.expect('rightDelim', 'else').pos };
  }

  private control(context: 'if' | 'with' | 'range'): BranchNode {
    const varsLen = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const { list, next } = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.kind === 'else') {
        const peek = this.peek();
        if (context !== 'range' && peek.type === 'keyword' && peek.val === context) {
          // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}.
          this.next();
          elseList = { kind: 'list', pos: next.pos, nodes: [this.control(context)] };
        } else {
          const rest = this.itemList();
          if (rest.next.kind !== 'end') this.errorf(`expected end; found ${markerString(rest.next)}`);
          elseList = rest.list;
        }
      }
      return { kind: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = varsLen;
    }
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    // Declarations: "$x :=", "$x =", and for range "$k, $v :=".
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const at = this.i;
      this.next();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
      } else if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else this.i = at; // "$x" is an operand, not a declaration
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]!.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.backup();
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
      case 'variable':
        return { kind: node.kind, pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return { kind: 'chain', pos, node, field: fields };
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.funcs.has(t.val)) this.errorf(`function ${goQuote(t.val)} not defined`);
        return { kind: 'identifier', pos: t.pos, name: t.val };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable':
        if (!this.vars.includes(t.val)) this.errorf(`undefined variable ${goQuote(t.val)}`);
        return { kind: 'variable', pos: t.pos, ident: [t.val] } satisfies VariableNode;
      case 'field':
        return { kind: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        return { kind: 'number', pos: t.pos, value: this.number(t), text: t.val };
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString': {
        const value = unquote(t.val);
        if (value === null) this.errorf('invalid syntax');
        return { kind: 'string', pos: t.pos, value, quoted: t.val };
      }
    }
    this.backup();
    return null;
  }

  private number(t: Token): number | bigint {
    if (t.type === 'charConstant') {
      const r = unquoteChar(t.val.slice(1), "'");
      if (r === null) this.errorf('invalid syntax');
      if (r.tail !== "'") this.errorf(`malformed character constant: ${t.val}`);
      return r.value;
    }
    if (t.type === 'complex' || t.val.endsWith('i')) this.errorf(`complex number ${goQuote(t.val)} is not supported`);
    const n = parseNumber(t.val);
    if (typeof n === 'string') this.errorf(`${n}: ${goQuote(t.val)}`);
    return n;
  }
}

const INT = /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const DEC_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]((?:_?[0-9a-fA-F])*)(?:\.([0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?[pP]([+-]?\d(?:_?\d)*)$/;

/** A Go number literal, or the reason it is not one. */
export function parseNumber(text: string): number | bigint | string {
  if (INT.test(text)) {
    let s = text.replace(/_/g, '');
    const neg = s[0] === '-';
    if (s[0] === '-' || s[0] === '+') s = s.slice(1);
    // BigInt knows 0x/0o/0b; Go's legacy octal is a leading 0.
    if (/^0[0-7]+$/.test(s)) s = '0o' + s.slice(1);
    let v = BigInt(s);
    if (neg) v = -v;
    if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) return 'integer overflow';
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (DEC_FLOAT.test(text)) {
    if (!/[.eE]/.test(text)) return 'integer overflow'; // e.g. "08": not octal, too "big" for Go
    return Number(text.replace(/_/g, ''));
  }
  const h = HEX_FLOAT.exec(text);
  if (h && (h[2] || h[3])) {
    const intDigits = (h[2] ?? '').replace(/_/g, ''), fracDigits = (h[3] ?? '').replace(/_/g, '');
    const mant = Number(BigInt('0x' + (intDigits + fracDigits || '0')));
    const v = mant * 2 ** (Number(h[4]!.replace(/_/g, '')) - 4 * fracDigits.length);
    return h[1] === '-' ? -v : v;
  }
  return 'illegal number syntax';
}

function utf8(cp: number): number[] {
  return [...Buffer.from(String.fromCodePoint(cp), 'utf8')];
}

/** One character or escape of a Go quoted literal (strconv.UnquoteChar); value is a rune or, for \x and octal, a byte. */
function unquoteChar(s: string, q: string): { value: number; byte: boolean; tail: string } | null {
  const c = s.codePointAt(0);
  if (c === undefined) return null;
  const ch = String.fromCodePoint(c);
  if (ch === q && (q === "'" || q === '"')) return null;
  if (ch !== '\\') return { value: c, byte: false, tail: s.slice(ch.length) };
  const e = s[1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e === undefined) return null;
  if (e in simple) return { value: simple[e]!, byte: false, tail: s.slice(2) };
  if (e === "'" || e === '"') return e === q ? { value: e.charCodeAt(0), byte: false, tail: s.slice(2) } : null;
  const hexN = (n: number): { value: number; tail: string } | null => {
    const h = s.slice(2, 2 + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? { value: parseInt(h, 16), tail: s.slice(2 + n) } : null;
  };
  if (e === 'x') {
    const r = hexN(2);
    return r && { ...r, byte: q !== "'" };
  }
  if (e === 'u' || e === 'U') {
    const r = hexN(e === 'u' ? 4 : 8);
    if (!r || r.value > 0x10ffff || (r.value >= 0xd800 && r.value <= 0xdfff)) return null;
    return { ...r, byte: false };
  }
  if (e >= '0' && e <= '7') {
    const o = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(o)) return null;
    const v = parseInt(o, 8);
    return v > 255 ? null : { value: v, byte: q !== "'", tail: s.slice(4) };
  }
  return null;
}

/** strconv.Unquote for "..." and `...`; null on invalid syntax. */
export function unquote(lit: string): string | null {
  const q = lit[0];
  const body = lit.slice(1, -1);
  if (q === '`') return body.includes('`') ? null : body.replace(/\r/g, '');
  const bytes: number[] = [];
  for (let s = body; s.length > 0; ) {
    if (s[0] === '\n') return null;
    const r = unquoteChar(s, '"');
    if (!r) return null;
    if (r.byte) bytes.push(r.value);
    else bytes.push(...utf8(r.value));
    s = r.tail;
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parse(text: string, funcs: ReadonlySet<string>): ListNode {
  return new Parser(lex(text), funcs).parse();
}
