// IPv4 addresses and CIDRs as uint32 numbers. Pure functions, no I/O.
//
// Parsing follows Go's net.ParseIP / net.ParseCIDR as dockerd (built with Go >= 1.17)
// uses them: four decimal octets 0-255 without leading zeros; a CIDR is ADDRESS/PREFIX
// where the address may have host bits set (`--bip 10.66.0.1/24` means the address
// 10.66.0.1 in the network 10.66.0.0/24). Error texts are Go's: `invalid CIDR address: X`.

import { invalid } from './errors.js';

/** An IPv4 address as an unsigned 32-bit integer (0 ..= 0xffffffff). */
export type Ipv4 = number;

/** A CIDR as written: `addr` keeps any host bits (use `networkAddress` for the network). */
export interface Cidr {
  readonly addr: Ipv4;
  readonly prefix: number; // 0..32
}

const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

/** Parses dotted-quad IPv4 text; null when it is not one (Go's net.ParseIP(s).To4() != nil for plain IPv4 text). */
export function tryParseIpv4(text: string): Ipv4 | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function isIpv4(text: string): boolean {
  return tryParseIpv4(text) !== null;
}

/** Parses IPv4 text or throws `invalid IP address: X` (kind invalid). */
export function parseIpv4(text: string): Ipv4 {
  const ip = tryParseIpv4(text);
  if (ip === null) throw invalid(`invalid IP address: ${text}`);
  return ip;
}

export function formatIpv4(ip: Ipv4): string {
  const v = ip >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** The 4 bytes of an address, most significant first. */
export function ipv4Bytes(ip: Ipv4): [number, number, number, number] {
  const v = ip >>> 0;
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Parses `A.B.C.D/N` (host bits allowed); null when malformed. */
export function tryParseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = tryParseIpv4(text.slice(0, slash));
  const mask = text.slice(slash + 1);
  // Go's dtoi: decimal digits only (leading zeros accepted), value 0..32.
  if (addr === null || !/^[0-9]{1,3}$/.test(mask)) return null;
  const prefix = Number(mask);
  if (prefix > 32) return null;
  return { addr, prefix };
}

/** Parses a CIDR or throws Go's `invalid CIDR address: X` (kind invalid). */
export function parseCidr(text: string): Cidr {
  const cidr = tryParseCidr(text);
  if (cidr === null) throw invalid(`invalid CIDR address: ${text}`);
  return cidr;
}

/** `A.B.C.D/N` with the address as written (host bits kept). */
export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.addr)}/${cidr.prefix}`;
}

/** The netmask of a prefix length as a number (prefix 0 -> 0). */
export function prefixMask(prefix: number): number {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw invalid(`invalid prefix length: ${prefix}`);
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function hostMask(prefix: number): number {
  return ~prefixMask(prefix) >>> 0;
}

/** Dotted netmask, e.g. 255.255.0.0 for /16. */
export function formatNetmask(prefix: number): string {
  return formatIpv4(prefixMask(prefix));
}

export function networkAddress(cidr: Cidr): Ipv4 {
  return (cidr.addr & prefixMask(cidr.prefix)) >>> 0;
}

export function broadcastAddress(cidr: Cidr): Ipv4 {
  return (networkAddress(cidr) | hostMask(cidr.prefix)) >>> 0;
}

/** The CIDR with host bits cleared (Go's IPNet from ParseCIDR). */
export function canonicalCidr(cidr: Cidr): Cidr {
  return { addr: networkAddress(cidr), prefix: cidr.prefix };
}

/** Canonical text of the network: `10.66.0.1/24` -> `10.66.0.0/24`. */
export function formatNetwork(cidr: Cidr): string {
  return formatCidr(canonicalCidr(cidr));
}

/** Number of addresses in the network (2^(32-prefix)). */
export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrContains(cidr: Cidr, ip: Ipv4): boolean {
  return ((ip & prefixMask(cidr.prefix)) >>> 0) === networkAddress(cidr);
}

/** True when every address of `inner` is in `outer`. */
export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.addr);
}

/** Docker's netutils.NetworkOverlaps: one network contains the other's address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, networkAddress(b)) || cidrContains(b, networkAddress(a));
}

export function cidrEquals(a: Cidr, b: Cidr): boolean {
  return a.prefix === b.prefix && networkAddress(a) === networkAddress(b);
}

/** The n-th address of the network (0 = network address); throws when n is outside it. */
export function nthAddress(cidr: Cidr, n: number): Ipv4 {
  if (!Number.isInteger(n) || n < 0 || n >= cidrSize(cidr)) {
    throw invalid(`address index ${n} is outside ${formatNetwork(cidr)}`);
  }
  return (networkAddress(cidr) + n) >>> 0;
}

/** The offset of an address in the network (its host part), or -1 when outside. */
export function addressIndex(cidr: Cidr, ip: Ipv4): number {
  return cidrContains(cidr, ip) ? (ip - networkAddress(cidr)) : -1;
}

/** Orders CIDRs by network address, then by prefix (shorter first). */
export function compareCidr(a: Cidr, b: Cidr): number {
  return networkAddress(a) - networkAddress(b) || a.prefix - b.prefix;
}

/**
 * Go's IP.IsGlobalUnicast for an IPv4 value: not 0.0.0.0, not loopback, not
 * multicast, not link-local unicast (169.254/16), not 255.255.255.255.
 */
export function isGlobalUnicast(ip: Ipv4): boolean {
  const v = ip >>> 0;
  if (v === 0 || v === 0xffffffff) return false;
  const a = v >>> 24;
  const b = (v >>> 16) & 0xff;
  if (a === 127) return false;
  if (a >= 224 && a <= 239) return false;
  if (a === 169 && b === 254) return false;
  return true;
}
