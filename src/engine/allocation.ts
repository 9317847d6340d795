// Plans records from requests: networks (IPAM, bridge options), containers (name,
// network mode, port bindings), addresses and host ports. Pure: the engine passes
// in everything read from the host and stores what comes back.
import type { DaemonConfig } from '../model/daemon-config.js';
import { BerthError, conflict, invalid, notFound } from '../model/errors.js';
import { parseBool } from '../model/daemon-config.js';
import {
  planNetworkIpam,
  planDefaultBridgeIpam,
  allocateAddress as ipamAllocate,
  macFromIp,
  checkStaticIpAllowed,
  type NetworkIpam,
} from '../model/ipam/index.js';
import { planPortBindings, type ParsedPorts, type PortBindingSpec } from '../model/port-binding.js';
import { allocateHostPorts, type PortAllocatorState } from '../model/port-allocator.js';
import {
  generateId,
  generateVethName,
  generateContainerName,
  validateContainerName,
  containerNameConflict,
  validateNetworkName,
  networkNameConflict,
  validateInterfaceName,
  bridgeNameForNetwork,
} from '../model/names.js';
import type { State } from './store.js';
import type {
  ContainerCreateRequest,
  ContainerRecord,
  IpamConfig,
  NetworkCreateRequest,
  NetworkMode,
  NetworkRecord,
  PortMapping,
  PortRequest,
} from './types.js';
import { resolveContainer, resolveNetwork } from '../model/names.js';

export const newId = (): string => generateId();
export const macFor = macFromIp;
export const vethName = (taken: readonly string[]): string => generateVethName(new Set(taken));

const OPT = {
  name: 'com.docker.network.bridge.name',
  icc: 'com.docker.network.bridge.enable_icc',
  masq: 'com.docker.network.bridge.enable_ip_masquerade',
  hostBinding: 'com.docker.network.bridge.host_binding_ipv4',
  mtu: 'com.docker.network.driver.mtu',
} as const;

function toIpamConfig(ipam: NetworkIpam): IpamConfig {
  return ipam.ipRange ? { subnet: ipam.subnet, gateway: ipam.gateway, ipRange: ipam.ipRange } : { subnet: ipam.subnet, gateway: ipam.gateway };
}

function subnetHolders(networks: readonly NetworkRecord[]) {
  return networks
    .filter((n) => n.bridge && n.ipam[0])
    .map((n) => ({ id: n.id, bridgeName: n.bridge!.name, subnet: n.ipam[0]!.subnet, ...(n.ipam[0]!.ipRange ? { ipRange: n.ipam[0]!.ipRange } : {}) }));
}

/** The default bridge's subnet and gateway from --bip/--fixed-cidr or the pools. */
export function defaultBridgeIpam(config: DaemonConfig, hostRoutes: readonly string[]): IpamConfig {
  return toIpamConfig(
    planDefaultBridgeIpam({ bip: config.bip, fixedCidr: config.fixedCidr, pools: config.defaultAddressPools, hostRoutes, bridgeAddresses: [], existing: [] }),
  );
}

function boolOption(options: Record<string, string>, key: string, fallback: boolean): boolean {
  const v = options[key];
  if (v === undefined) return fallback;
  try {
    return parseBool(v, key);
  } catch {
    throw invalid(`failed to parse ${key} value: invalid boolean value ${JSON.stringify(v)}`);
  }
}

