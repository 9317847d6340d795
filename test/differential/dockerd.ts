// Driver for a REAL dockerd 20.10 running inside a network namespace, used to
// capture reference ("golden") behaviour that berth must match.
//
// How dockerd is run, and the gotchas found doing it:
//
// - `nsenter --net=/var/run/netns/NS /usr/sbin/dockerd ...`, never
//   `ip netns exec`: the latter gives dockerd a private mount namespace with a
//   fresh /sys, which hides the cgroup hierarchy it needs. With nsenter it
//   shares the host's mounts, so everything it mounts is visible (and must be
//   unmounted by us) in the root mount namespace.
// - Every path is private to the run (temp dir DIR): --data-root DIR/data,
//   --exec-root DIR/exec, --pidfile DIR/dockerd.pid, -H unix://DIR/d.sock.
//   Keep DIR short: unix socket paths are capped at 108 bytes.
// - dockerd starts its own containerd (DIR/exec/containerd/containerd.sock,
//   state under DIR/data/containerd). The containerd-shim-runc-v2 processes
//   are re-parented away from dockerd, so `stop()` also hunts them down by
//   command line (they carry DIR in `-address`) and kills their descendants.
// - --config-file DIR/daemon.json is always passed: otherwise dockerd reads
//   the machine's /etc/docker/daemon.json. Keys in it must not repeat a flag
//   (dockerd refuses "conflicting" directives).
// - dockerd 20.10 writes its libtrust key to /etc/docker/key.json (there is
//   no flag to move it; it is harmless but we remove it if we created it).
// - --storage-driver vfs: no overlay mounts, works on any backing fs; the
//   busybox image is tiny, so copying layers costs nothing.
// - dockerd bind-mounts --data-root onto itself and bind-mounts each
//   sandbox's netns file under DIR/exec/netns/. A clean SIGTERM shutdown
//   removes them; after a crash `stop()` lazily unmounts whatever remains
//   under DIR before deleting it (never rm -rf through a live mount).
// - Containers whose command is PID 1 and has no SIGTERM handler (sleep,
//   httpd) make `docker stop` and daemon shutdown wait 10 s. `stop()`
//   therefore removes all containers with `rm -f` (SIGKILL) first.
// - cgroups are v1 here (cgroupfs driver); dockerd only warns about blkio.
// - dockerd also creates /run/docker/plugins and /run/containerd/s (shim
//   sockets, hashed by socket address, so concurrent daemons don't collide).
//   These are shared, empty directories and are left alone.
// - The docker client is /usr/bin/docker (20.10, API 1.41); /usr/local/bin/docker
//   is a newer client with different messages. DOCKER_CONFIG points into DIR
//   so ~/.docker (contexts, config) plays no part.
// - No registry: the image bb:latest is imported from a busybox-static
//   rootfs (bin/busybox + symlinks) with `docker import`. It has no PATH
//   env; dockerd supplies the default PATH.
import { mkdtemp, mkdir, writeFile, readFile, readdir, rm, symlink, copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCmd, mustRun, pollUntil, descendants, spawnProcess, NetnsSet, type CmdResult, type CmdOptions, type Spawned } from '../helpers/netns.js';
import { isAlive } from '../../src/engine/processes.js';

export const DOCKERD = '/usr/sbin/dockerd';
export const DOCKER_CLI = '/usr/bin/docker';
export const IMAGE = 'bb:latest';
const BUSYBOX = '/bin/busybox';
/** Applets linked into the image's /bin. */
const APPLETS = [
  'sh', 'ash', 'httpd', 'sleep', 'nc', 'ip', 'ifconfig', 'route', 'cat', 'ls', 'ps', 'echo', 'wget',
  'ping', 'hostname', 'sysctl', 'true', 'false', 'kill', 'mkdir', 'grep', 'sed', 'env', 'netstat', 'arp', 'ipneigh',
];
const STD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DockerdOptions {
  /** Extra dockerd flags, e.g. ["--icc=false", "--bip=10.66.0.1/24"]. */
  readonly flags?: readonly string[];
  /** Contents of daemon.json (default {}). */
  readonly daemonJson?: Record<string, unknown>;
  /** Import bb:latest once ready (default true). */
  readonly importImage?: boolean;
  /** Bound on daemon start (default 30 s). */
  readonly readyTimeoutMs?: number;
}

