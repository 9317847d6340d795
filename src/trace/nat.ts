// What a NAT target does to the packet where it applies: DNAT/REDIRECT rewrite the
// destination (PREROUTING, OUTPUT), SNAT/MASQUERADE the source (POSTROUTING, INPUT).
import type { Packet } from './packet.js';
import type { Hook } from './result.js';
import { rewrite, type LegState } from './state.js';
import type { NatSpec } from './targets.js';

/** Where the NAT happens, and the address MASQUERADE/REDIRECT take there. */
export interface NatPlace {
  readonly hook: Hook;
  readonly natAddress: (target: 'MASQUERADE' | 'REDIRECT') => number | null;
}

function newAddress(spec: NatSpec, env: NatPlace, p: Packet): number | null {
  switch (spec.target) {
    case 'DNAT':
      return spec.address ?? p.dst;
    case 'SNAT':
      return spec.address ?? p.src;
    default:
      return env.natAddress(spec.target);
  }
}

/** Rewrites the packet; `dropped` when the kernel would drop it instead. */
export function applyNat(spec: NatSpec, env: NatPlace, st: LegState): { dropped: boolean; text: string } {
  const p = st.packet;
  const field = spec.target === 'DNAT' || spec.target === 'REDIRECT' ? 'destination' : 'source';
  const address = newAddress(spec, env, p);
  if (address === null) {
    // The kernel drops what it cannot masquerade or redirect (no address on the interface).
    return { dropped: true, text: `${spec.target}: the interface has no IPv4 address, the kernel drops the packet` };
  }
  const oldPort = field === 'source' ? p.sport : p.dport;
  // A random source port is unknown from here on: later port matches answer "unknown".
  const port = p.proto === 'icmp' ? null : (spec.port ?? (field === 'source' && spec.randomPort ? null : oldPort));
  if (spec.ranged) st.certain = false;
  const r = rewrite(st, env.hook, spec.target, field, { address, port });
  const ranged = spec.ranged ? ' (from a range: the kernel picks one, berth shows the first)' : '';
  return { dropped: false, text: `${spec.target} ${field} ${r.from} -> ${r.to}${ranged}` };
}
