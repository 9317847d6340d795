// Which of berth's objects an apply has to write. Pure. An object is named as
// `nft list` names its block ("set bridges", "map published-any", "chain forward").
import { setKind, type NftChain, type NftSet, type NftTable } from './ir.js';

const setKey = (s: NftSet): string => `${setKind(s)} ${s.name}`;
const chainKey = (c: NftChain): string => `chain ${c.name}`;

/** The names of the sets, maps and chains berth owns in `t` (not the user chains). */
export function objectKeys(t: NftTable): string[] {
  return [...t.sets.map(setKey), ...t.chains.map(chainKey)];
}

/**
 * `after` without the sets and chains that `before` had exactly so, nor the user
 * chains (those only need declaring when the table may be gone).
 */
export function changedPart(before: NftTable, after: NftTable): NftTable {
  const same = new Set([...before.sets, ...before.chains].map((x) => JSON.stringify(x)));
  const changed = <T>(xs: readonly T[]): T[] => xs.filter((x) => !same.has(JSON.stringify(x)));
  return { ...after, sets: changed(after.sets), chains: changed(after.chains), userChains: [] };
}
