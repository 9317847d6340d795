// -m multiport --sports / --dports / --ports: up to 15 ports or `a:b` ranges.
import { parsePortRange, portIn, type PortRange } from './ports.js';
import { unsupported, isUnknown, type MatchModule } from './types.js';

function parseList(text: string): PortRange[] | null {
  const ranges = text.split(',').map(parsePortRange);
  return ranges.every((r) => r !== null) ? (ranges as PortRange[]) : null;
}

export const multiport: MatchModule = {
  arity: { '--sports': 1, '--source-ports': 1, '--dports': 1, '--destination-ports': 1, '--ports': 1 },
  guard: (ctx) => ctx.packet.proto !== 'icmp',
  option(opt) {
    const ranges = parseList(opt.values[0] ?? '');
    if (ranges === null) return unsupported(`-m multiport ${opt.flag} ${opt.values[0] ?? ''}`);
    switch (opt.flag) {
      case '--sports':
      case '--source-ports':
        return (ctx) => portIn(ctx.packet.sport, ranges, 'source');
      case '--dports':
      case '--destination-ports':
        return (ctx) => portIn(ctx.packet.dport, ranges, 'destination');
      default:
        // --ports: either port; a known match on one side settles it.
        return (ctx) => {
          const s = portIn(ctx.packet.sport, ranges, 'source');
          const d = portIn(ctx.packet.dport, ranges, 'destination');
          if (s === true || d === true) return true;
          return isUnknown(s) ? s : d;
        };
    }
  },
};
