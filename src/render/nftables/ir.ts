// berth's nftables ruleset as plain data: one table of named sets, maps and
// chains. Elements and rules are kept as nft source text, so the printer only
// lays them out (print.ts); what they say is decided by the layout (layout.ts).

/** A named set (`data` null) or map (`data`: the type of the values) with its elements. */
export interface NftSet {
  readonly name: string;
  /** The key type, e.g. `ifname . ipv4_addr`. */
  readonly key: string;
  readonly data: string | null;
  /** Elements may be prefixes (`flags interval`). */
  readonly interval: boolean;
  readonly elements: readonly string[];
}

/** The keyword nft names the object by: `set`, or `map` for one with values. */
export function setKind(s: NftSet): 'set' | 'map' {
  return s.data === null ? 'set' : 'map';
}

/** Where a base chain hangs in the packet path. */
export interface NftHook {
  readonly type: 'filter' | 'nat';
  readonly hook: 'prerouting' | 'output' | 'forward' | 'postrouting';
  readonly priority: string;
  /** null: left as the kernel has it (accept when the chain is created). */
  readonly policy?: 'accept' | 'drop' | null;
}

export interface NftChain {
  readonly name: string;
  /** null: a regular chain, entered only by jumps. */
  readonly hook: NftHook | null;
  readonly rules: readonly string[];
}

export interface NftTable {
  readonly family: 'ip';
  readonly name: string;
  readonly sets: readonly NftSet[];
  /** Owned whole: flushed and rewritten on every apply. */
  readonly chains: readonly NftChain[];
  /** The user's chains (DOCKER-USER's counterpart): created when missing, never flushed. */
  readonly userChains: readonly string[];
}
