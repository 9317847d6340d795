// Edits one chain berth shares with others (FORWARD, POSTROUTING, ...): berth's
// rules must end up in the desired order, foreign rules stay where they are.
//
// Kernel rules whose text is in `desired` or `previous` are berth's. Of each
// desired text only the last copy can be kept, because `-D CHAIN spec` deletes
// the first match; the copies kept are the longest run already in desired
// order, everything else of berth's is deleted, then each missing rule is
// inserted right after its predecessor in `desired` (or first in the chain).
import { invalid } from '../../model/errors.js';

export interface SharedChainEdits {
  /** Specs to delete with `-D CHAIN spec`, in this order (each removes the first match). */
  readonly deletes: readonly string[];
  /** `-I CHAIN position spec`, in this order, positions counted after the deletes and earlier inserts. */
  readonly inserts: readonly { readonly position: number; readonly rule: string }[];
  /** The chain once the edits are applied. */
  readonly result: readonly string[];
}

export function planSharedChain(
  chain: string,
  kernel: readonly string[],
  desired: readonly string[],
  previous: readonly string[],
): SharedChainEdits {
  const order = new Map<string, number>();
  desired.forEach((rule, i) => {
    if (order.has(rule)) throw invalid(`rule listed twice for chain ${chain}: ${rule}`);
    order.set(rule, i);
  });
  const owned = new Set([...desired, ...previous]);

  const lastCopy = new Map<string, number>();
  kernel.forEach((rule, i) => {
    if (owned.has(rule)) lastCopy.set(rule, i);
  });
  const candidates = kernel.flatMap((rule, i) => (order.has(rule) && lastCopy.get(rule) === i ? [rule] : []));
  const kept = new Set(longestInOrder(candidates.map((rule) => order.get(rule) as number)).map((k) => candidates[k] as string));

  // Deleting in kernel order: each -D takes the first copy left, the one meant.
  const deletes: string[] = [];
  const left = kernel.filter((rule, i) => {
    const stays = !owned.has(rule) || (kept.has(rule) && lastCopy.get(rule) === i);
    if (!stays) deletes.push(rule);
    return stays;
  });

  // Each missing rule goes right after its predecessor in `desired`, so the ones
  // missing before the first kept rule start the chain, and those after a kept rule
  // follow it; inserted in desired order, each one's position is its final one.
  const result: string[] = [];
  const inserts: { position: number; rule: string }[] = [];
  const insertFrom = (from: number): void => {
    for (let i = from; i < desired.length && !kept.has(desired[i] as string); i++) {
      result.push(desired[i] as string);
      inserts.push({ position: result.length, rule: desired[i] as string });
    }
  };
  insertFrom(0);
  for (const rule of left) {
    result.push(rule);
    if (kept.has(rule)) insertFrom((order.get(rule) as number) + 1);
  }
  return { deletes, inserts, result };
}

/** Positions in `values` of a longest strictly increasing subsequence. */
function longestInOrder(values: readonly number[]): number[] {
  const tails: number[] = []; // tails[k]: position ending the best run of length k + 1
  const before: number[] = []; // before[i]: position preceding i in its run, or -1
  values.forEach((v, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((values[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    before[i] = lo > 0 ? (tails[lo - 1] as number) : -1;
    tails[lo] = i;
  });
  const run: number[] = [];
  for (let i = tails.at(-1) ?? -1; i >= 0; i = before[i] as number) run.unshift(i);
  return run;
}
