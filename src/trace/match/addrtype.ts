// -m addrtype --src-type / --dst-type: the address's type in the namespace's local
// table (LOCAL for its own addresses). --limit-iface-in/out is not evaluated.
import { ADDR_TYPES } from '../routing.js';
import { unsupported, type MatchModule, type MatchOption, type Test } from './types.js';

function typesTest(opt: MatchOption, field: 'src' | 'dst'): Test {
  const wanted = (opt.values[0] ?? '').split(',');
  if (!wanted.every((t) => (ADDR_TYPES as readonly string[]).includes(t))) return unsupported(`address type ${opt.values[0] ?? ''}`);
  return (ctx) => wanted.includes(ctx.addrType(ctx.packet[field]));
}

export const addrtype: MatchModule = {
  arity: { '--src-type': 1, '--dst-type': 1, '--limit-iface-in': 0, '--limit-iface-out': 0 },
  option(opt) {
    if (opt.flag === '--src-type') return typesTest(opt, 'src');
    if (opt.flag === '--dst-type') return typesTest(opt, 'dst');
    return unsupported(`-m addrtype ${opt.flag}`);
  },
};
