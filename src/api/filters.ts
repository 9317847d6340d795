// Docker's `filters` query parameter: JSON `{"name":{"foo":true}}` (or the legacy
// `{"name":["foo"]}`), with Docker's matching rules (regexp for name/id, exact for
// driver, all-of for labels).
import { invalid } from '../model/errors.js';

export class Filters {
  constructor(private readonly fields: ReadonlyMap<string, readonly string[]>) {}

  static empty(): Filters {
    return new Filters(new Map());
  }

  get size(): number {
    return this.fields.size;
  }

  keys(): string[] {
    return [...this.fields.keys()];
  }

  has(key: string): boolean {
    return this.fields.has(key);
  }

  get(key: string): readonly string[] {
    return this.fields.get(key) ?? [];
  }

  /** Rejects keys not in `accepted`, with Docker's message. */
  validate(accepted: readonly string[]): void {
    for (const k of this.fields.keys()) if (!accepted.includes(k)) throw invalid(`Invalid filter '${k}'`);
  }

  exactMatch(key: string, value: string): boolean {
    const vals = this.fields.get(key);
    if (!vals || vals.length === 0) return true;
    return vals.includes(value);
  }

  /** Exact, or unanchored regular expression (as Docker's filters.Match). */
  match(key: string, value: string): boolean {
    const vals = this.fields.get(key);
    if (!vals || vals.length === 0) return true;
    for (const v of vals) {
      if (v === value) return true;
      try {
        if (new RegExp(v).test(value)) return true;
      } catch {
        // an invalid expression matches nothing, as in Docker
      }
    }
    return false;
  }

  /** Exact or prefix match (Docker's filters.FuzzyMatch, used for ids). */
  fuzzyMatch(key: string, value: string): boolean {
    const vals = this.fields.get(key);
    if (!vals || vals.length === 0) return true;
    return vals.some((v) => v === value || value.startsWith(v));
  }

  /** Every `key` or `key=value` must be present in the labels. */
  matchKVList(key: string, labels: Readonly<Record<string, string>>): boolean {
    const vals = this.fields.get(key);
    if (!vals || vals.length === 0) return true;
    if (Object.keys(labels).length === 0) return false;
    for (const v of vals) {
      const eq = v.indexOf('=');
      const k = eq < 0 ? v : v.slice(0, eq);
      if (!Object.prototype.hasOwnProperty.call(labels, k)) return false;
      if (eq >= 0 && labels[k] !== v.slice(eq + 1)) return false;
    }
    return true;
  }
}

export function parseFilters(raw: string | null): Filters {
  if (raw === null || raw.trim() === '') return Filters.empty();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw invalid(`invalid filters: ${(e as Error).message}`);
  }
  if (parsed === null) return Filters.empty();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('invalid filters: expected a JSON object');
  const out = new Map<string, string[]>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const values: string[] = [];
    if (Array.isArray(value)) {
      for (const v of value) {
        if (typeof v !== 'string') throw invalid(`invalid filters: values of "${key}" must be strings`);
        values.push(v);
      }
    } else if (value !== null && typeof value === 'object') {
      for (const [v, on] of Object.entries(value as Record<string, unknown>)) {
        if (typeof on !== 'boolean') throw invalid(`invalid filters: values of "${key}" must map to true`);
        if (on) values.push(v);
      }
    } else if (value !== null) {
      throw invalid(`invalid filters: "${key}" must map to an object of values`);
    }
    out.set(key, values);
  }
  return new Filters(out);
}

/** Serialises filters the way the Docker CLI sends them. */
export function encodeFilters(pairs: readonly (readonly [string, string])[]): string {
  const obj: Record<string, Record<string, boolean>> = {};
  for (const [k, v] of pairs) (obj[k] ??= {})[v] = true;
  return JSON.stringify(obj);
}
