// -m iprange --src-range / --dst-range A-B (a single address is a range of one).
import { tryParseIpv4 } from '../../model/ipv4.js';
import { unsupported, type MatchModule } from './types.js';

export const iprange: MatchModule = {
  arity: { '--src-range': 1, '--dst-range': 1 },
  option(opt) {
    const [fromText = '', toText = fromText] = (opt.values[0] ?? '').split('-');
    const from = tryParseIpv4(fromText);
    const to = tryParseIpv4(toText);
    if (from === null || to === null) return unsupported(`address range ${opt.values[0] ?? ''}`);
    const field = opt.flag === '--src-range' ? 'src' : 'dst';
    return (ctx) => ctx.packet[field] >= from && ctx.packet[field] <= to;
  },
};
