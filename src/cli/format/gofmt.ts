// The parts of Go's fmt and strconv that templates reach: Sprint, Sprintln,
// Sprintf (verbs, flags, widths, precision, argument indexes and the %!verb(...)
// error forms) and string quoting.

import { formatFloat } from './floatfmt.js';
import { HeaderRef, goTypeName, kindOf, mapEntries, runeCount } from './values.js';

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** unicode.IsPrint */
export function isPrint(ch: string): boolean {
  return printable.test(ch);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeRune(ch: string, quote: string, asciiOnly: boolean): string {
  const r = ch.codePointAt(0)!;
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (asciiOnly ? r < 0x80 && isPrint(ch) : isPrint(ch)) return ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r >= 0xd800 && r <= 0xdfff) return '\\ufffd'; // lone surrogate: not valid UTF-8 in Go either
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote (or QuoteToASCII) */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, '"', asciiOnly);
  return out + '"';
}

/** strconv.QuoteRune */
export function quoteRune(r: number, asciiOnly = false): string {
  const ch = r > 0x10ffff || r < 0 || (r >= 0xd800 && r <= 0xdfff) ? '\ufffd' : String.fromCodePoint(r);
  return "'" + escapeRune(ch, "'", asciiOnly) + "'";
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '`' || r === 0xfeff || (r >= 0xd800 && r <= 0xdfff)) return false;
    if ((r < 0x20 && ch !== '\t') || r === 0x7f) return false;
  }
  return true;
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function noFlags(): Flags {
  return { plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false, wid: 0, widPresent: false, prec: 0, precPresent: false };
}

const tooLarge = (n: number): boolean => n > 1e6 || n < -1e6;

