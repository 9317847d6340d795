// Tokenizer for Go template text. It follows text/template's lexer closely so
// that trim markers, comments and error messages behave the same: "{{- " and
// " -}}" need the space, comments must hug the delimiters, and a lexical error
// becomes an 'error' token that the parser reports when it reaches it.

import { isPrint, quote } from './gofmt.js';

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field' // .Name
  | 'variable' // $x or $
  | 'identifier' // function name
  | 'keyword' // if else end range with break continue define template block
  | 'dot'
  | 'bool'
  | 'nil'
  | 'number'
  | 'charConstant'
  | 'complex'
  | 'string'
  | 'rawString'
  | 'char' // any other printable ASCII character, e.g. ',' or '}'
  | 'assign' // =
  | 'declare' // :=
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'error'
  | 'eof';

export interface Token {
  type: TokenType;
  val: string;
  pos: number; // offset in the template (UTF-16 units)
  line: number;
}

const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

export const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

export function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c));
}

const hasLeftTrimMarker = (s: string, i: number): boolean => s[i] === '-' && isSpace(s[i + 1]);
const hasRightTrimMarker = (s: string, i: number): boolean => isSpace(s[i]) && s[i + 1] === '-';

export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0; // current position
  let start = 0; // start of the current token
  let parenDepth = 0;

  // Line numbers are computed from offsets; newline offsets are indexed once.
  const newlines: number[] = [];
  for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (offset: number): number => {
    let lo = 0, hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };

  const emit = (type: TokenType, val = input.slice(start, pos)): void => {
    tokens.push({ type, val, pos: start, line: lineAt(start) });
    start = pos;
  };
  const fail = (msg: string): false => {
    tokens.push({ type: 'error', val: msg, pos: start, line: lineAt(start) });
    return false;
  };
  // Next code point (identifiers may hold non-BMP letters).
  const peekChar = (): string | undefined => (pos < input.length ? String.fromCodePoint(input.codePointAt(pos)!) : undefined);

  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    if (input.startsWith(RIGHT, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    if ('.,|:()'.includes(c)) return true;
    return input.startsWith(RIGHT, pos);
  };
  const skipLeadingSpace = (): void => {
    while (isSpace(input[pos])) pos++;
    start = pos;
  };

  const accept = (valid: string): boolean => {
    if (pos < input.length && valid.includes(input[pos]!)) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (pos < input.length && valid.includes(input[pos]!)) pos++;
  };

  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peekChar())) {
      pos += peekChar()!.length;
      return false;
    }
    return true;
  };

  const lexNumber = (): boolean => {
    if (!scanNumber()) return fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
    if (input[pos] === '+' || input[pos] === '-') {
      if (!scanNumber() || input[pos - 1] !== 'i') return fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
      emit('complex');
    } else emit('number');
    return true;
  };

  // Quoted forms: only find the end here; the parser unquotes.
  const lexQuoted = (q: string, type: TokenType, what: string): boolean => {
    for (;;) {
      const c = input[pos++];
      if (c === '\\' && q !== '`') {
        const n = input[pos++];
        if (n !== undefined && n !== '\n') continue;
        return fail(`unterminated ${what}`);
      }
      if (c === undefined || (c === '\n' && q !== '`')) return fail(`unterminated ${what}`);
      if (c === q) break;
    }
    emit(type);
    return true;
  };

  const lexFieldOrVariable = (type: 'field' | 'variable'): boolean => {
    if (atTerminator()) {
      emit(type === 'variable' ? 'variable' : 'dot');
      return true;
    }
    let c: string | undefined;
    for (;;) {
      c = peekChar();
      if (!isAlphaNumeric(c)) break;
      pos += c!.length;
    }
    if (!atTerminator()) return fail(`bad character ${goRune(c)}`);
    emit(type);
    return true;
  };

  const lexIdentifier = (): boolean => {
    for (;;) {
      const c = peekChar();
      if (!isAlphaNumeric(c)) {
        if (!atTerminator()) return fail(`bad character ${goRune(c)}`);
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit('keyword');
        else if (word === 'nil') emit('nil');
        else if (word === 'true' || word === 'false') emit('bool');
        else emit('identifier');
        return true;
      }
      pos += c!.length;
    }
  };

  // Lexes the inside of one action, up to and including its right delimiter.
  const lexInsideAction = (): boolean => {
    for (;;) {
      const { delim, trim } = atRightDelim();
      if (delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (trim) {
          pos += 2;
          start = pos;
        }
        pos += RIGHT.length;
        emit('rightDelim');
        if (trim) skipLeadingSpace();
        return true;
      }
      const c = peekChar();
      if (c === undefined) return fail('unclosed action');
      pos += c.length;
      if (isSpace(c)) {
        // A run of spaces; careful not to swallow the space of a " -}}".
        pos--;
        let n = 0;
        while (isSpace(input[pos])) {
          pos++;
          n++;
        }
        if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos + 1)) {
          pos--;
          if (n === 1) continue;
        }
        emit('space');
        continue;
      }
      switch (c) {
        case '=':
          emit('assign');
          continue;
        case ':':
          if (input[pos] !== '=') return fail('expected :=');
          pos++;
          emit('declare');
          continue;
        case '|':
          emit('pipe');
          continue;
        case '"':
          if (!lexQuoted('"', 'string', 'quoted string')) return false;
          continue;
        case '`':
          if (!lexQuoted('`', 'rawString', 'raw quoted string')) return false;
          continue;
        case "'":
          if (!lexQuoted("'", 'charConstant', 'character constant')) return false;
          continue;
        case '$':
          if (!lexFieldOrVariable('variable')) return false;
          continue;
        case '(':
          emit('leftParen');
          parenDepth++;
          continue;
        case ')':
          if (--parenDepth < 0) return fail('unexpected right paren');
          emit('rightParen');
          continue;
      }
      if (c === '.' && pos < input.length && !(input[pos]! >= '0' && input[pos]! <= '9')) {
        if (!lexFieldOrVariable('field')) return false;
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos--;
        if (!lexNumber()) return false;
        continue;
      }
      if (isAlphaNumeric(c)) {
        pos -= c.length;
        if (!lexIdentifier()) return false;
        continue;
      }
      const code = c.codePointAt(0)!;
      if (code < 0x80 && code >= 0x20 && code !== 0x7f) {
        emit('char');
        continue;
      }
      return fail(`unrecognized character in action: ${goRune(c)}`);
    }
  };

  for (;;) {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit('text');
      break;
    }
    // Text before the action, minus trailing space when "{{- " asks for it.
    let textEnd = x;
    if (hasLeftTrimMarker(input, x + LEFT.length)) while (textEnd > start && isSpace(input[textEnd - 1])) textEnd--;
    if (textEnd > start) {
      pos = textEnd;
      emit('text');
    }
    pos = x + LEFT.length;
    start = x;
    const trim = hasLeftTrimMarker(input, pos);
    const afterMarker = trim ? 2 : 0;
    if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      pos += afterMarker;
      start = pos;
      const i = input.indexOf(RIGHT_COMMENT, pos);
      if (i < 0) {
        fail('unclosed comment');
        return tokens;
      }
      pos = i + RIGHT_COMMENT.length;
      const { delim, trim: trimAfter } = atRightDelim();
      if (!delim) {
        fail('comment ends before closing delimiter');
        return tokens;
      }
      pos += (trimAfter ? 2 : 0) + RIGHT.length;
      start = pos;
      if (trimAfter) skipLeadingSpace();
      continue;
    }
    emit('leftDelim', LEFT);
    pos += afterMarker;
    start = pos;
    parenDepth = 0;
    if (!lexInsideAction()) return tokens;
  }
  start = pos;
  emit('eof', '');
  return tokens;
}

/** Go's %q for a string. */
export function goQuote(s: string): string {
  return quote(s);
}

/** Go's %#U for a rune: U+007D '}' */
export function goRune(c: string | undefined): string {
  if (c === undefined) return 'U+FFFFFFFF';
  const code = c.codePointAt(0)!;
  const u = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return isPrint(c) ? `${u} '${c}'` : u;
}
