// Template functions: Go's builtins plus the ones Docker adds (json, split,
// join, title, lower, upper, pad, truncate). A function throws a plain Error
// whose message the evaluator reports as `error calling NAME: MESSAGE`.

import { formatValue, isPrint, sprint, sprintf, sprintln } from './gofmt.js';
import { dockerJSON } from './json.js';
import { HeaderRef, compareStrings, goTypeName, isTrue, kindOf, lookupKey, mapSize, utf8Length } from './values.js';

/** Parameter types the evaluator checks arguments against, as Go's reflection would. */
export type ParamType = 'any' | 'string' | 'int' | 'list';

export interface FuncDef {
  params: ParamType[];
  variadic?: ParamType;
  fn: (args: unknown[]) => unknown;
  /** and/or: arguments evaluated lazily, result is an argument. */
  lazy?: boolean;
  /** Docker's header functions: while rendering a table header, return the first argument as is. */
  headerIdentity?: boolean;
  /** Receives header placeholders unconverted (index, slice). */
  acceptsHeader?: boolean;
}

const str = (v: unknown): string => (v instanceof HeaderRef ? v.text : (v as string));

// ---- comparison (text/template's eq, lt and friends) ----

type BasicKind = 'nil' | 'bool' | 'number' | 'string' | 'other';

// Go distinguishes int from float64 here; JSON numbers carry no such type, so they are one kind.
function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'nil';
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'other';
  }
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of rest) {
    const kb = basicKind(b);
    let truth: boolean;
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
      truth = false;
    } else if (ka === 'other') {
      if (goTypeName(a) !== goTypeName(b)) {
        throw new Error(`non-comparable types ${sprintf('%s: %v, %s: %v', [a, goTypeName(a), goTypeName(b), b])}`);
      }
      throw new Error(`non-comparable type ${sprintf('%s: %v', [b, goTypeName(b)])}`);
    } else if (ka === 'nil') truth = true;
    else if (ka === 'string') truth = str(a) === str(b);
    else truth = (a as number) == (b as number); // loose: a number may meet a bigint
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a), kb = basicKind(b);
  if (ka === 'nil' || ka === 'other' || kb === 'nil' || kb === 'other') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  if (ka === 'string') return compareStrings(str(a), str(b)) < 0;
  return (a as number) < (b as number);
}

const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

// ---- index and slice ----

function indexArg(index: unknown, cap: number): number {
  switch (kindOf(index)) {
    case 'int':
      break;
    case 'invalid':
    case 'nil':
      throw new Error('cannot index slice/array with nil');
    default:
      throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  }
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item instanceof HeaderRef) return item;
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  for (const idx of indexes) {
    if (item === undefined || item === null) throw new Error('index of nil pointer');
    switch (kindOf(item)) {
      case 'array': {
        const arr = item as unknown[];
        const x = indexArg(idx, arr.length);
        if (x === arr.length) throw new Error('reflect: slice index out of range');
        item = arr[x] ?? null;
        break;
      }
      case 'string': {
        const bytes = Buffer.from(str(item), 'utf8');
        const x = indexArg(idx, bytes.length);
        if (x === bytes.length) throw new Error('reflect: string index out of range');
        item = bytes[x];
        break;
      }
      case 'map': {
        let key = idx instanceof HeaderRef ? idx.text : idx;
        if (!(item instanceof Map)) {
          if (key === undefined || key === null) throw new Error('value is nil; should be of type string');
          if (typeof key !== 'string') throw new Error(`value has type ${goTypeName(key)}; should be string`);
        } else if (key === undefined) key = null;
        // A missing key yields the zero value: a nil interface.
        item = lookupKey(item as object, key) ?? null;
        break;
      }
      default:
        throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item instanceof HeaderRef) return item;
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const kind = kindOf(item);
  let len: number;
  if (kind === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = utf8Length(str(item));
  } else if (kind === 'array') len = (item as unknown[]).length;
  else throw new Error(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, len, len];
  indexes.forEach((v, i) => (idx[i] = indexArg(v, len)));
  const [i = 0, j = len, k = len] = idx;
  if (i > j) throw new Error(`invalid slice index: ${i} > ${j}`);
  if (indexes.length === 3 && j > k) throw new Error(`invalid slice index: ${j} > ${k}`);
  if (kind === 'string') return Buffer.from(str(item), 'utf8').subarray(i, j).toString('utf8');
  return (item as unknown[]).slice(i, j);
}

function length(v: unknown): number {
  switch (kindOf(v)) {
    case 'string':
      return utf8Length(str(v));
    case 'array':
      return (v as unknown[]).length;
    case 'map':
      return mapSize(v as object);
    case 'invalid':
    case 'nil':
      throw new Error('len of nil pointer');
    default:
      throw new Error(`len of type ${goTypeName(v)}`);
  }
}

// ---- escaping ----

/** Arguments of html/js/urlquery: one string as is, otherwise fmt.Sprint with nils as "<no value>". */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

