// Test-side network-namespace helper shared by every integration and
// differential test.
//
// The hard rule (docs/testing.md): tests never touch the machine's root network
// namespace. Everything here happens in named namespaces that carry a per-run
// prefix (`bt<4 hex>-...`), so parallel runs and leftovers never collide, and
// `cleanup()` kills every process left in them and deletes them.
//
// External programs are always run from argv arrays (never a shell string).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';

export interface CmdResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CmdOptions {
  /** Kill the program after this many ms (default 30 s); the result then has code 124. */
  readonly timeoutMs?: number;
  /** Written to stdin, then stdin is closed. */
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs argv and resolves with exit code and output, whatever the exit code. */
export function runCmd(argv: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (file === undefined) return reject(new Error('runCmd: empty argv'));
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${file}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (timedOut ? `\n[killed after ${opts.timeoutMs ?? 30_000} ms]` : ''),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like runCmd, but a non-zero exit throws with argv, code and stderr in the message. */
export async function mustRun(argv: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const r = await runCmd(argv, opts);
  if (r.code !== 0) {
    throw new Error(`${argv.join(' ')}: exit ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r;
}

/** A fresh run prefix: "bt" + 4 random hex digits (short: interface names are capped at 15 chars). */
export function uniquePrefix(tag = 'bt'): string {
  return `${tag}${randomBytes(2).toString('hex')}`;
}

export interface PollOptions {
  /** Give up after this many ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  readonly intervalMs?: number;
  /** Describes the awaited state for the timeout message. */
  readonly what?: string;
}

/**
 * Calls `fn` until it returns something other than undefined/false/null and
 * returns that. Bounded: throws after `timeoutMs`, naming what was awaited and
 * the last value or error seen. This replaces every fixed sleep in tests.
 */
export async function pollUntil<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
      last = v;
    } catch (e) {
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what ?? 'condition'}; last: ${String(last)}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/** A long-running process started in a namespace. */
export interface Spawned {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the exit code (or 128+signal) once the process has ended. */
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 2 s); resolves when gone. */
  kill(graceMs?: number): Promise<void>;
}

/** Spawns argv (no namespace change) as a tracked long-running process. */
export function spawnProcess(argv: readonly string[], env?: NodeJS.ProcessEnv): Spawned {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('spawn: empty argv');
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let buf = '';
  child.stdout?.on('data', (b: Buffer) => (buf += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (buf += b.toString('utf8')));
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    pid: child.pid ?? -1,
    child,
    output: () => buf,
    exited,
    async kill(graceMs = 2000) {
      if (done) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

// Tiny node programs used as listener and client. They run as `node -e CODE
// ARGS...` inside the namespace: deterministic, no dependency on a netcat flavour.
// Exported so tests can also run them inside sandboxes:
//   node -e LISTENER tcp|udp HOST PORT TAG      node -e CLIENT tcp|udp HOST PORT TIMEOUT_MS
// The listener prints "LISTENING" once bound, then answers each TCP connection
// (or UDP datagram) with "pong <tag>".
export const LISTENER = `
const [proto, host, port, tag] = process.argv.slice(1);
if (proto === 'udp') {
  const s = require('dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.on('message', (m, r) => s.send('pong ' + tag + ' from ' + r.address + '\\n', r.port, r.address));
  s.bind(Number(port), host, () => console.log('LISTENING'));
} else {
  const srv = require('net').createServer((c) => { c.on('error', () => {}); c.end('pong ' + tag + ' from ' + c.remoteAddress + '\\n'); });
  srv.listen(Number(port), host, () => console.log('LISTENING'));
}`;
// The client prints what it got and exits 0, or exits 1 (error) / 2 (timeout).
export const CLIENT = `
const [proto, host, port, ms] = process.argv.slice(1);
const t = setTimeout(() => { console.error('timeout'); process.exit(2); }, Number(ms));
if (proto === 'udp') {
  const s = require('dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.on('message', (m) => { process.stdout.write(m); clearTimeout(t); process.exit(0); });
  s.on('error', (e) => { console.error(e.message); process.exit(1); });
  s.send('ping', Number(port), host);
} else {
  let got = '';
  const c = require('net').connect(Number(port), host);
  c.on('data', (d) => (got += d));
  c.on('end', () => { process.stdout.write(got); clearTimeout(t); process.exit(got ? 0 : 1); });
  c.on('error', (e) => { console.error(e.message); process.exit(1); });
}`;

// HTTP GET with a timeout; prints the body, exits 0 on any HTTP response.
// (busybox-static's wget segfaults on the Debian 12 host, so it is not used.)
export const HTTP_GET = `
const [url, ms] = process.argv.slice(1);
const req = require('http').get(url, { timeout: Number(ms) }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => { process.stdout.write(res.statusCode + '\\n' + body); process.exit(0); });
});
req.on('timeout', () => { console.error('timeout'); process.exit(2); });
req.on('error', (e) => { console.error(e.message); process.exit(1); });`;

export interface ProbeResult {
  readonly ok: boolean;
  /** What the listener answered (e.g. "pong web from 10.200.0.2"), or the error. */
  readonly detail: string;
}

export interface VethEnd {
  /** Full namespace name (as returned by `add`). */
  readonly ns: string;
  /** Interface name inside that namespace (max 15 chars). */
  readonly ifname: string;
  /** Address with prefix length, e.g. "10.200.0.1/24"; omitted: no address. */
  readonly addr?: string;
}

/**
 * A set of named namespaces that share one run prefix. Create it, `add` the
 * namespaces you need, and call `cleanup()` in a finally/after hook.
 */
export class NetnsSet {
  readonly prefix: string;
  private readonly names: string[] = [];
  private readonly spawned: Spawned[] = [];

  constructor(prefix: string = uniquePrefix()) {
    this.prefix = prefix;
  }

  /** Namespaces created so far (full names). */
  get namespaces(): readonly string[] {
    return this.names;
  }

  /** Creates `<prefix>-<short>` (ip netns add), brings up lo, returns the full name. */
  async add(short: string): Promise<string> {
    const name = `${this.prefix}-${short}`;
    await mustRun(['ip', 'netns', 'add', name]);
    this.names.push(name);
    await mustRun(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** Deletes one namespace of the set, in which no process may run any more (ip netns del). */
  async remove(name: string): Promise<void> {
    await mustRun(['ip', 'netns', 'del', name]);
    const i = this.names.indexOf(name);
    if (i >= 0) this.names.splice(i, 1);
  }

  /** The bind-mount path of a namespace, for nsenter --net=PATH. */
  static path(ns: string): string {
    return `/var/run/netns/${ns}`;
  }

  /**
   * Creates a veth pair directly between two namespaces (it is created inside
   * a.ns, so it never exists in the root namespace), sets addresses, brings
   * both ends up.
   */
  async veth(a: VethEnd, b: VethEnd): Promise<void> {
    await mustRun(['ip', '-n', a.ns, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns]);
    for (const end of [a, b]) {
      if (end.addr) await mustRun(['ip', '-n', end.ns, 'addr', 'add', end.addr, 'dev', end.ifname]);
      await mustRun(['ip', '-n', end.ns, 'link', 'set', end.ifname, 'up']);
    }
  }

  /**
   * Runs a short command in a namespace via `ip netns exec` (fresh /sys
   * mount: right for probes and tools, wrong for daemons).
   */
  exec(ns: string, argv: readonly string[], opts?: CmdOptions): Promise<CmdResult> {
    return runCmd(['ip', 'netns', 'exec', ns, ...argv], opts);
  }

  /** Runs a command in the namespace's network only (`nsenter --net=`), keeping the host's mounts. */
  nsenter(ns: string, argv: readonly string[], opts?: CmdOptions): Promise<CmdResult> {
    return runCmd(['nsenter', `--net=${NetnsSet.path(ns)}`, ...argv], opts);
  }

  /**
   * Starts a long-running process in a namespace. Daemons (dockerd, berthd)
   * must use `via: 'nsenter'` (the default), so they share the host's mount
   * namespace and /sys (cgroups) and their named namespaces stay visible.
   * The process is killed by `cleanup()` if not killed before.
   */
  spawn(ns: string, argv: readonly string[], opts: { via?: 'nsenter' | 'ip-netns-exec'; env?: NodeJS.ProcessEnv } = {}): Spawned {
    const prefix = opts.via === 'ip-netns-exec' ? ['ip', 'netns', 'exec', ns] : ['nsenter', `--net=${NetnsSet.path(ns)}`];
    const s = spawnProcess([...prefix, ...argv], opts.env);
    this.spawned.push(s);
    return s;
  }

  /**
   * Starts a TCP or UDP listener (node) on host:port in `ns` that answers
   * "pong <tag> from <peer address>"; resolves once it is bound.
   */
  async listen(ns: string, proto: 'tcp' | 'udp', port: number, opts: { host?: string; tag?: string; timeoutMs?: number } = {}): Promise<Spawned> {
    const s = this.spawn(ns, [process.execPath, '-e', LISTENER, proto, opts.host ?? '0.0.0.0', String(port), opts.tag ?? ns]);
    try {
      await pollUntil(() => s.output().includes('LISTENING') || (s.child.exitCode !== null ? Promise.reject(new Error(s.output())) : false), {
        timeoutMs: opts.timeoutMs ?? 5000,
        what: `${proto} listener on ${opts.host ?? '0.0.0.0'}:${port} in ${ns}`,
      });
    } catch (e) {
      await s.kill();
      throw e;
    }
    return s;
  }

  /** Connects from `ns` to host:port (TCP) or sends one datagram and awaits a reply (UDP). */
  async probe(ns: string, proto: 'tcp' | 'udp', host: string, port: number, timeoutMs = 1500): Promise<ProbeResult> {
    const r = await this.exec(ns, [process.execPath, '-e', CLIENT, proto, host, String(port), String(timeoutMs)], {
      timeoutMs: timeoutMs + 5000,
    });
    return { ok: r.code === 0, detail: r.code === 0 ? r.stdout.trim() : `exit ${r.code}: ${r.stderr.trim()}` };
  }

  /** HTTP GET from `ns`; `status` is 0 when no HTTP answer came (then `body` holds the error). */
  async httpGet(ns: string, url: string, timeoutMs = 1500): Promise<{ status: number; body: string }> {
    const r = await this.exec(ns, [process.execPath, '-e', HTTP_GET, url, String(timeoutMs)], { timeoutMs: timeoutMs + 5000 });
    if (r.code !== 0) return { status: 0, body: `exit ${r.code}: ${r.stderr.trim()}` };
    const nl = r.stdout.indexOf('\n');
    return { status: Number(r.stdout.slice(0, nl)), body: r.stdout.slice(nl + 1) };
  }

  /** Pids of every process whose network namespace is `ns` (ip netns pids). */
  static async pids(ns: string): Promise<number[]> {
    const r = await runCmd(['ip', 'netns', 'pids', ns]);
    return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((n) => n > 0 && n !== process.pid);
  }

  /**
   * Kills the processes this set spawned, then every process still inside
   * its namespaces (SIGKILL), then deletes the namespaces. Safe to call twice;
   * never throws (it reports problems on stderr) so it fits finally-blocks.
   */
  async cleanup(): Promise<void> {
    await Promise.all(this.spawned.map((s) => s.kill(500).catch(() => undefined)));
    for (const ns of [...this.names].reverse()) {
      try {
        await killNamespacePids(ns);
        const r = await runCmd(['ip', 'netns', 'del', ns]);
        if (r.code !== 0 && !/No such file/.test(r.stderr)) process.stderr.write(`netns cleanup: ${ns}: ${r.stderr}`);
      } catch (e) {
        process.stderr.write(`netns cleanup: ${ns}: ${String(e)}\n`);
      }
    }
    this.names.length = 0;
  }
}

/** SIGKILLs every process in `ns` and waits (bounded) until none is left. */
export async function killNamespacePids(ns: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const pids = await NetnsSet.pids(ns);
    if (pids.length === 0) return;
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (Date.now() > deadline) {
      process.stderr.write(`netns cleanup: ${ns}: pids survive SIGKILL: ${pids.join(' ')}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pids of all processes whose parent chain includes one of `roots` (roots excluded). */
export async function descendants(roots: readonly number[]): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = await readFile(`/proc/${d}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(rest[1]));
    } catch {
      /* raced with exit */
    }
  }
  const want = new Set(roots);
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) {
      if (want.has(p)) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/** Named namespaces (ip netns list) whose name starts with `prefix`: leftovers if any. */
export async function leftoverNamespaces(prefix: string): Promise<string[]> {
  const r = await runCmd(['ip', 'netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}
