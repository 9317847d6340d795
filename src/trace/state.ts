// The mutable record of one packet's way through a namespace: the packet as it is
// now, its mark and conntrack facts, and the steps and rewrites seen so far.
import { formatIpv4 } from '../model/ipv4.js';
import { endpointText, type Packet } from './packet.js';
import type { CtInfo, CtState } from './match/types.js';
import type { NatRewrite, Step } from './result.js';

/** An address and port a reply's NAT is undone to. */
export interface NatPoint {
  readonly address: number;
  readonly port: number | null;
}

export interface LegState {
  packet: Packet;
  mark: number;
  ct: CtState;
  readonly dir: 'ORIGINAL' | 'REPLY';
  /** Whether this connection's destination / source NAT has been decided (nat rules run once per connection). */
  readonly natDone: { dst: boolean; src: boolean };
  /** The connection has had its source / destination rewritten (ctstate SNAT / DNAT). */
  readonly connNat: { snat: boolean; dnat: boolean };
  /** For a reply: where conntrack puts the destination back (un-SNAT) and the source back (un-DNAT). */
  readonly reverse: { readonly dst: NatPoint | null; readonly src: NatPoint | null };
  readonly steps: Step[];
  readonly nat: NatRewrite[];
  certain: boolean;
}

export function newLegState(packet: Packet, dir: 'ORIGINAL' | 'REPLY', reverse: LegState['reverse'] = { dst: null, src: null }): LegState {
  const reply = dir === 'REPLY';
  return {
    packet,
    mark: 0,
    ct: reply ? 'ESTABLISHED' : 'NEW',
    dir,
    natDone: { dst: reply, src: reply },
    connNat: { snat: reverse.dst !== null, dnat: reverse.src !== null },
    reverse,
    steps: [],
    nat: [],
    certain: true,
  };
}

export function ctInfo(st: LegState): CtInfo {
  return { state: st.ct, dir: st.dir, snat: st.connNat.snat, dnat: st.connNat.dnat };
}

function pointText(p: Packet, field: 'source' | 'destination'): string {
  return field === 'source' ? endpointText(p.proto, formatIpv4(p.src), p.sport) : endpointText(p.proto, formatIpv4(p.dst), p.dport);
}

/** Rewrites the packet's source or destination and records it. */
export function rewrite(st: LegState, hook: NatRewrite['hook'], target: string, field: 'source' | 'destination', to: NatPoint): NatRewrite {
  const before = st.packet;
  st.packet = field === 'source' ? { ...before, src: to.address, sport: to.port } : { ...before, dst: to.address, dport: to.port };
  const r: NatRewrite = { hook, target, field, from: pointText(before, field), to: pointText(st.packet, field) };
  st.nat.push(r);
  if (st.dir === 'ORIGINAL' && r.from !== r.to) {
    if (field === 'source') st.connNat.snat = true;
    else st.connNat.dnat = true;
  }
  return r;
}
