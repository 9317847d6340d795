// What routing refuses before any rule sees the packet: martian addresses
// (loopback on a real interface without route_localnet, one of our own addresses
// as a source) and the reverse-path filter (rp_filter 1: the way back must be by
// the interface the packet came in by; 2: there must be a way back at all).
import { formatIpv4 } from '../model/ipv4.js';
import type { Packet } from './packet.js';
import { decideRoute, ownsAddress } from './routing.js';
import type { HostView } from './world.js';

/** net.ipv4.conf rp_filter: the larger of `all` and the interface's own. */
function rpFilter(host: HostView, iface: string): number {
  return Math.max(host.interfaceConf['all']?.rpFilter ?? 0, host.interfaceConf[iface]?.rpFilter ?? 0);
}

/** net.ipv4.conf route_localnet: on when `all` or the interface's own is. */
function routeLocalnet(host: HostView, iface: string): boolean {
  return (host.interfaceConf['all']?.routeLocalnet ?? false) || (host.interfaceConf[iface]?.routeLocalnet ?? false);
}

const isLoopback = (ip: number): boolean => ip >>> 24 === 127;

/** Why ip_route_input() drops a packet that came in on `inIface`, or null when it does not. */
export function refusedOnInput(host: HostView, inIface: string, p: Packet): string | null {
  if (inIface === 'lo') return null;
  const localnet = routeLocalnet(host, inIface);
  if (isLoopback(p.dst) && !localnet) return `a 127.0.0.0/8 destination arriving on ${inIface} is martian (route_localnet is off)`;
  if (isLoopback(p.src) && !localnet) return `a 127.0.0.0/8 source arriving on ${inIface} is martian (route_localnet is off)`;
  if (ownsAddress(host, p.src)) return `the source ${formatIpv4(p.src)} is one of the host's own addresses: a martian source`;
  const rp = rpFilter(host, inIface);
  if (rp === 0) return null;
  const back = decideRoute(host, p.src);
  if (back.kind === 'unicast' && (rp === 2 || back.dev === inIface)) return null;
  return `rp_filter ${rp} on ${inIface}: the way back to ${formatIpv4(p.src)} is ${back.kind === 'unicast' ? `by ${back.dev}` : 'missing'}`;
}

/** Why the kernel will not route a locally sent packet out of `dev`, or null. */
export function refusedOnOutput(host: HostView, dev: string, p: Packet): string | null {
  if (isLoopback(p.src) && !routeLocalnet(host, dev)) return `the kernel does not route a 127.0.0.0/8 source out of ${dev} (route_localnet is off)`;
  return null;
}
