// Small HTTP toolkit for the API: route tables, request context, JSON bodies and
// typed field readers that reject wrong types with a clear 400 instead of crashing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine/types.js';
import { invalid } from '../model/errors.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export type ApiLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** A complete (non-streamed) response. */
export interface Reply {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteContext {
  readonly engine: Engine;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The API version the client asked for (from the /vX.Y prefix), or the server's. */
  readonly apiVersion: string;
  readonly log: ApiLog;
  /** Aborted when the client goes away (for streams). */
  readonly signal: AbortSignal;
  /** The request body as a JSON object; `{}` when empty. Throws `invalid` on bad JSON. */
  body(): Promise<Record<string, unknown>>;
}

/** A handler returns a Reply, or undefined when it wrote (streamed) the response itself. */
export type Handler = (ctx: RouteContext) => Promise<Reply | undefined>;

export interface Route {
  readonly method: Method;
  /** Path pattern such as `/networks/{id}/connect`; `{x}` matches one segment. */
  readonly path: string;
  readonly handler: Handler;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply =>
  headers ? { status, json: body, headers } : { status, json: body };
export const noContent = (status = 204): Reply => ({ status });
export const text = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply => ({
  status,
  text: body,
  contentType,
});

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

/** Matches method + path against route tables; reports 404 vs 405 like a router should. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  constructor(tables: readonly (readonly Route[])[]) {
    for (const table of tables) {
      for (const route of table) this.routes.push({ route, segments: splitPath(route.path) });
    }
  }

  match(
    method: string,
    path: string,
  ): { kind: 'found'; route: Route; params: Record<string, string> } | { kind: 'not-found' } | { kind: 'method' } {
    const parts = splitPath(path);
    let pathMatched = false;
    for (const { route, segments } of this.routes) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'found', route, params };
      }
    }
    return pathMatched ? { kind: 'method' } : { kind: 'not-found' };
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith('{') && p.endsWith('}')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(v);
      } catch {
        return null;
      }
      params[p.slice(1, -1)] = decoded;
    } else if (p !== v) {
      return null;
    }
  }
  return params;
}

const MAX_BODY = 4 * 1024 * 1024;

/** Reads a request body whole, as UTF-8 text; larger than `limit` bytes is refused. */
export async function readTextBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw invalid(`request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and parses a JSON object body. Empty body → `{}`. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'];
  const raw = await readTextBody(req);
  if (raw.trim() === '') return {};
  if (type !== undefined && !/^application\/json\b/i.test(type.trim()) && type.trim() !== '') {
    throw invalid(`Content-Type specified (${type}) must be 'application/json'`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw invalid(`invalid JSON: ${(e as Error).message}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid(`invalid JSON: expected an object, got ${describe(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Typed, read-only access to a decoded JSON object. Like Go's encoding/json (which
 * dockerd uses), keys match case-insensitively, `null` counts as absent and unknown
 * keys are ignored; a value of the wrong type is a 400 naming the field.
 */
export class Fields {
  constructor(
    private readonly data: Readonly<Record<string, unknown>>,
    private readonly path = '',
  ) {}

  static of(v: unknown, path: string): Fields | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(path, 'object', v);
    return new Fields(v as Record<string, unknown>, path);
  }

  raw(key: string): unknown {
    if (Object.prototype.hasOwnProperty.call(this.data, key)) return this.data[key];
    const lower = key.toLowerCase();
    for (const k of Object.keys(this.data)) if (k.toLowerCase() === lower) return this.data[k];
    return undefined;
  }

  private name(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  str(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw wrongType(this.name(key), 'string', v);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw wrongType(this.name(key), 'boolean', v);
    return v;
  }

  int(key: string): number | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(this.name(key), 'integer', v);
    return v;
  }

  obj(key: string): Fields | undefined {
    return Fields.of(this.raw(key), this.name(key));
  }

  /** An object keyed by user data (e.g. ExposedPorts), as it is. */
  record(key: string): Readonly<Record<string, unknown>> | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(this.name(key), 'object', v);
    return v as Record<string, unknown>;
  }

  /** An object's entries (for maps keyed by user data). */
  entries(key: string): [string, unknown][] | undefined {
    const v = this.record(key);
    return v && Object.entries(v);
  }

  list(key: string): unknown[] | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw wrongType(this.name(key), 'array', v);
    return v;
  }

  strList(key: string): string[] | undefined {
    const v = this.list(key);
    if (v === undefined) return undefined;
    return v.map((x, i) => {
      if (typeof x !== 'string') throw wrongType(`${this.name(key)}[${i}]`, 'string', x);
      return x;
    });
  }

  /** A string, or an array of strings (Docker's "strslice": Cmd, Entrypoint). */
  strOrList(key: string): string[] | undefined {
    const v = this.raw(key);
    if (typeof v === 'string') return [v];
    return this.strList(key);
  }

  strMap(key: string): Record<string, string> | undefined {
    const entries = this.entries(key);
    if (entries === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (typeof v !== 'string') throw wrongType(`${this.name(key)}.${k}`, 'string', v);
      out[k] = v;
    }
    return out;
  }
}

function wrongType(field: string, expected: string, got: unknown) {
  return invalid(`invalid type for field "${field}": expected ${expected}, got ${describe(got)}`);
}

/** Docker's boolean query values: '', 0, no, false, none are false; anything else true. */
export function queryBool(q: URLSearchParams, key: string): boolean {
  const v = (q.get(key) ?? '').trim().toLowerCase();
  return !(v === '' || v === '0' || v === 'no' || v === 'false' || v === 'none');
}

/** An optional integer query parameter; a malformed one is a 400. */
export function queryInt(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw invalid(`invalid value for ${key}: ${JSON.stringify(v)}: not an integer`);
  return Number.parseInt(v, 10);
}
