// The match modules berth evaluates, by the name after -m. Anything else answers unknown.
import { addrtype } from './addrtype.js';
import { comment } from './comment.js';
import { conntrack, state } from './conntrack.js';
import { icmp } from './icmp.js';
import { iprange } from './iprange.js';
import { mark } from './mark.js';
import { multiport } from './multiport.js';
import { sctp, tcp, udp } from './ports.js';
import type { MatchModule } from './types.js';

export const MATCH_MODULES: Readonly<Record<string, MatchModule>> = {
  addrtype,
  comment,
  conntrack,
  icmp,
  iprange,
  mark,
  multiport,
  sctp,
  state,
  tcp,
  udp,
};