/** iptables-save (or ip6tables-save) inside a namespace. */
export async function iptablesSave(ns: string, family: 4 | 6 = 4): Promise<string> {
  const r = await mustRun(['nsenter', `--net=${NetnsSet.path(ns)}`, family === 6 ? 'ip6tables-save' : 'iptables-save']);
  return r.stdout;
}

/** Builds a busybox-static rootfs under `dir` and tars it to `dir`.tar; returns the tar path. */
export async function buildBusyboxTar(dir: string): Promise<string> {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'www']) await mkdir(join(dir, d), { recursive: true });
  await copyFile(BUSYBOX, join(dir, 'bin', 'busybox'));
  for (const a of APPLETS) await symlink('busybox', join(dir, 'bin', a));
  await writeFile(join(dir, 'www', 'index.html'), 'hello from bb\n');
  const tar = `${dir}.tar`;
  await mustRun(['tar', '-C', dir, '-cf', tar, '.']);
  return tar;
}

interface MountEntry {
  readonly mountPoint: string;
}

/** Mount points (from /proc/self/mountinfo) at or below `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const mp = f[4];
    if (!mp) continue;
    // mountinfo escapes space, tab, newline and backslash as \ooo.
    const p = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (p === dir || p.startsWith(dir + '/')) out.push({ mountPoint: p });
  }
  return [...new Set(out.map((m) => m.mountPoint))].sort((a, b) => b.length - a.length);
}

async function procCmdline(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Pids whose command line mentions `needle` (containerd, shims of this daemon). */
async function pidsMentioning(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    if ((await procCmdline(Number(d))).includes(needle)) out.push(Number(d));
  }
  return out;
}

export class Dockerd {
  readonly ns: string;
  /** Private temp dir holding data-root, exec-root, socket, pidfile, log. */
  readonly dir: string;
  readonly socket: string;
  private proc: Spawned | undefined;
  private createdKeyJson = false;
  private stopped = false;

