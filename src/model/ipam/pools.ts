// Docker's default address pools and the choice of a subnet for a new network.
//
// Learned from libnetwork (as vendored by moby v20.10.27):
// - ipamutils: the local-scope defaults are 172.17..19/16, 172.20/14, 172.24/14,
//   172.28/14 split into /16s, then 192.168.0.0/16 split into /20s; dockerd's
//   `--default-address-pool base=CIDR,size=N` (opts/address_pools.go) replaces them;
//   `splitNetworks` rejects a bad base (`invalid base pool "X": invalid CIDR address: X`)
//   and a size shorter than the base prefix (`invalid pools size: N`).
// - ipam.Allocator.getPredefinedPool keeps a start index that moves past the last pool
//   it handed out (then wraps), skipping pools that overlap any allocated subnet;
//   `could not find an available, non-overlapping IPv4 address pool among the
//   defaults to assign to the network` when none is left.
// - network.requestPoolHelper then rejects (but keeps reserved while searching) a
//   pool that overlaps a nameserver or a link-scope host route (netutils.FindAvailableNetwork).
// - The default bridge (daemon.initBridgeDriver + netutils.ElectInterfaceAddresses)
//   uses the docker0 address if the bridge exists, else the first pool that overlaps
//   no nameserver/route; `--bip` overrides both; `--fixed-cidr` restricts containers.

import { invalid, notFound } from '../errors.js';
import { goQuote } from '../go-quote.js';
import {
  type Cidr,
  cidrOverlaps,
  formatNetwork,
  networkAddress,
  parseCidr,
  tryParseCidr,
} from '../ipv4.js';

/** One `--default-address-pool`: cut `base` into subnets of prefix length `size`. */
export interface AddressPool {
  readonly base: string; // CIDR
  readonly size: number;
}

/** Docker 20.10's local-scope default pools (ipamutils.localScopeDefaultNetworks). */
export const DOCKER_DEFAULT_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

export const NO_POOL_MESSAGE =
  'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network';

/**
 * Parses one `--default-address-pool` value like dockerd's PoolsOpt.Set: CSV fields
 * `key=value`, keys `base` and `size` (case-insensitive, values lower-cased).
 * Validation of base and size happens in `checkAddressPools` (as in dockerd, at start).
 */
export function parseAddressPoolFlag(value: string): AddressPool {
  if (value === '') throw invalid('EOF'); // what Go's csv reader says about an empty value
  let base = '';
  let size = 0;
  for (const field of splitCsvRecord(value)) {
    const eq = field.indexOf('=');
    if (eq < 0) throw invalid(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq).toLowerCase();
    const val = field.slice(eq + 1).toLowerCase();
    switch (key) {
      case 'base':
        base = val;
        break;
      case 'size':
        if (!/^[+-]?[0-9]+$/.test(val)) {
          throw invalid(`invalid size value: ${goQuote(val)} (must be integer): strconv.Atoi: parsing ${goQuote(val)}: invalid syntax`);
        }
        size = Number(val);
        break;
      default:
        throw invalid(`unexpected key '${key}' in '${field}'`);
    }
  }
  return { base, size };
}

/** One pool, parsed. */
export interface ParsedPool {
  readonly base: Cidr; // canonical
  readonly size: number;
  readonly count: number; // number of subnets it yields
}

/**
 * Validates pools like ipamutils.splitNetworks. An empty list means Docker's defaults
 * (ConfigLocalScopeDefaultNetworks(nil) keeps them). Sizes above 32 are rejected too.
 */
export function checkAddressPools(pools: readonly AddressPool[]): readonly ParsedPool[] {
  const list = pools.length === 0 ? DOCKER_DEFAULT_POOLS : pools;
  return list.map((p) => {
    const cidr = tryParseCidr(p.base);
    if (cidr === null) throw invalid(`invalid base pool ${goQuote(p.base)}: invalid CIDR address: ${p.base}`);
    if (!Number.isInteger(p.size) || p.size <= 0 || p.size < cidr.prefix || p.size > 32) {
      throw invalid(`invalid pools size: ${p.size}`);
    }
    return { base: { addr: networkAddress(cidr), prefix: cidr.prefix }, size: p.size, count: 2 ** (p.size - cidr.prefix) };
  });
}

/** Total number of candidate subnets in the pools. */
export function poolSubnetCount(pools: readonly AddressPool[]): number {
  return checkAddressPools(pools).reduce((n, p) => n + p.count, 0);
}

/** The i-th candidate subnet (0-based, in Docker's order), or null past the end. */
export function poolSubnetAt(parsed: readonly ParsedPool[], index: number): Cidr | null {
  let i = index;
  for (const p of parsed) {
    if (i < p.count) return { addr: (p.base.addr + i * 2 ** (32 - p.size)) >>> 0, prefix: p.size };
    i -= p.count;
  }
  return null;
}

