// Renders the behaviour of dockerd 20.10's iptables layout (../iptables/docker-layout.ts)
// as one nftables table. Pure. Networks and ports are data, held in sets and
// maps; the rules are a fixed handful that look them up (plus a chain of one or
// two rules per network, reached through a verdict map), so the work per packet
// does not grow with the number of networks or published ports.
//
// What dockerd's chains decide, and where it is decided here:
//  - forward: DOCKER-USER first (the user chain); internal networks sealed off;
//    no traffic between two bridges; replies to the bridges; traffic staying on
//    one bridge by its icc setting; out of a bridge to anywhere else; new
//    connections to a published container port from anywhere but its bridge.
//  - nat: DNAT of local destinations (prerouting, and output but for loopback
//    when the userland proxy serves it); masquerade of the subnets leaving their
//    bridge, of a container reaching itself through its published port, and in
//    hairpin mode of the host's own addresses going into a bridge.
// Not rendered: mangle's CHECKSUM --checksum-fill for SCTP, which nftables lacks.
import { boundAddress, type LayoutInput, type LayoutNetwork, type LayoutPort } from '../iptables/docker-layout.js';
import type { NftChain, NftSet, NftTable } from './ir.js';
import { formatPortRange } from '../../model/port-binding.js';
import { FAMILY, FORWARD_CHAIN, HOOKS, PUBLISHED_CHAIN, PUBLISHED_PROTOS, SETS, TABLE, USER_CHAIN, networkChain, portsChain, publishedSame } from './names.js';

/** berth's table for `input`; null when berth owns no rules (--iptables=false). */
export function renderNftLayout(input: LayoutInput): NftTable | null {
  if (!input.iptables) return null;
  const { internal, masq } = kinds(input.networks);
  return {
    family: FAMILY,
    name: TABLE,
    sets: [...networkSets(input.networks), ...portSets(input.ports, input.hairpin, masq)],
    chains: [...baseChains(input.hairpin), ...internal.map(internalChain), ...masq.map(masqChain), ...portsChains(input.ports)],
    userChains: [USER_CHAIN],
  };
}

const ifname = (bridge: string): string => JSON.stringify(bridge);

function kinds(networks: readonly LayoutNetwork[]): { external: LayoutNetwork[]; internal: LayoutNetwork[]; masq: LayoutNetwork[] } {
  const external = networks.filter((n) => !n.internal);
  return { external, internal: networks.filter((n) => n.internal), masq: external.filter((n) => n.ipMasq) };
}

function networkSets(networks: readonly LayoutNetwork[]): NftSet[] {
  const { external, internal, masq } = kinds(networks);
  return [
    set(SETS.bridges, 'ifname', external.map((n) => ifname(n.bridge))),
    map(SETS.bridgeIcc, 'ifname . ifname', 'verdict', networks.map((n) => `${ifname(n.bridge)} . ${ifname(n.bridge)} : ${n.icc ? 'accept' : 'drop'}`)),
    map(SETS.internalNets, 'ifname', 'verdict', internal.map((n) => `${ifname(n.bridge)} : jump ${networkChain('internal', n.bridge)}`)),
    set(SETS.masqBridges, 'ifname', masq.map((n) => ifname(n.bridge))),
    map(SETS.masqNets, 'ipv4_addr', 'verdict', masq.map((n) => `${n.subnet} : jump ${networkChain('masq', n.bridge)}`), true),
  ];
}

/** An internal network's traffic stays between its bridge and its subnet (dockerd's two DROPs). */
function internalChain(n: LayoutNetwork): NftChain {
  const rules = [`oifname ${ifname(n.bridge)} ip saddr != ${n.subnet} drop`, `iifname ${ifname(n.bridge)} ip daddr != ${n.subnet} drop`];
  return { name: networkChain('internal', n.bridge), hook: null, rules };
}

/** The subnet's traffic is masqueraded unless it goes out of its own bridge. */
function masqChain(n: LayoutNetwork): NftChain {
  return { name: networkChain('masq', n.bridge), hook: null, rules: [`oifname != ${ifname(n.bridge)} masquerade`] };
}

