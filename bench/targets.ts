// What berth aims for, as the report judges it: pure data and arithmetic.
// Throughput: publishing and removing 1000 ports within 2x the floor of the
// backend (one iptables-restore, one nft -f of the final ruleset). Latency: a
// sandbox with one published port attached in 20 ms or less, a network created
// or removed in 10 ms or less (medians of the single operations).
import type { OpKind } from './results.js';
import { BERTH_VARIANTS, type BerthName } from './systems/system.js';

export const FLOOR_TARGET = { ports: 1000, factor: 2 } as const;

export interface OpTarget {
  /** What one operation is, in the report's words. */
  readonly what: string;
  /** The median to stay within, in milliseconds; null when there is none. */
  readonly medianMs: number | null;
}

export const OP_TARGETS: Readonly<Record<OpKind, OpTarget>> = {
  attach: { what: 'attach one sandbox with one published port (create + start)', medianMs: 20 },
  detach: { what: 'remove one sandbox with one published port', medianMs: null },
  'network-create': { what: 'create one network', medianMs: 10 },
  'network-rm': { what: 'remove one network', medianMs: 10 },
};

export type FloorKind = 'iptables' | 'nft';

/** The floor a berth system is held to: the one of its firewall backend. */
export function floorKind(name: BerthName): FloorKind {
  return BERTH_VARIANTS[name].backend === 'nftables' ? 'nft' : 'iptables';
}

/** Whether a figure is within its bound; null when either is unknown. */
export function within(value: number | null, bound: number | null): boolean | null {
  return value === null || bound === null ? null : value <= bound;
}
