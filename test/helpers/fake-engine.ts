// An honest in-memory Engine for the surfaces' tests: it validates its input, resolves
// names/ids/prefixes, allocates addresses and ports, emits events, and raises the
// same kinds of errors (with Docker's messages) as the real engine. No kernel work.
import { randomBytes } from 'node:crypto';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ContainerCreateRequest,
  ContainerRecord,
  ContainerState,
  Engine,
  EndpointRecord,
  EngineEvent,
  NetworkCreateRequest,
  NetworkMode,
  NetworkRecord,
  PortMapping,
  PortRequest,
} from '../../src/engine/types.js';
import { portRequest } from '../../src/engine/allocation.js';
import { conflict, forbidden, invalid, notFound } from '../../src/model/errors.js';
import type { DesiredRules } from '../../src/render/ir.js';
import { DEFAULT_CONFIG, type DaemonConfig } from '../../src/model/daemon-config.js';

export interface FakeEngineOptions {
  /** Directory for container log files. */
  readonly logDir: string;
  /** Clock (ms since epoch); defaults to Date.now. */
  readonly now?: () => number;
  /**
   * What a started command does: output and exit code, or undefined to keep running
   * until stopped. Defaults to `simulateCommand` (echo, true, false, exit N).
   */
  readonly simulate?: (cmd: readonly string[]) => { output: string; exitCode: number } | undefined;
}

/** A few host commands the fake "runs": they print and exit shortly after start. */
export function simulateCommand(cmd: readonly string[]): { output: string; exitCode: number } | undefined {
  const [file, ...args] = cmd;
  switch (file) {
    case 'echo':
      return { output: `${args.join(' ')}\n`, exitCode: 0 };
    case 'true':
      return { output: '', exitCode: 0 };
    case 'false':
      return { output: '', exitCode: 1 };
    case 'exit':
      return { output: '', exitCode: Number(args[0] ?? 0) };
    default:
      return undefined;
  }
}

const newId = (): string => randomBytes(32).toString('hex');

