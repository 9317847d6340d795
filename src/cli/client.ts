// A small programmatic client for berthd's API over its unix socket (node:http).
// Error responses become ApiError with the daemon's message; `display` is exactly
// what the Docker CLI prints for the same failure.
import { request, type IncomingMessage } from 'node:http';
import { API_VERSION } from '../api/version.js';
import type { DoctorReport } from '../doctor/run.js';
import type { RestoreJson } from '../api/routes/berth.js';
import type {
  DockerContainerInspect,
  DockerContainerSummary,
  DockerEvent,
  DockerNetwork,
} from '../api/shapes.js';

export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

/** An error response from the daemon. */
export class ApiError extends Error {
  /** What the CLI prints (Docker's wording). */
  readonly display: string;
  constructor(
    readonly status: number,
    message: string,
    display?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.display = display ?? `Error response from daemon: ${message}`;
  }
}

/** The daemon could not be reached. */
export class ConnectionError extends Error {
  constructor(
    readonly host: string,
    readonly code: string,
  ) {
    super(
      code === 'EACCES'
        ? `Got permission denied while trying to connect to the berth daemon socket at ${host}: connect: permission denied`
        : `Cannot connect to the berth daemon at ${host}. Is the berth daemon running?`,
    );
    this.name = 'ConnectionError';
  }
}

/** `unix:///path` (or a bare absolute path) → the socket path. */
export function socketPathOf(host: string): string {
  if (host.startsWith('unix://')) {
    const p = host.slice('unix://'.length);
    if (p.startsWith('/')) return p;
  } else if (host.startsWith('/')) {
    return host;
  }
  throw new Error(`unsupported host ${JSON.stringify(host)}: berth listens on unix sockets (unix:///path)`);
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** A body sent as it is (instead of `body` as JSON). */
  readonly raw?: { readonly data: Buffer; readonly contentType: string };
  /** Turns a 404 into Docker's "Error: No such <object>: <id>". */
  readonly notFound?: { readonly object: string; readonly id: string };
}

export interface Response {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface WaitBody {
  readonly StatusCode: number;
  readonly Error: { readonly Message: string } | null;
}

function buildPath(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === false) continue;
    q.set(k, v === true ? '1' : String(v));
  }
  const qs = q.toString();
  return `/v${API_VERSION}${path}${qs ? `?${qs}` : ''}`;
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function errorFrom(status: number, body: Buffer, opts: RequestOptions): ApiError {
  let message = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  if (message === '') message = `HTTP ${status}`;
  if (status === 404 && opts.notFound) {
    return new ApiError(status, message, `Error: No such ${opts.notFound.object}: ${opts.notFound.id}`);
  }
  return new ApiError(status, message);
}

const enc = encodeURIComponent;

export class BerthClient {
  readonly socketPath: string;

  constructor(readonly host: string = DEFAULT_HOST) {
    this.socketPath = socketPathOf(host);
  }

