// Evaluator: walks the parse tree against data, following text/template's exec
// rules (variable scoping, range/else, pipelines feeding the last argument,
// lazy and/or, "<no value>" for missing keys). `state.at` tracks the node being
// evaluated the way Go's s.at() does, since errors name that node.

import type { AnyNode, ArgNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, PipeNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { TemplateError, execLocation } from './errors.js';
import { FUNCS, type FuncDef, type ParamType } from './functions.js';
import { formatValue } from './gofmt.js';
import { HeaderRef, goTypeName, isTrue, kindOf, lookupKey, mapEntries } from './values.js';

/** The "no final argument" marker: distinct from undefined, which is a value (Go's invalid). */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown | typeof MISSING;

type Signal = 'break' | 'continue' | undefined;

export interface ExecOptions {
  /** Render the header row of a table: fields become their column names. */
  header?: (field: string) => string;
}

class State {
  vars: Array<{ name: string; value: unknown }> = [];
  at: AnyNode | null = null;

  constructor(
    private readonly text: string,
    readonly out: string[],
    private readonly header: ExecOptions['header'],
  ) {}

  errorf(msg: string): never {
    if (!this.at) throw new TemplateError('exec', `template: : ${msg}`);
    const where = execLocation(this.text, this.at.pos);
    throw new TemplateError('exec', `template: :${where}: executing "" at <${nodeString(this.at)}>: ${msg}`);
  }

  // ---- variables ----

  varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }
  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }

  // ---- statements ----

  walk(dot: unknown, node: Node): Signal {
    this.at = node;
    switch (node.kind) {
      case 'text':
        this.out.push(node.text);
        return undefined;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out.push(val === undefined ? '<no value>' : formatValue(val));
        return undefined;
      }
      case 'list':
        for (const n of node.nodes) {
          const sig = this.walk(dot, n);
          if (sig) return sig;
        }
        return undefined;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'range':
        return this.walkRange(dot, node);
      case 'break':
      case 'continue':
        return node.kind;
    }
  }

  private walkList(dot: unknown, list: ListNode | null): Signal {
    return list ? this.walk(dot, list) : undefined;
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): Signal {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) return this.walk(node.kind === 'with' ? val : dot, node.list);
      return this.walkList(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: BranchNode): Signal {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const bodyMark = this.vars.length;
      const { decl, isAssign } = node.pipe;
      const iteration = (index: unknown, elem: unknown): Signal => {
        if (decl.length > 0) {
          if (isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        const sig = this.walk(elem, node.list);
        this.vars.length = bodyMark;
        return sig;
      };
      let ran = false;
      for (const [index, elem] of this.rangeItems(val, decl.length)) {
        ran = true;
        if (iteration(index, elem) === 'break') break;
      }
      if (ran) return undefined;
      // Go quirk: a {{break}} in the else branch (meant for an outer range) stops
      // only this range; {{continue}} does reach the outer one.
      const sig = this.walkList(dot, node.elseList);
      return sig === 'break' ? undefined : sig;
    } finally {
      this.vars.length = mark;
    }
  }

  private rangeItems(val: unknown, nvars: number): Iterable<[unknown, unknown]> {
    if (val instanceof HeaderRef) return [[val, val]]; // one pass, so the header shows the body's columns
    switch (kindOf(val)) {
      case 'invalid':
      case 'nil':
        return [];
      case 'array':
        return (val as unknown[]).map((e, i) => [i, e]);
      case 'map':
        return mapEntries(val as object);
      case 'int': {
        if (nvars > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
        const n = Number(val);
        return (function* (): Generator<[number, number]> {
          for (let i = 0; i < n; i++) yield [i, i];
        })();
      }
    }
    this.errorf(`range can't iterate over ${formatValue(val)}`);
  }

  // ---- expressions ----

  evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at = pipe;
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value === null) value = undefined; // Go digs a nil interface down to "no value"
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at = first;
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
      case 'number':
      case 'string':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
    }
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[], final: Final): unknown {
    this.at = field;
    return this.evalFieldChain(dot, dot, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    this.at = chain;
    const pipe = this.evalArg(dot, chain.node, 'any');
    return this.evalFieldChain(dot, pipe, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[], final: Final): unknown {
    this.at = v;
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, ident: string[], args: ArgNode[], final: Final): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, [], MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, args, final, receiver);
  }

  private evalField(dot: unknown, name: string, args: ArgNode[], final: Final, receiver: unknown): unknown {
    if (receiver === undefined) return undefined; // field of a missing value: still missing
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (receiver instanceof HeaderRef) return new HeaderRef(this.header!(name));
    const hasArgs = args.length > 1 || final !== MISSING;
    if (kindOf(receiver) === 'map') {
      let value: unknown;
      try {
        value = lookupKey(receiver as object, name);
      } catch (e) {
        this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`); // a throwing getter
      }
      // A function-valued property is a method (row objects may offer .Label "key").
      if (typeof value === 'function' && !(receiver instanceof Map)) {
        const argv = args.slice(1).map((a) => this.evalArg(dot, a, 'any'));
        if (final !== MISSING) argv.push(final);
        try {
          return (value as (...a: unknown[]) => unknown).apply(receiver, argv);
        } catch (e) {
          this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return value;
    }
    this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private evalFunction(dot: unknown, ident: IdentifierNode, cmd: AnyNode, args: ArgNode[], final: Final): unknown {
    this.at = ident;
    const def = FUNCS.get(ident.name)!;
    return this.evalCall(dot, def, ident.name, cmd, args, final);
  }

  private evalCall(dot: unknown, def: FuncDef, name: string, cmd: AnyNode, args: ArgNode[], final: Final): unknown {
    const argNodes = args.slice(1);
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    const fixed = def.params.length;
    if (def.variadic ? numIn < fixed : numIn !== fixed) {
      this.errorf(`wrong number of args for ${name}: want ${def.variadic ? 'at least ' : ''}${fixed} got ${numIn}`);
    }
    const header = this.header !== undefined;
    const paramType = (i: number): ParamType => (header && def.headerIdentity ? 'any' : def.params[i] ?? def.variadic ?? 'any');

    if (def.lazy) {
      // and/or stop at the first argument that decides the answer, and return it.
      let v: unknown;
      for (const a of argNodes) {
        v = this.evalArg(dot, a, 'any');
        if (isTrue(v) === (name === 'or')) return v;
      }
      return final !== MISSING ? final : v;
    }

    const argv = argNodes.map((a, i) => this.evalArg(dot, a, paramType(i)));
    if (final !== MISSING) argv.push(this.validateType(final, paramType(numIn - 1)));
    if (header && def.headerIdentity) return argv[0];
    const callArgs = def.acceptsHeader ? argv : argv.map((a) => (a instanceof HeaderRef ? a.text : a));
    try {
      return def.fn(callArgs);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.at = cmd;
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private evalArg(dot: unknown, node: ArgNode, type: ParamType): unknown {
    this.at = node;
    switch (node.kind) {
      case 'dot':
        return this.validateType(dot, type);
      case 'nil':
        if (type === 'list') return []; // a nil slice
        if (type !== 'any') this.errorf(`cannot assign nil to ${goParamType(type)}`);
        return null;
      case 'field':
        return this.validateType(this.evalFieldNode(dot, node, [node], MISSING), type);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, node, [], MISSING), type);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, node), type);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, node, node, [], MISSING), type);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, node, [], MISSING), type);
    }
    // Literals are checked against the parameter type by their syntax.
    switch (type) {
      case 'any':
        return node.value;
      case 'string':
        if (node.kind === 'string') return node.value;
        this.errorf(`expected string; found ${nodeString(node)}`);
      case 'int':
        if (node.kind === 'number' && kindOf(node.value) === 'int') return Number(node.value);
        this.errorf(`expected integer; found ${nodeString(node)}`);
      case 'list':
        this.errorf(`can't handle ${nodeString(node)} for arg of type []string`);
    }
  }

  private validateType(value: unknown, type: ParamType): unknown {
    if (type === 'any' || (value instanceof HeaderRef && type === 'string')) return value;
    if (type === 'list' && value === undefined) return []; // Go passes a nil slice
    if (value === undefined) this.errorf(`invalid value; expected ${goParamType(type)}`);
    const kind = kindOf(value);
    if ((type === 'string' && kind === 'string') || (type === 'list' && kind === 'array')) return value;
    if (type === 'int' && kind === 'int') return Number(value);
    this.errorf(`wrong type for value; expected ${goParamType(type)}; got ${goTypeName(value)}`);
  }
}

function goParamType(t: ParamType): string {
  return t === 'int' ? 'int' : t === 'list' ? '[]string' : t === 'string' ? 'string' : 'interface {}';
}

/** Runs a parsed template. Output is appended to `out`, so a caller can keep what was written before an error. */
export function execute(text: string, root: ListNode, data: unknown, out: string[], opts: ExecOptions = {}): void {
  const state = new State(text, out, opts.header);
  const dot = opts.header ? new HeaderRef('') : data === null ? undefined : data;
  state.vars.push({ name: '$', value: dot });
  state.walk(dot, root);
}

