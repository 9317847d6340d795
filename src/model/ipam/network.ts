// A network's IPv4 configuration: subnet, gateway, ip-range, validated and chosen like
// Docker 20.10 does for bridge networks.
//
// Learned from moby v20.10.27 and its vendored libnetwork:
// - docker CLI `network create` (cli/command/network/create.go consolidateIpam):
//   `every ip-range or gateway must have a corresponding subnet`, `no matching subnet
//   for range X`, `no matching subnet for gateway X`, `multiple overlapping subnet
//   configuration is not supported`, `cannot configure multiple ranges (A, B) on the
//   same subnet (S)`, `cannot configure multiple gateways (A, B) for the same subnet (S)`.
// - daemon getIpamConfig: `Invalid subnet S : invalid CIDR address: S`.
// - libnetwork IpamConf.Validate: `invalid gateway address G in Ipam configuration`.
// - ipam.Allocator.RequestPool: a subnet overlapping another network's subnet is
//   `Pool overlaps with other one on this address space` (403); a malformed ip-range is
//   `failed to parse pool request for address space "LocalDefault" pool "S" subpool "R":
//   Invalid Address SubPool`.
// - A subnet+ip-range whose parent subnet is already known passes IPAM and is refused by
//   the bridge driver: `cannot create network ID (BR): conflicts with network ID2 (BR2):
//   networks have overlapping IPv4`.
// - Gateway: the given one is reserved, else the first free address of the allocation
//   range (the ip-range when given: Docker then hands out the range's .0); errors
//   `failed to allocate gateway (G): Requested address is out of range` / `Address already
//   in use` / `No available addresses on this pool`.
// - runconfig: `user specified IP address is supported on user defined networks only`,
//   `user specified IP address is supported only when connecting to networks with user
//   configured subnets`.

import { forbidden, invalid } from '../errors.js';
import {
  type Cidr,
  type Ipv4,
  broadcastAddress,
  cidrContains,
  cidrEquals,
  cidrOverlaps,
  formatIpv4,
  formatNetwork,
  hostMask,
  isGlobalUnicast,
  networkAddress,
  parseCidr,
  tryParseCidr,
  tryParseIpv4,
} from '../ipv4.js';
import { PREDEFINED_NETWORK_NAMES } from '../names.js';
import { type AddressPool, allocateSubnet, findAvailableNetwork, listPoolSubnets } from './pools.js';
import { goQuote } from '../go-quote.js';

/** What the user asked for one subnet (all optional: an empty request means "pick one"). */
export interface IpamRequest {
  readonly subnet?: string;
  readonly ipRange?: string;
  readonly gateway?: string;
}

/** A network's resolved IPv4 configuration, as the engine stores it. */
export interface NetworkIpam {
  readonly subnet: string; // canonical CIDR: 172.18.0.0/16
  readonly gateway: string; // address without prefix: 172.18.0.1
  readonly ipRange?: string; // canonical CIDR, when container addresses are restricted
}

/** An existing network, as far as subnet conflicts are concerned. */
export interface ExistingNetwork {
  readonly id: string;
  readonly bridgeName: string;
  readonly subnet: string;
  readonly ipRange?: string;
}

export interface PlanNetworkContext {
  /** The network being created (for the bridge driver's conflict message). */
  readonly network: { readonly id: string; readonly bridgeName: string };
  /** Every network that holds a subnet, the default bridge included. */
  readonly existing: readonly ExistingNetwork[];
  /** The daemon's default address pools ([] = Docker's defaults). */
  readonly pools: readonly AddressPool[];
  /** The pool start index kept by the engine (0 on a fresh daemon). */
  readonly poolCursor: number;
  /** Link-scope route destinations and nameservers (/32) of the host. */
  readonly hostRoutes: readonly string[];
}

export interface NetworkIpamPlan {
  readonly ipam: NetworkIpam;
  /** True when the subnet came from the user (then `--ip` is allowed on the network). */
  readonly userSpecified: boolean;
  /** The pool cursor to store (unchanged when the user gave the subnet). */
  readonly poolCursor: number;
}

const SUBPOOL_CONTEXT = (pool: string, sub: string): string =>
  `failed to parse pool request for address space "LocalDefault" pool ${goQuote(pool)} subpool ${goQuote(sub)}`;

