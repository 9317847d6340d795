// Port matches: -m tcp / udp / sctp (--sport, --dport, ranges `a:b`, `:b`, `a:`,
// and TCP's --tcp-flags, which is also how iptables-save prints --syn).
import { TCP_FLAGS, type Proto } from '../packet.js';
import { unknown, unsupported, type MatchContext, type MatchModule, type MatchOption, type MatchResult, type Test } from './types.js';

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** `80`, `1000:2000`, `:1023`, `1024:`; null when it is not numeric (a service name). */
export function parsePortRange(text: string): PortRange | null {
  const m = /^(\d*)(?::(\d*))?$/.exec(text);
  if (!m || text === '' || text === ':') return null;
  const from = m[1] === '' ? 0 : Number(m[1]);
  const to = m[2] === undefined ? from : m[2] === '' ? 65535 : Number(m[2]);
  if (from > 65535 || to > 65535) return null;
  return { from: Math.min(from, to), to: Math.max(from, to) };
}

/** Does `port` fall in one of the ranges? Unknown when the packet's port is not known. */
export function portIn(port: number | null, ranges: readonly PortRange[], which: string): MatchResult {
  if (port === null) return unknown(`the ${which} port is not known (give it with --sport)`);
  return ranges.some((r) => port >= r.from && port <= r.to);
}

function portTest(opt: MatchOption, which: 'sport' | 'dport'): Test {
  const range = parsePortRange(opt.values[0] ?? '');
  if (range === null) return unsupported(`port ${opt.values[0] ?? ''}`);
  return (ctx) => portIn(which === 'sport' ? ctx.packet.sport : ctx.packet.dport, [range], which === 'sport' ? 'source' : 'destination');
}

function flagBits(list: string): number | null {
  let bits = 0;
  for (const name of list.split(',')) {
    if (name === 'ALL') bits |= 0xff;
    else if (name === 'NONE') continue;
    else if (Object.hasOwn(TCP_FLAGS, name)) bits |= TCP_FLAGS[name as keyof typeof TCP_FLAGS];
    else return null;
  }
  return bits;
}

function tcpFlagsTest(opt: MatchOption): Test {
  const mask = flagBits(opt.values[0] ?? '');
  const comp = flagBits(opt.values[1] ?? '');
  if (mask === null || comp === null) return unsupported(`--tcp-flags ${opt.values.join(' ')}`);
  return (ctx) => (ctx.packet.tcpFlags & mask) === comp;
}

function portModule(proto: Proto, extra: Readonly<Record<string, number>>, more: (opt: MatchOption) => Test | null): MatchModule {
  return {
    arity: { '--sport': 1, '--source-port': 1, '--dport': 1, '--destination-port': 1, ...extra },
    guard: (ctx: MatchContext) => ctx.packet.proto === proto,
    option(opt) {
      if (opt.flag === '--sport' || opt.flag === '--source-port') return portTest(opt, 'sport');
      if (opt.flag === '--dport' || opt.flag === '--destination-port') return portTest(opt, 'dport');
      return more(opt) ?? unsupported(`-m ${proto} ${opt.flag}`);
    },
  };
}

export const tcp = portModule('tcp', { '--tcp-flags': 2, '--syn': 0, '--tcp-option': 1 }, (opt) => {
  if (opt.flag === '--tcp-flags') return tcpFlagsTest(opt);
  if (opt.flag === '--syn') return tcpFlagsTest({ ...opt, values: ['FIN,SYN,RST,ACK', 'SYN'] });
  return null;
});
export const udp = portModule('udp', {}, () => null);
export const sctp = portModule('sctp', { '--chunk-types': 2 }, () => null);
