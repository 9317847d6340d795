// The engine: holds berth's desired state, drives the host and the firewall to it,
// and undoes partial work when a step fails. Every change runs under one lock, is
// applied to the kernel, then persisted.
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import type { DaemonConfig } from '../model/daemon-config.js';
import { BerthError, conflict, forbidden, notFound, systemError } from '../model/errors.js';
import type { Store, State, StateRecords, RestorePoint } from './store.js';
import type { DesiredRules } from '../render/ir.js';
import { RETIRED_BRIDGE, type HostNet } from './host-net.js';
import type { RuleProgrammer } from './rule-programmer.js';
import type {
  ContainerCreateRequest,
  ContainerRecord,
  ContainerState,
  Engine,
  EndpointRecord,
  EngineEvent,
  NetworkCreateRequest,
  NetworkRecord,
  PortMapping,
} from './types.js';
import { layoutInput } from './layout-input.js';
import { ProxyGroups, type ProxyPort } from './proxy-groups.js';
import type { StartOptions, Supervised } from './processes.js';
import { Lock } from './lock.js';
import { Undo } from './undo.js';
import * as alloc from './allocation.js';
import { builtinNetworks } from './records.js';
import { gatewayEndpoint, pickGatewayNetwork } from './gateway.js';
import { resolveNetwork, resolveContainer } from '../model/names.js';
import { plural } from '../model/words.js';
import { cidrOverlaps, tryParseCidr } from '../model/ipv4.js';

