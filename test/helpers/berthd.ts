// A berthd under test: a "host" namespace (where berthd runs, through nsenter) and
// an "ext" neighbour linked to it (10.200.0.1/24 <-> 10.200.0.2/24), plus a runner
// for the real `berth` CLI against berthd's socket. Everything lives in namespaces
// carrying the run prefix, sandboxes included (--netns-prefix), and `stop()`
// removes all of it.
//
// The firewall backend is the host's: iptables unless told otherwise. Suites that
// must hold on both run once per backend of `firewallBackends()`, which
// BERTH_FIREWALL_BACKEND=iptables|nftables narrows to one.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NetnsSet, pollUntil, runCmd, killNamespacePids, leftoverNamespaces, type CmdResult, type Spawned } from './netns.js';

const DIST = resolve(new URL('../..', import.meta.url).pathname);
export const BERTHD = join(DIST, 'src/bin/berthd.js');
export const BERTH = join(DIST, 'berth.mjs'); // the bundled CLI (scripts/bundle-cli.mjs)

export type FirewallBackendName = 'iptables' | 'nftables';

/**
 * The node options berthd's `#!/usr/bin/env -S node ...` line gives it: a berthd
 * started as `node <file>` gets them too. A line of another form fails loudly
 * rather than starting berthd without them.
 */
export function shebangNodeFlags(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env (?:-S )?node((?: \S+)*)$/.exec(first);
  if (!m) throw new Error(`${file}: expected "#!/usr/bin/env [-S] node [options]" as its first line, got "${first}"`);
  return (m[1] ?? '').split(' ').filter((f) => f !== '');
}

/** berthd's node options, read once for every daemon the run starts. */
let berthdNodeFlags: readonly string[] | undefined;

/** The backends a suite runs on: both, or the one BERTH_FIREWALL_BACKEND names. */
export function firewallBackends(): readonly FirewallBackendName[] {
  const only = process.env.BERTH_FIREWALL_BACKEND;
  if (only === undefined || only === '') return ['iptables', 'nftables'];
  if (only !== 'iptables' && only !== 'nftables') throw new Error(`BERTH_FIREWALL_BACKEND: expected iptables or nftables, got "${only}"`);
  return [only];
}

export const HOST_IP = '10.200.0.1';
export const EXT_IP = '10.200.0.2';

export interface BerthHostOptions {
  /** Extra berthd flags (dockerd's: --icc=false, --userland-proxy=false ...). */
  readonly flags?: readonly string[];
  /** Sysctls to set in the host namespace before berthd starts (e.g. ip_forward=0). */
  readonly sysctls?: Readonly<Record<string, string>>;
  /** Create the ext neighbour (default true). */
  readonly neighbour?: boolean;
}

export class BerthHost {
  readonly nets: NetnsSet;
  host = '';
  ext = '';
  private dir = '';
  private daemon: Spawned | null = null;

  constructor(readonly backend: FirewallBackendName = 'iptables') {
    this.nets = new NetnsSet();
  }

  /** Writes daemon.json before start(). */
  async daemonJson(config: Record<string, unknown>): Promise<void> {
    if (!this.dir) this.dir = await mkdtemp(join(tmpdir(), 'berth-test-'));
    await writeFile(join(this.dir, 'daemon.json'), JSON.stringify(config));
  }

  get socket(): string {
    return join(this.dir, 'berth.sock');
  }

  get dataRoot(): string {
    return join(this.dir, 'data');
  }

  get execRoot(): string {
    return join(this.dir, 'exec');
  }

  /** The named namespace berthd gives a sandbox. */
  sandbox(name: string): string {
    return `${this.nets.prefix}-c-${name}`;
  }

  async start(opts: BerthHostOptions = {}): Promise<this> {
    if (!this.dir) this.dir = await mkdtemp(join(tmpdir(), 'berth-test-'));
    this.host = await this.nets.add('host');
    if (opts.neighbour !== false) {
      this.ext = await this.nets.add('ext');
      await this.nets.veth({ ns: this.host, ifname: 'eth0', addr: `${HOST_IP}/24` }, { ns: this.ext, ifname: 'eth0', addr: `${EXT_IP}/24` });
    }
    for (const [k, v] of Object.entries(opts.sysctls ?? {})) {
      const r = await this.nets.exec(this.host, ['sysctl', '-qw', `${k}=${v}`]);
      if (r.code !== 0) throw new Error(`sysctl ${k}=${v}: ${r.stderr}`);
    }
    await this.startDaemon(opts.flags ?? []);
    return this;
  }

