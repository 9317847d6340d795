// Reading what `nft list table` prints of berth's table: its objects' blocks,
// the chains of networks it holds, the forward chain's policy.
import { FORWARD_CHAIN, isNetworkChain } from '../render/nftables/names.js';

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

export function networkChainsIn(listing: string | null): string[] {
  return [...(listing ?? '').matchAll(/^\tchain (\S+) \{$/gm)].map((m) => m[1] as string).filter(isNetworkChain);
}

export function hasForwardDrop(listing: string | null): boolean {
  return listing !== null && new RegExp(`^\\tchain ${FORWARD_CHAIN} \\{\\n[^\\n]*policy drop;`, 'm').test(listing);
}
