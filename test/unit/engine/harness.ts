// The engine over its fakes: FakeHost (links, namespaces, sysctls), FakeIptables
// (behind the real Firewall), a memory store and a fake process port whose
// processes exit when the test says so. No kernel, no root, no sockets.
import { unionDesired } from '../../../src/render/union.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthEngine, type ProcessPort } from '../../../src/engine/engine.js';
import { Firewall } from '../../../src/engine/firewall.js';
import { iptablesProgrammer } from '../../../src/engine/rule-programmer.js';
import { NftFirewall, type NftBackend } from '../../../src/engine/nft-firewall.js';
import { memoryStore, type State, type Store } from '../../../src/engine/store.js';
import type { HostNet } from '../../../src/engine/host-net.js';
import type { Supervised } from '../../../src/engine/processes.js';
import { FakeIptables, fakeFirewallBackend } from '../../../src/backend/fake-iptables.js';
import { fakeHostNet } from '../../../src/host/host-net.js';
import type { FakeHost } from '../../../src/host/fake-host.js';
import { DEFAULT_CONFIG, type DaemonConfig } from '../../../src/model/daemon-config.js';
import { printSave } from '../../../src/render/iptables/save-print.js';

/** The clock every engine in these tests reads. */
export const NOW = new Date('2024-05-06T07:08:09.000Z');

export interface StartedProcess {
  readonly pid: number;
  readonly cmd: readonly string[];
  readonly netnsPath: string | null;
  readonly logFile: string;
}

/** A ProcessPort whose processes run until `exit` (or a SIGTERM/SIGKILL) ends them. */
export class FakeProcesses implements ProcessPort {
  readonly started: StartedProcess[] = [];
  readonly signals: Array<{ readonly pid: number; readonly signal: NodeJS.Signals }> = [];
  private readonly running = new Map<number, (code: number) => void>();
  private nextPid: number;
  private startFailure: Error | null = null;

  constructor(firstPid = 1000) {
    this.nextPid = firstPid;
  }

  /** The next start fails with `err` (as when the command cannot be run). */
  failNextStart(err: Error): void {
    this.startFailure = err;
  }

  async start(opts: { cmd: readonly string[]; netnsPath: string | null; logFile: string }): Promise<Supervised> {
    await Promise.resolve();
    const failure = this.startFailure;
    this.startFailure = null;
    if (failure !== null) throw failure;
    const pid = this.nextPid++;
    let done: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => {
      done = resolve;
    });
    this.running.set(pid, done);
    this.started.push({ pid, cmd: [...opts.cmd], netnsPath: opts.netnsPath, logFile: opts.logFile });
    return { pid, exited };
  }

  private readonly reused = new Set<number>();

  /** The pid now belongs to another process (as after a reboot or pid reuse). */
  reuse(pid: number): void {
    this.reused.add(pid);
  }

  /** A process keeps its start time for life, also across berthd restarts; a reused pid has another. */
  startTimeOf(pid: number): string | null {
    return this.reused.has(pid) ? 'another process' : `t${pid}`;
  }

  signal(pid: number, signal: NodeJS.Signals): boolean {
    this.signals.push({ pid, signal });
    if (signal === 'SIGTERM') this.exit(pid, 143);
    if (signal === 'SIGKILL') this.exit(pid, 137);
    return true;
  }

  /** Follows a process this fake did not start (adopted after a restart); `exit` ends it. */
  watch(pid: number): Promise<number> {
    return new Promise((resolve) => this.running.set(pid, resolve));
  }

  /** Exit codes the shims "wrote", by exit file. */
  readonly exitCodes = new Map<string, number>();

  exitCode(exitFile: string): number {
    return this.exitCodes.get(exitFile) ?? 137;
  }

  /** The process ends with `code` (its exit promise resolves). */
  exit(pid: number, code: number): void {
    const done = this.running.get(pid);
    this.running.delete(pid);
    done?.(code);
  }
}

