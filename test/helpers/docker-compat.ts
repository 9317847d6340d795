// Shared by the Docker-compatibility tests (docker CLI, dockerode): one berthd and one
// real dockerd 20.10 side by side, the real docker 28 client run against either, raw
// HTTP over either socket, and the comparisons: ids masked by name, JSON compared by
// field set and types (and values where they must agree).
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthHost } from './berthd.js';
import { NetnsSet, runCmd, type CmdResult, type CmdOptions } from './netns.js';
import { startDockerd, type Dockerd } from '../differential/dockerd.js';

/** The docker client the issue names: 28.x, which negotiates the API down to 1.41. */
export const DOCKER28 = '/usr/local/bin/docker';

export type SideName = 'berth' | 'dockerd';

/** One daemon as the tests see it: a socket, and the ids it gave to names. */
export class Side {
  /** Full ids (networks, containers, endpoints...) → a stable label such as `net:appnet`. */
  readonly ids = new Map<string, string>();

  constructor(
    readonly name: SideName,
    readonly socket: string,
    private readonly clientEnv: NodeJS.ProcessEnv,
  ) {}

  /** Runs the docker 28 client against this daemon (`-H unix://SOCK`); never throws. */
  docker(args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
    return runCmd([DOCKER28, '-H', `unix://${this.socket}`, ...args], { timeoutMs: 60_000, ...opts, env: { ...this.clientEnv, ...(opts.env ?? {}) } });
  }

  /** Same, selecting the daemon through DOCKER_HOST instead of -H. */
  dockerViaEnv(args: readonly string[]): Promise<CmdResult> {
    return runCmd([DOCKER28, ...args], { timeoutMs: 60_000, env: { ...this.clientEnv, DOCKER_HOST: `unix://${this.socket}` } });
  }