/** Waits for every step, then fails with the first failure: undo must not start while a step still runs. */
async function allSettled(steps: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export interface ProcessPort {
  start(opts: StartOptions): Promise<Supervised>;
  signal(pid: number, signal: NodeJS.Signals): boolean;
  startTimeOf(pid: number): string | null;
  /** Follows a process berthd did not start (adopted after a restart) until it ends. */
  watch(pid: number, startTime: string, exitFile: string): Promise<number>;
  /** The exit code a process's shim recorded (137 when none was). */
  exitCode(exitFile: string): number;
}

export interface EngineDeps {
  readonly config: DaemonConfig;
  readonly store: Store;
  readonly host: HostNet;
  readonly firewall: RuleProgrammer;
  readonly processes: ProcessPort;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
  /** Where sandboxes' userland proxies run (berthd: their own thread); default: on the engine's thread. */
  readonly proxies?: ProxyPort;
}

/** A sandbox's endpoints and host ports as a save recorded them, for planSandbox. */
interface SavedWiring {
  endpoint(networkId: string): EndpointRecord;
  readonly ports: readonly PortMapping[];
  readonly startSeq: number;
}

/** A sandbox's wiring as decided in memory (planSandbox), for plumbSandbox to put into the kernel. */
interface SandboxPlan {
  readonly netns: string;
  readonly netnsPath: string | null; // the namespace its process joins (null: the host's)
  readonly create: boolean; // a namespace of its own, made at start
  readonly record: ContainerRecord;
  readonly endpoints: readonly { readonly endpoint: EndpointRecord; readonly primary: boolean }[];
  readonly gateway: EndpointRecord | undefined;
}

/** A save's records to install, with what the caller found of the save and this berthd. */
export interface RestoreRequest {
  /** How messages name the save (the file name). */
  readonly name: string;
  readonly state: StateRecords;
  /** The rules the save recorded, as `berth rules` printed them. */
  readonly rules: string;
  /** Daemon options that differ from the saving berthd's, as "name: saved X, here Y". */
  readonly configDifferences: readonly string[];
}

/** What the caller adds to a restore (the access rules). */
export interface RestoreHooks {
  /** What else berthd holds that a restore would replace ("2 firewall rules"); none: []. */
  held(): readonly string[];
  /** The caller's own part, last, with its undo registered in `undo`. */
  apply(undo: Undo): Promise<void>;
}

export interface RestoreOutcome {
  readonly networks: readonly string[]; // user networks
  readonly containers: number;
  readonly running: readonly string[];
}

/** What the engine holds, taken at one moment, for `berth save`. */
export interface EngineSnapshot {
  readonly state: StateRecords;
  readonly rules: string;
}

const records = (s: State): StateRecords => ({
  seq: s.seq,
  networks: s.networks,
  endpoints: s.endpoints,
  containers: s.containers,
  portCursors: s.portCursors,
  poolCursor: s.poolCursor,
});

/** Whether two networks' bridges are the same device with the same address and MTU. */
const sameBridge = (a: NetworkRecord, b: NetworkRecord): boolean =>
  !!a.bridge &&
  !!b.bridge &&
  a.bridge.name === b.bridge.name &&
  a.bridge.mtu === b.bridge.mtu &&
  a.ipam[0]?.subnet === b.ipam[0]?.subnet &&
  a.ipam[0]?.gateway === b.ipam[0]?.gateway;

const isBuiltin = (n: NetworkRecord): boolean => n.driver !== 'bridge' || !!n.bridge?.isDefault;

const FORWARDING_OFF = 'IPv4 forwarding is disabled. Networking will not work.';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class BerthEngine implements Engine {
  private state: State;
  private readonly lock = new Lock();
  private readonly proxies: ProxyPort;
  private readonly exits = new Map<string, Promise<number>>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly now: () => Date;

  constructor(private readonly deps: EngineDeps) {
    this.state = deps.store.load();
    this.now = deps.now ?? (() => new Date());
    this.proxies = deps.proxies ?? new ProxyGroups();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Brings the host to the stored state: sysctls, bridges, rules; stale sandboxes are cleaned. */
  async start(): Promise<string[]> {
    return this.lock.run(async () => {
      const warnings: string[] = [];
      const { config, host } = this.deps;
      if (!(await host.ipForward())) {
        if (config.ipForward) {
          // As dockerd: whoever turns forwarding on closes FORWARD to all but the allowed paths.
          await host.setIpForward(true);
          if (config.iptables) await this.deps.firewall.setForwardPolicyDrop();
        } else {
          warnings.push(FORWARDING_OFF);
        }
      }
      if (this.state.restoring) await this.rollBackRestore(this.state.restoring);
      if (!this.state.networks.some((n) => n.name === 'bridge')) {
        const routes = await host.routes();
        const created = this.now().toISOString();
        const nets = builtinNetworks(config, alloc.defaultBridgeIpam(config, routes), created, () => this.nextSeq());
        this.state = { ...this.state, networks: [...nets, ...this.state.networks] };
      }
      for (const n of this.state.networks) if (n.bridge) await this.ensureBridge(n);
      for (const c of this.state.containers) await this.restoreSandbox(c);
      await this.sweepOrphanBridges();
      await this.syncRules();
      this.persist();
      return warnings;
    });
  }

  /**
   * Takes back a sandbox from the stored state: a running one whose process is
   * still its own is adopted as it is (its networking was never touched); one whose
   * process ended while berthd was down is torn down with the code its shim wrote;
   * one that a crash caught half-started or half-stopped gives back what it holds.
   */
  private async restoreSandbox(c: ContainerRecord): Promise<void> {
    const { processes } = this.deps;
    const running = c.state.status === 'running';
    const alive = running && c.state.pid > 0 && !!c.state.pidStartTime && processes.startTimeOf(c.state.pid) === c.state.pidStartTime;
    if (alive) {
      const exited = processes.watch(c.state.pid, c.state.pidStartTime as string, this.exitFile(c.id));
      this.exits.set(c.id, exited);
      void exited.then((code) => this.onExit(c.id, c.state.pid, code));
      await this.startProxies(c, this.gatewayOf(c.id), new Undo()).catch((e: Error) => this.deps.log(`userland proxy for ${c.name}: ${e.message}`));
      this.deps.log(`restored sandbox ${c.name} (pid ${c.state.pid})`);
    } else if (running) {
      await this.teardown(c, processes.exitCode(this.exitFile(c.id)), false); // start syncs the rules once for all
    } else if (c.ports.length > 0 || c.netns !== '' || this.state.endpoints.some((e) => e.containerId === c.id)) {
      await this.releaseNetworking(c);
    }
  }

  /**
   * Removes bridges named like berth's that no network records (a crash between
   * creating a bridge and recording its network), and retired bridges a crash
   * left undeleted. Sandbox namespaces need no sweep:
   * their names are recorded before they are created (planSandbox), so the
   * namespace a crash left behind is named in its container's record, and
   * restoreSandbox gives it back; a namespace berth never recorded is not berth's,
   * whatever its name.
   */
  private async sweepOrphanBridges(): Promise<void> {
    const { host } = this.deps;
    const bridges = new Set(this.state.networks.map((n) => n.bridge?.name).filter(Boolean));
    const berths = (b: string): boolean => (/^br-[0-9a-f]{12}$/.test(b) && !bridges.has(b)) || RETIRED_BRIDGE.test(b);
    for (const b of await host.listBridges()) if (berths(b)) await host.removeBridge(b);
  }

  /**
   * berthd died in the middle of a restore: everything the restore made is taken
   * away (processes in the namespaces it recorded, its endpoints, namespaces and
   * bridges) and the records go back to `previous`; start() then carries on as
   * usual, and its rule sync takes the restore's rules away (written ahead, they
   * are known to be berth's). A sandbox of the host's namespace that was already
   * launched cannot be told from the host's other processes and is left running.
   */
  private async rollBackRestore(point: RestorePoint): Promise<void> {
    const { host, processes } = this.deps;
    const previous = point.records;
    this.deps.log('berthd stopped in the middle of a restore: taking it back');
    for (const c of this.state.containers) {
      if (c.netns) for (const pid of await host.sandboxPids(c.netns)) processes.signal(pid, 'SIGKILL');
      await this.releaseNetworking(c);
    }
    for (const n of this.state.networks) {
      if (n.bridge && !previous.networks.some((p) => sameBridge(p, n))) await host.removeBridge(n.bridge.name);
    }
    if (point.forwardDropAdopted) await this.deps.firewall.clearForwardPolicyDrop();
    this.state = { ...this.state, ...previous, restoring: null };
    this.persist();
  }

  /** berthd stops: with live-restore the sandboxes keep running; without, they are stopped. */
  async shutdown(): Promise<void> {
    if (this.deps.config.liveRestore) {
      await this.proxies.stopAll();
      await this.deps.host.retired();
      return;
    }
    const running = this.state.containers.filter((c) => c.state.status === 'running');
    await Promise.all(running.map((c) => this.stopContainer(c.id, 2).catch(() => undefined)));
    await this.deps.host.retired();
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(type: EngineEvent['type'], action: string, id: string, attributes: Record<string, string>): void {
    const e: EngineEvent = { type, action, id, attributes, time: Math.floor(this.now().getTime() / 1000) };
    for (const l of this.listeners) l(e);
  }

  info(): Record<string, unknown> {
    const cs = this.state.containers;
    return {
      Containers: cs.length,
      ContainersRunning: cs.filter((c) => c.state.status === 'running').length,
      ContainersStopped: cs.filter((c) => c.state.status !== 'running').length,
      Networks: this.state.networks.length,
      IPTables: this.deps.config.iptables,
      IPForward: this.deps.config.ipForward,
      UserlandProxy: this.deps.config.userlandProxy,
      DataRoot: this.deps.config.dataRoot,
      ExecRoot: this.deps.config.execRoot,
    };
  }

  desiredRules(): DesiredRules {
    return this.deps.firewall.desired(layoutInput(this.state, this.deps.config));
  }

  daemonConfig(): DaemonConfig {
    return this.deps.config;
  }

  ownedRules(): string {
    return this.deps.firewall.ownedText();
  }

  // ---------------------------------------------------------------- save and restore

  /** The records and the rules berth owns, at one moment (no change runs meanwhile). */
  snapshot(): Promise<EngineSnapshot> {
    return this.lock.run(async () => {
      const rules = this.deps.firewall.ownedText();
      // A save must restore: its rules are what its records render.
      const rendered = this.deps.firewall.render(layoutInput(this.state, this.deps.config));
      if (rendered !== rules) throw systemError("berth's rules are not in step with its records (a change is under way?); try again");
      return { state: records(this.state), rules };
    });
  }

  /**
   * Installs a save onto this berthd, which must hold nothing of its own yet: its
   * networks, bridges, stopped containers as records, and running ones wired again
   * with their saved addresses, MACs, veths and host ports; then one rule sync for
   * all of it, then the sandboxes' processes, then the caller's part. All or nothing:
   * what is refused is refused before anything changes, a failure on the way undoes
   * every step, and a crash on the way is taken back at the next start.
   */
  restore(req: RestoreRequest, hooks: RestoreHooks): Promise<RestoreOutcome> {
    return this.lock.run(async () => {
      const { config, firewall } = this.deps;
      const saved = req.state;
      const forwardDrop = firewall.showsForwardDrop(req.rules);
      const input = layoutInput({ ...this.state, ...saved }, config);
      const rendered = firewall.render(input, forwardDrop || undefined);
      if (req.configDifferences.length > 0 || rendered !== req.rules) {
        const why = [
          ...(req.configDifferences.length > 0 ? [`it runs with other options than the berthd that saved it (${req.configDifferences.join('; ')})`] : []),
          ...(rendered !== req.rules ? [`the rules it would write for the saved state are not the saved rules (first difference at ${firstLineDifference(req.rules, rendered)})`] : []),
        ];
        throw conflict(`this berthd cannot restore ${req.name}: ${why.join(', and ')}; start berthd with the saved options, or restore with the berth that saved it`);
      }
      this.checkEmpty(hooks.held());
      await this.checkSubnetsFree(saved.networks);

      const before = this.state;
      const undo = new Undo();
      const running = startOrder(saved.containers.filter((c) => c.state.status === 'running'));
      try {
        this.state = {
          ...before,
          ...saved,
          endpoints: [],
          // Not running until launched here: no pid of the saving host's is ever taken for one of ours.
          containers: saved.containers.map((c) => (c.state.status === 'running' ? { ...c, netns: '', state: { ...c.state, pid: 0, pidStartTime: '' } } : c)),
          restoring: { records: records(before), forwardDropAdopted: false },
        };
        this.persist(); // written ahead: a crash from here on is taken back at the next start
        await this.replaceBridges(before.networks, saved.networks, undo);
        const wired: { id: string; netnsPath: string | null }[] = [];
        for (const c of running) {
          const endpoints = saved.endpoints.filter((e) => e.containerId === c.id);
          const wiring: SavedWiring = {
            endpoint: (networkId) => endpoints.find((e) => e.networkId === networkId) ?? fail(`container ${c.name} has no saved endpoint on network ${networkId}`),
            ports: c.ports,
            startSeq: c.startSeq,
          };
          const plan = await this.planSandbox(this.record(c.id), wiring);
          await this.plumbSandbox(plan, undo);
          wired.push({ id: c.id, netnsPath: plan.netnsPath });
        }
        this.state = { ...this.state, endpoints: saved.endpoints };
        // One sync for everything. Its undo is registered first, so it runs last: a forward
        // policy adopted from the save is taken back before the rules are synced back.
        undo.push(() => this.syncRules());
        if (forwardDrop && firewall.render(input) !== rendered) {
          // The saving berthd kept forwarded traffic dropped (it turned forwarding on); this one did not need to.
          this.state = { ...this.state, restoring: { records: records(before), forwardDropAdopted: true } };
          this.persist(); // written ahead, for taking it back after a crash
          await firewall.setForwardPolicyDrop();
          undo.push(() => firewall.clearForwardPolicyDrop());
        }
        await this.syncRules();
        for (const w of wired) {
          const proc = await this.launch(this.record(w.id), w.netnsPath);
          undo.push(async () => {
            this.deps.processes.signal(proc.pid, 'SIGKILL');
            await proc.exited;
            this.exits.delete(w.id);
          });
        }
        await hooks.apply(undo);
        this.state = { ...this.state, restoring: null };
        this.persist();
      } catch (e) {
        this.state = before;
        await undo.run(this.deps.log);
        this.persist();
        throw e;
      }
      const userNetworks = saved.networks.filter((n) => !isBuiltin(n));
      for (const n of userNetworks) this.emit('network', 'create', n.id, { name: n.name, type: n.driver });
      for (const c of running) this.emit('container', 'start', c.id, { name: c.name });
      this.emit('daemon', 'restore', 'state', { name: req.name });
      return { networks: userNetworks.map((n) => n.name), containers: saved.containers.length, running: running.map((c) => c.name) };
    });
  }

  /** A restore replaces only what a fresh berthd has: the built-in networks. */
  private checkEmpty(held: readonly string[]): void {
    const cs = this.state.containers;
    const ns = this.state.networks.filter((n) => !isBuiltin(n));
    const holds = [
      ...(cs.length > 0 ? [`${plural(cs.length, 'container')} (${cs.map((c) => c.name).join(', ')})`] : []),
      ...(ns.length > 0 ? [`${plural(ns.length, 'network')} (${ns.map((n) => n.name).join(', ')})`] : []),
      ...held,
    ];
    if (holds.length > 0) {
      throw conflict(`berthd is not empty: it has ${holds.join(', ')}; berth restore only restores onto a fresh berthd (a wiped host, or berthd started on an empty --data-root)`);
    }
  }

  /** The saved subnets must not overlap a route of this host's that is not one of berth's bridges'. */
  private async checkSubnetsFree(networks: readonly NetworkRecord[]): Promise<void> {
    const own = new Set(this.state.networks.map((n) => n.ipam[0]?.subnet).filter(Boolean));
    const routes = (await this.deps.host.routes()).filter((r) => !own.has(r));
    for (const n of networks) {
      const subnet = n.ipam[0] && tryParseCidr(n.ipam[0].subnet);
      if (!n.bridge || !subnet) continue;
      const clash = routes.find((r) => {
        const route = tryParseCidr(r);
        return route !== null && cidrOverlaps(route, subnet);
      });
      if (clash) throw conflict(`network ${n.name}'s subnet ${n.ipam[0]!.subnet} overlaps this host's route to ${clash}`);
    }
  }

  /** Bridges of `before` that `after` does not keep as they are go; those of `after` are made (or adopted). */
  private async replaceBridges(before: readonly NetworkRecord[], after: readonly NetworkRecord[], undo: Undo): Promise<void> {
    const kept = (n: NetworkRecord, others: readonly NetworkRecord[]) => others.some((o) => sameBridge(o, n));
    for (const n of before) {
      if (!n.bridge || kept(n, after)) continue;
      await this.deps.host.removeBridge(n.bridge.name);
      undo.push(() => this.ensureBridge(n));
    }
    for (const n of after) {
      if (!n.bridge) continue;
      await this.ensureBridge(n);
      if (!kept(n, before)) undo.push(() => this.deps.host.removeBridge(n.bridge!.name));
    }
  }

  // ---------------------------------------------------------------- networks

  listNetworks(): readonly NetworkRecord[] {
    return this.state.networks;
  }

  inspectNetwork(idOrName: string): NetworkRecord {
    return resolveNetwork(this.state.networks, idOrName);
  }

  endpoints(networkId?: string): readonly EndpointRecord[] {
    return networkId ? this.state.endpoints.filter((e) => e.networkId === networkId) : this.state.endpoints;
  }

  createNetwork(req: NetworkCreateRequest): Promise<{ network: NetworkRecord; warning: string }> {
    return this.lock.run(async () => {
      const routes = req.ipam?.some((c) => c.subnet) ? [] : await this.deps.host.routes();
      const { network, poolCursor } = alloc.planNetwork(req, this.state.networks, this.deps.config, routes, {
        created: this.now().toISOString(),
        seq: this.state.seq + 1,
        poolCursor: this.state.poolCursor,
      });
      const before = this.state;
      this.state = { ...this.state, seq: network.seq, poolCursor, networks: [...this.state.networks, network] };
      const undo = new Undo();
      const bridge = async (): Promise<void> => {
        await this.ensureBridge(network, true);
        undo.push(() => this.deps.host.removeBridge(network.bridge!.name));
      };
      try {
        // The rules name the bridge but do not need it to exist: both at once.
        await allSettled([bridge(), this.syncRules()]);
        this.persist();
      } catch (e) {
        this.state = before;
        await undo.run(this.deps.log);
        await this.syncRules().catch(() => undefined);
        this.persist();
        throw e;
      }
      this.emit('network', 'create', network.id, { name: network.name, type: network.driver });
      return { network, warning: '' };
    });
  }

  removeNetwork(idOrName: string): Promise<void> {
    return this.lock.run(() => this.removeNetworkLocked(resolveNetwork(this.state.networks, idOrName)));
  }

  private async removeNetworkLocked(n: NetworkRecord): Promise<void> {
    if (n.bridge?.isDefault || n.driver !== 'bridge') throw forbidden(`${n.name} is a pre-defined network and cannot be removed`);
    if (this.state.endpoints.some((e) => e.networkId === n.id)) {
      throw forbidden(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    }
    const before = this.state;
    this.state = {
      ...this.state,
      networks: this.state.networks.filter((x) => x.id !== n.id),
      containers: this.state.containers.map((c) => ({ ...c, networks: c.networks.filter((a) => a.networkId !== n.id) })),
    };
    // Rules and bridge go at once; if the rules cannot go, the network stays whole (its bridge is made again).
    const [rules, bridge] = await Promise.allSettled([this.syncRules(), this.deps.host.retireBridge(n.bridge!.name)]);
    if (rules.status === 'rejected') {
      this.state = before;
      if (bridge.status === 'fulfilled') await this.ensureBridge(n).catch((e: Error) => this.deps.log(`restoring bridge ${n.bridge!.name}: ${e.message}`));
      throw rules.reason;
    }
    this.persist(); // berth no longer has the network, even if its bridge would not go (the next start sweeps it)
    if (bridge.status === 'rejected') throw bridge.reason;
    this.emit('network', 'destroy', n.id, { name: n.name, type: n.driver });
  }

  pruneNetworks(): Promise<readonly string[]> {
    return this.lock.run(async () => {
      const removed: string[] = [];
      for (const n of this.state.networks) {
        if (n.driver !== 'bridge' || n.bridge?.isDefault) continue;
        if (this.state.endpoints.some((e) => e.networkId === n.id)) continue;
        if (this.state.containers.some((c) => c.networks.some((a) => a.networkId === n.id))) continue;
        await this.removeNetworkLocked(n);
        removed.push(n.name);
      }
      return removed;
    });
  }

  connect(network: string, container: string, opts: { ipv4?: string; aliases?: readonly string[] }): Promise<void> {
    return this.lock.run(async () => {
      const n = resolveNetwork(this.state.networks, network);
      const c = resolveContainer(this.state.containers, container);
      if (c.networkMode.kind === 'host' || n.driver === 'host') {
        throw forbidden('container cannot be disconnected from host network or connected to host network');
      }
      if (c.networkMode.kind === 'container' || c.networkMode.kind === 'none' || n.driver === 'null') {
        throw forbidden('container sharing network namespace with another container or host cannot be connected to any other network');
      }
      if (c.networks.some((a) => a.networkId === n.id)) {
        throw forbidden(`endpoint with name ${c.name} already exists in network ${n.name}`);
      }
      const ipv4 = opts.ipv4 ?? null;
      if (ipv4 !== null) alloc.checkStaticAddress(n);
      const attachment = { networkId: n.id, ipv4, aliases: opts.aliases ?? [] };
      const updated = { ...c, networks: [...c.networks, attachment] };
      if (c.state.status === 'running') {
        const before = this.gatewayOf(c.id);
        const endpoint = this.planEndpoint(updated, attachment);
        await this.plugEndpoint(updated, endpoint, false);
        this.state = { ...this.state, endpoints: [...this.state.endpoints, endpoint] };
        this.replaceContainer(updated);
        await this.moveGateway(updated, before);
      } else {
        this.replaceContainer(updated);
      }
      this.persist();
      this.emit('network', 'connect', n.id, { container: c.id, name: n.name, type: n.driver });
    });
  }

  disconnect(network: string, container: string, force: boolean): Promise<void> {
    return this.lock.run(async () => {
      const n = resolveNetwork(this.state.networks, network);
      let c: ContainerRecord;
      try {
        c = resolveContainer(this.state.containers, container);
      } catch (e) {
        if (force) return; // docker: -f cleans up an endpoint whose container is gone
        throw e;
      }
      if (c.networkMode.kind === 'host') throw forbidden('container cannot be disconnected from host network or connected to host network');
      if (!c.networks.some((a) => a.networkId === n.id)) {
        throw forbidden(`container ${c.id} is not connected to network ${n.name}`);
      }
      const endpoint = this.state.endpoints.find((e) => e.containerId === c.id && e.networkId === n.id);
      const before = this.gatewayOf(c.id);
      const updated = { ...c, networks: c.networks.filter((a) => a.networkId !== n.id) };
      if (endpoint) {
        await this.deps.host.detach(endpoint.hostIfName);
        this.state = { ...this.state, endpoints: this.state.endpoints.filter((e) => e.id !== endpoint.id) };
      }
      this.replaceContainer(updated);
      if (endpoint) await this.moveGateway(updated, before);
      this.persist();
      this.emit('network', 'disconnect', n.id, { container: c.id, name: n.name, type: n.driver });
    });
  }

  // ---------------------------------------------------------------- containers

  listContainers(all: boolean): readonly ContainerRecord[] {
    const cs = [...this.state.containers].sort((a, b) => b.created.localeCompare(a.created));
    return all ? cs : cs.filter((c) => c.state.status === 'running');
  }

  inspectContainer(idOrName: string): ContainerRecord {
    return resolveContainer(this.state.containers, idOrName);
  }

  logPath(idOrName: string): string {
    return join(this.containerDir(this.inspectContainer(idOrName).id), 'output.log');
  }

  private containerDir(id: string): string {
    return join(this.deps.config.execRoot, 'containers', id);
  }

  createContainer(req: ContainerCreateRequest): Promise<{ container: ContainerRecord; warnings: readonly string[] }> {
    return this.lock.run(async () => {
      const planned = alloc.planContainer(req, this.state, this.deps.config, this.now().toISOString());
      const { container } = planned;
      const warnings = (await this.deps.host.ipForward()) ? planned.warnings : [...planned.warnings, FORWARDING_OFF];
      this.state = { ...this.state, containers: [...this.state.containers, container] };
      this.persist();
      this.emit('container', 'create', container.id, { name: container.name });
      return { container, warnings };
    });
  }

  startContainer(idOrName: string): Promise<void> {
    return this.lock.run(() => this.startLocked(resolveContainer(this.state.containers, idOrName)));
  }

  private async startLocked(c: ContainerRecord): Promise<void> {
    if (c.state.status === 'running') throw new BerthError('conflict', 'container already started');
    const undo = new Undo();
    const before = this.state;
    try {
      const plan = await this.planSandbox(c, null);
      // The sandbox's links and the rules do not depend on each other: both at once.
      const rules = async (): Promise<void> => {
        await this.syncRules();
        undo.push(() => this.syncRules());
      };
      await allSettled([this.plumbSandbox(plan, undo), rules()]);
      await this.launch(this.record(c.id), plan.netnsPath);
      this.persist();
      this.emit('container', 'start', c.id, { name: c.name });
    } catch (e) {
      this.state = before;
      this.replaceContainer({ ...c, state: { ...c.state, error: e instanceof Error ? e.message : String(e) } });
      await undo.run(this.deps.log);
      this.persist();
      throw e;
    }
  }

  /**
   * Decides a sandbox's wiring in memory: its namespace, an endpoint per network
   * and its host ports (a conflict fails here, before the kernel is touched).
   * `saved` gives the endpoints (addresses, MACs, veth names) and host ports to use
   * as they are (a restore); null allocates them (a start). The record is written
   * ahead: from here on it names its namespace, so whatever a crash leaves of it is
   * known to be berth's and is given back at the next start.
   */
  private async planSandbox(c: ContainerRecord, saved: SavedWiring | null): Promise<SandboxPlan> {
    const sandbox = this.sandboxFor(c);
    let current: ContainerRecord = { ...c, netns: sandbox.create ? sandbox.netns : '' };
    const gwNetwork = pickGatewayNetwork(this.state.networks.filter((n) => c.networks.some((a) => a.networkId === n.id)));
    const endpoints = c.networks.map((attachment) => {
      const e = saved ? saved.endpoint(attachment.networkId) : this.planEndpoint(current, attachment);
      this.state = { ...this.state, endpoints: [...this.state.endpoints, e] };
      return { endpoint: e, primary: attachment.networkId === gwNetwork?.id };
    });
    const gw = this.gatewayOf(c.id);
    const ports = saved ? saved.ports : await this.externalConnectivity(current, gw, () => this.allocatePorts(current, gw));
    current = { ...current, ports, startSeq: saved ? saved.startSeq : this.nextSeq() };
    this.replaceContainer(current);
    if (sandbox.create) this.persist();
    return { ...sandbox, record: current, endpoints, gateway: gw };
  }

  /** Puts a planned sandbox into the kernel: namespace, veths, and its proxies; every step registered in `undo`. */
  private async plumbSandbox(plan: SandboxPlan, undo: Undo): Promise<void> {
    const links = async (): Promise<void> => {
      // A sandbox with endpoints gets its namespace, with lo up, from its first endpoint's batches, sparing processes.
      if (plan.create && plan.endpoints.length === 0) {
        await this.deps.host.createSandbox(plan.netns);
        undo.push(() => this.deps.host.removeSandbox(plan.netns));
      }
      for (const [i, { endpoint, primary }] of plan.endpoints.entries()) {
        const createNetns = plan.create && i === 0;
        await this.plugEndpoint(plan.record, endpoint, primary, { loopbackUp: i === 0, createNetns });
        if (createNetns) undo.push(() => this.deps.host.removeSandbox(plan.netns));
        undo.push(() => this.deps.host.detach(endpoint.hostIfName));
      }
    };
    const { record, gateway } = plan;
    // The proxies first: a thousand listeners take their thread longer than the links take the kernel.
    await allSettled([this.externalConnectivity(record, gateway, () => this.startProxies(record, gateway, undo)), links()]);
  }

  /** Starts a wired sandbox's process and records it running (the caller persists). */
  private async launch(c: ContainerRecord, netnsPath: string | null): Promise<Supervised> {
    const dir = this.containerDir(c.id);
    mkdirSync(dir, { recursive: true });
    const proc = await this.deps.processes.start({ cmd: c.cmd, netnsPath, logFile: join(dir, 'output.log'), exitFile: this.exitFile(c.id) });
    const state: ContainerState = {
      ...c.state,
      status: 'running',
      pid: proc.pid,
      pidStartTime: this.deps.processes.startTimeOf(proc.pid) ?? '',
      exitCode: 0,
      startedAt: this.now().toISOString(),
      error: '',
    };
    this.replaceContainer({ ...c, state });
    this.exits.set(c.id, proc.exited);
    void proc.exited.then((code) => this.onExit(c.id, proc.pid, code));
    return proc;
  }

  /** The current record of a container known to exist. */
  private record(id: string): ContainerRecord {
    const c = this.state.containers.find((x) => x.id === id);
    if (!c) throw notFound(`No such container: ${id}`);
    return c;
  }

  /** Where the sandbox's processes run, by network mode; `create`: a namespace of its own, made at start. */
  private sandboxFor(c: ContainerRecord): { netns: string; netnsPath: string | null; create: boolean } {
    const mode = c.networkMode;
    if (mode.kind === 'host') return { netns: '', netnsPath: null, create: false };
    if (mode.kind === 'container') {
      const target = this.state.containers.find((x) => x.id === mode.container);
      if (!target) throw notFound(`No such container: ${mode.container}`);
      if (target.state.status !== 'running') throw conflict(`cannot join network of a non running container: ${target.id}`);
      const shared = this.sandboxOf(target);
      return { netns: '', netnsPath: shared === null ? null : `/var/run/netns/${shared}`, create: false };
    }
    const netns = `${this.deps.config.netnsPrefix}${c.name}`;
    return { netns, netnsPath: `/var/run/netns/${netns}`, create: true };
  }

  /** The named namespace a container's processes live in (following container: modes); null = host. */
  private sandboxOf(c: ContainerRecord): string | null {
    if (c.networkMode.kind === 'host') return null;
    if (c.networkMode.kind === 'container') {
      const target = this.state.containers.find((x) => x.id === (c.networkMode as { container: string }).container);
      return target ? this.sandboxOf(target) : null;
    }
    return c.netns;
  }

  /** A new endpoint for one of a container's networks: its address, interface names and MAC (memory only). */
  private planEndpoint(c: ContainerRecord, attachment: ContainerRecord['networks'][number]): EndpointRecord {
    const n = this.state.networks.find((x) => x.id === attachment.networkId);
    if (!n || !n.bridge) throw notFound(`network ${attachment.networkId} not found`);
    const used = this.state.endpoints.filter((e) => e.networkId === n.id).map((e) => e.ipv4);
    const ipv4 = alloc.allocateAddress(n, used, attachment.ipv4);
    const taken = new Set(this.state.endpoints.filter((e) => e.containerId === c.id).map((e) => e.ifName));
    let ifIndex = 0;
    while (taken.has(`eth${ifIndex}`)) ifIndex++;
    return {
      id: alloc.newId(),
      networkId: n.id,
      containerId: c.id,
      ifName: `eth${ifIndex}`,
      hostIfName: alloc.vethName(this.state.endpoints.map((e) => e.hostIfName)),
      ipv4,
      prefixLen: Number(n.ipam[0]!.subnet.split('/')[1]),
      macAddress: alloc.macFor(ipv4),
      seq: this.nextSeq(),
    };
  }

  /** Puts an endpoint into the kernel: the veth pair on its network's bridge, address, MAC, and the default route if primary. */
  private async plugEndpoint(
    c: ContainerRecord,
    endpoint: EndpointRecord,
    primary: boolean,
    sandbox: { readonly loopbackUp?: boolean; readonly createNetns?: boolean } = {},
  ): Promise<void> {
    const n = this.state.networks.find((x) => x.id === endpoint.networkId);
    if (!n || !n.bridge) throw notFound(`network ${endpoint.networkId} not found`);
    await this.deps.host.attach({
      netns: c.netns,
      hostIf: endpoint.hostIfName,
      ifName: endpoint.ifName,
      bridge: n.bridge.name,
      mtu: n.bridge.mtu,
      address: `${endpoint.ipv4}/${endpoint.prefixLen}`,
      mac: endpoint.macAddress,
      // Like dockerd: the primary endpoint routes through its gateway, except on an internal network.
      gateway: primary && !n.internal ? n.ipam[0]!.gateway : null,
      hairpin: !this.deps.config.userlandProxy,
      ...sandbox,
    });
  }

  private gatewayOf(containerId: string): EndpointRecord | undefined {
    return gatewayEndpoint(this.state.endpoints.filter((e) => e.containerId === containerId), this.state.networks);
  }

  /**
   * After a connect or disconnect: when the gateway endpoint changed, move the
   * default route and the published ports to the new one, as dockerd does (the
   * host ports stay; their rules are programmed anew, so they go last).
   */
  private async moveGateway(c: ContainerRecord, before: EndpointRecord | undefined): Promise<void> {
    const after = this.gatewayOf(c.id);
    if (before?.id === after?.id) return;
    const network = after && this.state.networks.find((n) => n.id === after.networkId);
    await this.deps.host.setDefaultRoute(c.netns, network && !network.internal ? network.ipam[0]!.gateway : null);
    await this.proxies.stop(c.id);
    let ports = c.ports;
    if (!network || network.internal) ports = [];
    else if (ports.length === 0) ports = await this.externalConnectivity(c, after, () => this.allocatePorts(c, after));
    const moved: ContainerRecord = { ...c, ports, startSeq: ports.length > 0 ? this.nextSeq() : c.startSeq };
    this.replaceContainer(moved);
    await this.externalConnectivity(moved, after, () => this.startProxies(moved, after, new Undo()));
    await this.syncRules();
  }

  /** Docker's wording for a failure to publish a sandbox's ports. */
  private async externalConnectivity<T>(c: ContainerRecord, gw: EndpointRecord | undefined, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      const err = e instanceof BerthError ? e : new BerthError('system', String(e));
      throw new BerthError(err.kind, `driver failed programming external connectivity on endpoint ${c.name} (${gw?.id ?? ''}): ${err.message}`, { cause: e });
    }
  }

  /** Host ports for the gateway endpoint; internal networks silently publish nothing, like dockerd. */
  private async allocatePorts(c: ContainerRecord, primary: EndpointRecord | undefined): Promise<PortMapping[]> {
    if (!primary) return [];
    const n = this.state.networks.find((x) => x.id === primary.networkId);
    if (!n || n.internal) return [];
    const requests = c.portRequests;
    if (requests.length === 0) return [];
    if (requests.some((r) => r.proto === 'sctp') && !(await this.deps.host.hasSctp())) throw systemError('protocol not supported');
    const taken = this.state.containers.filter((x) => x.state.status === 'running').flatMap((x) => x.ports);
    const range = await this.deps.host.ephemeralPortRange();
    const { mappings, cursors } = alloc.allocatePorts(requests, taken, this.state.portCursors, range, n.bridge?.hostBindingIpv4 ?? '');
    this.state = { ...this.state, portCursors: cursors };
    return mappings;
  }

  private async startProxies(c: ContainerRecord, primary: EndpointRecord | undefined, undo: Undo): Promise<void> {
    if (!this.deps.config.userlandProxy || !primary || c.ports.length === 0) return;
    // The first port that cannot be bound fails the start; undo closes what was started.
    undo.push(() => this.proxies.stop(c.id));
    const containerIp = primary.ipv4;
    // Written out rather than spread: this runs for every published port.
    await this.proxies.start(c.id, c.ports.map((p) => ({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort })));
  }

  /** The sandbox's process ended: release its networking, keep or remove its record. */
  private async onExit(id: string, pid: number, code: number): Promise<void> {
    await this.lock.run(async () => {
      const c = this.state.containers.find((x) => x.id === id);
      if (!c || c.state.pid !== pid || c.state.status !== 'running') return;
      await this.teardown(c, code, true);
      const after = this.state.containers.find((x) => x.id === id);
      if (after?.autoRemove) this.forget(after);
      this.persist();
    });
    this.exits.delete(id);
  }

  /** A sandbox's process ended: release its networking (with its rules, or the caller syncs them) and record the exit. */
  private async teardown(c: ContainerRecord, exitCode: number, withRules: boolean): Promise<void> {
    const released = await this.releaseNetworking(c, withRules);
    const state: ContainerState = { ...c.state, status: 'exited', pid: 0, pidStartTime: '', exitCode, finishedAt: this.now().toISOString(), error: '' };
    this.replaceContainer({ ...released, state });
    this.emit('container', 'die', c.id, { name: c.name, exitCode: String(exitCode) });
  }

  /**
   * Gives back a sandbox's endpoints, ports, proxies and namespace; returns the
   * record without them. With `withRules`, its rules go at the same time as its links.
   */
  private async releaseNetworking(c: ContainerRecord, withRules = false): Promise<ContainerRecord> {
    const mine = this.state.endpoints.filter((e) => e.containerId === c.id);
    this.state = { ...this.state, endpoints: this.state.endpoints.filter((e) => e.containerId !== c.id) };
    // The record keeps naming its namespace until the namespace is gone: the rule sync
    // writes the state ahead, and a crash meanwhile must leave the namespace to the next start.
    this.replaceContainer({ ...c, ports: [] });
    const links = async (): Promise<void> => {
      const veths = mine.map((e) => e.hostIfName);
      if (c.netns) await this.deps.host.removeSandbox(c.netns, veths).catch((err: Error) => this.deps.log(`remove netns ${c.netns}: ${err.message}`));
      else for (const v of veths) await this.deps.host.detach(v).catch((err: Error) => this.deps.log(`detach ${v}: ${err.message}`));
    };
    // The kernel's work is started first: closing a thousand listeners keeps this thread busy meanwhile.
    await allSettled([links(), withRules ? this.syncRules() : Promise.resolve(), this.proxies.stop(c.id)]);
    const released = { ...c, ports: [], netns: '' };
    this.replaceContainer(released);
    return released;
  }

  private exitFile(id: string): string {
    return join(this.containerDir(id), 'exit-code');
  }

  stopContainer(idOrName: string, timeoutSec = 10): Promise<void> {
    const c = resolveContainer(this.state.containers, idOrName);
    return this.stopById(c.id, timeoutSec);
  }

  private async stopById(id: string, timeoutSec: number): Promise<void> {
    const c = this.state.containers.find((x) => x.id === id);
    const exited = this.exits.get(id);
    if (!c || c.state.status !== 'running' || !exited) return;
    this.deps.processes.signal(c.state.pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutSec * 1000).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') this.deps.processes.signal(c.state.pid, 'SIGKILL');
    await exited;
    // onExit runs under the lock; wait for it so the caller sees the teardown done.
    await this.lock.run(async () => undefined);
    this.emit('container', 'stop', id, { name: c.name });
  }

  async restartContainer(idOrName: string, timeoutSec = 10): Promise<void> {
    const c = resolveContainer(this.state.containers, idOrName);
    await this.stopById(c.id, timeoutSec);
    await this.startContainer(c.id);
  }

  async removeContainer(idOrName: string, force: boolean): Promise<void> {
    const c = resolveContainer(this.state.containers, idOrName);
    if (c.state.status === 'running') {
      if (!force) {
        throw conflict(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
      }
      await this.stopById(c.id, 0);
    }
    await this.lock.run(async () => {
      const now = this.state.containers.find((x) => x.id === c.id);
      if (now) this.forget(now);
      this.persist();
    });
  }

  async waitContainer(idOrName: string): Promise<number> {
    const c = resolveContainer(this.state.containers, idOrName);
    const exited = this.exits.get(c.id);
    if (!exited) return c.state.exitCode;
    const code = await exited;
    await this.lock.run(async () => undefined);
    return code;
  }

  private forget(c: ContainerRecord): void {
    this.state = { ...this.state, containers: this.state.containers.filter((x) => x.id !== c.id) };
    rmSync(this.containerDir(c.id), { recursive: true, force: true });
    this.emit('container', 'destroy', c.id, { name: c.name });
  }

  // ---------------------------------------------------------------- helpers

  private async ensureBridge(n: NetworkRecord, expectNew = false): Promise<void> {
    if (!n.bridge) return;
    const { subnet, gateway } = n.ipam[0]!;
    await this.deps.host.ensureBridge({ name: n.bridge.name, mtu: n.bridge.mtu, address: `${gateway}/${subnet.split('/')[1]}`, expectNew });
    if (!this.deps.config.userlandProxy && this.deps.config.iptables) await this.deps.host.setRouteLocalnet(n.bridge.name);
  }

  /** Brings the kernel's rules to the desired state; true when something had to change. */
  private async syncRules(): Promise<boolean> {
    const { firewall } = this.deps;
    const input = layoutInput(this.state, this.deps.config);
    const changed = await firewall.apply(input, (desired) => {
      // Written ahead: a crash during the restore must not leave rules berth forgets are its own.
      this.state = { ...this.state, pendingRules: desired };
      this.persist();
    });
    this.state = { ...this.state, appliedRules: firewall.applied(), pendingRules: null };
    return changed;
  }

  /**
   * Restores what berth owns when something outside changed it (a firewall reload,
   * `iptables -F`, an old `iptables-restore`): one transaction, foreign rules and
   * DOCKER-USER's contents untouched. Returns whether anything was repaired.
   */
  async repairRules(reason: string): Promise<boolean> {
    if (!this.deps.config.iptables) return false;
    // The check only reads, so it runs outside the lock: a healthy ruleset never holds up a change.
    if (!(await this.deps.firewall.drifted(layoutInput(this.state, this.deps.config)))) return false;
    return this.lock.run(async () => {
      const changed = await this.syncRules();
      if (changed) {
        this.deps.log(`repaired berth's rules (${reason})`);
        this.emit('daemon', 'repair', 'rules', { reason });
      }
      return changed;
    });
  }

  private replaceContainer(c: ContainerRecord): void {
    this.state = { ...this.state, containers: this.state.containers.map((x) => (x.id === c.id ? c : x)) };
  }

  private nextSeq(): number {
    const seq = this.state.seq + 1;
    this.state = { ...this.state, seq } as Mutable<State>;
    return seq;
  }

  private persist(): void {
    this.deps.store.save(this.state);
  }
}

/** Sandboxes that share another's namespace (container: mode) after the one they share. */
function startOrder(cs: readonly ContainerRecord[]): ContainerRecord[] {
  const depth = (c: ContainerRecord, seen = 0): number => {
    if (c.networkMode.kind !== 'container' || seen > cs.length) return 0;
    const target = cs.find((x) => x.id === (c.networkMode as { container: string }).container);
    return target ? 1 + depth(target, seen + 1) : 0;
  };
  return [...cs].sort((a, b) => depth(a) - depth(b));
}

/** Where two texts first differ: "line N (saved "...", here "...")". */
function firstLineDifference(saved: string, here: string): string {
  const a = saved.split('\n');
  const b = here.split('\n');
  let i = 0;
  while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
  const line = (x: string | undefined) => (x === undefined ? 'nothing' : JSON.stringify(x));
  return `line ${i + 1}: saved ${line(a[i])}, here ${line(b[i])}`;
}

function fail(message: string): never {
  throw systemError(message);
}
