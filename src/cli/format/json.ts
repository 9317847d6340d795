// Docker's `json` template function: encoding/json with HTML escaping off and
// no trailing newline. Object keys keep their insertion order (berth builds its
// objects in Docker's struct field order); Map instances are Go maps and sort.
// Like Docker, a value encoding/json rejects (NaN, cycles) yields "".

import { HeaderRef, compareStrings } from './values.js';

class Unsupported extends Error {}

function quoteJSON(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
    }
    if (c < 0x20 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'; // lone surrogate is invalid UTF-8 to Go
    else out += ch;
  }
  return out + '"';
}

function encode(v: unknown, seen: Set<object>): string {
  if (v === undefined || v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new Unsupported();
      return String(v); // JS and Go pick the same digits and exponent cut-offs
    case 'string':
      return quoteJSON(v);
    case 'function':
    case 'symbol':
      throw new Unsupported();
  }
  const obj = v as object;
  if (obj instanceof HeaderRef) return quoteJSON(obj.text);
  if (seen.has(obj)) throw new Unsupported();
  seen.add(obj);
  try {
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
      return encode((obj as { toJSON: () => unknown }).toJSON(), seen);
    }
    if (Array.isArray(obj)) return '[' + obj.map((e) => encode(e, seen)).join(',') + ']';
    let entries: Array<[string, unknown]>;
    if (obj instanceof Map) {
      entries = [...obj.entries()].map(([k, val]): [string, unknown] => [String(k), val]);
      entries.sort((a, b) => compareStrings(a[0], b[0]));
    } else entries = Object.entries(obj);
    const parts: string[] = [];
    for (const [k, val] of entries) {
      if (val === undefined || typeof val === 'function' || typeof val === 'symbol') continue;
      parts.push(quoteJSON(k) + ':' + encode(val, seen));
    }
    return '{' + parts.join(',') + '}';
  } finally {
    seen.delete(obj);
  }
}

export function dockerJSON(v: unknown): string {
  try {
    return encode(v, new Set());
  } catch (e) {
    if (e instanceof Unsupported) return '';
    throw e;
  }
}
