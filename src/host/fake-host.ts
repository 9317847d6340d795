// An in-memory Host for engine tests. It interprets the ip batch lines our
// builders write (and refuses any other line loudly), with the kernel's rules
// that matter to an engine: names are unique per namespace, deleting or
// configuring a missing link fails, a veth pair lives and dies together (also
// when its namespace goes), deleting a bridge releases its ports, a gateway must
// be on a connected subnet of an up link, a batch stops at its first failing line
// and keeps the lines before it. Failures are reported as ip would print them and
// go through the same mapping as the real runner (batchFailure), so the engine
// sees the same BatchError.
//
// Not modelled: a bridge's MAC following its ports, IPv6 link-local addresses
// and routes, carrier timing, netnsid numbering (a peer elsewhere is id 0),
// sysctl side effects (forwarding of all interfaces following ip_forward);
// sysctl.writeMany stops at the first failing write (the real one may go on
// within the same value group).
import { BlockList, isIP } from 'node:net';
import type { ExecResult } from './exec.js';
import type { Host } from './host.js';
import { batchFailure, inTwoSteps, parseCidr, type BatchLine, type BatchRunner } from './ip-batch.js';
import { parseAddresses, parseLinks, parseRoutes, type Address, type AddrReadOptions, type Link, type LinkReader, type ReadOptions, type Route, type RouteReadOptions } from './links.js';
import { validateNetnsName, type NetnsPort } from './netns.js';
import { sysctlComponents, sysctlKey, type SysctlName, type SysctlOptions, type SysctlPort } from './sysctl.js';
import { conflict, invalid, notFound } from '../model/errors.js';

interface FakeAddr {
  readonly family: 4 | 6;
  readonly local: string;
  readonly prefixLength: number;
  readonly broadcast: string | undefined;
  readonly nodad: boolean;
}

interface FakeRoute {
  readonly family: 4 | 6;
  readonly dst: string;
  readonly via: string | undefined;
  readonly dev: number;
}

interface FakeLink {
  readonly index: number;
  name: string;
  readonly kind: 'loopback' | 'bridge' | 'veth';
  mtu: number;
  mac: string;
  up: boolean;
  txqlen: number;
  master: number | undefined;
  hairpin: boolean;
  peer: { ns: FakeNs; index: number } | undefined;
  addrs: FakeAddr[];
  /** net.ipv4.conf.NAME.* / net.ipv6.conf.NAME.* keys written so far. */
  conf: Map<string, string>;
}

class FakeNs {
  readonly links = new Map<number, FakeLink>();
  routes: FakeRoute[] = [];
  readonly sysctls = new Map<string, string>(DEFAULT_SYSCTLS);
  pids: number[] = [];
  private nextIndex = 1;
  constructor(readonly name: string | undefined) {
    this.add({ name: 'lo', kind: 'loopback', mtu: 65536, mac: '00:00:00:00:00:00', txqlen: 1000 });
  }
  add(l: { name: string; kind: FakeLink['kind']; mtu: number; mac: string; txqlen: number }): FakeLink {
    const link: FakeLink = { index: this.nextIndex++, up: false, master: undefined, hairpin: false, peer: undefined, addrs: [], conf: new Map(), ...l };
    this.links.set(link.index, link);
    return link;
  }
  byName(name: string): FakeLink | undefined {
    for (const l of this.links.values()) if (l.name === name) return l;
    return undefined;
  }
}

const DEFAULT_SYSCTLS: ReadonlyArray<readonly [string, string]> = [
  ['net.ipv4.ip_forward', '0'],
  ['net.ipv4.ip_local_port_range', '32768\t60999'],
  ['net.ipv4.conf.all.forwarding', '0'],
  ['net.ipv4.conf.all.route_localnet', '0'],
  ['net.ipv4.conf.default.forwarding', '0'],
  ['net.ipv4.conf.default.route_localnet', '0'],
  ['net.ipv6.conf.all.forwarding', '0'],
  ['net.ipv6.conf.all.disable_ipv6', '0'],
  ['net.ipv6.conf.default.disable_ipv6', '0'],
  ['net.ipv4.ip_unprivileged_port_start', '1024'],
  ['net.ipv4.ping_group_range', '1\t0'],
];
const CONF_KEYS: Readonly<Record<string, readonly string[]>> = {
  ipv4: ['forwarding', 'route_localnet', 'rp_filter', 'proxy_arp'],
  ipv6: ['forwarding', 'disable_ipv6', 'accept_ra'],
};