  /** Starts (or restarts) berthd in the host namespace and waits for its API; `env` replaces its environment. */
  async startDaemon(flags: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<void> {
    const argv = [
      process.execPath,
      ...(berthdNodeFlags ??= shebangNodeFlags(BERTHD)),
      BERTHD,
      '--data-root',
      this.dataRoot,
      '--exec-root',
      this.execRoot,
      '-H',
      `unix://${this.socket}`,
      '--pidfile',
      join(this.dir, 'berthd.pid'),
      '--netns-prefix',
      `${this.nets.prefix}-c-`,
      '--config-file',
      join(this.dir, 'daemon.json'),
      ...(this.backend === 'iptables' ? [] : ['--firewall-backend', this.backend]),
      ...flags,
    ];
    // An empty config unless the test wrote one ('wx' fails when the file exists).
    await writeFile(join(this.dir, 'daemon.json'), '{}\n', { flag: 'wx' }).catch(() => undefined);
    const d = this.nets.spawn(this.host, argv, env ? { env } : {});
    this.daemon = d;
    await pollUntil(
      () => d.output().includes('berthd ready') || (d.child.exitCode !== null ? Promise.reject(new Error(`berthd exited: ${d.output()}`)) : false),
      { timeoutMs: 15000, what: 'berthd ready' },
    );
  }

  /** berthd's log so far. */
  log(): string {
    return this.daemon?.output() ?? '';
  }

  async stopDaemon(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    this.daemon = null;
    if (signal === 'SIGKILL') d.child.kill('SIGKILL');
    else d.child.kill('SIGTERM');
    await Promise.race([d.exited, new Promise((r) => setTimeout(r, 15000))]);
    await d.kill(500);
  }

  /** Runs the berth CLI against this daemon. */
  berth(args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<CmdResult> {
    return runCmd([process.execPath, BERTH, '-H', `unix://${this.socket}`, ...args], { timeoutMs: opts.timeoutMs ?? 30000 });
  }

  /** Like berth(), but fails with the CLI's output unless it exits 0. */
  async ok(args: readonly string[]): Promise<string> {
    const r = await this.berth(args);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nberthd log:\n${this.log().slice(-3000)}`);
    return r.stdout;
  }

  /** One request to berthd's API over its socket (no CLI process): status and parsed JSON (or text). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        { socketPath: this.socket, method, path, headers: payload ? { 'Content-Type': 'application/json' } : {} },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // plain text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.end(payload);
    });
  }

  /** iptables-save of the host namespace. */
  async iptablesSave(): Promise<string> {
    const r = await this.nets.exec(this.host, ['iptables-save']);
    if (r.code !== 0) throw new Error(`iptables-save: ${r.stderr}`);
    return r.stdout;
  }

  /** The host namespace's ruleset as the backend's own tool prints it (iptables-save, or nft list ruleset). */
  async rulesetDump(): Promise<string> {
    if (this.backend === 'iptables') return this.iptablesSave();
    const r = await this.nets.exec(this.host, ['nft', 'list', 'ruleset']);
    if (r.code !== 0) throw new Error(`nft list ruleset: ${r.stderr}`);
    return r.stdout;
  }

  /** Address of a sandbox on a network, from `berth inspect`. */
  async ip(container: string, network?: string): Promise<string> {
    const fmt = network ? `{{(index .NetworkSettings.Networks "${network}").IPAddress}}` : '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}';
    return (await this.ok(['inspect', '-f', fmt, container])).trim().split(' ')[0] ?? '';
  }

  /** Removes berthd, its sandboxes' namespaces, the test namespaces and files. Never throws. */
  async stop(): Promise<void> {
    await this.stopDaemon().catch(() => undefined);
    for (const ns of await leftoverNamespaces(this.nets.prefix).catch(() => [] as string[])) {
      if (this.nets.namespaces.includes(ns)) continue;
      await killNamespacePids(ns).catch(() => undefined);
      await runCmd(['ip', 'netns', 'del', ns]);
    }
    await this.nets.cleanup();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