/** Every candidate subnet, as CIDR text (for small pool lists: display, tests). */
export function listPoolSubnets(pools: readonly AddressPool[], limit = Infinity): string[] {
  const parsed = checkAddressPools(pools);
  const out: string[] = [];
  for (let i = 0; out.length < limit; i++) {
    const c = poolSubnetAt(parsed, i);
    if (c === null) break;
    out.push(formatNetwork(c));
  }
  return out;
}

export interface SubnetChoice {
  readonly subnet: string; // canonical CIDR
  /** The pool start index to keep for the next request (Docker's predefinedStartIndices). */
  readonly cursor: number;
}

/**
 * Picks the subnet for a network created without `--subnet`, like Docker 20.10:
 * the candidates are walked from `cursor` (wrapping once round the list); a candidate is
 * skipped when it overlaps a subnet in `taken` (every existing network, the default
 * bridge included) or one in `hostRoutes` (the destinations of the host's link-scope
 * IPv4 routes and the nameservers as /32, read by the caller; a default route, prefix 0,
 * is ignored). The returned cursor is
 * the index after the chosen subnet (0 past the end).
 *
 * Throws not-found `could not find an available, non-overlapping IPv4 address pool
 * among the defaults to assign to the network` (Docker answers 404 too).
 */
export function allocateSubnet(
  pools: readonly AddressPool[],
  taken: readonly string[],
  hostRoutes: readonly string[],
  cursor = 0,
): SubnetChoice {
  const parsed = checkAddressPools(pools);
  const total = parsed.reduce((n, p) => n + p.count, 0);
  const blockers = [...taken.map((t) => parseCidr(t)), ...parseRoutes(hostRoutes)];
  const start = Number.isInteger(cursor) && cursor >= 0 && cursor < total ? cursor : 0;
  let visited = 0;
  let index = start;
  while (visited < total) {
    const candidate = poolSubnetAt(parsed, index) as Cidr;
    const blocker = blockers.find((b) => cidrOverlaps(b, candidate));
    if (blocker === undefined) {
      const next = index + 1;
      return { subnet: formatNetwork(candidate), cursor: next >= total ? 0 : next };
    }
    // Candidates inside the same (bigger) blocker would all be rejected: jump past it,
    // staying inside the current pool (pools may overlap each other).
    let step = 1;
    if (blocker.prefix < candidate.prefix) {
      const end = networkAddress(blocker) + 2 ** (32 - blocker.prefix); // first address after it
      const poolEnd = poolIndexEnd(parsed, index);
      const skip = Math.ceil((end - networkAddress(candidate)) / 2 ** (32 - candidate.prefix));
      step = Math.max(1, Math.min(skip, poolEnd - index));
    }
    step = Math.min(step, total - visited);
    visited += step;
    index = (index + step) % total;
  }
  throw notFound(NO_POOL_MESSAGE);
}

/** The index one past the last candidate of the pool that holds `index`. */
function poolIndexEnd(parsed: readonly ParsedPool[], index: number): number {
  let first = 0;
  for (const p of parsed) {
    if (index < first + p.count) return first + p.count;
    first += p.count;
  }
  return first;
}

/**
 * netutils.FindAvailableNetwork over the pools: the first candidate overlapping none of
 * `hostRoutes` (link-scope route destinations and nameservers /32); null when none.
 * Used for the default bridge when docker0 has no address yet.
 */
export function findAvailableNetwork(pools: readonly AddressPool[], hostRoutes: readonly string[]): string | null {
  const parsed = checkAddressPools(pools);
  const routes = parseRoutes(hostRoutes);
  for (let i = 0; ; i++) {
    const c = poolSubnetAt(parsed, i);
    if (c === null) return null;
    if (!routes.some((r) => cidrOverlaps(r, c))) return formatNetwork(c);
  }
}

/** Host routes as CIDRs; a default route (prefix 0) is ignored, as Docker only sees routes with a destination. */
function parseRoutes(hostRoutes: readonly string[]): Cidr[] {
  return hostRoutes.map((r) => parseCidr(r)).filter((c) => c.prefix > 0);
}

/** Nameserver addresses (from resolv.conf) as the /32 CIDRs Docker checks against. */
export function nameserversAsCidrs(nameservers: readonly string[]): string[] {
  return nameservers.filter((n) => tryParseCidr(`${n}/32`) !== null).map((n) => `${n}/32`);
}


/** One record of Go's encoding/csv reader (quotes, doubled quotes), as PoolsOpt uses it. */
function splitCsvRecord(text: string): string[] {
  const line = text.replace(/\r?\n$/, '');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw invalid(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        const ch = line[i] as string;
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += ch;
        i++;
      }
      if (i < line.length && line[i] !== ',') {
        throw invalid(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
      }
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      field = line.slice(i, end);
      if (field.includes('"')) throw invalid(`parse error on line 1, column ${i + field.indexOf('"') + 1}: bare " in non-quoted-field`);
      i = end;
    }
    fields.push(field);
    if (i >= line.length) break;
    i++; // the comma
  }
  return fields;
}