const BRIDGE_DEFAULTS = {
  forward_delay: 1500,
  hello_time: 200,
  max_age: 2000,
  ageing_time: 30000,
  stp_state: 0,
  priority: 32768,
  vlan_filtering: 0,
  mcast_snooping: 1,
  nf_call_iptables: 0,
  nf_call_ip6tables: 0,
  nf_call_arptables: 0,
};

/** A line that fails: what ip prints, and whether it failed while parsing (exit 255, no "Command failed"). */
class LineFailure extends Error {
  constructor(
    readonly stderr: string,
    readonly parse = false,
  ) {
    super(stderr);
  }
}

const exists = (): LineFailure => new LineFailure('RTNETLINK answers: File exists');
const noDevice = (name: string): LineFailure => new LineFailure(`Cannot find device "${name}"`);

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}
function intToV4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
function inSubnet(ip: string, net: string, prefixLength: number): boolean {
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if ((isIP(net) === 6 ? 'ipv6' : 'ipv4') !== family) return false;
  const b = new BlockList();
  b.addSubnet(net, prefixLength, family);
  return b.check(ip, family);
}
function networkOf(a: FakeAddr): string {
  if (a.family === 4) {
    const size = 2 ** (32 - a.prefixLength);
    return `${intToV4(Math.floor(v4ToInt(a.local) / size) * size)}/${a.prefixLength}`;
  }
  // Whole-group prefixes are enough for a fake (/64, /48, /112 ...).
  const groups = expandV6(a.local);
  const keep = Math.floor(a.prefixLength / 16);
  const masked = groups.map((g, i) => (i < keep ? g : i === keep ? g & (0xffff << (16 - (a.prefixLength % 16))) & 0xffff : 0));
  return `${compressV6(masked)}/${a.prefixLength}`;
}
function expandV6(ip: string): number[] {
  const [head = '', tail] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}
