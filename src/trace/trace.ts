// berth trace's pure core: a connection's first packet from its sender to its
// receiver, then the answer back with conntrack's state and reverse NAT. The
// connection works when both arrive and the answer reaches the client as the
// very address it wrote to.
import { formatIpv4 } from '../model/ipv4.js';
import { firstPacket, replyTo, type Packet, type Proto } from './packet.js';
import { traceLeg, type LegOutcome, type Origin } from './leg.js';
import { compileRuleset } from './ruleset.js';
import type { Delivery, TraceResult, Verdict } from './result.js';
import type { LegState, NatPoint } from './state.js';
import type { World } from './world.js';

export interface TraceRequest {
  readonly from: Origin;
  /** How the user named both ends, for the result. */
  readonly fromText: string;
  readonly toText: string;
  readonly proto: Proto;
  /** Fixed for a packet from outside; null: the sender's routing picks it. */
  readonly src: number | null;
  readonly dst: number;
  /** null: not given (a client's ephemeral port), matches on it answer unknown. */
  readonly sport: number | null;
  readonly dport: number | null;
}

/** Where the answer starts: the receiver of the first packet. */
function originOf(d: Delivery): Origin {
  if (d.kind === 'outside') return { kind: 'outside', iface: d.iface };
  return d;
}

/** Does the answer land where the connection started, addressed as the client sent to it? */
function returnsToClient(req: TraceRequest, original: LegOutcome, reply: LegOutcome): boolean {
  const d = reply.result.deliveredTo;
  const back = reply.received;
  if (d === null || back === null) return false;
  const expected = replyTo(original.sent);
  if (back.src !== expected.src || back.dst !== expected.dst || back.sport !== expected.sport || back.dport !== expected.dport) return false;
  switch (req.from.kind) {
    case 'sandbox':
      return d.kind === 'sandbox' && d.name === req.from.name;
    case 'host':
      return d.kind === 'host';
    case 'outside':
      return d.kind === 'outside' && d.iface === req.from.iface && d.nextHop === formatIpv4(original.sent.src);
  }
}

/** What conntrack undoes on the answer: the original source (after SNAT) and destination (after DNAT). */
function reverseNat(sent: Packet, received: Packet): LegState['reverse'] {
  const point = (address: number, port: number | null): NatPoint => ({ address, port });
  return {
    dst: sent.src !== received.src || sent.sport !== received.sport ? point(sent.src, sent.sport) : null,
    src: sent.dst !== received.dst || sent.dport !== received.dport ? point(sent.dst, sent.dport) : null,
  };
}

export function traceConnection(world: World, req: TraceRequest): TraceResult {
  const rs = compileRuleset(world.host.ruleset);
  const notes = [...world.host.caveats];
  const original = traceLeg(world, rs, {
    origin: req.from,
    packet: firstPacket(req.proto, req.src ?? 0, req.dst, req.sport, req.dport),
    chooseSource: req.src === null,
    direction: 'original',
  });
  let reply: LegOutcome | null = null;
  let verdict: Verdict = original.result.verdict;
  let certain = original.result.certain && world.host.caveats.length === 0;
  const delivered = original.result.deliveredTo;
  if (verdict === 'ACCEPT' && delivered !== null && original.received !== null) {
    reply = traceLeg(world, rs, {
      origin: originOf(delivered),
      packet: replyTo(original.received),
      chooseSource: false,
      direction: 'reply',
      reverse: reverseNat(original.sent, original.received),
    });
    certain &&= reply.result.certain;
    verdict = reply.result.verdict;
    if (verdict === 'ACCEPT' && !returnsToClient(req, original, reply)) {
      verdict = 'DROP';
      certain = false;
      notes.push('the answer does not come back to the client as the address it wrote to: the client would not take it');
    }
  }
  return {
    from: req.fromText,
    to: req.toText,
    verdict,
    certain,
    deliveredTo: delivered,
    farEnd: original.result.received,
    original: original.result,
    reply: reply?.result ?? null,
    notes,
  };
}
