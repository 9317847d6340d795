// Plans the one `iptables-restore --noflush` input that brings the kernel's filter
// table to an access layout, touching only berth-marked rules of DOCKER-USER and
// berth's own chain. Hand-written rules of DOCKER-USER keep their text and order.
// An empty string means nothing to do. Pure.
//
// Berth's jumps are always the first rules of DOCKER-USER, in the layout's order:
// wherever they drifted (a rule inserted above them, a copy appended below the
// final RETURN, a stale bridge), every berth-marked rule is deleted and the jumps
// are inserted at the top again, in the same atomic transaction.
import { unavailable } from '../model/errors.js';
import type { Ruleset } from '../render/ir.js';
import { DOCKER_USER } from '../render/iptables/chains.js';
import { ruleTarget } from '../render/iptables/jump.js';
import { ruleLine } from '../render/iptables/save-print.js';
import { canonicalRule, tokenize } from '../render/iptables/tokenize.js';
import { isBerthMarked } from './marks.js';
import { ACCESS_CHAIN, type AccessLayout } from './render.js';

export function planAccess(current: Ruleset, want: AccessLayout): string {
  const chains = new Map((current.tables.find((t) => t.name === 'filter')?.chains ?? []).map((c) => [c.name, c.rules.map(canonicalRule)]));
  const user = chains.get(DOCKER_USER);
  if (user === undefined) {
    if (want.chain.length === 0) return ''; // no rules wanted, and no jumps can exist
    throw unavailable(`the ${DOCKER_USER} chain does not exist; berthd creates it again when it repairs its rules, try again`);
  }
  const lines: string[] = [];
  const existing = chains.get(ACCESS_CHAIN);
  const rewrite = want.chain.length > 0 && !same(existing, want.chain);
  if (rewrite) lines.push(`:${ACCESS_CHAIN} - [0:0]`); // with --noflush: creates the chain, or empties it

  const userAfter = [...want.jumps, ...user.filter((rule) => !isBerthMarked(rule))];
  if (!same(user, userAfter)) {
    // -D deletes the first match: one per berth-marked rule removes every copy.
    lines.push(...user.filter(isBerthMarked).map((rule) => ruleLine('-D', DOCKER_USER, rule)));
    lines.push(...want.jumps.map((rule, i) => ruleLine('-I', `${DOCKER_USER} ${i + 1}`, rule)));
  }
  if (rewrite) lines.push(...want.chain.map((rule) => ruleLine('-A', ACCESS_CHAIN, rule)));

  if (want.chain.length === 0 && existing !== undefined) {
    if (existing.length > 0) lines.push(`-F ${ACCESS_CHAIN}`);
    chains.set(DOCKER_USER, userAfter);
    // A chain something else still jumps to stays, emptied: deleting it would fail the whole restore.
    if (!jumpedTo(chains, ACCESS_CHAIN)) lines.push(`-X ${ACCESS_CHAIN}`);
  }
  return lines.length === 0 ? '' : ['*filter', ...lines, 'COMMIT', ''].join('\n');
}

function same(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((rule, i) => rule === b[i]);
}

function jumpedTo(chains: ReadonlyMap<string, readonly string[]>, name: string): boolean {
  for (const [chain, rules] of chains) {
    if (chain !== name && rules.some((rule) => ruleTarget(tokenize(rule))?.target === name)) return true;
  }
  return false;
}
