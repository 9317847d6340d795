// How berth marks the rules its firewall helpers write, and recognises them
// among hand-written ones: an iptables comment starting with "berth-firewall:".
import { tokenize } from '../render/iptables/tokenize.js';

export const MARK_PREFIX = 'berth-firewall:';

/** The `-m comment` match that marks a rule as berth's, with a label after the prefix. */
export function markMatch(label: string): string {
  return `-m comment --comment "${MARK_PREFIX}${label}"`;
}

/** True when a rule spec carries berth's mark (in any -m comment match). */
export function isBerthMarked(spec: string): boolean {
  const tokens = tokenize(spec);
  return tokens.some((t, i) => t === '--comment' && (tokens[i + 1] ?? '').startsWith(MARK_PREFIX));
}
