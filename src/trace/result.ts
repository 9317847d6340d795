// A trace as plain data: what `berth trace --json` prints and the tests compare.
import type { TableName } from '../render/ir.js';
import type { PacketView } from './packet.js';

export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** ACCEPT: the packet reached its receiver. UNREACHABLE: no route or no neighbour (the sender gets an error). */
export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT' | 'UNREACHABLE';

export type Step =
  /** Entering a hook, with the interfaces -i/-o see there (null: none). */
  | { readonly kind: 'hook'; readonly hook: Hook; readonly in: string | null; readonly out: string | null }
  | {
      readonly kind: 'rule';
      readonly hook: Hook;
      readonly table: TableName;
      readonly chain: string;
      /** 1-based position in the chain, as `iptables -L --line-numbers` counts. */
      readonly index: number;
      readonly rule: string;
      readonly result: 'matched' | 'not-matched' | 'unknown';
      /** What the rule did (matched) or would do (unknown): `jump DOCKER`, `DNAT ...`, `ACCEPT`. */
      readonly action: string | null;
      /** For unknown: which parts berth cannot evaluate, and what it assumed. */
      readonly reasons: readonly string[];
    }
  | { readonly kind: 'policy'; readonly hook: Hook; readonly table: TableName; readonly chain: string; readonly policy: string }
  /** The end of a user chain: back to the rule after the jump in `to`. */
  | { readonly kind: 'return'; readonly hook: Hook; readonly table: TableName; readonly chain: string; readonly to: string }
  /** Conntrack at work: the reverse NAT of a reply, nat rules skipped for a known connection. */
  | { readonly kind: 'conntrack'; readonly hook: Hook; readonly text: string }
  /** A routing decision or a move between namespaces. */
  | { readonly kind: 'route'; readonly text: string }
  | { readonly kind: 'note'; readonly text: string };

export interface NatRewrite {
  readonly hook: Hook;
  readonly target: string;
  readonly field: 'source' | 'destination';
  readonly from: string;
  readonly to: string;
}

export type Delivery =
  | { readonly kind: 'host' }
  | { readonly kind: 'sandbox'; readonly name: string }
  | { readonly kind: 'outside'; readonly iface: string; readonly nextHop: string };

export interface LegResult {
  readonly direction: 'original' | 'reply';
  /** The connection-tracking state the packet has (NEW for the first packet, ESTABLISHED for the answer). */
  readonly conntrack: string;
  /** The packet as its sender sent it. */
  readonly sent: PacketView;
  readonly steps: readonly Step[];
  readonly nat: readonly NatRewrite[];
  readonly verdict: Verdict;
  readonly deliveredTo: Delivery | null;
  /** The packet as its receiver sees it (null when it does not arrive). */
  readonly received: PacketView | null;
  readonly certain: boolean;
}

export interface TraceResult {
  readonly from: string;
  readonly to: string;
  /** The connection's verdict: ACCEPT when the first packet arrives and its answer gets back. */
  readonly verdict: Verdict;
  readonly certain: boolean;
  readonly deliveredTo: Delivery | null;
  /** Source and destination as the far end sees them, after every NAT. */
  readonly farEnd: PacketView | null;
  readonly original: LegResult;
  readonly reply: LegResult | null;
  /** Why the result may be incomplete, and other things worth knowing. */
  readonly notes: readonly string[];
}

export function deliveryText(d: Delivery): string {
  switch (d.kind) {
    case 'host':
      return 'the host';
    case 'sandbox':
      return `sandbox ${d.name}`;
    case 'outside':
      return `the next hop ${d.nextHop} on ${d.iface}`;
  }
}