/**
 * The docker CLI's checks of `network create --subnet/--ip-range/--gateway` (its
 * consolidateIpam, aux addresses aside): pairs each range and gateway with its subnet.
 */
export function consolidateIpamFlags(
  subnets: readonly string[],
  ranges: readonly string[],
  gateways: readonly string[],
): IpamRequest[] {
  if (subnets.length < ranges.length || subnets.length < gateways.length) {
    throw invalid('every ip-range or gateway must have a corresponding subnet');
  }
  const configs = new Map<string, { subnet: string; ipRange?: string; gateway?: string }>();
  for (const s of subnets) {
    for (const k of configs.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) {
        throw invalid('multiple overlapping subnet configuration is not supported');
      }
    }
    configs.set(s, { subnet: s });
  }
  for (const r of ranges) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, r)) continue;
      const c = configs.get(s) as { subnet: string; ipRange?: string };
      if (c.ipRange !== undefined) {
        throw invalid(`cannot configure multiple ranges (${r}, ${c.ipRange}) on the same subnet (${s})`);
      }
      c.ipRange = r;
      match = true;
    }
    if (!match) throw invalid(`no matching subnet for range ${r}`);
  }
  for (const g of gateways) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, g)) continue;
      const c = configs.get(s) as { subnet: string; gateway?: string };
      if (c.gateway !== undefined) {
        throw invalid(`cannot configure multiple gateways (${g}, ${c.gateway}) for the same subnet (${s})`);
      }
      c.gateway = g;
      match = true;
    }
    if (!match) throw invalid(`no matching subnet for gateway ${g}`);
  }
  return [...configs.values()];
}

/** The CLI's subnetMatches: is the address of `data` (an IP or a CIDR) inside `subnet`? */
function subnetMatches(subnet: string, data: string): boolean {
  const s = tryParseCidr(subnet);
  if (s === null) throw invalid(`invalid subnet: invalid CIDR address: ${subnet}`);
  let ip: Ipv4 | null;
  if (data.includes('/')) {
    const d = tryParseCidr(data);
    if (d === null) throw invalid(`invalid CIDR address: ${data}`);
    ip = d.addr;
  } else {
    ip = tryParseIpv4(data);
  }
  return ip !== null && cidrContains(s, ip);
}

/**
 * Resolves the IPv4 configuration of a new bridge network. `requests` is the IPAM
 * config of the create request ([] or [{}] = pick a subnet from the default pools).
 */
export function planNetworkIpam(requests: readonly IpamRequest[], ctx: PlanNetworkContext): NetworkIpamPlan {
  const given = requests.filter((r) => r.subnet !== undefined || r.ipRange !== undefined || r.gateway !== undefined);
  if (given.length > 1) throw forbidden("bridge driver doesn't support multiple subnets");
  const req = given[0];

  if (req === undefined) {
    const taken = ctx.existing.map((n) => n.subnet);
    const choice = allocateSubnet(ctx.pools, taken, ctx.hostRoutes, ctx.poolCursor);
    const subnet = parseCidr(choice.subnet);
    const gateway = allocateGateway(subnet, null, null, '');
    return { ipam: { subnet: choice.subnet, gateway: formatIpv4(gateway) }, userSpecified: false, poolCursor: choice.cursor };
  }

  if (req.subnet === undefined || req.subnet === '') {
    throw invalid('every ip-range or gateway must have a corresponding subnet');
  }
  if (req.subnet.includes(':')) throw invalid(`IPv6 subnets are not supported: ${req.subnet}`);
  const subnetGiven = tryParseCidr(req.subnet);
  if (subnetGiven === null) throw invalid(`Invalid subnet ${req.subnet} : invalid CIDR address: ${req.subnet}`);
  const subnet: Cidr = { addr: networkAddress(subnetGiven), prefix: subnetGiven.prefix };

  let gatewayIp: Ipv4 | null = null;
  if (req.gateway !== undefined && req.gateway !== '') {
    gatewayIp = tryParseIpv4(req.gateway);
    if (gatewayIp === null) throw invalid(`invalid gateway address ${req.gateway} in Ipam configuration`);
  }

  let ipRange: Cidr | null = null;
  if (req.ipRange !== undefined && req.ipRange !== '') {
    const r = tryParseCidr(req.ipRange);
    if (r === null) throw invalid(`${SUBPOOL_CONTEXT(req.subnet, req.ipRange)}: Invalid Address SubPool`);
    // Docker maps the range onto the subnet's host bits; a range outside the subnet
    // would silently alias into it, berth refuses it with the CLI's message.
    if (!cidrContains(subnet, r.addr)) throw invalid(`no matching subnet for range ${req.ipRange}`);
    ipRange = { addr: networkAddress(r), prefix: r.prefix };
  }

  checkSubnetConflicts(subnet, ipRange, ctx);

  const gateway = allocateGateway(subnet, ipRange, gatewayIp, req.gateway ?? '');
  const ipam: NetworkIpam = ipRange === null
    ? { subnet: formatNetwork(subnet), gateway: formatIpv4(gateway) }
    : { subnet: formatNetwork(subnet), gateway: formatIpv4(gateway), ipRange: formatNetwork(ipRange) };
  return { ipam, userSpecified: true, poolCursor: ctx.poolCursor };
}

