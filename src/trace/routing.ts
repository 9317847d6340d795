// The routing decision over one namespace's tables, the way the kernel takes it:
// the local table first (is the destination one of ours?), then the longest
// prefix of the main table (lowest metric on a tie); source address selection;
// and the address types of `-m addrtype` (inet_addr_type over the local table).
// Policy routing rules are not modelled (the reader reports them as a caveat).
import { cidrContains, tryParseCidr, tryParseIpv4, type Cidr, type Ipv4 } from '../model/ipv4.js';
import type { NetView, RouteEntry } from './world.js';

export const ADDR_TYPES = [
  'UNSPEC',
  'UNICAST',
  'LOCAL',
  'BROADCAST',
  'ANYCAST',
  'MULTICAST',
  'BLACKHOLE',
  'UNREACHABLE',
  'PROHIBIT',
  'THROW',
  'NAT',
  'XRESOLVE',
] as const;
export type AddrType = (typeof ADDR_TYPES)[number];

function routeCidr(dst: string): Cidr | null {
  if (dst === 'default') return { addr: 0, prefix: 0 };
  if (dst.includes('/')) return tryParseCidr(dst);
  const ip = tryParseIpv4(dst);
  return ip === null ? null : { addr: ip, prefix: 32 };
}

/** Longest-prefix match; the lowest metric wins among equal prefixes, then table order. */
function lookupRoute(routes: readonly RouteEntry[], dst: Ipv4): RouteEntry | null {
  let best: { route: RouteEntry; prefix: number; metric: number } | null = null;
  for (const route of routes) {
    const cidr = routeCidr(route.dst);
    if (cidr === null || !cidrContains(cidr, dst)) continue;
    const metric = route.metric ?? 0;
    if (best === null || cidr.prefix > best.prefix || (cidr.prefix === best.prefix && metric < best.metric)) {
      best = { route, prefix: cidr.prefix, metric };
    }
  }
  return best?.route ?? null;
}

/** inet_addr_type(): 0/8 and 255.255.255.255 broadcast, 224/4 multicast, else the local table's type, else unicast. */
export function addrType(net: NetView, ip: Ipv4): AddrType {
  const v = ip >>> 0;
  if (v >>> 24 === 0 || v === 0xffffffff) return 'BROADCAST';
  if (v >>> 28 === 0xe) return 'MULTICAST';
  const local = lookupRoute(net.localRoutes, v);
  if (local === null) return 'UNICAST';
  const type = local.type.toUpperCase();
  return (ADDR_TYPES as readonly string[]).includes(type) ? (type as AddrType) : 'UNICAST';
}

export type RouteDecision =
  /** One of this namespace's own addresses: delivered locally (output goes through lo). */
  | { readonly kind: 'local'; readonly prefsrc: Ipv4 | null }
  | { readonly kind: 'unicast'; readonly dev: string; readonly nextHop: Ipv4; readonly route: RouteEntry }
  /** No route, or a blackhole/unreachable/prohibit route. */
  | { readonly kind: 'none'; readonly type: string; readonly route: RouteEntry | null };

export function decideRoute(net: NetView, dst: Ipv4): RouteDecision {
  const type = addrType(net, dst);
  if (type === 'LOCAL' || type === 'BROADCAST') {
    const local = lookupRoute(net.localRoutes, dst);
    return { kind: 'local', prefsrc: local?.prefsrc !== undefined ? tryParseIpv4(local.prefsrc) : null };
  }
  const route = lookupRoute(net.routes, dst);
  if (route === null) return { kind: 'none', type: 'unreachable', route: null };
  if (route.type !== 'unicast' || route.dev === undefined) return { kind: 'none', type: route.type, route };
  const gateway = route.gateway !== undefined ? tryParseIpv4(route.gateway) : null;
  return { kind: 'unicast', dev: route.dev, nextHop: gateway ?? dst, route };
}

/**
 * inet_select_addr(): an address of `dev` in the next hop's subnet, else its first.
 * MASQUERADE takes this one (it ignores the route's preferred source).
 */
export function interfaceAddress(net: NetView, dev: string, nextHop: Ipv4): Ipv4 | null {
  const onDev = net.addresses.filter((a) => a.ifname === dev);
  const inSubnet = onDev.find((a) => {
    const ip = tryParseIpv4(a.address);
    return ip !== null && cidrContains({ addr: ip, prefix: a.prefixLength }, nextHop);
  });
  const chosen = inSubnet ?? onDev[0];
  return chosen === undefined ? null : tryParseIpv4(chosen.address);
}

/** The source address a socket gets for this route: the route's preferred source, else the interface's. */
export function selectSource(net: NetView, decision: Extract<RouteDecision, { kind: 'unicast' }>): Ipv4 | null {
  if (decision.route.prefsrc !== undefined) return tryParseIpv4(decision.route.prefsrc);
  return interfaceAddress(net, decision.dev, decision.nextHop);
}

/** `172.18.0.0/16 dev br-1 (src 172.18.0.1)` / `default via 10.0.0.1 dev eth0`. */
export function routeText(route: RouteEntry): string {
  const parts = [route.dst];
  if (route.gateway !== undefined) parts.push(`via ${route.gateway}`);
  if (route.dev !== undefined) parts.push(`dev ${route.dev}`);
  if (route.prefsrc !== undefined) parts.push(`src ${route.prefsrc}`);
  return parts.join(' ');
}

/** Is `ip` one of the namespace's interface addresses (or in 127/8)? */
export function ownsAddress(net: NetView, ip: Ipv4): boolean {
  if (ip >>> 24 === 127) return true;
  return net.addresses.some((a) => tryParseIpv4(a.address) === ip);
}