function compressV6(groups: number[]): string {
  const hex = groups.map((g) => g.toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface FakeHostOptions {
  /** Extra or overriding sysctls of the current namespace, e.g. `net.bridge.bridge-nf-call-iptables`. */
  readonly sysctls?: Readonly<Record<string, string>>;
}

export interface RecordedBatch {
  readonly netns: string | undefined;
  readonly lines: readonly BatchLine[];
  /** 0-based index of the failing line, undefined if the batch succeeded. */
  readonly failedAt: number | undefined;
}

export class FakeHost implements Host {
  /** Every batch applied, in order, failed ones included. */
  readonly batches: RecordedBatch[] = [];
  private readonly current: FakeNs;
  private readonly named = new Map<string, FakeNs>();
  private readonly injected: Array<{ match: RegExp; stderr: string }> = [];
  private macCounter = 0;

  constructor(options: FakeHostOptions = {}) {
    this.current = new FakeNs(undefined);
    for (const [k, v] of Object.entries(options.sysctls ?? {})) this.current.sysctls.set(k, v);
  }

  /** The next batch line matching `match` fails with `stderr` (once), before it changes anything. */
  injectFailure(match: RegExp, stderr = 'RTNETLINK answers: Operation not permitted'): void {
    this.injected.push({ match, stderr });
  }

  /** Pids `netns.pids(name)` reports; a namespace with pids outlives `netns.delete` (unnamed). */
  setPids(name: string, pids: readonly number[]): void {
    this.ns(name).pids = [...pids];
  }

  // -------------------------------------------------------------------------
  readonly batch: BatchRunner = inTwoSteps(async (lines: readonly BatchLine[], { netns }: { readonly netns?: string }): Promise<void> => {
    await Promise.resolve();
    if (lines.length === 0) return;
    const ns = netns === undefined ? this.current : this.named.get(netns);
    if (ns === undefined) {
      this.batches.push({ netns, lines: [...lines], failedAt: 0 });
      throw batchFailure(lines, { code: 255, stdout: '', stderr: `Cannot open network namespace "${netns ?? ''}": No such file or directory\n` }, netns);
    }
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      try {
        const hit = this.injected.findIndex((f) => f.match.test(line));
        if (hit >= 0) {
          const [f] = this.injected.splice(hit, 1);
          throw new LineFailure(f?.stderr ?? '');
        }
        this.applyLine(ns, line);
      } catch (e) {
        if (!(e instanceof LineFailure)) throw e;
        this.batches.push({ netns, lines: [...lines], failedAt: i });
        const result: ExecResult = {
          code: e.parse ? 255 : 1,
          stdout: '1: lo: <LOOPBACK> mtu 65536\n'.repeat(i),
          stderr: e.parse ? `${e.stderr}\n` : `${e.stderr}\nCommand failed -:${2 * i + 1}\n`,
        };
        throw batchFailure(lines, result, netns);
      }
    }
    this.batches.push({ netns, lines: [...lines], failedAt: undefined });
  });

  private applyLine(ns: FakeNs, line: BatchLine): void {
    const w = line.split(' ');
    const [obj, verb] = w;
    const rest = w.slice(2);
    if (obj === 'netns' && verb === 'add') return this.netnsAdd(rest[0] ?? '', true);
    if (obj === 'netns' && verb === 'del') return this.netnsDel(rest[0] ?? '', true);
    if (obj === 'link' && verb === 'add') return this.linkAdd(ns, rest, line);
    if (obj === 'link' && verb === 'set') return this.linkSet(ns, rest, line);
    if (obj === 'link' && verb === 'del' && rest[0] === 'dev' && rest.length === 2) return this.linkDel(ns, this.dev(ns, rest[1] ?? ''));
    if (obj === 'addr') return this.addr(ns, verb, rest, line);
    if (obj === 'route' && (verb === 'add' || verb === 'del')) return this.route(ns, verb, rest, line);
    throw unsupported(line);
  }

  private dev(ns: FakeNs, name: string): FakeLink {
    const l = ns.byName(name);
    if (l === undefined) throw noDevice(name);
    return l;
  }

  private nextMac(): string {
    const n = ++this.macCounter;
    return `02:fa:ce:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  }

  private linkAdd(ns: FakeNs, w: string[], line: string): void {
    // name N [address M] [mtu X] [txqueuelen T] [master B] [up] type bridge|veth [peer name P [address M] [mtu X] [txqueuelen T] [netns NS]]
    const typeAt = w.indexOf('type');
    const main = parseAttrs(w.slice(0, typeAt), line);
    const kind = w[typeAt + 1];
    if (main.name === undefined || (kind !== 'bridge' && kind !== 'veth')) throw unsupported(line);
    let master: FakeLink | undefined;
    if (main.master !== undefined) {
      master = ns.byName(main.master);
      if (master?.kind !== 'bridge') throw new LineFailure(`Error: argument "${main.master}" is wrong: Device does not exist`, true);
    }
    if (kind === 'bridge') {
      if (w.length !== typeAt + 2) throw unsupported(line);
      if (ns.byName(main.name) !== undefined) throw exists();
      const br = ns.add({ name: main.name, kind: 'bridge', mtu: main.mtu ?? 1500, mac: main.address ?? this.nextMac(), txqlen: main.txqlen ?? 1000 });
      br.up = main.up;
      return;
    }
    if (w[typeAt + 2] !== 'peer') throw unsupported(line);
    const peer = parseAttrs(w.slice(typeAt + 3), line);
    if (peer.name === undefined || peer.master !== undefined || peer.up) throw unsupported(line);
    let peerNs = ns;
    if (peer.netns !== undefined) {
      const target = this.named.get(peer.netns);
      if (target === undefined) throw new LineFailure(`Error: argument "${peer.netns}" is wrong: Invalid "netns" value`, true);
      peerNs = target;
    }
    if (ns.byName(main.name) !== undefined || peerNs.byName(peer.name) !== undefined || (peerNs === ns && peer.name === main.name)) throw exists();
    const a = ns.add({ name: main.name, kind: 'veth', mtu: main.mtu ?? 1500, mac: main.address ?? this.nextMac(), txqlen: main.txqlen ?? 1000 });
    const b = peerNs.add({ name: peer.name, kind: 'veth', mtu: peer.mtu ?? 1500, mac: peer.address ?? this.nextMac(), txqlen: peer.txqlen ?? 1000 });
    a.peer = { ns: peerNs, index: b.index };
    b.peer = { ns, index: a.index };
    a.master = master?.index;
    a.up = main.up;
  }

  private linkSet(ns: FakeNs, w: string[], line: string): void {
    if (w[0] !== 'dev' || w.length < 3) throw unsupported(line);
    const link = this.dev(ns, w[1] ?? '');
    const [op, arg, arg2, arg3] = w.slice(2);
    const extra = w.length - 2;
    if (op === 'up' && extra === 1) link.up = true;
    else if (op === 'down' && extra === 1) {
      link.up = false;
      this.pruneRoutes(ns);
    } else if (op === 'nomaster' && extra === 1) link.master = undefined;
    else if (op === 'master' && extra === 2) {
      const m = ns.byName(arg ?? '');
      if (m?.kind !== 'bridge') throw new LineFailure(`Error: argument "${arg ?? ''}" is wrong: Device does not exist`, true);
      link.master = m.index;
    } else if (op === 'name' && extra === 2) {
      const other = ns.byName(arg ?? '');
      if (other !== undefined && other !== link) throw exists();
      link.name = arg ?? link.name; // kernels >= 6.2 also rename links that are up
    } else if (op === 'mtu' && extra === 2) link.mtu = Number(arg);
    else if (op === 'address' && extra === 2) link.mac = arg ?? link.mac;
    else if (op === 'type' && arg === 'bridge_slave' && arg2 === 'hairpin' && extra === 4) {
      if (link.master === undefined) throw new LineFailure('RTNETLINK answers: Operation not supported');
      link.hairpin = arg3 === 'on';
    } else throw unsupported(line);
  }

  private linkDel(ns: FakeNs, link: FakeLink): void {
    ns.links.delete(link.index);
    this.pruneRoutes(ns);
    if (link.kind === 'bridge') for (const l of ns.links.values()) if (l.master === link.index) l.master = undefined;
    if (link.peer !== undefined) {
      const { ns: pns, index } = link.peer;
      const peer = pns.links.get(index);
      if (peer !== undefined) {
        peer.peer = undefined;
        this.linkDel(pns, peer);
      }
    }
  }

  private addr(ns: FakeNs, verb: string | undefined, w: string[], line: string): void {
    if (verb === 'flush' && w[0] === 'dev' && w.length === 2) {
      this.dev(ns, w[1] ?? '').addrs = [];
      this.pruneRoutes(ns);
      return;
    }
    const cidr = w[0] ?? '';
    const devAt = w.indexOf('dev');
    if ((verb !== 'add' && verb !== 'del') || devAt < 1 || devAt !== w.length - 2) throw unsupported(line);
    const flags = w.slice(1, devAt);
    const { address, prefixLength, family } = parseCidr(cidr);
    const link = this.dev(ns, w[devAt + 1] ?? '');
    const same = (a: FakeAddr): boolean => a.local === address && a.prefixLength === prefixLength;
    if (verb === 'del') {
      if (flags.length !== 0) throw unsupported(line);
      if (!link.addrs.some(same)) throw new LineFailure(family === 4 ? 'Error: ipv4: Address not found.' : 'RTNETLINK answers: Cannot assign requested address');
      link.addrs = link.addrs.filter((a) => !same(a));
      this.pruneRoutes(ns);
      return;
    }
    const broadcast = flags.join(' ') === 'broadcast +' || flags.join(' ') === 'broadcast + nodad';
    const nodad = flags.includes('nodad');
    if (flags.length !== (broadcast ? 2 : 0) + (nodad ? 1 : 0)) throw unsupported(line);
    if (link.addrs.some(same)) throw new LineFailure(family === 4 ? 'Error: ipv4: Address already assigned.' : 'RTNETLINK answers: File exists');
    let brd: string | undefined;
    if (broadcast && family === 4) {
      const size = 2 ** (32 - prefixLength);
      brd = intToV4(Math.floor(v4ToInt(address) / size) * size + size - 1);
    }
    link.addrs.push({ family, local: address, prefixLength, broadcast: brd, nodad });
  }

  /** The kernel drops routes whose device went down or away, or whose gateway lost its subnet. */
  private pruneRoutes(ns: FakeNs): void {
    ns.routes = ns.routes.filter((r) => {
      const dev = ns.links.get(r.dev);
      return dev !== undefined && dev.up && (r.via === undefined || this.reachable(ns, r.via, dev));
    });
  }

  private reachable(ns: FakeNs, gw: string, dev: FakeLink | undefined): boolean {
    if (isIP(gw) === 6 && gw.toLowerCase().startsWith('fe80:') && dev !== undefined) return dev.up;
    const links = dev !== undefined ? [dev] : [...ns.links.values()];
    return links.some((l) => l.up && l.addrs.some((a) => a.local !== gw && inSubnet(gw, a.local, a.prefixLength)));
  }

  private route(ns: FakeNs, verb: 'add' | 'del', w: string[], line: string): void {
    const dst = w[0] ?? '';
    const opts = parseAttrs(w.slice(1), line, ['via', 'dev']);
    const family: 4 | 6 = opts.via !== undefined ? (isIP(opts.via) === 6 ? 6 : 4) : dst.includes(':') ? 6 : 4;
    const dev = opts.dev !== undefined ? this.dev(ns, opts.dev) : undefined;
    const same = (r: FakeRoute): boolean => r.family === family && r.dst === dst;
    if (verb === 'del') {
      const before = ns.routes.length;
      ns.routes = ns.routes.filter((r) => !(same(r) && (opts.via === undefined || r.via === opts.via) && (dev === undefined || r.dev === dev.index)));
      if (ns.routes.length === before) throw new LineFailure('RTNETLINK answers: No such process');
      return;
    }
    if (ns.routes.some(same)) throw exists();
    let out = dev;
    if (opts.via !== undefined) {
      if (!this.reachable(ns, opts.via, dev)) throw new LineFailure('Error: Nexthop has invalid gateway.');
      out ??= [...ns.links.values()].find((l) => l.up && l.addrs.some((a) => inSubnet(opts.via ?? '', a.local, a.prefixLength)));
    }
    if (out === undefined) throw unsupported(line);
    if (!out.up) throw new LineFailure('Error: Device for nexthop is not up.');
    ns.routes.push({ family, dst, via: opts.via, dev: out.index });
  }

  // -------------------------------------------------------------------------
  private ns(name: string): FakeNs {
    const ns = this.named.get(validateNetnsName(name));
    if (ns === undefined) throw notFound(`network namespace ${name} not found`);
    return ns;
  }
  private target(options: ReadOptions | undefined): FakeNs {
    return options?.netns === undefined ? this.current : this.ns(options.netns);
  }

  private netnsAdd(name: string, inBatch: boolean): void {
    validateNetnsName(name);
    if (this.named.has(name)) {
      if (inBatch) throw new LineFailure(`Cannot create namespace file "/var/run/netns/${name}": File exists`);
      throw conflict(`network namespace ${name} already exists`);
    }
    this.named.set(name, new FakeNs(name));
  }

  private netnsDel(name: string, inBatch: boolean): void {
    validateNetnsName(name);
    const ns = this.named.get(name);
    if (ns === undefined) {
      if (inBatch) throw new LineFailure(`Cannot remove namespace file "/var/run/netns/${name}": No such file or directory`);
      throw notFound(`network namespace ${name} not found`);
    }
    this.named.delete(name);
    if (ns.pids.length > 0) return; // its processes keep it alive, unnamed
    for (const l of [...ns.links.values()]) if (ns.links.has(l.index)) this.linkDel(ns, l);
  }

  readonly netns: NetnsPort = {
    add: async (name) => {
      await Promise.resolve();
      this.netnsAdd(name, false);
    },
    delete: async (name) => {
      await Promise.resolve();
      this.netnsDel(name, false);
    },
    list: async () => {
      await Promise.resolve();
      return [...this.named.keys()].sort();
    },
    exists: async (name) => {
      await Promise.resolve();
      return this.named.has(validateNetnsName(name));
    },
    pids: async (name) => {
      await Promise.resolve();
      return [...this.ns(name).pids];
    },
  };

  // -------------------------------------------------------------------------
  private linkJson(ns: FakeNs, l: FakeLink): Record<string, unknown> {
    const peer = l.peer !== undefined ? l.peer.ns.links.get(l.peer.index) : undefined;
    const master = l.master !== undefined ? ns.links.get(l.master) : undefined;
    const ports = l.kind === 'bridge' ? [...ns.links.values()].filter((p) => p.master === l.index) : [];
    const carrier = l.up && (l.kind === 'veth' ? peer?.up === true : l.kind === 'bridge' ? ports.length === 0 || ports.some((p) => p.up && p.peer !== undefined && p.peer.ns.links.get(p.peer.index)?.up === true) : true);
    const flags = [
      ...(l.up && !carrier ? ['NO-CARRIER'] : []),
      ...(l.kind === 'loopback' ? ['LOOPBACK'] : ['BROADCAST', 'MULTICAST']),
      ...(l.up ? ['UP'] : []),
      ...(carrier ? ['LOWER_UP'] : []),
    ];
    const operstate = !l.up ? 'DOWN' : l.kind === 'veth' ? (carrier ? 'UP' : 'DOWN') : l.kind === 'bridge' && ports.length > 0 ? (carrier ? 'UP' : 'DOWN') : 'UNKNOWN';
    const linkinfo: Record<string, unknown> = {};
    if (l.kind !== 'loopback') linkinfo['info_kind'] = l.kind;
    if (l.kind === 'bridge') linkinfo['info_data'] = { ...BRIDGE_DEFAULTS };
    if (master !== undefined) {
      linkinfo['info_slave_kind'] = 'bridge';
      linkinfo['info_slave_data'] = { state: carrier ? 'forwarding' : 'disabled', hairpin: l.hairpin, learning: true, flood: true };
    }
    return {
      ifindex: l.index,
      ...(l.peer !== undefined ? { link_index: l.peer.index } : {}),
      ifname: l.name,
      flags,
      mtu: l.mtu,
      qdisc: l.up ? 'noqueue' : 'noop',
      ...(master !== undefined ? { master: master.name } : {}),
      operstate,
      linkmode: 'DEFAULT',
      group: 'default',
      txqlen: l.txqlen,
      link_type: l.kind === 'loopback' ? 'loopback' : 'ether',
      address: l.mac,
      broadcast: l.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
      ...(l.peer !== undefined && l.peer.ns !== ns ? { link_netnsid: 0 } : {}),
      ...(Object.keys(linkinfo).length > 0 ? { linkinfo } : {}),
    };
  }

  private addrJson(l: FakeLink): Record<string, unknown> {
    return {
      ifindex: l.index,
      ifname: l.name,
      addr_info: l.addrs.map((a) => ({
        family: a.family === 4 ? 'inet' : 'inet6',
        local: a.local,
        prefixlen: a.prefixLength,
        ...(a.broadcast !== undefined ? { broadcast: a.broadcast } : {}),
        scope: l.kind === 'loopback' ? 'host' : 'global',
        ...(a.family === 4 ? { label: l.name } : {}),
        ...(a.nodad ? { nodad: true } : {}),
      })),
    };
  }

  private routesJson(ns: FakeNs, family: 4 | 6): Array<Record<string, unknown>> {
    const name = (i: number): string => ns.links.get(i)?.name ?? '';
    const explicit = ns.routes
      .filter((r) => r.family === family)
      .map((r) => ({
        dst: r.dst,
        ...(r.via !== undefined ? { gateway: r.via } : {}),
        dev: name(r.dev),
        ...(family === 6 ? { metric: 1024 } : {}),
        flags: [],
      }));
    const connected = [...ns.links.values()]
      .filter((l) => l.up && l.kind !== 'loopback')
      .flatMap((l) =>
        l.addrs
          .filter((a) => a.family === family && a.prefixLength < (family === 4 ? 32 : 128))
          .map((a) => ({
            dst: networkOf(a),
            dev: l.name,
            protocol: 'kernel',
            ...(family === 4 ? { scope: 'link', prefsrc: a.local } : { metric: 256 }),
            flags: [],
          })),
      );
    const defaults = explicit.filter((r) => r.dst === 'default');
    return [...defaults, ...[...connected, ...explicit.filter((r) => r.dst !== 'default')].sort((a, b) => a.dst.localeCompare(b.dst))];
  }

  readonly links: LinkReader = {
    links: async (o?: ReadOptions): Promise<Link[]> => {
      await Promise.resolve();
      const ns = this.target(o);
      return parseLinks(JSON.stringify([...ns.links.values()].map((l) => this.linkJson(ns, l))));
    },
    link: async (name: string, o?: ReadOptions): Promise<Link | null> => {
      await Promise.resolve();
      const ns = this.target(o);
      const l = ns.byName(name);
      return l === undefined ? null : (parseLinks(JSON.stringify([this.linkJson(ns, l)]))[0] ?? null);
    },
    addresses: async (o?: AddrReadOptions): Promise<Address[]> => {
      await Promise.resolve();
      const ns = this.target(o);
      let links = [...ns.links.values()];
      if (o?.dev !== undefined) {
        const l = ns.byName(o.dev);
        if (l === undefined) throw notFound(`link ${o.dev} not found`);
        links = [l];
      }
      return parseAddresses(JSON.stringify(links.map((l) => this.addrJson(l))));
    },
    routes: async (o?: RouteReadOptions): Promise<Route[]> => {
      await Promise.resolve();
      const family = o?.family ?? 4;
      if (o?.table !== undefined && o.table !== 'main') throw invalid(`FakeHost models the main table only, not ${o.table}`);
      return parseRoutes(JSON.stringify(this.routesJson(this.target(o), family)), family);
    },
  };

  // -------------------------------------------------------------------------
  /** Where a sysctl lives: the namespace map, or a link's conf map. */
  private sysctlSlot(ns: FakeNs, name: SysctlName): { get(): string | undefined; set(v: string): void } {
    const parts = sysctlComponents(name);
    const key = sysctlKey(name);
    const [n, fam, conf, dev, leaf] = parts;
    const alias = key === 'net.ipv4.conf.all.forwarding' ? 'net.ipv4.ip_forward' : key;
    if (parts.length === 5 && n === 'net' && (fam === 'ipv4' || fam === 'ipv6') && conf === 'conf' && dev !== 'all' && dev !== 'default' && dev !== undefined && leaf !== undefined) {
      const link = ns.byName(dev);
      if (link === undefined || !(CONF_KEYS[fam] ?? []).includes(leaf)) return { get: () => undefined, set: () => undefined };
      const k = `${fam}.${leaf}`;
      return { get: () => link.conf.get(k) ?? '0', set: (v) => void link.conf.set(k, v) };
    }
    return {
      get: () => ns.sysctls.get(alias),
      set: (v) => {
        if (ns.sysctls.has(alias)) ns.sysctls.set(alias, v);
      },
    };
  }

  readonly sysctl: SysctlPort = {
    read: async (name: SysctlName, o?: SysctlOptions): Promise<string | null> => {
      await Promise.resolve();
      return this.sysctlSlot(this.target(o), name).get() ?? null;
    },
    write: async (name: SysctlName, value: string, o?: SysctlOptions): Promise<void> => {
      await Promise.resolve();
      const slot = this.sysctlSlot(this.target(o), name);
      const key = sysctlKey(name);
      if (slot.get() === undefined) throw notFound(`sysctl ${key} does not exist`);
      const pair = key.endsWith('ip_local_port_range') || key.endsWith('ping_group_range');
      const ok = pair ? /^\d+\s+\d+$/.test(value.trim()) : /^-?\d+$/.test(value.trim());
      if (!ok) throw invalid(`sysctl ${key}: invalid value ${JSON.stringify(value)}`);
      slot.set(pair ? value.trim().split(/\s+/).join('\t') : value.trim());
    },
    writeMany: async (entries: ReadonlyArray<readonly [SysctlName, string]>, o?: SysctlOptions): Promise<void> => {
      for (const [name, value] of entries) await this.sysctl.write(name, value, o);
    },
  };
}

/** Parses `keyword value` pairs and bare `up` of a link add/route line. */
function parseAttrs(
  w: readonly string[],
  line: string,
  allowed: readonly string[] = ['name', 'address', 'mtu', 'txqueuelen', 'master', 'netns'],
): { name?: string; address?: string; mtu?: number; txqlen?: number; master?: string; netns?: string; via?: string; dev?: string; up: boolean } {
  const out: { name?: string; address?: string; mtu?: number; txqlen?: number; master?: string; netns?: string; via?: string; dev?: string; up: boolean } = { up: false };
  for (let i = 0; i < w.length; i++) {
    const k = w[i];
    if (k === 'up' && allowed.includes('master')) {
      out.up = true;
      continue;
    }
    const v = w[i + 1];
    if (k === undefined || v === undefined || !allowed.includes(k)) throw unsupported(line);
    i++;
    if (k === 'mtu') out.mtu = Number(v);
    else if (k === 'txqueuelen') out.txqlen = Number(v);
    else if (k === 'name' || k === 'address' || k === 'master' || k === 'netns' || k === 'via' || k === 'dev') out[k] = v;
  }
  return out;
}

function unsupported(line: string): Error {
  return new Error(`FakeHost: unsupported ip batch line ${JSON.stringify(line)}`);
}
