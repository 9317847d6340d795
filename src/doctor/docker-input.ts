// A real dockerd's expectations, from its API: its bridge networks and running
// containers become the core renderer's input, so the rules "dockerd should have"
// are exactly the rules berth would write for the same networks and ports.
//
// Order matters to the layout: networks oldest first (dockerd inserts a new
// network's rules on top), published ports by container start time, and within
// a container in dockerd's own order (nat.SortPortMap over what was asked for),
// each with the host port dockerd actually bound. Creation and start times are
// not always the order dockerd programmed (a restarted dockerd restores its
// networks by id and starts containers concurrently), so when the kernel's rules
// show every network (or every publishing container), their order there is kept:
// blocks of rules for different bridges or containers never match the same
// packet, so their order is no fault to report.
import { parseBool } from '../model/daemon-config.js';
import { formatNetwork, tryParseCidr } from '../model/ipv4.js';
import { parseApiPorts, planPortBindings, type ApiPortBinding, type PortBindingSpec } from '../model/port-binding.js';
import type { Proto } from '../engine/types.js';
import { pickGatewayNetwork } from '../engine/gateway.js';
import { renderDockerLayout, type LayoutPort } from '../render/iptables/docker-layout.js';
import { DOCKER, ISOLATION_1 } from '../render/iptables/chains.js';
import { canonicalRule, tokenize } from '../render/iptables/tokenize.js';
import type { Ruleset } from '../render/ir.js';
import { ruleInterfaces } from './rule-tokens.js';
import type { Expectations } from './types.js';

/** The parts of `GET /networks` entries the doctor reads. */
export interface DockerNetworkJson {
  readonly Id?: string;
  readonly Name?: string;
  readonly Created?: string;
  readonly Driver?: string;
  readonly Internal?: boolean;
  readonly Options?: Readonly<Record<string, string>> | null;
  readonly IPAM?: { readonly Config?: readonly { readonly Subnet?: string }[] | null } | null;
}

/** The parts of `GET /containers/{id}/json` the doctor reads. */
export interface DockerContainerJson {
  readonly Id?: string;
  readonly Name?: string;
  readonly State?: { readonly Running?: boolean; readonly StartedAt?: string } | null;
  readonly Config?: { readonly ExposedPorts?: Readonly<Record<string, unknown>> | null } | null;
  readonly HostConfig?: {
    readonly PortBindings?: Readonly<Record<string, readonly ApiPortBinding[] | null>> | null;
    readonly PublishAllPorts?: boolean;
  } | null;
  readonly NetworkSettings?: {
    readonly Ports?: Readonly<Record<string, readonly ApiPortBinding[] | null>> | null;
    readonly Networks?: Readonly<Record<string, { readonly NetworkID?: string; readonly IPAddress?: string }>> | null;
  } | null;
}

export interface DockerState {
  readonly networks: readonly DockerNetworkJson[];
  readonly containers: readonly DockerContainerJson[];
}

const OPT_NAME = 'com.docker.network.bridge.name';
const OPT_ICC = 'com.docker.network.bridge.enable_icc';
const OPT_MASQ = 'com.docker.network.bridge.enable_ip_masquerade';

interface BridgeNetwork {
  readonly id: string;
  readonly name: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly icc: boolean;
  readonly ipMasq: boolean;
  readonly internal: boolean;
  readonly created: bigint;
}

export interface DockerLayoutOptions {
  /** dockerd runs without the userland proxy (its layout differs). */
  readonly hairpin: boolean;
  /** The kernel's ruleset, for the order of networks and containers (see above). */
  readonly rules: Ruleset | null;
}

export function dockerExpectations(state: DockerState, opts: DockerLayoutOptions): Expectations {
  const networks = kernelOrder(bridgeNetworks(state.networks), networkRank(opts.rules), (a, b) => compare(a.created, b.created) || (a.id < b.id ? -1 : 1));
  const publishing = state.containers
    .filter((c) => c.State?.Running === true)
    .map((c) => ({ started: goTimeNanos(c.State?.StartedAt), ports: containerPorts(c, networks) }))
    .filter((c) => c.ports.length > 0);
  const ordered = kernelOrder(publishing, portRank(opts.rules), (a, b) => compare(a.started, b.started));
  const desired = renderDockerLayout({ iptables: true, hairpin: opts.hairpin, networks, ports: ordered.flatMap((c) => c.ports) });
  return {
    manager: 'dockerd',
    iptables: true,
    desired,
    previous: null,
    bridges: networks.map((n) => ({ network: n.name, bridge: n.bridge, subnet: n.subnet, icc: n.icc })),
    veths: null,
    sandboxes: null,
    leases: null,
  };
}

/** Whether the kernel's rules show dockerd's hairpin layout (no userland proxy); null when they do not tell. */
export function inferHairpin(rules: Ruleset | null): boolean | null {
  const output = rules?.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === 'OUTPUT')?.rules.map(canonicalRule) ?? [];
  if (output.includes('-m addrtype --dst-type LOCAL -j DOCKER')) return true;
  if (output.includes('! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER')) return false;
  return null;
}

