// Renders the access rules to iptables rule specs, exactly as iptables-save prints
// them (canonical text, see render/ir.ts). Pure.
//
// Layout (filter table):
//
//   DOCKER-USER, at the top, one berth-marked jump per bridge (oldest network first):
//     ! -i BR -o BR -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound BR" -j BERTH-FIREWALL
//   BERTH-FIREWALL, berth's own chain:
//     1. deny rules, oldest first             ... -j DROP
//     2. allow rules, oldest first            ... -j RETURN
//     3. one default-deny per allow-list scope ... -j DROP
//
// Why this shape:
// - Only new connections from outside a bridge into it reach the chain. Replies
//   and related packets are not NEW; the containers' own connections leave with
//   `-i BR`; traffic between containers on one bridge is `-i BR -o BR`. None of
//   them can be dropped (the naive `-i docker0 ! -s X -j DROP` drops all three).
//   Published ports and clients routing to container addresses both match, as
//   both arrive on another interface and leave on the bridge.
// - A port is matched on the connection's original destination port
//   (`-m conntrack --ctorigdstport`): DOCKER-USER runs in FORWARD, after the nat
//   PREROUTING DNAT, where `--dport` would already see the container's port.
//   For a client that routes to a container directly, the original port is the
//   container's own port.
// - Allowed connections RETURN from berth's chain into DOCKER-USER, so the
//   hand-written rules below berth's jumps still apply to them (a RETURN in
//   DOCKER-USER itself would skip them), then Docker's own rules decide as usual:
//   an allow rule never opens what Docker would not forward.
import { ruleLine } from '../render/iptables/save-print.js';
import { canonicalRule } from '../render/iptables/tokenize.js';
import { DOCKER_USER } from '../render/iptables/chains.js';
import { formatPort, scopeCovers, type AccessRule, type Scope, type Source } from './model.js';
import { markMatch } from './marks.js';

export const ACCESS_CHAIN = 'BERTH-FIREWALL';

/** What berth's firewall helpers want in the filter table. Both empty when there are no rules. */
export interface AccessLayout {
  /** Berth-marked rules at the top of DOCKER-USER, in order. */
  readonly jumps: readonly string[];
  /** The whole of BERTH-FIREWALL, in order. */
  readonly chain: readonly string[];
}

export const NO_ACCESS_RULES: AccessLayout = { jumps: [], chain: [] };

export function renderAccess(rules: readonly AccessRule[], bridges: readonly string[]): AccessLayout {
  if (rules.length === 0) return NO_ACCESS_RULES;
  const chain = [
    ...rules.filter((r) => r.action === 'deny').map(accessRuleSpec),
    ...rules.filter((r) => r.action === 'allow').map(accessRuleSpec),
    ...defaultDenyScopes(rules).map(defaultDenySpec),
  ];
  return { jumps: bridges.map(jumpSpec), chain };
}

/** The rule of BERTH-FIREWALL that one access rule becomes. */
export function accessRuleSpec(rule: AccessRule): string {
  return spec(rule.source, rule, `${rule.id} ${rule.action}`, rule.action === 'deny' ? 'DROP' : 'RETURN');
}

/**
 * The scopes that need a final DROP: those of allow rules, first appearance
 * first, leaving out a scope another one already covers (an allow-list for every
 * port makes one for port 8080 redundant).
 */
export function defaultDenyScopes(rules: readonly AccessRule[]): Scope[] {
  const scopes: Scope[] = [];
  for (const r of rules) {
    if (r.action === 'allow' && !scopes.some((s) => scopeCovers(s, r))) scopes.push({ port: r.port, inInterface: r.inInterface });
  }
  return scopes.filter((s) => !scopes.some((other) => other !== s && scopeCovers(other, s)));
}

function defaultDenySpec(scope: Scope): string {
  const label = ['default-deny', scope.port ? `port=${formatPort(scope.port)}` : '', scope.inInterface ? `in=${scope.inInterface}` : '']
    .filter(Boolean)
    .join(' ');
  return spec(null, scope, label, 'DROP');
}

function jumpSpec(bridge: string): string {
  return canonicalRule(`! -i ${bridge} -o ${bridge} -m conntrack --ctstate NEW ${markMatch(`inbound ${bridge}`)} -j ${ACCESS_CHAIN}`);
}

/** Options in the order iptables-save prints them: -s, -i, -p, then matches, then the target. */
function spec(source: Source | null, scope: Scope, label: string, target: 'DROP' | 'RETURN'): string {
  const parts: string[] = [];
  if (source?.kind === 'ip') parts.push(`-s ${source.ip}/32`);
  if (source?.kind === 'cidr') parts.push(`-s ${source.cidr}`);
  if (scope.inInterface) parts.push(`-i ${scope.inInterface}`);
  if (scope.port) parts.push(`-p ${scope.port.proto}`);
  if (source?.kind === 'range') parts.push(`-m iprange --src-range ${source.from}-${source.to}`);
  if (scope.port) parts.push(`-m conntrack --ctorigdstport ${scope.port.port}`);
  parts.push(markMatch(label), `-j ${target}`);
  return canonicalRule(parts.join(' '));
}

/** The layout as iptables-save lines (`-A CHAIN spec`), DOCKER-USER's first. */
export function layoutLines(layout: AccessLayout): string[] {
  return [...layout.jumps.map((r) => ruleLine('-A', DOCKER_USER, r)), ...layout.chain.map((r) => ruleLine('-A', ACCESS_CHAIN, r))];
}