function portSets(ports: readonly LayoutPort[], hairpin: boolean, masq: readonly LayoutNetwork[]): NftSet[] {
  const hostKey = (p: LayoutPort): string => `${p.proto} . ${p.hostPort}`;
  // The first port published on a host port wins it, as the first matching DNAT rule does in iptables.
  const any = [...firstByKey(ports.filter((p) => boundAddress(p) === null), hostKey).values()];
  const bound = ports.filter((p) => boundAddress(p) !== null);
  // Only the userland proxy mode looks the port's own bridge up (see published()), and
  // only for a bridge without masquerading: traffic from the others has returned already.
  const skipped = new Set(masq.map((n) => n.bridge));
  const own = (list: LayoutPort[]): LayoutPort[] => (hairpin ? [] : list.filter((p) => !skipped.has(p.bridge)));
  const boundKey = (p: LayoutPort): string => `${boundAddress(p)} . ${hostKey(p)}`;
  const target = (p: LayoutPort): string => `${p.containerIp} . ${p.containerPort}`;
  const samePort = (p: LayoutPort): boolean => p.hostPort === p.containerPort;
  const same = (proto: LayoutPort['proto']): string[] => {
    const mine = any.filter((p) => p.proto === proto && samePort(p));
    return intervals(mine.map((p) => p.hostPort), mine.map((p) => p.containerIp)).map(([range, ip]) => `${range} : ${ip}`);
  };
  const addresses = [...new Set(ports.map((p) => p.containerIp))];
  return [
    map(SETS.publishedAny, 'inet_proto . inet_service', 'ipv4_addr . inet_service', any.filter((p) => !samePort(p)).map((p) => `${hostKey(p)} : ${target(p)}`)),
    ...PUBLISHED_PROTOS.map((proto) => map(publishedSame(proto), 'inet_service', 'ipv4_addr', same(proto), true)),
    map(SETS.publishedAddr, 'ipv4_addr . inet_proto . inet_service', 'ipv4_addr . inet_service', bound.map((p) => `${boundKey(p)} : ${target(p)}`)),
    set(SETS.publishedOwnAny, 'ifname . inet_proto . inet_service', own(any).map((p) => `${ifname(p.bridge)} . ${hostKey(p)}`)),
    set(SETS.publishedOwnAddr, 'ifname . ipv4_addr . inet_proto . inet_service', own(bound).map((p) => `${ifname(p.bridge)} . ${boundKey(p)}`)),
    map(SETS.publishedPorts, 'ipv4_addr', 'verdict', addresses.map((ip) => `${ip} : jump ${portsChain(ip)}`)),
    set(SETS.hairpinSelf, 'ipv4_addr . ipv4_addr', addresses.map((ip) => `${ip} . ${ip}`)),
  ];
}

/** Each container address's chain: its published container ports, by bridge and protocol, accepted (dockerd's ACCEPT per port in DOCKER). */
function portsChains(ports: readonly LayoutPort[]): NftChain[] {
  const byAddress = new Map<string, Map<string, number[]>>();
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i] as LayoutPort;
    const groups = byAddress.get(p.containerIp) ?? new Map<string, number[]>();
    byAddress.set(p.containerIp, groups);
    const match = `oifname ${ifname(p.bridge)} ${p.proto} dport`;
    const list = groups.get(match) ?? [];
    groups.set(match, list);
    list.push(p.containerPort);
  }
  return [...byAddress].map(([ip, groups]) => ({
    name: portsChain(ip),
    hook: null,
    rules: [...groups].map(([match, list]) => `${match} { ${intervals(list, []).map(([range]) => range).join(', ')} } accept`),
  }));
}

/** Each key's first item, in the order the keys first appear. */
function firstByKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const first = new Map<string, T>();
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const k = key(item);
    if (!first.has(k)) first.set(k, item);
  }
  return first;
}

/**
 * Ports with their values (`values[i]` is `ports[i]`'s) as intervals: neighbouring
 * ports with the same value become one `first-last`; sorted, each port once, with
 * its first value.
 */
