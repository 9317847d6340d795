// The user's access rules for new inbound connections to the containers, as plain
// data, and the parsers that turn what users type (CLI flags, API fields) into it.
// Pure: no I/O.
//
// A rule says who (a source address, CIDR or range) may or may not open new
// connections to the containers, optionally only to one published port and only
// for connections arriving on one interface:
// - deny: such connections are dropped;
// - allow: such connections are let through, and the rule's scope (its port and
//   interface, or "everything" without them) becomes an allow-list: new
//   connections in that scope that no allow rule matches are dropped.
// Deny rules win over allow rules.
import type { Proto } from '../engine/types.js';
import { invalid } from '../model/errors.js';
import { formatIpv4, formatNetwork, parseIpv4, tryParseCidr, tryParseIpv4, networkAddress } from '../model/ipv4.js';

export type Action = 'allow' | 'deny';

export type Source =
  | { readonly kind: 'ip'; readonly ip: string }
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'range'; readonly from: string; readonly to: string };

/** The port a client connects to: a published host port (or a container's port reached directly). */
export interface PortMatch {
  readonly port: number;
  readonly proto: Proto;
}

/** What a rule applies to besides its source: null port = every port, null interface = any. */
export interface Scope {
  readonly port: PortMatch | null;
  readonly inInterface: string | null;
}

/** What the user asks for. */
export interface AccessRuleSpec extends Scope {
  readonly action: Action;
  readonly source: Source;
}

/** A stored rule. */
export interface AccessRule extends AccessRuleSpec {
  readonly id: string; // 12 hex digits
  readonly created: string; // RFC 3339
}

export function parseAction(text: string): Action {
  if (text === 'allow' || text === 'deny') return text;
  throw invalid(`invalid action "${text}": expected allow or deny`);
}

/**
 * `10.200.0.2`, `10.200.0.0/24` (a network address: host bits are refused, they
 * are usually a typo) or `10.200.0.2-10.200.0.9` (first <= last).
 */
export function parseSource(text: string): Source {
  const t = text.trim();
  if (t.includes('-')) {
    const [from = '', to = '', ...extra] = t.split('-');
    const a = tryParseIpv4(from);
    const b = tryParseIpv4(to);
    if (extra.length > 0 || a === null || b === null) throw invalid(`invalid source range "${text}": expected FIRST-LAST, such as 10.200.0.2-10.200.0.9`);
    if (a > b) throw invalid(`invalid source range "${text}": ${from} comes after ${to}`);
    return { kind: 'range', from: formatIpv4(a), to: formatIpv4(b) };
  }
  if (t.includes('/')) {
    const cidr = tryParseCidr(t);
    if (cidr === null) throw invalid(`invalid source "${text}": expected an address, a CIDR such as 10.200.0.0/24 or a range`);
    if (networkAddress(cidr) !== cidr.addr) {
      throw invalid(`invalid source "${text}": ${text} is not a network address; did you mean ${formatNetwork(cidr)}?`);
    }
    return { kind: 'cidr', cidr: formatNetwork(cidr) };
  }
  if (tryParseIpv4(t) === null) throw invalid(`invalid source "${text}": expected an address, a CIDR such as 10.200.0.0/24 or a range`);
  return { kind: 'ip', ip: formatIpv4(parseIpv4(t)) };
}

export function formatSource(s: Source): string {
  if (s.kind === 'ip') return s.ip;
  if (s.kind === 'cidr') return s.cidr;
  return `${s.from}-${s.to}`;
}

/** `8080`, `8080/tcp`, `53/udp`, `80/sctp` (tcp when no protocol is given). */
export function parsePort(text: string): PortMatch {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(text.trim().toLowerCase());
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) throw invalid(`invalid port "${text}": expected PORT[/tcp|udp|sctp] with PORT 1-65535`);
  return { port, proto: (m[2] ?? 'tcp') as Proto };
}

export function formatPort(p: PortMatch): string {
  return `${p.port}/${p.proto}`;
}

/** An interface name as iptables takes it for -i: 1-15 characters, a trailing '+' matches a prefix. */
export function parseInterface(text: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(text.replace(/\+$/, '')) || text.length > 15) {
    throw invalid(`invalid interface "${text}": expected a name of 1-15 letters, digits, '_', '.' or '-', optionally ending in '+'`);
  }
  return text;
}

/** True when `outer` restricts at least every connection `inner` restricts. */
export function scopeCovers(outer: Scope, inner: Scope): boolean {
  const port = outer.port === null || (inner.port !== null && formatPort(outer.port) === formatPort(inner.port));
  const iface = outer.inInterface === null || outer.inInterface === inner.inInterface;
  return port && iface;
}

export function sameScope(a: Scope, b: Scope): boolean {
  return scopeCovers(a, b) && scopeCovers(b, a);
}

/** Two specs that would render the same rule. */
export function sameSpec(a: AccessRuleSpec, b: AccessRuleSpec): boolean {
  return a.action === b.action && formatSource(a.source) === formatSource(b.source) && sameScope(a, b);
}