  /** Sends a request; resolves when the response headers arrive (errors ≥ 400 are thrown). */
  stream(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = opts.raw?.data ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      const contentType = opts.raw?.contentType ?? 'application/json';
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path: buildPath(path, opts.query),
          headers: {
            'User-Agent': 'berth-cli',
            ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            readAll(res).then((body) => reject(errorFrom(status, body, opts)), reject);
            return;
          }
          resolve(res);
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK'].includes(e.code ?? '')) {
          reject(new ConnectionError(this.host, e.code ?? ''));
        } else {
          reject(e);
        }
      });
      req.end(payload);
    });
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const res = await this.stream(method, path, opts);
    return { status: res.statusCode ?? 0, headers: res.headers, body: await readAll(res) };
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const r = await this.request(method, path, opts);
    return JSON.parse(r.body.toString('utf8')) as T;
  }

  // ------------------------------------------------------------ system

  async ping(): Promise<string> {
    return (await this.request('GET', '/_ping')).body.toString('utf8');
  }

  version(): Promise<Record<string, unknown>> {
    return this.json('GET', '/version');
  }

  info(): Promise<Record<string, unknown>> {
    return this.json('GET', '/info');
  }

  /** The event stream (newline-delimited JSON of DockerEvent). */
  events(query: Query = {}): Promise<IncomingMessage> {
    return this.stream('GET', '/events', { query });
  }

  async rules(): Promise<string> {
    return (await this.request('GET', '/berth/rules')).body.toString('utf8');
  }

  /** A save file of everything berthd owns (its text). */
  async save(): Promise<string> {
    return (await this.request('GET', '/berth/save')).body.toString('utf8');
  }

  /** Restores a save file's bytes onto berthd; `name` is how berthd's messages call the file. */
  restore(data: Buffer, name: string): Promise<RestoreJson> {
    return this.json('POST', '/berth/restore', { query: { name }, raw: { data, contentType: 'application/json' } });
  }

  /** berth doctor's report on berthd's host; with `fix`, after applying the fixes. */
  doctor(fix: boolean): Promise<DoctorReport> {
    return fix ? this.json('POST', '/berth/doctor/fix') : this.json('GET', '/berth/doctor');
  }

  // ------------------------------------------------------------ networks

  networkList(filters?: string): Promise<DockerNetwork[]> {
    return this.json('GET', '/networks', { query: { filters } });
  }

  /** The network, and the raw JSON as the daemon sent it. */
  async networkInspect(id: string): Promise<{ value: DockerNetwork; raw: string }> {
    const r = await this.request('GET', `/networks/${enc(id)}`, { notFound: { object: 'network', id } });
    const raw = r.body.toString('utf8');
    return { value: JSON.parse(raw) as DockerNetwork, raw };
  }

  networkCreate(body: Record<string, unknown>): Promise<{ Id: string; Warning: string }> {
    return this.json('POST', '/networks/create', { body });
  }

  async networkRemove(id: string): Promise<void> {
    await this.request('DELETE', `/networks/${enc(id)}`, { notFound: { object: 'network', id } });
  }

  async networkConnect(network: string, body: Record<string, unknown>): Promise<void> {
    await this.request('POST', `/networks/${enc(network)}/connect`, { body });
  }

  async networkDisconnect(network: string, container: string, force: boolean): Promise<void> {
    await this.request('POST', `/networks/${enc(network)}/disconnect`, { body: { Container: container, Force: force } });
  }

  networkPrune(): Promise<{ NetworksDeleted: string[] | null }> {
    return this.json('POST', '/networks/prune');
  }

  // ------------------------------------------------------------ containers

  containerList(query: { all?: boolean; filters?: string; limit?: number } = {}): Promise<DockerContainerSummary[]> {
    return this.json('GET', '/containers/json', { query });
  }

  containerCreate(name: string | undefined, body: Record<string, unknown>): Promise<{ Id: string; Warnings: string[] | null }> {
    return this.json('POST', '/containers/create', { query: { name }, body });
  }

  async containerInspect(id: string): Promise<{ value: DockerContainerInspect; raw: string }> {
    const r = await this.request('GET', `/containers/${enc(id)}/json`, { notFound: { object: 'container', id } });
    const raw = r.body.toString('utf8');
    return { value: JSON.parse(raw) as DockerContainerInspect, raw };
  }

  /** false when the container was already running (304). */
  async containerStart(id: string): Promise<boolean> {
    return (await this.request('POST', `/containers/${enc(id)}/start`)).status !== 304;
  }

  async containerStop(id: string, timeoutSec?: number): Promise<void> {
    await this.request('POST', `/containers/${enc(id)}/stop`, { query: { t: timeoutSec } });
  }

  async containerRestart(id: string, timeoutSec?: number): Promise<void> {
    await this.request('POST', `/containers/${enc(id)}/restart`, { query: { t: timeoutSec } });
  }

  async containerRemove(id: string, force: boolean): Promise<void> {
    await this.request('DELETE', `/containers/${enc(id)}`, { query: { force }, notFound: { object: 'container', id } });
  }

  /**
   * Arms a wait: resolves once the daemon has registered it (response headers), with
   * the eventual result.
   */
  async containerWait(
    id: string,
    condition: 'not-running' | 'next-exit' | 'removed' = 'not-running',
  ): Promise<{ result: Promise<WaitBody>; cancel(): void }> {
    const res = await this.stream('POST', `/containers/${enc(id)}/wait`, { query: { condition } });
    const result = readAll(res).then((b) => {
      const text = b.toString('utf8');
      if (text.trim() === '') throw new Error('wait was cancelled');
      return JSON.parse(text) as WaitBody;
    });
    result.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
    return { result, cancel: () => res.destroy() };
  }

  /** The log stream (plain bytes), following until the container stops when `follow`. */
  containerLogs(id: string, follow: boolean): Promise<IncomingMessage> {
    return this.stream('GET', `/containers/${enc(id)}/logs`, {
      query: { stdout: true, stderr: true, follow },
      notFound: { object: 'container', id },
    });
  }
}

export type { DockerEvent };