/** Items in the order the kernel shows them when it shows every one (rank ≥ 0), else by `fallback`. */
function kernelOrder<T>(items: readonly T[], rank: (item: T) => number, fallback: (a: T, b: T) => number): T[] {
  const ranked = items.map((item) => ({ item, rank: rank(item) }));
  if (ranked.every((r) => r.rank >= 0)) return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.item);
  return [...items].sort(fallback);
}

const chainRules = (rules: Ruleset | null, table: string, chain: string): string[][] =>
  (rules?.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain)?.rules ?? []).map(tokenize);

/** Every network has rules in DOCKER-ISOLATION-STAGE-1, newest first: older is lower. */
function networkRank(rules: Ruleset | null): (n: BridgeNetwork) => number {
  const stage1 = chainRules(rules, 'filter', ISOLATION_1);
  return (n) => {
    const i = stage1.findIndex((tokens) => ruleInterfaces(tokens).includes(n.bridge));
    return i < 0 ? -1 : stage1.length - i;
  };
}

/** A container's DNAT rules are appended to nat DOCKER when its ports are published: earlier is lower. */
function portRank(rules: Ruleset | null): (c: { readonly ports: readonly LayoutPort[] }) => number {
  const docker = chainRules(rules, 'nat', DOCKER);
  return (c) => docker.findIndex((tokens) => tokens.some((tok, k) => tok === '--to-destination' && tokens[k + 1]?.startsWith(`${c.ports[0]?.containerIp}:`)));
}

function bridgeNetworks(list: readonly DockerNetworkJson[]): BridgeNetwork[] {
  return list.flatMap((n): BridgeNetwork[] => {
    const subnet = (n.IPAM?.Config ?? []).map((c) => tryParseCidr(c.Subnet ?? '')).find((c) => c !== null);
    if (n.Driver !== 'bridge' || !n.Id || !subnet) return [];
    const opt = n.Options ?? {};
    return [
      {
        id: n.Id,
        name: n.Name ?? '',
        bridge: opt[OPT_NAME] || `br-${n.Id.slice(0, 12)}`,
        subnet: formatNetwork(subnet),
        icc: optionBool(opt[OPT_ICC]),
        ipMasq: optionBool(opt[OPT_MASQ]),
        internal: n.Internal === true,
        created: goTimeNanos(n.Created),
      },
    ];
  });
}

/** Bridge options default to true, as dockerd parses them (strconv.ParseBool). */
function optionBool(v: string | undefined): boolean {
  if (v === undefined) return true;
  try {
    return parseBool(v, 'option');
  } catch {
    return true;
  }
}

/** The container's published ports on its gateway network (none on an internal one). */
function containerPorts(c: DockerContainerJson, networks: readonly BridgeNetwork[]): LayoutPort[] {
  const attached = Object.values(c.NetworkSettings?.Networks ?? {}).flatMap((ep) => {
    const n = networks.find((x) => x.id === ep.NetworkID);
    return n && ep.IPAddress ? [{ ...n, ip: ep.IPAddress }] : [];
  });
  const gw = pickGatewayNetwork(attached);
  if (!gw || gw.internal) return [];
  return boundPorts(c).map((b) => ({ ...b, bridge: gw.bridge, containerIp: gw.ip }));
}

interface Bound {
  readonly proto: Proto;
  readonly containerPort: number;
  readonly hostIp: string;
  readonly hostPort: number;
}

/** The IPv4 bindings dockerd made, in the order it programmed them. */
export function boundPorts(c: DockerContainerJson): Bound[] {
  const actual = new Map<string, Bound[]>();
  for (const [key, list] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
    const m = /^(\d+)\/(tcp|udp|sctp)$/.exec(key);
    if (!m) continue;
    const ipv4 = (list ?? []).filter((b) => !(b.HostIp ?? '').includes(':') && /^\d+$/.test(b.HostPort ?? ''));
    actual.set(
      key,
      ipv4.map((b) => ({ proto: m[2] as Proto, containerPort: Number(m[1]), hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort) })),
    );
  }
  const out: Bound[] = [];
  for (const spec of requestedBindings(c)) {
    const list = actual.get(`${spec.containerPort}/${spec.proto}`) ?? [];
    const i = list.findIndex(
      (b) => (spec.hostIp === '' || b.hostIp === spec.hostIp) && (spec.hostPort === null || (b.hostPort >= spec.hostPort.start && b.hostPort <= spec.hostPort.end)),
    );
    if (i >= 0) out.push(...list.splice(i, 1));
  }
  for (const rest of actual.values()) out.push(...rest);
  return out;
}

function requestedBindings(c: DockerContainerJson): PortBindingSpec[] {
  try {
    return planPortBindings(parseApiPorts(Object.keys(c.Config?.ExposedPorts ?? {}), c.HostConfig?.PortBindings ?? {}), c.HostConfig?.PublishAllPorts === true);
  } catch {
    return []; // then the bindings keep the order dockerd lists them in
  }
}

/** Go's RFC 3339 time (nanoseconds, trailing zeros trimmed) as nanoseconds since the epoch; 0 when unparsable. */
export function goTimeNanos(text: string | undefined): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text ?? '');
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) return 0n;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

const compare = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
