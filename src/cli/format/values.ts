// How JavaScript values stand in for Go values inside templates.
//
// Data reaching a template is JSON-like, so it is treated the way Go treats
// the result of json.Unmarshal into interface{}: objects are maps (sorted keys
// when printed or ranged), arrays are slices. Two deliberate departures:
// integral numbers are Go ints (Docker's real data is typed; Pid, ports and MTU
// are ints, so `{{.State.Pid}}` must print 1234, not 1.234e+03), and `undefined`
// is Go's "invalid" value (missing map key) while `null` is a nil interface.

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | 'func';

/** Column header placeholder used while rendering the header row of a `table` format. */
export class HeaderRef {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function isGoInt(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) < 1e21;
}

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return isGoInt(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
    case 'symbol':
      return 'string';
    case 'function':
      return 'func';
    default:
      if (v instanceof HeaderRef) return 'string';
      return Array.isArray(v) ? 'array' : 'map';
  }
}

/** Go's template truth: empty values and zero are false. */
export function isTrue(v: unknown): boolean {
  if (v instanceof HeaderRef) return true;
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0;
    case 'string':
      return String(v).length > 0;
    case 'array':
      return (v as unknown[]).length > 0;
    case 'map':
      if (v instanceof Map) return v.size > 0;
      return isPlainObject(v) ? Object.keys(v as object).length > 0 : true; // class instances are structs
    case 'func':
      return true;
  }
}

/** The Go type name used in fmt's %T and in error messages. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'interface {}';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'array':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'func':
      return 'func()';
  }
}

export function isPlainObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Compare like Go compares strings: by UTF-8 bytes (code points), not UTF-16 units. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function compareKeys(a: unknown, b: unknown): number {
  const ka = typeof a, kb = typeof b;
  if ((ka === 'number' || ka === 'bigint') && (kb === 'number' || kb === 'bigint')) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ka !== kb) return ka < kb ? -1 : 1;
  return compareStrings(String(a), String(b));
}

/** Entries of a map-like value in Go's fmtsort order. */
export function mapEntries(v: object): Array<[unknown, unknown]> {
  const entries: Array<[unknown, unknown]> =
    v instanceof Map ? [...v.entries()] : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  return entries.sort((x, y) => compareKeys(x[0], y[0]));
}

export function mapSize(v: object): number {
  return v instanceof Map ? v.size : Object.keys(v).length;
}

/** Field or key lookup on a map-like value; `undefined` when absent. */
export function lookupKey(obj: object, key: unknown): unknown {
  if (obj instanceof Map) return obj.get(key);
  if (typeof key !== 'string') return undefined;
  if (Object.prototype.hasOwnProperty.call(obj, key)) return (obj as Record<string, unknown>)[key];
  // Class instances may expose getters or methods on their prototype (Docker's
  // formatter rows have methods like .Label); never Object.prototype members.
  if (!isPlainObject(obj) && key in obj && !(key in Object.prototype)) return (obj as Record<string, unknown>)[key];
  return undefined;
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function runeCount(s: string): number {
  return [...s].length;
}