  async mustDocker(args: readonly string[]): Promise<string> {
    const r = await this.docker(args);
    if (r.code !== 0) throw new Error(`[${this.name}] docker ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Env for long-running client processes (docker events). */
  env(): NodeJS.ProcessEnv {
    return { ...this.clientEnv };
  }

  /** Learns the current network and container ids (labels stay known after removal). */
  async learnIds(): Promise<void> {
    const nets = await this.docker(['network', 'ls', '--no-trunc', '--format', '{{.ID}}\t{{.Name}}']);
    const ctrs = await this.docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}']);
    for (const [text, kind] of [
      [nets.stdout, 'net'],
      [ctrs.stdout, 'ctr'],
    ] as const) {
      for (const line of text.split('\n')) {
        const [id, name] = line.split('\t');
        if (id && name && /^[0-9a-f]{64}$/.test(id)) this.learn(id, `${kind}:${name}`);
      }
    }
  }

  learn(id: string, label: string): void {
    if (!this.ids.has(id)) this.ids.set(id, label);
  }

  /**
   * Replaces known ids (full, and the 12-char short form) by their labels, and any
   * other 64- or 12-hex-digit id by a placeholder: what remains must be equal.
   */
  mask(text: string): string {
    let out = text;
    for (const [id, label] of this.ids) {
      out = out.split(id).join(`<${label}>`);
      out = out.replace(new RegExp(`\\b${id.slice(0, 12)}\\b`, 'g'), `<${label}:12>`);
    }
    return out.replace(/\b[0-9a-f]{64}\b/g, '<id>').replace(/\b[0-9a-f]{12}\b/g, '<id:12>');
  }

  /** A JSON value with ids masked in keys and strings. */
  maskJson<T>(v: T): T {
    return JSON.parse(this.mask(JSON.stringify(v))) as T;
  }

  /** One raw request over the socket: status, headers and body text. */
  http(method: string, path: string, body?: string | object, headers: Record<string, string> = {}): Promise<RawReply> {
    return rawRequest(this.socket, method, path, body, headers);
  }
}

export interface RawReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** Parses a reply body, or fails the test saying what came instead. */
export function jsonOf(r: RawReply, what: string): unknown {
  try {
    return JSON.parse(r.text) as unknown;
  } catch {
    throw new Error(`${what}: expected JSON, got ${r.status} ${JSON.stringify(r.text.slice(0, 300))}`);
  }
}

/** The message of an error reply: Docker's `{"message": ...}`, or the plain text some dockerd errors are. */
export function messageOf(r: RawReply): string {
  try {
    const v = JSON.parse(r.text) as { message?: unknown };
    if (typeof v.message === 'string') return v.message;
  } catch {
    // plain text
  }
  return r.text.trim();
}

export function rawRequest(socketPath: string, method: string, path: string, body?: string | object, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.end(payload);
  });
}

/** A berthd and a dockerd, each in its own namespaces, and a docker client config dir. */
export class DaemonPair {
  readonly berthHost = new BerthHost();
  readonly nets = new NetnsSet();
  dockerd: Dockerd | undefined;
  berth!: Side;
  docker!: Side;
  private cliDir = '';

  get sides(): readonly [Side, Side] {
    return [this.berth, this.docker];
  }

  async start(opts: { berthFlags?: readonly string[] } = {}): Promise<this> {
    this.cliDir = await mkdtemp(join(tmpdir(), 'berth-compat-cli-'));
    // Only what the client needs: no DOCKER_HOST/DOCKER_CONTEXT/~/.docker from the machine.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: this.cliDir,
      DOCKER_CONFIG: this.cliDir,
      DOCKER_CLI_HINTS: 'false',
      LANG: 'C',
    };
    const ns = await this.nets.add('dd');
    const [, d] = await Promise.all([this.berthHost.start({ flags: opts.berthFlags ?? [], neighbour: false }), startDockerd(ns)]);
    this.dockerd = d;
    this.berth = new Side('berth', this.berthHost.socket, env);
    this.docker = new Side('dockerd', d.socket, env);
    return this;
  }

  /** Runs the same client command on both daemons at once. */
  both(args: readonly string[] | ((s: Side) => readonly string[])): Promise<[CmdResult, CmdResult]> {
    const argv = (s: Side) => (typeof args === 'function' ? args(s) : args);
    return Promise.all([this.berth.docker(argv(this.berth)), this.docker.docker(argv(this.docker))]);
  }

  /** Stops both daemons and removes every namespace and file. Never throws. */
  async stop(): Promise<void> {
    await this.dockerd?.stop().catch(() => undefined);
    await this.nets.cleanup();
    await this.berthHost.stop();
    if (this.cliDir) await rm(this.cliDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ JSON shapes

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export interface ShapeOptions {
  /**
   * Go writes a nil slice or map as null and an empty one as [] or {}; which one a
   * daemon writes depends on what the client sent. With this set, null on one side
   * matches an array/object on the other.
   */
  readonly nilMatchesEmpty?: boolean;
  /** Fields berth adds on purpose (paths like `$.IPTables`): allowed extra. */
  readonly berthExtras?: readonly string[];
  /** Objects keyed by data (names, ids; paths like `$.Runtimes`): only their values' shapes count. */
  readonly maps?: readonly string[];
}

/**
 * Differences in field set and JSON types between berth's and dockerd's value,
 * recursively (array elements: the first of each; empty arrays match any array).
 * Each difference names its path, e.g. `$.IPAM.Config[0].Gateway: missing in berth`.
 */
export function shapeDiff(berth: unknown, dockerd: unknown, opts: ShapeOptions = {}, path = '$'): string[] {
  const tb = jsonType(berth);
  const td = jsonType(dockerd);
  if (tb !== td) {
    const containers = ['array', 'object'];
    if (opts.nilMatchesEmpty && ((tb === 'null' && containers.includes(td)) || (td === 'null' && containers.includes(tb)))) return [];
    return [`${path}: berth has ${tb} ${JSON.stringify(berth)?.slice(0, 60)}, dockerd ${td} ${JSON.stringify(dockerd)?.slice(0, 60)}`];
  }
  if (tb === 'array') {
    const a = berth as unknown[];
    const b = dockerd as unknown[];
    if (a.length === 0 || b.length === 0) return [];
    return shapeDiff(a[0], b[0], opts, `${path}[0]`);
  }
  if (tb !== 'object') return [];
  const a = berth as Record<string, unknown>;
  const b = dockerd as Record<string, unknown>;
  if ((opts.maps ?? []).includes(path)) {
    const va = Object.values(a);
    const vb = Object.values(b);
    return va.length === 0 || vb.length === 0 ? [] : shapeDiff(va[0], vb[0], opts, `${path}.*`);
  }
  const out: string[] = [];
  for (const k of Object.keys(b)) {
    if (!(k in a)) out.push(`${path}.${k}: missing in berth (dockerd: ${JSON.stringify(b[k])?.slice(0, 60)})`);
    else out.push(...shapeDiff(a[k], b[k], opts, `${path}.${k}`));
  }
  for (const k of Object.keys(a)) {
    if (!(k in b) && !(opts.berthExtras ?? []).includes(`${path}.${k}`)) out.push(`${path}.${k}: only in berth (${JSON.stringify(a[k])?.slice(0, 60)})`);
  }
  return out;
}

/**
 * Replaces values at the given paths (dot-separated keys, `*` for any key or array
 * index) by a marker, after checking each masked value has the type `check` names.
 */
export function maskPaths(v: unknown, paths: readonly string[], check: (path: string, value: unknown) => void = () => undefined): unknown {
  const copy = JSON.parse(JSON.stringify(v)) as unknown;
  for (const p of paths) visit(copy, p.split('.'), p, check);
  return copy;
}

function visit(node: unknown, parts: readonly string[], full: string, check: (path: string, value: unknown) => void): void {
  if (node === null || typeof node !== 'object') return;
  const [head, ...rest] = parts;
  if (head === undefined) return;
  const obj = node as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(obj) : Object.prototype.hasOwnProperty.call(obj, head) ? [head] : [];
  for (const k of keys) {
    if (rest.length === 0) {
      check(full, obj[k]);
      obj[k] = '<masked>';
    } else {
      visit(obj[k], rest, full, check);
    }
  }
}

/** Lines sorted: for output whose order dockerd does not fix (prune walks a map). */
export function sortedLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .sort()
    .join('\n');
}

/**
 * Go's nil and empty collections made alike: every {} and [] becomes null, recursively.
 * For values whose null-or-empty depends on what the client sent (DriverOpts, IPAMConfig).
 */
export function emptyToNull(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? null : v.map(emptyToNull);
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return null;
    return Object.fromEntries(entries.map(([k, x]) => [k, emptyToNull(x)]));
  }
  return v;
}
