// Reading what `nft list table` prints of berth's table: its objects' blocks,
// the chains of networks and containers and the sets it holds, the forward chain's policy.
import { FORWARD_CHAIN, RETIRED_SETS, isDynamicChain } from '../render/nftables/names.js';
import type { NftSet } from '../render/nftables/ir.js';

/** Blocks by object name ("set bridges", "chain forward"), as the kernel lists them. */
export type Blocks = ReadonlyMap<string, string>;

/** The blocks of the objects named in `keys`, their elements sorted (a hash set may list them in another order after a resize). */
export function ownedBlocks(listing: string, keys: ReadonlySet<string>): Blocks {
  const blocks = new Map<string, string>();
  let current: { key: string; lines: string[] } | null = null;
  for (const line of listing.split('\n')) {
    const start = /^\t(set|map|chain) (\S+) \{$/.exec(line);
    if (start) current = { key: `${start[1]} ${start[2]}`, lines: [] };
    current?.lines.push(line);
    if (current && line === '\t}') {
      if (keys.has(current.key)) blocks.set(current.key, sortElements(current.lines.join('\n')));
      current = null;
    }
  }
  return blocks;
}

function sortElements(block: string): string {
  return block.replace(/elements = \{([^}]*)\}/, (_all, items: string) => {
    const sorted = items.split(',').map((e) => e.trim()).filter(Boolean).sort();
    return `elements = { ${sorted.join(', ')} }`;
  });
}

/** The sets and maps of older berth layouts (RETIRED_SETS) the listing declares, without their elements. */
export function retiredSetsIn(listing: string | null): NftSet[] {
  const found: NftSet[] = [];
  for (const m of (listing ?? '').matchAll(/^\t(set|map) (\S+) \{\n\t\ttype ([^\n]+)\n(\t\tflags ([^\n]+)\n)?/gm)) {
    if (!RETIRED_SETS.includes(m[2] as string)) continue;
    const [key, data] = (m[3] as string).split(' : ');
    const interval = (m[5] ?? '').split(/,\s*/).includes('interval');
    found.push({ name: m[2] as string, key: key as string, data: m[1] === 'map' ? (data ?? '') : null, interval, elements: [] });
  }
  return found;
}

export function dynamicChainsIn(listing: string | null): string[] {
  return [...(listing ?? '').matchAll(/^\tchain (\S+) \{$/gm)].map((m) => m[1] as string).filter(isDynamicChain);
}

export function hasForwardDrop(listing: string | null): boolean {
  return listing !== null && new RegExp(`^\\tchain ${FORWARD_CHAIN} \\{\\n[^\\n]*policy drop;`, 'm').test(listing);
}
