// Edits one chain berth owns whole (DOCKER, DOCKER-ISOLATION-STAGE-1, ...) in
// place, rather than emptying and refilling it. On nf_tables every transaction
// that removes something (a rule, or a flush) waits for an RCU grace period
// (about 16 ms on the 2-core machines here), while adding is cheap: so a change
// that only adds rules (a network created, a port published) must not flush,
// and a change's cost must follow what changed, not the chain's length.
//
// The rules kept are a longest common subsequence of the kernel's and the
// desired list; the others are deleted by number from the bottom up (so the
// numbers above stay valid, and duplicate rules are told apart), then the
// missing ones are inserted at their place, or appended at the end.
import { lcsPairs } from './lcs.js';
import { ruleLine } from './save-print.js';

/**
 * The `iptables-restore` lines that turn `kernel` into `desired`, or null when
 * emptying and refilling the chain takes fewer lines (most of it goes).
 */
export function planOwnedChain(chain: string, kernel: readonly string[], desired: readonly string[]): string[] | null {
  const pairs = lcsPairs(kernel, desired);
  const kept = pairs.length;
  if (kept === 0 || kernel.length - kept > kept) return null;
  const keptKernel = new Set(pairs.map(([i]) => i));
  const keptDesired = new Set(pairs.map(([, j]) => j));

  const lines: string[] = [];
  for (let i = kernel.length - 1; i >= 0; i--) if (!keptKernel.has(i)) lines.push(`-D ${chain} ${i + 1}`);
  let length = kept;
  desired.forEach((rule, j) => {
    if (keptDesired.has(j)) return;
    // Rules before j in desired are all in place by now: j is its position.
    lines.push(j === length ? ruleLine('-A', chain, rule) : ruleLine('-I', `${chain} ${j + 1}`, rule));
    length++;
  });
  return lines;
}