function htmlEscape(s: string): string {
  const map: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\ufffd' };
  return s.replace(/["'&<>\0]/g, (c) => map[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const u = (n: number): string => '\\u' + n.toString(16).toUpperCase().padStart(4, '0');
    if (ch === '\\' || ch === "'" || ch === '"') out += '\\' + ch;
    else if (ch === '<' || ch === '>' || ch === '&' || ch === '=') out += u(c);
    else if (c < 0x20) out += u(c);
    else if (c < 0x80 || isPrint(ch)) out += ch;
    else out += u(c);
  }
  return out;
}

function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// ---- Docker's string functions ----

// Go maps rune to rune; JS may expand (ß → SS), in which case the rune stays.
function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

const TITLE_CASE: Record<string, string> = { Ǆ: 'ǅ', ǅ: 'ǅ', ǆ: 'ǅ', Ǉ: 'ǈ', ǈ: 'ǈ', ǉ: 'ǈ', Ǌ: 'ǋ', ǋ: 'ǋ', ǌ: 'ǋ', Ǳ: 'ǲ', ǲ: 'ǲ', ǳ: 'ǲ' };

function isSeparator(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (c < 0x80) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** strings.Title, which Docker's `title` uses: upper-case the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? TITLE_CASE[ch] ?? mapRunes(ch, (c) => c.toUpperCase()) : ch;
    prev = ch;
  }
  return out;
}

const upper = (s: string): string => mapRunes(s, (c) => c.toUpperCase());
const lower = (s: string): string => mapRunes(s, (c) => (c === 'İ' ? 'i' : c.toLowerCase()));

function repeat(n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(n);
}

function truncate(s: string, n: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length < n) return s;
  if (n < 0) throw new Error(`runtime error: slice bounds out of range [:${n}]`);
  return bytes.subarray(0, n).toString('utf8');
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function of type ${goTypeName(fn)}`);
  return (fn as (...a: unknown[]) => unknown)(...args);
}

export const FUNCS: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['and', { params: ['any'], variadic: 'any', lazy: true, fn: () => undefined }],
  ['or', { params: ['any'], variadic: 'any', lazy: true, fn: () => undefined }],
  ['not', { params: ['any'], fn: ([v]) => !isTrue(v) }],
  ['len', { params: ['any'], fn: ([v]) => length(v) }],
  ['index', { params: ['any'], variadic: 'any', acceptsHeader: true, fn: ([item, ...rest]) => index(item, ...rest) }],
  ['slice', { params: ['any'], variadic: 'any', acceptsHeader: true, fn: ([item, ...rest]) => slice(item, ...rest) }],
  ['print', { params: [], variadic: 'any', fn: (args) => sprint(args) }],
  ['println', { params: [], variadic: 'any', fn: (args) => sprintln(args) }],
  ['printf', { params: ['string'], variadic: 'any', fn: ([f, ...rest]) => sprintf(f as string, rest) }],
  ['html', { params: [], variadic: 'any', fn: (args) => htmlEscape(evalArgs(args)) }],
  ['js', { params: [], variadic: 'any', fn: (args) => jsEscape(evalArgs(args)) }],
  ['urlquery', { params: [], variadic: 'any', fn: (args) => queryEscape(evalArgs(args)) }],
  ['call', { params: ['any'], variadic: 'any', fn: ([fn, ...rest]) => call(fn, ...rest) }],
  ['eq', { params: ['any'], variadic: 'any', fn: ([a, ...rest]) => eq(a, ...rest) }],
  ['ne', { params: ['any', 'any'], fn: ([a, b]) => !eq(a, b) }],
  ['lt', { params: ['any', 'any'], fn: ([a, b]) => lt(a, b) }],
  ['le', { params: ['any', 'any'], fn: ([a, b]) => le(a, b) }],
  ['gt', { params: ['any', 'any'], fn: ([a, b]) => !le(a, b) }],
  ['ge', { params: ['any', 'any'], fn: ([a, b]) => !lt(a, b) }],
  // Docker's additions (cli/templates).
  ['json', { params: ['any'], headerIdentity: true, fn: ([v]) => dockerJSON(v) }],
  ['split', { params: ['string', 'string'], headerIdentity: true, fn: ([s, sep]) => (sep === '' ? [...(s as string)] : (s as string).split(sep as string)) }],
  ['join', { params: ['list', 'string'], headerIdentity: true, fn: ([l, sep]) => (l as unknown[]).map((e) => (typeof e === 'string' ? e : formatValue(e))).join(sep as string) }],
  ['title', { params: ['string'], headerIdentity: true, fn: ([s]) => title(s as string) }],
  ['lower', { params: ['string'], headerIdentity: true, fn: ([s]) => lower(s as string) }],
  ['upper', { params: ['string'], headerIdentity: true, fn: ([s]) => upper(s as string) }],
  ['pad', { params: ['string', 'int', 'int'], headerIdentity: true, fn: ([s, a, b]) => (s === '' ? '' : repeat(a as number) + (s as string) + repeat(b as number)) }],
  ['truncate', { params: ['string', 'int'], headerIdentity: true, fn: ([s, n]) => truncate(s as string, n as number) }],
]);

export const FUNC_NAMES: ReadonlySet<string> = new Set(FUNCS.keys());