/** IPAM's pool bookkeeping, then the bridge driver's conflict check. */
function checkSubnetConflicts(subnet: Cidr, ipRange: Cidr | null, ctx: PlanNetworkContext): void {
  const existing = ctx.existing.map((n) => ({
    net: n,
    subnet: parseCidr(n.subnet),
    range: n.ipRange !== undefined && n.ipRange !== '' ? parseCidr(n.ipRange) : null,
  }));
  if (ipRange === null) {
    // A master pool: must overlap no other master pool.
    if (existing.some((e) => cidrOverlaps(e.subnet, subnet))) {
      throw forbidden('Pool overlaps with other one on this address space');
    }
    return;
  }
  // A sub-pool: IPAM refuses only the very same subnet+range pair...
  if (existing.some((e) => e.range !== null && cidrEquals(e.subnet, subnet) && cidrEquals(e.range, ipRange))) {
    throw forbidden('Pool overlaps with other one on this address space');
  }
  // ...and the bridge driver refuses any overlap with another bridge network.
  const clash = existing.find((e) => cidrOverlaps(e.subnet, subnet));
  if (clash !== undefined) {
    throw forbidden(
      `cannot create network ${ctx.network.id} (${ctx.network.bridgeName}): conflicts with network ` +
        `${clash.net.id} (${clash.net.bridgeName}): networks have overlapping IPv4`,
    );
  }
}

/**
 * The inclusive range of addresses handed out dynamically, computed like libnetwork's
 * getAddressRange (the range's host bits within the subnet; a range that contains the
 * subnet means the whole subnet). Network and broadcast addresses are still reserved.
 */
export function allocationBounds(subnet: Cidr, ipRange: Cidr | null): { first: Ipv4; last: Ipv4 } {
  const base = networkAddress(subnet);
  if (ipRange === null) return { first: base, last: broadcastAddress(subnet) };
  const hm = hostMask(subnet.prefix);
  return {
    first: (base | (networkAddress(ipRange) & hm)) >>> 0,
    last: (base | (broadcastAddress(ipRange) & hm)) >>> 0,
  };
}

/** Reserves the gateway: the requested one, else the first free address of the range. */
function allocateGateway(subnet: Cidr, ipRange: Cidr | null, requested: Ipv4 | null, asGiven: string): Ipv4 {
  const net = networkAddress(subnet);
  const bcast = broadcastAddress(subnet);
  const fail = (why: string): never => {
    throw invalid(`failed to allocate gateway (${asGiven}): ${why}`);
  };
  if (requested !== null) {
    if (!cidrContains(subnet, requested)) fail('Requested address is out of range');
    if (requested === net || requested === bcast) fail('Address already in use');
    return requested;
  }
  const { first, last } = allocationBounds(subnet, ipRange);
  for (let ip = first; ip <= last; ip++) {
    if (ip !== net && ip !== bcast) return ip;
  }
  return fail('No available addresses on this pool');
}