export function planNetwork(
  req: NetworkCreateRequest,
  networks: readonly NetworkRecord[],
  config: DaemonConfig,
  hostRoutes: readonly string[],
  at: { created: string; seq: number; poolCursor: number },
): { network: NetworkRecord; poolCursor: number } {
  const driver = req.driver ?? 'bridge';
  if (driver === 'host' || driver === 'null') throw forbiddenDriver(driver);
  if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
  const name = validateNetworkName(req.name);
  if (networks.some((n) => n.name === name)) throw networkNameConflict(name);
  const options = { ...(req.options ?? {}) };
  const id = generateId();
  const bridgeName = options[OPT.name] !== undefined ? validateInterfaceName(options[OPT.name] as string, 'bridge name') : bridgeNameForNetwork(id);
  const clash = networks.find((n) => n.bridge?.name === bridgeName);
  if (clash) throw conflict(`bridge name ${bridgeName} is already used by network ${clash.name}`);
  const mtuText = options[OPT.mtu];
  const mtu = mtuText === undefined ? config.mtu : Number(mtuText);
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalid(`invalid MTU ${JSON.stringify(mtuText)}: must be a number between 68 and 65535`);
  const hostBinding = options[OPT.hostBinding] ?? '';
  if (hostBinding !== '' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(hostBinding)) throw invalid(`invalid ${OPT.hostBinding}: ${hostBinding}`);
  const plan = planNetworkIpam(req.ipam ?? [], {
    network: { id, bridgeName },
    existing: subnetHolders(networks),
    pools: config.defaultAddressPools,
    poolCursor: at.poolCursor,
    hostRoutes,
  });
  const network: NetworkRecord = {
    id,
    name,
    driver: 'bridge',
    created: at.created,
    seq: at.seq,
    internal: req.internal ?? false,
    attachable: req.attachable ?? false,
    labels: req.labels ?? {},
    options,
    ipam: [toIpamConfig(plan.ipam)],
    ipamUserSpecified: plan.userSpecified,
    bridge: {
      name: bridgeName,
      mtu,
      icc: boolOption(options, OPT.icc, true),
      ipMasquerade: boolOption(options, OPT.masq, true),
      hostBindingIpv4: hostBinding === '0.0.0.0' ? '' : hostBinding,
      isDefault: false,
    },
  };
  return { network, poolCursor: plan.poolCursor };
}

function forbiddenDriver(driver: string): Error {
  return invalid(`only one instance of "${driver}" network is allowed`);
}

/** The address for an endpoint: the requested one (checked) or the lowest free. */
export function allocateAddress(n: NetworkRecord, inUse: readonly string[], requested: string | null): string {
  const ipam = n.ipam[0];
  if (!ipam) throw invalid(`network ${n.name} has no IPv4 configuration`);
  return ipamAllocate(ipam, inUse, requested, { name: n.name, id: n.id });
}

/** `--ip` needs a user-defined network with a user-given subnet, as in Docker. */
export function checkStaticAddress(n: NetworkRecord): void {
  checkStaticIpAllowed({ name: n.name, userSpecifiedSubnet: n.ipamUserSpecified });
}

function parseNetworkMode(raw: string, state: State): { mode: NetworkMode; network: NetworkRecord | null } {
  if (raw === '' || raw === 'default' || raw === 'bridge') {
    const bridge = state.networks.find((n) => n.bridge?.isDefault);
    if (!bridge) throw notFound('network bridge not found');
    return { mode: { kind: 'bridge', network: bridge.id }, network: bridge };
  }
  if (raw.startsWith('container:')) {
    const target = resolveContainer(state.containers, raw.slice('container:'.length));
    return { mode: { kind: 'container', container: target.id }, network: null };
  }
  let n: NetworkRecord;
  try {
    n = resolveNetwork(state.networks, raw);
  } catch (e) {
    // dockerd creates the container anyway and fails its start: "network X not found".
    if (e instanceof BerthError && e.kind === 'not-found') return { mode: { kind: 'bridge', network: raw }, network: null };
    throw e;
  }
  if (n.driver === 'host') return { mode: { kind: 'host' }, network: null };
  if (n.driver === 'null') return { mode: { kind: 'none' }, network: null };
  return { mode: { kind: 'bridge', network: n.id }, network: n };
}

const NO_PORTS: ParsedPorts = { bindings: [], exposed: [] };