function toBigInt(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

class Printer {
  buf = '';
  f: Flags = noFlags();

  private padding(n: number): string {
    if (n <= 0) return '';
    return (this.f.zero && !this.f.minus ? '0' : ' ').repeat(n);
  }

  private pad(s: string): void {
    const f = this.f;
    if (!f.widPresent || f.wid === 0) {
      this.buf += s;
      return;
    }
    const n = f.wid - runeCount(s);
    this.buf += f.minus ? s + this.padding(n) : this.padding(n) + s;
  }

  private withoutZero(fn: () => void): void {
    const old = this.f.zero;
    this.f.zero = false;
    fn();
    this.f.zero = old;
  }

  private truncate(s: string): string {
    if (this.f.precPresent) {
      const runes = [...s];
      if (runes.length > this.f.prec) return runes.slice(0, this.f.prec).join('');
    }
    return s;
  }

  badVerb(verb: string, arg: unknown): void {
    this.buf += '%!' + verb + '(';
    if (arg === undefined || arg === null) this.buf += '<nil>';
    else {
      this.buf += goTypeName(arg) + '=';
      this.printArg(arg, 'v', 0);
    }
    this.buf += ')';
  }

  printArg(arg: unknown, verb: string, depth: number): void {
    if (arg === undefined || arg === null) {
      if (depth > 0) this.buf += this.f.sharpV ? 'interface {}(nil)' : '<nil>';
      else if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T' && depth === 0) {
      this.fmtS(goTypeName(arg));
      return;
    }
    if (arg instanceof HeaderRef) arg = arg.text;
    switch (kindOf(arg)) {
      case 'bool':
        if (verb === 't' || verb === 'v') this.pad(String(arg));
        else this.badVerb(verb, arg);
        return;
      case 'int':
        this.fmtInteger(toBigInt(arg), verb, arg);
        return;
      case 'float':
        this.fmtFloat(arg as number, verb);
        return;
      case 'string':
        this.fmtString(String(arg), verb);
        return;
      case 'array': {
        const items = arg as unknown[];
        if (this.f.sharpV) {
          this.buf += '[]interface {}{';
          items.forEach((v, i) => {
            if (i > 0) this.buf += ', ';
            this.printArg(v, verb, depth + 1);
          });
          this.buf += '}';
          return;
        }
        this.buf += '[';
        items.forEach((v, i) => {
          if (i > 0) this.buf += ' ';
          this.printArg(v, verb, depth + 1);
        });
        this.buf += ']';
        return;
      }
      case 'map': {
        const sharpV = this.f.sharpV;
        this.buf += sharpV ? 'map[string]interface {}{' : 'map[';
        mapEntries(arg as object).forEach(([k, v], i) => {
          if (i > 0) this.buf += sharpV ? ', ' : ' ';
          this.printArg(k, verb, depth + 1);
          this.buf += ':';
          this.printArg(v, verb, depth + 1);
        });
        this.buf += sharpV ? '}' : ']';
        return;
      }
      default:
        this.pad('<func>');
    }
  }

  private fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  private fmtString(s: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.f.sharpV) this.fmtQ(s);
        else this.fmtS(s);
        return;
      case 's':
        this.fmtS(s);
        return;
      case 'x':
      case 'X':
        this.fmtSx(s, verb === 'X');
        return;
      case 'q':
        this.fmtQ(s);
        return;
    }
    this.badVerb(verb, s);
  }

  private fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.f.sharp && canBackquote(s)) this.pad('`' + s + '`');
    else this.pad(quote(s, this.f.plus));
  }

  private fmtSx(s: string, upper: boolean): void {
    const f = this.f;
    const bytes = Buffer.from(s, 'utf8');
    const length = f.precPresent && f.prec < bytes.length ? f.prec : bytes.length;
    let width = 2 * length;
    if (width === 0) {
      if (f.widPresent) this.buf += this.padding(f.wid);
      return;
    }
    if (f.space) {
      if (f.sharp) width *= 2;
      width += length - 1;
    } else if (f.sharp) width += 2;
    if (f.widPresent && f.wid > width && !f.minus) this.buf += this.padding(f.wid - width);
    const prefix = upper ? '0X' : '0x';
    let out = f.sharp ? prefix : '';
    for (let i = 0; i < length; i++) {
      if (f.space && i > 0) out += f.sharp ? ' ' + prefix : ' ';
      out += hex(bytes[i]!, 2);
    }
    this.buf += upper ? out.toUpperCase() : out;
    if (f.widPresent && f.wid > width && f.minus) this.buf += this.padding(f.wid - width);
  }

  private fmtInteger(n: bigint, verb: string, arg: unknown): void {
    switch (verb) {
      case 'v':
      case 'd':
        return this.fmtIntegerBase(n, 10, verb);
      case 'b':
        return this.fmtIntegerBase(n, 2, verb);
      case 'o':
      case 'O':
        return this.fmtIntegerBase(n, 8, verb);
      case 'x':
      case 'X':
        return this.fmtIntegerBase(n, 16, verb);
      case 'c':
        return this.pad(runeString(n));
      case 'q':
        return this.pad(quoteRune(n > 0x10ffffn || n < 0n ? 0xfffd : Number(n), this.f.plus));
      case 'U':
        return this.fmtUnicode(n);
      // Docker data are untyped JSON numbers: a float verb on an integral value formats it as a float.
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        return this.fmtFloat(Number(n), verb);
    }
    this.badVerb(verb, arg);
  }

  private fmtIntegerBase(n: bigint, base: number, verb: string): void {
    const f = this.f;
    const negative = n < 0n;
    const abs = negative ? -n : n;
    let prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec === 0 && abs === 0n) {
        this.withoutZero(() => (this.buf += this.padding(f.wid)));
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    let digits = abs.toString(base);
    if (verb === 'X') digits = digits.toUpperCase();
    digits = digits.padStart(prec, '0');
    if (f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (f.plus) digits = '+' + digits;
    else if (f.space) digits = ' ' + digits;
    this.withoutZero(() => this.pad(digits));
  }

  private fmtUnicode(n: bigint): void {
    const f = this.f;
    let s = 'U+' + (n < 0n ? (n + (1n << 64n)) : n).toString(16).toUpperCase().padStart(f.precPresent && f.prec > 4 ? f.prec : 4, '0');
    if (f.sharp && n >= 0n && n <= 0x10ffffn) {
      const ch = runeString(n);
      if (isPrint(ch)) s += " '" + ch + "'";
    }
    this.withoutZero(() => this.pad(s));
  }

  private fmtFloat(v: number, verb: string): void {
    let prec: number;
    let fmt = verb;
    switch (verb) {
      case 'v':
        fmt = 'g';
        prec = -1;
        break;
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        prec = -1;
        break;
      case 'f':
      case 'e':
      case 'E':
        prec = 6;
        break;
      case 'F':
        fmt = 'f';
        prec = 6;
        break;
      default:
        this.badVerb(verb, v);
        return;
    }
    const f = this.f;
    if (f.precPresent) prec = f.prec;
    let num = formatFloat(v, fmt, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
      this.withoutZero(() => this.pad(num));
      return;
    }
    if (f.plus || num[0] !== '+') {
      // Zero padding goes between the sign and the digits.
      if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
        this.buf += num[0]! + '0'.repeat(f.wid - num.length) + num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }
}

function runeString(n: bigint): string {
  return n < 0n || n > 0x10ffffn || (n >= 0xd800n && n <= 0xdfffn) ? '\ufffd' : String.fromCodePoint(Number(n));
}

function isStringArg(v: unknown): boolean {
  return typeof v === 'string' || v instanceof HeaderRef;
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0 && !isStringArg(arg) && !isStringArg(args[i - 1])) p.buf += ' ';
    p.printArg(arg, 'v', 0);
  });
  return p.buf;
}