export interface DefaultBridgeContext {
  /** dockerd --bip (`10.66.0.1/24`), '' when not given. */
  readonly bip: string;
  /** dockerd --fixed-cidr, '' when not given. */
  readonly fixedCidr: string;
  readonly pools: readonly AddressPool[];
  /** Link-scope route destinations and nameservers (/32) of the host. */
  readonly hostRoutes: readonly string[];
  /** IPv4 addresses (with prefix, e.g. 172.17.0.1/16) already on the bridge device, [] if none. */
  readonly bridgeAddresses: readonly string[];
  /** User-defined networks restored from the store (their subnets are taken). */
  readonly existing: readonly ExistingNetwork[];
}

const DEFAULT_BRIDGE_ERROR = 'Error creating default "bridge" network: ';

/**
 * The default bridge's IPv4 configuration, like dockerd's initBridgeDriver: `--bip`
 * (address and subnet), else the address already on docker0, else the first default
 * pool overlapping no host route; `--fixed-cidr` becomes the ip-range.
 */
export function planDefaultBridgeIpam(ctx: DefaultBridgeContext): NetworkIpam {
  let preferred: Cidr;
  let gateway: Ipv4 | null = null;
  let gatewayText = '';

  const fixed = ctx.fixedCidr === '' ? null : parseCidr(ctx.fixedCidr);
  if (ctx.bip !== '') {
    const bip = parseCidr(ctx.bip);
    preferred = { addr: networkAddress(bip), prefix: bip.prefix };
    gateway = bip.addr;
    gatewayText = formatIpv4(bip.addr);
  } else {
    let chosen: Cidr;
    const addrs = ctx.bridgeAddresses.map((a) => parseCidr(a));
    if (addrs.length === 0) {
      const found = findAvailableNetwork(ctx.pools, ctx.hostRoutes);
      if (found === null) {
        const all = listPoolSubnets(ctx.pools, 65);
        const shown = all.length > 64 ? `${all.slice(0, 64).join(' ')} ...` : all.join(' ');
        throw invalid(`list bridge addresses failed: PredefinedLocalScopeDefaultNetworks List: [${shown}]: no available network`);
      }
      chosen = parseCidr(found);
    } else {
      chosen = addrs[0] as Cidr;
      if (addrs.length > 1 && fixed !== null) chosen = addrs.find((a) => cidrContains(fixed, a.addr)) ?? chosen;
    }
    preferred = { addr: networkAddress(chosen), prefix: chosen.prefix };
    const hostPart = (chosen.addr & hostMask(chosen.prefix)) >>> 0;
    if (isGlobalUnicast(hostPart)) {
      gateway = chosen.addr;
      gatewayText = formatIpv4(chosen.addr);
    }
  }

  let ipRange: Cidr | null = null;
  if (fixed !== null) {
    if (!cidrOverlaps(fixed, preferred)) {
      throw invalid(`fixed-cidr ${ctx.fixedCidr} is outside the bridge network ${formatNetwork(preferred)}`);
    }
    ipRange = { addr: networkAddress(fixed), prefix: fixed.prefix };
  }

  const existing = ctx.existing.map((n) => parseCidr(n.subnet));
  if (existing.some((e) => cidrOverlaps(e, preferred))) {
    throw forbidden(`${DEFAULT_BRIDGE_ERROR}Pool overlaps with other one on this address space`);
  }
  let gw: Ipv4;
  try {
    gw = allocateGateway(preferred, ipRange, gateway, gatewayText);
  } catch (err) {
    throw invalid(`${DEFAULT_BRIDGE_ERROR}${(err as Error).message}`, err);
  }
  const out: NetworkIpam = { subnet: formatNetwork(preferred), gateway: formatIpv4(gw) };
  return ipRange === null ? out : { ...out, ipRange: formatNetwork(ipRange) };
}

/**
 * Docker's rule for `--ip` (daemon validateNetworkingConfig): only on user-defined
 * networks, and only on those created with a user-specified subnet.
 */
export function checkStaticIpAllowed(network: { readonly name: string; readonly userSpecifiedSubnet: boolean }): void {
  if (PREDEFINED_NETWORK_NAMES.includes(network.name) || network.name.startsWith('container:')) {
    throw invalid('user specified IP address is supported on user defined networks only');
  }
  if (!network.userSpecifiedSubnet) {
    throw invalid('user specified IP address is supported only when connecting to networks with user configured subnets');
  }
}