function intervals<V>(ports: readonly number[], values: readonly V[]): [string, V][] {
  // Sorted by port, then by position: a typed array sorts numerically without a comparator.
  const keys = new Float64Array(ports.length);
  for (let i = 0; i < ports.length; i++) keys[i] = (ports[i] as number) * POSITIONS + i;
  keys.sort();
  const out: [string, V][] = [];
  let first = -1;
  let last = -1;
  let value: V | undefined;
  for (let k = 0; k < keys.length; k++) {
    const i = (keys[k] as number) % POSITIONS;
    const port = ports[i] as number;
    if (port === last) continue;
    if (port !== last + 1 || values[i] !== value) {
      if (first >= 0) out.push([formatPortRange({ start: first, end: last }), value as V]);
      first = port;
      value = values[i];
    }
    last = port;
  }
  if (first >= 0) out.push([formatPortRange({ start: first, end: last }), value as V]);
  return out;
}

const POSITIONS = 2 ** 32;

function set(name: string, key: string, elements: readonly string[]): NftSet {
  return { name, key, data: null, interval: false, elements: [...new Set(elements)] };
}

/** A map keeps the first value given for a key, as the first matching DNAT rule wins in iptables. */
function map(name: string, key: string, data: string, elements: readonly string[], interval = false): NftSet {
  const byKey = new Map<string, string>();
  for (const e of elements) {
    const k = e.slice(0, e.indexOf(' : '));
    if (!byKey.has(k)) byKey.set(k, e);
  }
  return { name, key, data, interval, elements: [...byKey.values()] };
}

function baseChains(hairpin: boolean): NftChain[] {
  const local = `fib daddr type local jump ${PUBLISHED_CHAIN}`;
  return [
    { name: FORWARD_CHAIN, hook: HOOKS.forward, rules: forward() },
    { name: PUBLISHED_CHAIN, hook: null, rules: published(hairpin) },
    { name: 'prerouting', hook: HOOKS.prerouting, rules: [local] },
    // With the userland proxy, the host's connections to loopback go to the proxy.
    { name: 'output', hook: HOOKS.output, rules: [hairpin ? local : `ip daddr != 127.0.0.0/8 ${local}`] },
    { name: 'postrouting', hook: HOOKS.postrouting, rules: postrouting(hairpin) },
  ];
}

function forward(): string[] {
  return [
    `jump ${USER_CHAIN}`,
    `oifname vmap @${SETS.internalNets}`,
    `iifname vmap @${SETS.internalNets}`,
    // Both ends are bridges, and not the same one (every bridge has a bridge . bridge key in bridge-icc).
    `iifname @${SETS.bridges} oifname @${SETS.bridges} iifname . oifname != @${SETS.bridgeIcc} drop`,
    `oifname @${SETS.bridges} ct state established,related accept`,
    `iifname . oifname vmap @${SETS.bridgeIcc}`,
    `iifname @${SETS.bridges} accept`,
    `ip daddr vmap @${SETS.publishedPorts}`,
  ];
}

function published(hairpin: boolean): string[] {
  const dnat = [
    `dnat ip to ip daddr . meta l4proto . th dport map @${SETS.publishedAddr}`,
    `dnat ip to meta l4proto . th dport map @${SETS.publishedAny}`,
    ...PUBLISHED_PROTOS.map((proto) => `dnat ip to ${proto} dport map @${publishedSame(proto)}`),
  ];
  if (hairpin) return dnat;
  // Without hairpin mode the proxy serves containers reaching published ports: dockerd
  // returns whatever comes from a masquerading bridge (`-i BRIDGE -j RETURN`), and a
  // port's DNAT skips its own bridge (`! -i BRIDGE`), which matters for the others only.
  return [
    `iifname @${SETS.masqBridges} return`,
    `iifname . ip daddr . meta l4proto . th dport @${SETS.publishedOwnAddr} return`,
    `iifname . meta l4proto . th dport @${SETS.publishedOwnAny} return`,
    ...dnat,
  ];
}

function postrouting(hairpin: boolean): string[] {
  return [
    ...(hairpin ? [`oifname @${SETS.bridges} fib saddr type local masquerade`] : []),
    `ct status dnat ip saddr . ip daddr @${SETS.hairpinSelf} masquerade`,
    `ip saddr vmap @${SETS.masqNets}`,
  ];
}
