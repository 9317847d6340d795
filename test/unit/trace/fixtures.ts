// Hand-built worlds for the tracer's unit tests: a Docker host with docker0 and
// two user bridges, rendered by berth's own layout, plus the user's rules.
import { applyDesiredToEmpty } from '../../../src/backend/fake-iptables.js';
import { parseIpv4 } from '../../../src/model/ipv4.js';
import type { Ruleset, TableName } from '../../../src/render/ir.js';
import { renderDockerLayout, type LayoutNetwork } from '../../../src/render/iptables/docker-layout.js';
import { firstPacket, type Proto } from '../../../src/trace/packet.js';
import type { CtInfo, MatchContext } from '../../../src/trace/match/types.js';
import { addrType } from '../../../src/trace/routing.js';
import type { HostView, NetView, RouteEntry, SandboxView, World } from '../../../src/trace/world.js';

export const route = (dst: string, dev: string | undefined, extra: Partial<RouteEntry> = {}): RouteEntry => ({
  dst,
  type: 'unicast',
  dev,
  gateway: undefined,
  prefsrc: undefined,
  metric: undefined,
  ...extra,
});

export const NETWORKS: readonly LayoutNetwork[] = [
  { bridge: 'docker0', subnet: '172.17.0.0/16', icc: true, ipMasq: true, internal: false },
  { bridge: 'br-front', subnet: '172.18.0.0/16', icc: true, ipMasq: true, internal: false },
  { bridge: 'br-quiet', subnet: '172.19.0.0/16', icc: false, ipMasq: true, internal: false },
  { bridge: 'br-sealed', subnet: '172.20.0.0/16', icc: true, ipMasq: true, internal: true },
];

/** Docker's layout for NETWORKS with web's 80 published as 8080 and its 53/udp as 5353, FORWARD policy DROP. */
export function dockerRuleset(hairpin = false): Ruleset {
  const rs = applyDesiredToEmpty(
    renderDockerLayout({
      iptables: true,
      hairpin,
      networks: NETWORKS,
      ports: [
        { bridge: 'br-front', proto: 'tcp', hostIp: '', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 },
        { bridge: 'br-front', proto: 'udp', hostIp: '', hostPort: 5353, containerIp: '172.18.0.2', containerPort: 53 },
      ],
    }),
  );
  return withPolicy(rs, 'filter', 'FORWARD', 'DROP');
}

export function withPolicy(rs: Ruleset, table: TableName, chain: string, policy: string): Ruleset {
  return {
    tables: rs.tables.map((t) => (t.name !== table ? t : { ...t, chains: t.chains.map((c) => (c.name === chain ? { ...c, policy } : c)) })),
  };
}

/** Adds rules at the top of a chain (as `iptables -I`), declaring the table and chain if needed. */
export function withRules(rs: Ruleset, table: TableName, chain: string, rules: readonly string[], policy: string | null = null): Ruleset {
  const tables = rs.tables.some((t) => t.name === table) ? rs.tables : [...rs.tables, { name: table, chains: [] }];
  return {
    tables: tables.map((t) => {
      if (t.name !== table) return t;
      const chains = t.chains.some((c) => c.name === chain) ? t.chains : [...t.chains, { name: chain, policy, rules: [] }];
      return { ...t, chains: chains.map((c) => (c.name === chain ? { ...c, rules: [...rules, ...c.rules] } : c)) };
    }),
  };
}

const gatewayOf = (subnet: string): string => subnet.replace(/0\/16$/, '1');

export function hostView(ruleset: Ruleset, extra: Partial<HostView> = {}): HostView {
  const bridges = NETWORKS.map((n) => ({ dev: n.bridge, subnet: n.subnet, gw: gatewayOf(n.subnet) }));
  return {
    ruleset,
    ipForward: true,
    interfaceConf: {},
    iptablesBridges: NETWORKS.map((n) => n.bridge),
    caveats: [],
    addresses: [{ ifname: 'eth0', address: '10.200.0.1', prefixLength: 24 }, ...bridges.map((b) => ({ ifname: b.dev, address: b.gw, prefixLength: 16 }))],
    routes: [
      route('default', 'eth0', { gateway: '10.200.0.2' }),
      route('10.200.0.0/24', 'eth0', { prefsrc: '10.200.0.1' }),
      ...bridges.map((b) => route(b.subnet, b.dev, { prefsrc: b.gw })),
      route('192.0.2.0/24', undefined, { type: 'blackhole' }),
    ],
    localRoutes: [
      route('127.0.0.0/8', 'lo', { type: 'local', prefsrc: '127.0.0.1' }),
      route('10.200.0.1', 'eth0', { type: 'local', prefsrc: '10.200.0.1' }),
      route('10.200.0.255', 'eth0', { type: 'broadcast', prefsrc: '10.200.0.1' }),
      ...bridges.map((b) => route(b.gw, b.dev, { type: 'local', prefsrc: b.gw })),
    ],
    ...extra,
  };
}

/** A sandbox with one interface on `bridge`; internal networks give no default route. */
export function sandbox(name: string, address: string, bridge: string): SandboxView {
  const n = NETWORKS.find((x) => x.bridge === bridge);
  if (n === undefined) throw new Error(`no network ${bridge}`);
  const net: NetView = {
    addresses: [{ ifname: 'eth0', address, prefixLength: 16 }],
    routes: [
      route(n.subnet, 'eth0', { prefsrc: address }),
      ...(n.internal ? [] : [route('default', 'eth0', { gateway: gatewayOf(n.subnet) })]),
    ],
    localRoutes: [],
  };
  return { name, net, links: [{ ifname: 'eth0', bridge, hairpin: false }], firewall: [] };
}

export const SANDBOXES: readonly SandboxView[] = [
  sandbox('web', '172.18.0.2', 'br-front'),
  sandbox('web2', '172.18.0.3', 'br-front'),
  sandbox('old', '172.17.0.2', 'docker0'),
  sandbox('q1', '172.19.0.2', 'br-quiet'),
  sandbox('q2', '172.19.0.3', 'br-quiet'),
  sandbox('s1', '172.20.0.2', 'br-sealed'),
  sandbox('s2', '172.20.0.3', 'br-sealed'),
];

export function dockerWorld(ruleset: Ruleset = dockerRuleset(), host: Partial<HostView> = {}): World {
  return {
    host: hostView(ruleset, host),
    sandboxes: SANDBOXES,
    bridges: NETWORKS.map((n) => n.bridge),
    localServices: [],
  };
}

const NEW: CtInfo = { state: 'NEW', dir: 'ORIGINAL', snat: false, dnat: false };

/** A match context for a packet, with the fixture host's address types. */
export function ctx(
  p: { proto?: Proto; src?: string; dst?: string; sport?: number | null; dport?: number | null },
  extra: Partial<MatchContext> = {},
): MatchContext {
  const host = hostView({ tables: [] });
  return {
    packet: firstPacket(p.proto ?? 'tcp', parseIpv4(p.src ?? '10.200.0.2'), parseIpv4(p.dst ?? '10.200.0.1'), p.sport === undefined ? 40000 : p.sport, p.dport === undefined ? 80 : p.dport),
    mark: 0,
    inIface: 'eth0',
    outIface: null,
    ct: NEW,
    addrType: (ip) => addrType(host, ip),
    ...extra,
  };
}
