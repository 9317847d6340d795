// Kernel-facing names of berth's nftables layout: its one table, the chains at
// each hook (with their priorities), and the sets and maps the rules look up.
import type { NftHook } from './ir.js';

export const FAMILY = 'ip';
export const TABLE = 'berth';

/** The user's policy chain, jumped to first in forward, as DOCKER-USER is in FORWARD. */
export const USER_CHAIN = 'berth-user';
/** The filter chain at the forward hook (its policy is dockerd's FORWARD policy). */
export const FORWARD_CHAIN = 'forward';
/** DNAT of published ports, entered from prerouting and output for local destinations. */
export const PUBLISHED_CHAIN = 'published';

export const HOOKS = {
  forward: { type: 'filter', hook: 'forward', priority: 'filter' },
  prerouting: { type: 'nat', hook: 'prerouting', priority: 'dstnat' },
  // nft accepts the dstnat keyword at prerouting only; -100 is its value.
  output: { type: 'nat', hook: 'output', priority: '-100' },
  postrouting: { type: 'nat', hook: 'postrouting', priority: 'srcnat' },
} as const satisfies Record<string, NftHook>;

export const SETS = {
  /** Bridges of non-internal networks. */
  bridges: 'bridges',
  /** bridge . bridge : verdict for traffic that stays on one bridge (icc), every bridge. */
  bridgeIcc: 'bridge-icc',
  /** bridge : jump to the internal network's chain, which keeps its traffic inside its subnet. */
  internalNets: 'internal-nets',
  /** Bridges of networks with ip masquerade (non-internal). */
  masqBridges: 'masq-bridges',
  /** subnet : jump to the network's chain, which masquerades what leaves by another interface. */
  masqNets: 'masq-nets',
  /** proto . host port : container address . port, for ports published on every address (see publishedSame). */
  publishedAny: 'published-any',
  /** host address . proto . host port : container address . port. */
  publishedAddr: 'published-addr',
  /** bridge . proto . host port: not DNATed when coming from the port's own bridge (userland proxy mode). */
  publishedOwnAny: 'published-own-any',
  publishedOwnAddr: 'published-own-addr',
  /** container address : jump to its chain of published ports (portsChain), which accepts them forwarded in from other interfaces. */
  publishedPorts: 'published-ports',
  /**
   * container address . container address, for each container with published ports:
   * one reaching itself through one of them (a DNATed connection from and to its own
   * address) is masqueraded. dockerd has a rule per port; a DNAT to the container can
   * only come from one of its published ports, so the address pair says as much.
   */
  hairpinSelf: 'hairpin-self',
} as const;

/**
 * host port (intervals) : container address, per protocol, for ports published on
 * every address to the same container port: a DNAT to the address alone keeps
 * the port, so a range of ports is one element. Intervals of one field only:
 * nft 1.0.6's `nft monitor`, which berthd's rule watch runs, crashes on
 * elements of concatenated interval sets.
 */
export const PUBLISHED_PROTOS = ['tcp', 'udp', 'sctp'] as const;
export function publishedSame(proto: (typeof PUBLISHED_PROTOS)[number]): string {
  return `published-same-${proto}`;
}

/** Sets of older berth layouts, deleted when found at a berthd's first apply (the user's own sets are left alone). */
export const RETIRED_SETS: readonly string[] = ['published-self', 'published-dst'];

// Per-network and per-container chains: nftables cannot compare two values of
// one packet (its source's subnet with its output bridge), so a verdict map
// keyed by one of them jumps to a chain that holds the other as a constant; and
// a container's published ports are intervals in its chain's rules. (Sets of
// concatenated intervals would do it in one lookup, but nft 1.0.6's `nft
// monitor`, which berthd's rule watch runs, crashes on their elements.)
const NETWORK_CHAIN_KINDS = ['internal', 'masq'] as const;
const DYNAMIC_CHAIN_KINDS = [...NETWORK_CHAIN_KINDS, 'ports'] as const;
export type NetworkChainKind = (typeof NETWORK_CHAIN_KINDS)[number];

export function networkChain(kind: NetworkChainKind, bridge: string): string {
  return `${kind}-${bridge}`;
}

/** The chain of a container address's published ports. */
export function portsChain(containerIp: string): string {
  return `ports-${containerIp}`;
}

/** Whether a chain is one of those that come and go with networks and containers. */
export function isDynamicChain(name: string): boolean {
  return DYNAMIC_CHAIN_KINDS.some((kind) => name.startsWith(`${kind}-`));
}
