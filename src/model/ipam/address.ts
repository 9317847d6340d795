// Container addresses inside a network, like libnetwork's default IPAM (bitseq) in
// Docker 20.10: the subnet's network and broadcast addresses and the gateway are
// reserved; dynamic requests take the lowest free address of the ip-range (or of the
// whole subnet); a requested address (`--ip`) may be anywhere in the subnet, also
// outside the ip-range. Errors (libnetwork endpoint.assignAddressVersion, ipamapi):
//   `Invalid address X: It does not belong to any of this network's subnets` (400),
//   `Address already in use` (403),
//   `no available IPv4 addresses on this network's address pools: NAME (ID)`,
// and the daemon's `Invalid IPv4 address: X)` (sic, with the parenthesis) for bad text.
// MAC addresses: netutils.GenerateMACFromIP, 02:42 followed by the 4 address bytes.

import { forbidden, invalid, unavailable } from '../errors.js';
import {
  type Cidr,
  type Ipv4,
  broadcastAddress,
  cidrContains,
  formatIpv4,
  ipv4Bytes,
  networkAddress,
  parseCidr,
  tryParseIpv4,
} from '../ipv4.js';
import { type NetworkIpam, allocationBounds } from './network.js';

/** Identifies the network in the "no available addresses" message. */
export interface NetworkRef {
  readonly name: string;
  readonly id: string;
}

function parseIpam(ipam: NetworkIpam): { subnet: Cidr; range: Cidr | null; gateway: Ipv4 | null } {
  const subnet = parseCidr(ipam.subnet);
  const range = ipam.ipRange !== undefined && ipam.ipRange !== '' ? parseCidr(ipam.ipRange) : null;
  const gateway = ipam.gateway === '' ? null : tryParseIpv4(ipam.gateway);
  return { subnet, range, gateway };
}

/** The addresses no container can get: network, broadcast, gateway. */
export function reservedAddresses(ipam: NetworkIpam): string[] {
  const { subnet, gateway } = parseIpam(ipam);
  const out = new Set<Ipv4>([networkAddress(subnet), broadcastAddress(subnet)]);
  if (gateway !== null) out.add(gateway);
  return [...out].map(formatIpv4);
}

/**
 * Chooses a container address. `inUse` are the addresses of the network's current
 * endpoints (the gateway may be listed or not). `requested` is `--ip` ('' / null /
 * undefined = dynamic). Returns the address without prefix.
 */
export function allocateAddress(
  ipam: NetworkIpam,
  inUse: readonly string[],
  requested?: string | null,
  network?: NetworkRef,
): string {
  const { subnet, range, gateway } = parseIpam(ipam);
  const used = new Set<Ipv4>();
  for (const a of inUse) {
    const ip = tryParseIpv4(a.includes('/') ? a.slice(0, a.indexOf('/')) : a);
    if (ip !== null) used.add(ip);
  }
  used.add(networkAddress(subnet));
  used.add(broadcastAddress(subnet));
  if (gateway !== null) used.add(gateway);

  if (requested !== undefined && requested !== null && requested !== '') {
    const ip = tryParseIpv4(requested);
    if (ip === null) throw invalid(`Invalid IPv4 address: ${requested})`);
    if (!cidrContains(subnet, ip)) {
      throw invalid(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
    }
    if (used.has(ip)) throw forbidden('Address already in use');
    return formatIpv4(ip);
  }

  const { first, last } = allocationBounds(subnet, range);
  for (let ip = first; ip <= last; ip++) {
    if (!used.has(ip)) return formatIpv4(ip);
  }
  const who = network === undefined ? '' : `: ${network.name} (${network.id})`;
  throw unavailable(`no available IPv4 addresses on this network's address pools${who}`);
}

/** Returns `inUse` without `ip` (the engine's view of a release). */
export function releaseAddress(inUse: readonly string[], ip: string): string[] {
  return inUse.filter((a) => a !== ip);
}

/** Docker 20.10's MAC for a container address: 02:42:aa:bb:cc:dd from a.b.c.d. */
export function macFromIp(ip: string): string {
  const value = tryParseIpv4(ip);
  if (value === null) throw invalid(`invalid IP address: ${ip}`);
  return ['02', '42', ...ipv4Bytes(value).map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