export interface HarnessOptions {
  /** Overrides of DEFAULT_CONFIG (dataRoot, execRoot and netnsPrefix are the harness's unless given). */
  readonly config?: Partial<DaemonConfig>;
  /** Sysctls of the fake host, e.g. `{ 'net.ipv4.ip_forward': '1' }`. */
  readonly sysctls?: Readonly<Record<string, string>>;
  /** Program the rules with the nftables backend over this fake, instead of iptables. */
  readonly nft?: NftBackend;
}

export interface Harness {
  readonly engine: BerthEngine;
  readonly host: FakeHost;
  readonly net: HostNet;
  readonly iptables: FakeIptables;
  readonly store: Store & { readonly saves: number };
  readonly processes: FakeProcesses;
  readonly config: DaemonConfig;
  readonly logs: string[];
  readonly dir: string;
  /** What iptables-save would print now. */
  rules(): string;
  /** Link names of the host namespace, or of a named one. */
  linkNames(netns?: string): Promise<string[]>;
  /** A second engine (a restarted berthd) on the same store, host and iptables, with its own process port. */
  restart(processes?: FakeProcesses): { engine: BerthEngine; processes: FakeProcesses };
  /** The next iptables-restore fails with `message`, before it changes anything. */
  failNextRestore(message: string): void;
  /** The engine's current state as stored. */
  state(): State;
  cleanup(): void;
}

export function makeHarness(options: HarnessOptions = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'berth-engine-'));
  const config: DaemonConfig = {
    ...DEFAULT_CONFIG,
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'exec'),
    netnsPrefix: 'tst-',
    ...options.config,
  };
  const { net, host } = fakeHostNet({ sysctls: options.sysctls ?? {}, bridgeMac: () => '02:42:00:00:00:01' });
  const iptables = new FakeIptables();
  const store = memoryStore();
  const logs: string[] = [];
  const backend = fakeFirewallBackend(iptables);
  let restoreFailure: string | null = null;
  const firewallBackend = {
    save: () => backend.save(),
    restore: async (text: string) => {
      const failure = restoreFailure;
      restoreFailure = null;
      if (failure !== null) throw new Error(failure);
      await backend.restore(text);
    },
  };
  const build = (processes: FakeProcesses): BerthEngine =>
    new BerthEngine({
      config,
      store,
      host: net,
      firewall: options.nft
        ? new NftFirewall(options.nft)
        : iptablesProgrammer(new Firewall(firewallBackend, unionDesired(store.load().appliedRules, store.load().pendingRules))),
      processes,
      log: (m) => logs.push(m),
      now: () => NOW,
    });
  const processes = new FakeProcesses();
  return {
    engine: build(processes),
    host,
    net,
    iptables,
    store,
    processes,
    config,
    logs,
    dir,
    rules: () => printSave(iptables.save()),
    linkNames: async (netns) => (await host.links.links(netns === undefined ? undefined : { netns })).map((l) => l.name),
    restart(next = new FakeProcesses(2000)) {
      return { engine: build(next), processes: next };
    },
    failNextRestore(message) {
      restoreFailure = message;
    },
    state: () => store.load(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What a namespace holds, in a form to compare whole: links, IPv4 addresses, routes. */
export async function netView(host: FakeHost, netns?: string): Promise<{
  links: Array<{ name: string; kind: string | undefined; up: boolean; master: string | undefined; mac: string | undefined }>;
  addresses: string[];
  routes: string[];
}> {
  const o = netns === undefined ? undefined : { netns };
  return {
    links: (await host.links.links(o)).map((l) => ({ name: l.name, kind: l.kind, up: l.up, master: l.master, mac: l.mac })),
    addresses: (await host.links.addresses(o)).filter((a) => a.family === 4).map((a) => `${a.ifname} ${a.cidr}`),
    routes: (await host.links.routes(o)).map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev ?? ''}`),
  };
}

/** Fails unless `p` rejects; returns the error for exact asserts. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  const outcome = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a rejection, got ${outcome === null ? 'success' : String(outcome)}`);
  return outcome;
}

/** iptables-save text from lines in the goldens' normalized form (`:CHAIN POLICY`), with counters added. */
export function saveText(normalized: string): string {
  return normalized
    .trim()
    .split('\n')
    .map((l) => (l.startsWith(':') ? `${l} [0:0]` : l))
    .map((l) => `${l}\n`)
    .join('');
}