/** fmt.Sprintln: always spaces, trailing newline. */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.buf += ' ';
    p.printArg(arg, 'v', 0);
  });
  return p.buf + '\n';
}

/** fmt's %v of one value. */
export function formatValue(v: unknown): string {
  const p = new Printer();
  p.printArg(v, 'v', 0);
  return p.buf;
}

function parseNum(s: string, start: number, end: number): { num: number; ok: boolean; next: number } {
  if (start >= end) return { num: 0, ok: false, next: end };
  let num = 0, ok = false, i = start;
  for (; i < end && s[i]! >= '0' && s[i]! <= '9'; i++) {
    if (tooLarge(num)) return { num: 0, ok: false, next: end };
    num = num * 10 + Number(s[i]);
    ok = true;
  }
  return { num, ok, next: i };
}

function intFromArg(args: readonly unknown[], argNum: number): { num: number; isInt: boolean; argNum: number } {
  if (argNum >= args.length) return { num: 0, isInt: false, argNum };
  const v = args[argNum];
  let num = 0, isInt = false;
  if (typeof v === 'bigint') {
    num = Number(v);
    isInt = true;
  } else if (kindOf(v) === 'int') {
    num = v as number;
    isInt = true;
  }
  if (tooLarge(num)) {
    num = 0;
    isInt = false;
  }
  return { num, isInt, argNum: argNum + 1 };
}

/** fmt.Sprintf */
export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;

  // Parses an optional [n] argument index at i.
  const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
    if (i >= end || format[i] !== '[') return { argNum, i, found: false };
    reordered = true;
    const close = format.indexOf(']', i + 1);
    if (close < 0 || i + 3 > end) {
      goodArgNum = false;
      return { argNum, i: i + 1, found: false };
    }
    const { num, ok, next } = parseNum(format, i + 1, close);
    if (!ok || next !== close) {
      goodArgNum = false;
      return { argNum, i: close + 1, found: false };
    }
    const index = num - 1;
    if (index >= 0 && index < args.length) return { argNum: index, i: close + 1, found: true };
    goodArgNum = false;
    return { argNum, i: close + 1, found: true };
  };

  for (let i = 0; i < end; ) {
    goodArgNum = true;
    const start = i;
    while (i < end && format[i] !== '%') i++;
    if (i > start) p.buf += format.slice(start, i);
    if (i >= end) break;
    i++; // skip %
    const f = (p.f = noFlags());
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }

    let r = argNumber(i);
    argNum = r.argNum;
    i = r.i;
    let afterIndex = r.found;

    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg(args, argNum);
      f.wid = w.num;
      f.widPresent = w.isInt;
      argNum = w.argNum;
      if (!f.widPresent) p.buf += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const w = parseNum(format, i, end);
      f.wid = w.num;
      f.widPresent = w.ok;
      i = w.next;
      if (afterIndex && f.widPresent) goodArgNum = false;
    }

    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const pr = intFromArg(args, argNum);
        f.prec = pr.num;
        f.precPresent = pr.isInt;
        argNum = pr.argNum;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!f.precPresent) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const pr = parseNum(format, i, end);
        f.prec = pr.num;
        f.precPresent = true;
        i = pr.next;
      }
    }

    if (!afterIndex) {
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
    }

    if (i >= end) {
      p.buf += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;

    if (verb === '%') p.buf += '%';
    else if (!goodArgNum) p.buf += '%!' + verb + '(BADINDEX)';
    else if (argNum >= args.length) p.buf += '%!' + verb + '(MISSING)';
    else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      p.printArg(args[argNum], verb, 0);
      argNum++;
    }
  }

  if (!reordered && argNum < args.length) {
    p.f = noFlags();
    p.buf += '%!(EXTRA ';
    args.slice(argNum).forEach((arg, i) => {
      if (i > 0) p.buf += ', ';
      if (arg === undefined || arg === null) p.buf += '<nil>';
      else {
        p.buf += goTypeName(arg) + '=';
        p.printArg(arg, 'v', 0);
      }
    });
    p.buf += ')';
  }
  return p.buf;
}