function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw invalid(`invalid IP address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw invalid(`invalid IP address: ${ip}`);
    n = n * 256 + Number(p);
  }
  return n;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function parseCidr(cidr: string): { base: number; bits: number } {
  const [ip, bitsText] = cidr.split('/');
  if (ip === undefined || bitsText === undefined || !/^\d+$/.test(bitsText) || Number(bitsText) > 32) {
    throw invalid(`invalid CIDR address: ${cidr}`);
  }
  const bits = Number(bitsText);
  let base: number;
  try {
    base = ipToInt(ip);
  } catch {
    throw invalid(`invalid CIDR address: ${cidr}`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, bits };
}

function cidrContains(cidr: string, ip: string): boolean {
  const { base, bits } = parseCidr(cidr);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === base;
}

function overlaps(a: string, b: string): boolean {
  const pa = parseCidr(a);
  const pb = parseCidr(b);
  const bits = Math.min(pa.bits, pb.bits);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((pa.base & mask) >>> 0) === ((pb.base & mask) >>> 0);
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class FakeEngine implements Engine {
  readonly networks = new Map<string, NetworkRecord>();
  readonly containers = new Map<string, ContainerRecord>();
  eps: EndpointRecord[] = [];
  /** Every event emitted, in order. */
  readonly events: EngineEvent[] = [];
  /** Calls made, for assertions (method + first argument). */
  readonly calls: string[] = [];
  rules = '*filter\n:DOCKER - [0:0]\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -j RETURN\nCOMMIT\n';
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly waiters = new Map<string, ((code: number) => void)[]>();
  private seq = 0;
  private nextPid = 1000;
  private nextHostPort = 49153;
  private readonly now: () => number;

  constructor(private readonly opts: FakeEngineOptions) {
    this.now = opts.now ?? Date.now;
    this.addPredefined();
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private addPredefined(): void {
    const base = {
      created: this.iso(),
      internal: false,
      attachable: false,
      labels: {},
      ipamUserSpecified: false,
    };
    this.putNetwork({
      ...base,
      id: newId(),
      name: 'bridge',
      driver: 'bridge',
      seq: ++this.seq,
      options: {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': 'docker0',
        'com.docker.network.driver.mtu': '1500',
      },
      ipam: [{ subnet: '172.17.0.0/16', gateway: '172.17.0.1', gatewayConfigured: false }],
      bridge: { name: 'docker0', mtu: 1500, icc: true, ipMasquerade: true, hostBindingIpv4: '', isDefault: true },
    });
    this.putNetwork({ ...base, id: newId(), name: 'host', driver: 'host', seq: ++this.seq, options: {}, ipam: [], bridge: null });
    this.putNetwork({ ...base, id: newId(), name: 'none', driver: 'null', seq: ++this.seq, options: {}, ipam: [], bridge: null });
  }

  private putNetwork(n: NetworkRecord): void {
    this.networks.set(n.id, n);
  }

  private emit(type: EngineEvent['type'], action: string, id: string, attributes: Record<string, string>): void {
    const e: EngineEvent = { type, action, id, attributes, time: Math.floor(this.now() / 1000) };
    this.events.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  // ------------------------------------------------------------ networks

  private findNetwork(idOrName: string): NetworkRecord {
    if (idOrName === '') throw notFound('network  not found');
    const byId = this.networks.get(idOrName);
    if (byId) return byId;
    const all = [...this.networks.values()];
    const byName = all.filter((n) => n.name === idOrName);
    if (byName.length === 1 && byName[0]) return byName[0];
    const byPrefix = all.filter((n) => n.id.startsWith(idOrName));
    if (byPrefix.length > 1) throw invalid(`network ${idOrName} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0];
    throw notFound(`network ${idOrName} not found`);
  }

  listNetworks(): readonly NetworkRecord[] {
    return [...this.networks.values()].sort((a, b) => a.seq - b.seq);
  }

  inspectNetwork(idOrName: string): NetworkRecord {
    return this.findNetwork(idOrName);
  }

  async createNetwork(req: NetworkCreateRequest): Promise<{ network: NetworkRecord; warning: string }> {
    this.calls.push(`createNetwork ${req.name}`);
    if (!req.name) throw invalid('network name is required');
    const driver = req.driver ?? 'bridge';
    if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    if ([...this.networks.values()].some((n) => n.name === req.name)) {
      throw conflict(`network with name ${req.name} already exists`);
    }
    const ipam = req.ipam ?? [];
    if (ipam.length > 1) throw invalid('berth fake: one IPv4 pool per bridge network');
    const used = [...this.networks.values()].flatMap((n) => n.ipam.map((c) => c.subnet));
    let subnet = ipam[0]?.subnet;
    if (subnet !== undefined) {
      const p = parseCidr(subnet);
      subnet = `${intToIp(p.base)}/${p.bits}`;
      const s = subnet;
      if (used.some((u) => overlaps(u, s))) throw forbidden('Pool overlaps with other one on this address space');
    } else {
      for (let second = 18; second < 32 && subnet === undefined; second++) {
        const candidate = `172.${second}.0.0/16`;
        if (!used.some((u) => overlaps(u, candidate))) subnet = candidate;
      }
      if (subnet === undefined) throw forbidden('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    }
    const { base } = parseCidr(subnet);
    const gateway = ipam[0]?.gateway ?? intToIp(base + 1);
    if (!cidrContains(subnet, gateway)) throw invalid(`no matching subnet for gateway ${gateway}`);
    const ipRange = ipam[0]?.ipRange;
    if (ipRange !== undefined && !cidrContains(subnet, ipRange.split('/')[0] ?? '')) {
      throw invalid(`no matching subnet for range ${ipRange}`);
    }
    const id = newId();
    const options = { ...(req.options ?? {}) };
    const mtu = Number(options['com.docker.network.driver.mtu'] ?? 1500);
    if (!Number.isInteger(mtu) || mtu < 68) throw invalid(`invalid MTU number: ${options['com.docker.network.driver.mtu']}`);
    const n: NetworkRecord = {
      id,
      name: req.name,
      driver: 'bridge',
      created: this.iso(),
      seq: ++this.seq,
      internal: req.internal ?? false,
      attachable: req.attachable ?? false,
      labels: { ...(req.labels ?? {}) },
      options,
      ipam: [{ subnet, gateway, ...(ipRange ? { ipRange } : {}) }],
      ipamUserSpecified: ipam[0]?.subnet !== undefined,
      bridge: {
        name: options['com.docker.network.bridge.name'] ?? `br-${id.slice(0, 12)}`,
        mtu,
        icc: options['com.docker.network.bridge.enable_icc'] !== 'false',
        ipMasquerade: options['com.docker.network.bridge.enable_ip_masquerade'] !== 'false',
        hostBindingIpv4: options['com.docker.network.bridge.host_binding_ipv4'] ?? '',
        isDefault: false,
      },
    };
    this.putNetwork(n);
    this.emit('network', 'create', id, { name: n.name, type: n.driver });
    return { network: n, warning: '' };
  }

  private isPredefined(n: NetworkRecord): boolean {
    return n.driver !== 'bridge' || n.bridge?.isDefault === true;
  }

  async removeNetwork(idOrName: string): Promise<void> {
    this.calls.push(`removeNetwork ${idOrName}`);
    const n = this.findNetwork(idOrName);
    if (this.isPredefined(n)) throw forbidden(`${n.name} is a pre-defined network and cannot be removed`);
    if (this.eps.some((e) => e.networkId === n.id)) {
      throw forbidden(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
    }
    this.networks.delete(n.id);
    this.emit('network', 'destroy', n.id, { name: n.name, type: n.driver });
  }

  async pruneNetworks(): Promise<readonly string[]> {
    const removed: string[] = [];
    for (const n of this.listNetworks()) {
      if (this.isPredefined(n) || this.eps.some((e) => e.networkId === n.id)) continue;
      await this.removeNetwork(n.id);
      removed.push(n.name);
    }
    return removed;
  }

  async connect(network: string, container: string, opts: { ipv4?: string; aliases?: readonly string[] }): Promise<void> {
    this.calls.push(`connect ${network} ${container}`);
    const n = this.findNetwork(network);
    const c = this.findContainer(container);
    if (n.driver !== 'bridge') throw forbidden(`container cannot be disconnected from host network or connected to host network`);
    if (c.networkMode.kind !== 'bridge') throw invalid(`container sharing network namespace with another container or host cannot be connected to any other network`);
    if (c.networks.some((x) => x.networkId === n.id)) {
      throw forbidden(`endpoint with name ${c.name} already exists in network ${n.name}`);
    }
    if (opts.ipv4 !== undefined) this.checkStaticIp(n, opts.ipv4);
    const updated: ContainerRecord = {
      ...c,
      networks: [...c.networks, { networkId: n.id, ipv4: opts.ipv4 ?? null, aliases: [...(opts.aliases ?? [])] }],
    };
    this.containers.set(c.id, updated);
    if (c.state.status === 'running') this.attach(updated, n, opts.ipv4 ?? null);
  }

  async disconnect(network: string, container: string, force: boolean): Promise<void> {
    this.calls.push(`disconnect ${network} ${container} ${force}`);
    const n = this.findNetwork(network);
    let c: ContainerRecord;
    try {
      c = this.findContainer(container);
    } catch (e) {
      if (!force) throw e;
      const ep = this.eps.find((x) => x.networkId === n.id && x.containerId.startsWith(container));
      if (!ep) throw e;
      this.eps = this.eps.filter((x) => x !== ep);
      return;
    }
    if (!c.networks.some((x) => x.networkId === n.id)) {
      throw invalid(`container ${c.id} is not connected to network ${n.name}`);
    }
    this.containers.set(c.id, { ...c, networks: c.networks.filter((x) => x.networkId !== n.id) });
    const had = this.eps.some((e) => e.containerId === c.id && e.networkId === n.id);
    this.eps = this.eps.filter((e) => !(e.containerId === c.id && e.networkId === n.id));
    if (had) this.emit('network', 'disconnect', n.id, { container: c.id, name: n.name, type: n.driver });
  }

  endpoints(networkId?: string): readonly EndpointRecord[] {
    return this.eps.filter((e) => networkId === undefined || e.networkId === networkId);
  }

  private checkStaticIp(n: NetworkRecord, ip: string): void {
    if (!n.ipamUserSpecified) {
      throw invalid('user specified IP address is supported only when connecting to networks with user configured subnets');
    }
    const subnet = n.ipam[0]?.subnet ?? '';
    if (!cidrContains(subnet, ip)) throw invalid(`no available IPv4 address in subnet ${subnet} for ${ip}`);
  }

  private attach(c: ContainerRecord, n: NetworkRecord, wanted: string | null): void {
    const cfg = n.ipam[0];
    if (!cfg) return;
    const { base, bits } = parseCidr(cfg.subnet);
    const taken = new Set([cfg.gateway, ...this.eps.filter((e) => e.networkId === n.id).map((e) => e.ipv4)]);
    let ip = wanted;
    if (ip !== null && taken.has(ip)) throw conflict(`Address already in use`);
    for (let i = 1; ip === null && i < 2 ** (32 - bits) - 1; i++) {
      const candidate = intToIp(base + i);
      if (!taken.has(candidate)) ip = candidate;
    }
    if (ip === null) throw unavailableAddress(cfg.subnet);
    const index = this.eps.filter((e) => e.containerId === c.id).length;
    const octets = ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0'));
    const ep: EndpointRecord = {
      id: newId(),
      networkId: n.id,
      containerId: c.id,
      ifName: `eth${index}`,
      hostIfName: `veth${c.id.slice(0, 7)}${index}`,
      ipv4: ip,
      prefixLen: bits,
      macAddress: `02:42:${octets.join(':')}`,
      seq: ++this.seq,
    };
    this.eps.push(ep);
    this.emit('network', 'connect', n.id, { container: c.id, name: n.name, type: n.driver });
  }

  // ------------------------------------------------------------ containers

  private findContainer(idOrName: string): ContainerRecord {
    const key = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    if (key === '') throw notFound('No such container: ');
    const byId = this.containers.get(key);
    if (byId) return byId;
    const all = [...this.containers.values()];
    const byName = all.find((c) => c.name === key);
    if (byName) return byName;
    const byPrefix = all.filter((c) => c.id.startsWith(key));
    if (byPrefix.length > 1) throw invalid(`multiple IDs found with provided prefix: ${key}`);
    if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0];
    throw notFound(`No such container: ${idOrName}`);
  }

  listContainers(all: boolean): readonly ContainerRecord[] {
    return [...this.containers.values()].filter((c) => all || c.state.status === 'running');
  }

  inspectContainer(idOrName: string): ContainerRecord {
    return this.findContainer(idOrName);
  }

  private resolveMode(mode: string | undefined): NetworkMode {
    const m = mode ?? 'bridge';
    if (m === 'bridge' || m === 'default' || m === '') {
      const def = [...this.networks.values()].find((n) => n.bridge?.isDefault);
      if (!def) throw notFound('network bridge not found');
      return { kind: 'bridge', network: def.id };
    }
    if (m === 'host') return { kind: 'host' };
    if (m === 'none') return { kind: 'none' };
    if (m.startsWith('container:')) {
      const target = this.findContainer(m.slice('container:'.length));
      return { kind: 'container', container: target.id };
    }
    const n = this.findNetwork(m);
    if (n.driver === 'host') return { kind: 'host' };
    if (n.driver === 'null') return { kind: 'none' };
    return { kind: 'bridge', network: n.id };
  }

  async createContainer(req: ContainerCreateRequest): Promise<{ container: ContainerRecord; warnings: readonly string[] }> {
    this.calls.push(`createContainer ${req.name ?? ''}`);
    if (req.cmd.length === 0) throw invalid('No command specified');
    let name = req.name;
    if (name !== undefined) {
      if (!NAME_RE.test(name)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      const clash = [...this.containers.values()].find((c) => c.name === name);
      if (clash) {
        throw conflict(
          `Conflict. The container name "/${name}" is already in use by container "${clash.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
    } else {
      name = `fake_${this.seq + 1}`;
    }
    const mode = this.resolveMode(req.networkMode);
    if (req.ipv4 !== undefined) {
      if (mode.kind !== 'bridge') throw invalid('conflicting options: ip and the network mode');
      const n = this.findNetwork(mode.network);
      this.checkStaticIp(n, req.ipv4);
    }
    const portRequests = (req.ports?.bindings ?? []).map(portRequest);
    if (portRequests.length > 0 && (mode.kind === 'host' || mode.kind === 'container')) {
      throw invalid('conflicting options: port publishing and the container type network mode');
    }
    const exposedPorts = (req.ports?.exposed ?? []).map((e) => ({ proto: e.proto, port: e.port }));
    const id = newId();
    const state: ContainerState = { status: 'created', pid: 0, exitCode: 0, startedAt: '', finishedAt: '', error: '' };
    const c: ContainerRecord = {
      id,
      name,
      created: this.iso(),
      cmd: [...req.cmd],
      networkMode: mode,
      networks: mode.kind === 'bridge' ? [{ networkId: mode.network, ipv4: req.ipv4 ?? null, aliases: [] }] : [],
      portRequests,
      exposedPorts,
      publishAll: req.publishAll ?? false,
      autoRemove: req.autoRemove ?? false,
      state,
      startSeq: 0,
      ports: [],
      netns: '',
    };
    ++this.seq;
    this.containers.set(id, c);
    this.emit('container', 'create', id, { image: 'host-cmd', name });
    return { container: c, warnings: [] };
  }

  async startContainer(idOrName: string): Promise<void> {
    this.calls.push(`startContainer ${idOrName}`);
    const c = this.findContainer(idOrName);
    if (c.state.status === 'running') return;
    if (c.networkMode.kind === 'container') {
      const target = this.containers.get(c.networkMode.container);
      if (!target || target.state.status !== 'running') {
        throw conflict(`cannot join network of a non running container: ${c.networkMode.container}`);
      }
    }
    const ports: PortMapping[] = [];
    const take = (r: PortRequest): number => {
      if (r.hostPortStart !== null) return r.hostPortStart;
      return this.nextHostPort++;
    };
    for (const r of c.portRequests) ports.push({ proto: r.proto, containerPort: r.containerPort, hostIp: r.hostIp, hostPort: take(r) });
    if (c.publishAll) {
      for (const e of c.exposedPorts) {
        if (ports.some((p) => p.containerPort === e.port && p.proto === e.proto)) continue;
        ports.push({ proto: e.proto, containerPort: e.port, hostIp: '', hostPort: this.nextHostPort++ });
      }
    }
    const state: ContainerState = {
      status: 'running',
      pid: this.nextPid++,
      exitCode: 0,
      startedAt: this.iso(),
      finishedAt: c.state.finishedAt,
      error: '',
    };
    const netns = c.networkMode.kind === 'bridge' || c.networkMode.kind === 'none' ? `berth-${c.id.slice(0, 12)}` : '';
    const running: ContainerRecord = { ...c, state, ports, netns, startSeq: ++this.seq };
    this.containers.set(c.id, running);
    appendFileSync(this.logPath(c.id), '');
    for (const n of c.networks) {
      const net = this.networks.get(n.networkId);
      if (net) this.attach(running, net, n.ipv4);
    }
    this.emit('container', 'start', c.id, { image: 'host-cmd', name: c.name });
    const outcome = (this.opts.simulate ?? simulateCommand)(c.cmd);
    if (outcome) {
      const pid = state.pid;
      setTimeout(() => {
        const now = this.containers.get(c.id);
        if (!now || now.state.status !== 'running' || now.state.pid !== pid) return;
        appendFileSync(this.logPath(c.id), outcome.output);
        this.exitContainer(c.id, outcome.exitCode);
      }, 5);
    }
  }

  /** Test helper: the container's process exits with `code`. */
  exitContainer(idOrName: string, code: number): void {
    const c = this.findContainer(idOrName);
    if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
    for (const e of this.eps.filter((x) => x.containerId === c.id)) {
      const n = this.networks.get(e.networkId);
      this.emit('network', 'disconnect', e.networkId, { container: c.id, name: n?.name ?? '', type: n?.driver ?? '' });
    }
    this.eps = this.eps.filter((e) => e.containerId !== c.id);
    const state: ContainerState = { ...c.state, status: 'exited', pid: 0, exitCode: code, finishedAt: this.iso() };
    this.containers.set(c.id, { ...c, state, ports: [], netns: '' });
    this.emit('container', 'die', c.id, { exitCode: String(code), image: 'host-cmd', name: c.name });
    for (const w of this.waiters.get(c.id) ?? []) w(code);
    this.waiters.delete(c.id);
    if (c.autoRemove) this.destroy(c.id);
  }

  /** Test helper: the container writes to its log. */
  appendLog(idOrName: string, text: string): void {
    appendFileSync(this.logPath(this.findContainer(idOrName).id), text);
  }

  async stopContainer(idOrName: string, timeoutSec?: number): Promise<void> {
    this.calls.push(`stopContainer ${idOrName} ${timeoutSec ?? ''}`);
    const c = this.findContainer(idOrName);
    if (c.state.status !== 'running') return;
    this.emit('container', 'kill', c.id, { name: c.name, signal: '15' });
    this.exitContainer(c.id, 0);
    this.emit('container', 'stop', c.id, { name: c.name });
  }

  async restartContainer(idOrName: string, timeoutSec?: number): Promise<void> {
    const c = this.findContainer(idOrName);
    if (c.autoRemove && c.state.status === 'running') {
      throw conflict('berth fake: cannot restart an auto-removed container');
    }
    await this.stopContainer(c.id, timeoutSec);
    await this.startContainer(c.id);
    this.emit('container', 'restart', c.id, { name: c.name });
  }

  private destroy(id: string): void {
    const c = this.containers.get(id);
    if (!c) return;
    rmSync(this.logPath(id), { force: true });
    this.containers.delete(id);
    this.emit('container', 'destroy', id, { image: 'host-cmd', name: c.name });
  }

  async removeContainer(idOrName: string, force: boolean): Promise<void> {
    this.calls.push(`removeContainer ${idOrName} ${force}`);
    const c = this.findContainer(idOrName);
    if (c.state.status === 'running') {
      if (!force) {
        throw conflict(
          `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`,
        );
      }
      this.exitContainer(c.id, 137);
      if (c.autoRemove) return;
    }
    this.destroy(c.id);
  }

  waitContainer(idOrName: string): Promise<number> {
    const c = this.findContainer(idOrName);
    if (c.state.status !== 'running') return Promise.resolve(c.state.exitCode);
    return new Promise((resolve) => {
      const list = this.waiters.get(c.id) ?? [];
      list.push(resolve);
      this.waiters.set(c.id, list);
    });
  }

  logPath(idOrName: string): string {
    const key = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    const id = this.containers.has(key) ? key : this.findContainer(key).id;
    return join(this.opts.logDir, `${id}.log`);
  }

  ownedRules(): string {
    return this.rules;
  }

  /** The fake owns no kernel rules: it desires nothing and repairs nothing. */
  desiredRules(): DesiredRules {
    return { tables: [] };
  }

  async repairRules(): Promise<boolean> {
    return false;
  }

  daemonConfig(): DaemonConfig {
    return DEFAULT_CONFIG;
  }

  info(): Record<string, unknown> {
    return { IPv4Forwarding: true, BridgeNfIptables: true };
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Number of live event subscriptions (to check that streams clean up). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Test helper: write a whole log file. */
  setLog(idOrName: string, text: string): void {
    writeFileSync(this.logPath(idOrName), text);
  }
}

function unavailableAddress(subnet: string) {
  return forbidden(`no available IPv4 addresses on this network's address pools: ${subnet}`);
}
