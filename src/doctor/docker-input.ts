// A real dockerd's expectations, from its API: its bridge networks and running
// containers become the core renderer's input, so the rules "dockerd should have"
// are exactly the rules berth would write for the same networks and ports.
//
// Order matters to the layout: networks oldest first (dockerd inserts a new
// network's rules on top), published ports by container start time, and within
// a container in dockerd's own order (nat.SortPortMap over what was asked for),
// each with the host port dockerd actually bound.
import { parseBool } from '../model/daemon-config.js';
import { formatNetwork, tryParseCidr } from '../model/ipv4.js';
import { parseApiPorts, planPortBindings, type ApiPortBinding, type PortBindingSpec } from '../model/port-binding.js';
import type { Proto } from '../engine/types.js';
import { pickGatewayNetwork } from '../engine/gateway.js';
import { renderDockerLayout, type LayoutPort } from '../render/iptables/docker-layout.js';
import { canonicalRule } from '../render/iptables/tokenize.js';
import type { Ruleset } from '../render/ir.js';
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

/** `hairpin`: dockerd runs without the userland proxy (its layout differs). */
export function dockerExpectations(state: DockerState, opts: { readonly hairpin: boolean }): Expectations {
  const networks = bridgeNetworks(state.networks);
  const running = state.containers
    .filter((c) => c.State?.Running === true)
    .map((c) => ({ c, started: goTimeNanos(c.State?.StartedAt) }))
    .sort((a, b) => compare(a.started, b.started));
  const desired = renderDockerLayout({
    iptables: true,
    hairpin: opts.hairpin,
    networks,
    ports: running.flatMap(({ c }) => containerPorts(c, networks)),
  });
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

function bridgeNetworks(list: readonly DockerNetworkJson[]): BridgeNetwork[] {
  return list
    .flatMap((n): BridgeNetwork[] => {
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
    })
    .sort((a, b) => compare(a.created, b.created) || (a.id < b.id ? -1 : 1));
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
    return planPortBindings(parseApiPorts(c.Config?.ExposedPorts, c.HostConfig?.PortBindings), c.HostConfig?.PublishAllPorts === true);
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
