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

  const result = [...kernel];
  const deletes: string[] = [];
  kernel.forEach((rule, i) => {
    if (!owned.has(rule) || (kept.has(rule) && lastCopy.get(rule) === i)) return;
    deletes.push(rule);
    result.splice(result.indexOf(rule), 1);
  });

  const inserts: { position: number; rule: string }[] = [];
  desired.forEach((rule, i) => {
    if (kept.has(rule)) return;
    const at = i === 0 ? 0 : result.indexOf(desired[i - 1] as string) + 1;
    result.splice(at, 0, rule);
    inserts.push({ position: at + 1, rule });
  });
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
