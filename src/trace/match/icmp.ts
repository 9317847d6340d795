// -m icmp --icmp-type TYPE[/CODE] (iptables-save prints numbers; a few names too).
import { unsupported, type MatchModule } from './types.js';

const NAMES: Readonly<Record<string, readonly [number, number | null]>> = {
  any: [-1, null],
  'echo-reply': [0, null],
  pong: [0, null],
  'destination-unreachable': [3, null],
  'echo-request': [8, null],
  ping: [8, null],
  'time-exceeded': [11, null],
};

function parseType(text: string): readonly [number, number | null] | null {
  const named = NAMES[text];
  if (named !== undefined) return named;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(text);
  return m ? [Number(m[1]), m[2] === undefined ? null : Number(m[2])] : null;
}

export const icmp: MatchModule = {
  arity: { '--icmp-type': 1 },
  guard: (ctx) => ctx.packet.proto === 'icmp',
  option(opt) {
    const parsed = opt.flag === '--icmp-type' ? parseType(opt.values[0] ?? '') : null;
    if (parsed === null) return unsupported(`-m icmp ${opt.flag} ${opt.values.join(' ')}`);
    const [type, code] = parsed;
    return (ctx) => type === -1 || (ctx.packet.icmpType === type && (code === null || ctx.packet.icmpCode === code));
  },
};