/** What a container keeps of one of its bindings: the request its starts allocate a host port for. */
export function portRequest(b: PortBindingSpec): PortRequest {
  return { proto: b.proto, containerPort: b.containerPort, hostIp: b.hostIp, hostPortStart: b.hostPort?.start ?? null, hostPortEnd: b.hostPort?.end ?? null };
}

export function planContainer(
  req: ContainerCreateRequest,
  state: State,
  _config: DaemonConfig,
  created: string,
): { container: ContainerRecord; warnings: string[] } {
  const id = generateId();
  const taken = new Set(state.containers.map((c) => c.name));
  const name = req.name ? validateContainerName(req.name).replace(/^\//, '') : generateContainerName(taken, id);
  const holder = state.containers.find((c) => c.name === name);
  if (holder) throw containerNameConflict(name, holder.id);
  if (req.cmd.length === 0) throw invalid('No command specified');
  const { mode, network } = parseNetworkMode(req.networkMode ?? 'bridge', state);
  const parsed = req.ports ?? NO_PORTS;
  const publishing = parsed.bindings.length > 0 || (req.publishAll ?? false);
  const warnings: string[] = [];
  if (mode.kind === 'container' && publishing) throw invalid('conflicting options: port publishing and the container type network mode');
  if (mode.kind === 'container' && parsed.exposed.length > 0) throw invalid('conflicting options: port exposing and the container type network mode');
  let requests = planPortBindings(parsed, req.publishAll ?? false).map(portRequest);
  if (mode.kind === 'host' && publishing) {
    warnings.push('Published ports are discarded when using host network mode');
    requests = [];
  }
  let ipv4: string | null = null;
  if (req.ipv4) {
    // dockerd 20.10 ignores --ip on the default bridge (the CLI sends no endpoint config for it).
    if (network && !network.bridge?.isDefault) {
      checkStaticAddress(network);
      ipv4 = req.ipv4;
    }
  }
  const container: ContainerRecord = {
    id,
    name,
    created,
    cmd: [...req.cmd],
    networkMode: mode,
    networks: mode.kind === 'bridge' ? [{ networkId: network?.id ?? mode.network, ipv4, aliases: [] }] : [],
    portRequests: requests,
    exposedPorts: parsed.exposed.map((e) => ({ proto: e.proto, port: e.port })),
    publishAll: req.publishAll ?? false,
    autoRemove: req.autoRemove ?? false,
    state: { status: 'created', pid: 0, exitCode: 0, startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z', error: '' },
    startSeq: 0,
    ports: [],
    netns: '',
  };
  return { container, warnings };
}

/**
 * Host ports for a container's requests, all or nothing. `taken` are the ports of
 * running containers; `hostBinding` is the network's default host address.
 */
export function allocatePorts(
  requests: readonly PortRequest[],
  taken: readonly PortMapping[],
  cursors: Readonly<Record<string, number>>,
  range: readonly [number, number],
  hostBinding: string,
): { mappings: PortMapping[]; cursors: Record<string, number> } {
  const state: PortAllocatorState = { allocations: taken.map((p) => ({ hostIp: p.hostIp || '0.0.0.0', proto: p.proto, port: p.hostPort })), cursors };
  const asked = requests.map((r) => ({
    proto: r.proto,
    hostIp: r.hostIp || hostBinding,
    hostPort: r.hostPortStart === null ? null : { start: r.hostPortStart, end: r.hostPortEnd ?? r.hostPortStart },
  }));
  const { ports, state: after } = allocateHostPorts(state, asked, { lo: range[0], hi: range[1] });
  const mappings = asked.map((a, i): PortMapping => ({
    proto: a.proto,
    containerPort: (requests[i] as PortRequest).containerPort,
    hostIp: a.hostIp === '0.0.0.0' ? '' : a.hostIp,
    hostPort: ports[i] as number,
  }));
  return { mappings, cursors: { ...after.cursors } };
}