  constructor(ns: string, dir: string) {
    this.ns = ns;
    this.dir = dir;
    this.socket = join(dir, 'd.sock');
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  /** The daemon's output so far (its log). */
  log(): string {
    return this.proc?.output() ?? '';
  }

  /** Runs `/usr/bin/docker -H unix://SOCK ARGS...`; never throws on non-zero exit. */
  docker(args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
    return runCmd([DOCKER_CLI, '-H', `unix://${this.socket}`, ...args], {
      timeoutMs: 60_000,
      ...opts,
      env: { ...process.env, PATH: STD_PATH, DOCKER_CONFIG: join(this.dir, 'cli'), ...(opts.env ?? {}) },
    });
  }

  /** Like docker(), but throws on non-zero exit. */
  async mustDocker(args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
    const r = await this.docker(args, opts);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    return r;
  }

  iptablesSave(family: 4 | 6 = 4): Promise<string> {
    return iptablesSave(this.ns, family);
  }

  /** Host pid of a running container (its netns is /proc/PID/ns/net). */
  async containerPid(name: string): Promise<number> {
    const r = await this.mustDocker(['inspect', '-f', '{{.State.Pid}}', name]);
    return Number(r.stdout.trim());
  }

  /** @internal used by startDockerd */
  async start(opts: DockerdOptions): Promise<void> {
    await mkdir(join(this.dir, 'cli'), { recursive: true });
    const configFile = join(this.dir, 'daemon.json');
    await writeFile(configFile, JSON.stringify(opts.daemonJson ?? {}, null, 2));
    this.createdKeyJson = !(await stat('/etc/docker/key.json').then(() => true, () => false));
    const argv = [
      'nsenter', `--net=${NetnsSet.path(this.ns)}`,
      DOCKERD,
      '--data-root', join(this.dir, 'data'),
      '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'dockerd.pid'),
      '-H', `unix://${this.socket}`,
      '--config-file', configFile,
      '--storage-driver', 'vfs',
      ...(opts.flags ?? []),
    ];
    // Spawned directly (not via a NetnsSet) so that the namespace owner's
    // cleanup and ours stay independent; stop() is the one place that ends it.
    const proc = spawnProcess(argv, { ...process.env, PATH: STD_PATH });
    this.proc = proc;
    const done = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
    const tail = () => proc.output().split('\n').slice(-15).join('\n');
    await pollUntil(
      async () => {
        if (done()) throw new Error(`dockerd exited during start:\n${tail()}`);
        const r = await this.docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 5000 });
        return r.code === 0 && r.stdout.trim() !== '';
      },
      { timeoutMs: opts.readyTimeoutMs ?? 30_000, intervalMs: 100, what: `dockerd API on ${this.socket}` },
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- dockerd log tail ---\n${tail()}`);
    });
    if (opts.importImage ?? true) {
      const tar = await buildBusyboxTar(join(this.dir, 'rootfs'));
      await this.mustDocker(['import', tar, IMAGE]);
    }
  }

  /**
   * Stops everything this daemon started and removes its traces: containers
   * (rm -f), dockerd (SIGTERM, then SIGKILL), containerd, shims, container
   * processes, docker-proxy; unmounts what remains under DIR; deletes DIR.
   * Leaves the namespace itself to its owner. Never throws.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const problems: string[] = [];
    try {
      if (this.proc && this.proc.child.exitCode === null) {
        const ids = await this.docker(['ps', '-aq', '--no-trunc'], { timeoutMs: 10_000 });
        const list = ids.stdout.split('\n').filter(Boolean);
        if (ids.code === 0 && list.length > 0) await this.docker(['rm', '-f', ...list], { timeoutMs: 30_000 });
      }
    } catch (e) {
      problems.push(`rm -f containers: ${String(e)}`);
    }
    // Snapshot the process tree before dockerd goes: its children
    // (containerd, docker-proxy) and the shims that mention DIR, with their
    // descendants (container processes).
    const roots = [this.pid, ...(await pidsMentioning(this.dir))].filter((p) => p > 0);
    const tree = new Set([...roots, ...(await descendants(roots))]);
    try {
      await this.proc?.kill(15_000);
    } catch (e) {
      problems.push(`kill dockerd: ${String(e)}`);
    }
    // Whatever survived the daemon's own shutdown.
    const late = await pidsMentioning(this.dir);
    for (const p of [...tree, ...late, ...(await descendants(late))]) {
      if (p !== process.pid && isAlive(p)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await pollUntil(() => [...tree, ...late].every((p) => !isAlive(p) || p === process.pid), {
      timeoutMs: 5000,
      what: 'dockerd processes to exit',
    }).catch((e: unknown) => problems.push(String(e)));
    // Unmount (lazily, deepest first) what dockerd left under DIR.
    for (let round = 0; round < 5; round++) {
      const mps = await mountsUnder(this.dir);
      if (mps.length === 0) break;
      for (const mp of mps) {
        const r = await runCmd(['umount', '-l', mp]);
        if (r.code !== 0 && round === 4) problems.push(`umount ${mp}: ${r.stderr.trim()}`);
      }
    }
    const remaining = await mountsUnder(this.dir);
    if (remaining.length === 0) {
      await rm(this.dir, { recursive: true, force: true }).catch((e: unknown) => problems.push(`rm ${this.dir}: ${String(e)}`));
    } else {
      problems.push(`mounts remain, ${this.dir} kept: ${remaining.join(', ')}`);
    }
    if (this.createdKeyJson) await rm('/etc/docker/key.json', { force: true }).catch(() => undefined);
    if (problems.length > 0) process.stderr.write(`dockerd stop (${this.ns}): ${problems.join('; ')}\n`);
  }
}

/**
 * Starts dockerd in namespace `ns` (which must exist, with lo up) and waits
 * until its API answers; imports bb:latest unless told not to. On failure
 * everything started is cleaned up and the error carries the log tail.
 */
export async function startDockerd(ns: string, opts: DockerdOptions = {}): Promise<Dockerd> {
  const dir = await mkdtemp(join(tmpdir(), `${ns.slice(0, 16)}-dd-`));
  const d = new Dockerd(ns, dir);
  try {
    await d.start(opts);
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}
