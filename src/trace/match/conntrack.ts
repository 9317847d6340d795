// -m conntrack --ctstate / --ctdir, and the older -m state --state. The other
// conntrack options (tuples, status, expiry) answer unknown.
import { unsupported, type MatchModule, type MatchOption, type Test } from './types.js';

const STATES = ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED', 'SNAT', 'DNAT'];

function stateTest(opt: MatchOption): Test {
  const wanted = (opt.values[0] ?? '').split(',');
  const bad = wanted.find((s) => !STATES.includes(s));
  if (bad !== undefined) return unsupported(`conntrack state ${bad}`);
  return (ctx) =>
    wanted.some((s) => (s === 'SNAT' ? ctx.ct.snat : s === 'DNAT' ? ctx.ct.dnat : ctx.ct.state === s));
}

export const conntrack: MatchModule = {
  arity: {
    '--ctstate': 1,
    '--ctdir': 1,
    '--ctproto': 1,
    '--ctorigsrc': 1,
    '--ctorigdst': 1,
    '--ctreplsrc': 1,
    '--ctrepldst': 1,
    '--ctorigsrcport': 1,
    '--ctorigdstport': 1,
    '--ctreplsrcport': 1,
    '--ctrepldstport': 1,
    '--ctstatus': 1,
    '--ctexpire': 1,
  },
  option(opt) {
    if (opt.flag === '--ctstate') return stateTest(opt);
    if (opt.flag === '--ctdir') {
      const dir = opt.values[0];
      if (dir !== 'ORIGINAL' && dir !== 'REPLY') return unsupported(`--ctdir ${dir ?? ''}`);
      return (ctx) => ctx.ct.dir === dir;
    }
    return unsupported(`-m conntrack ${opt.flag}`);
  },
};

export const state: MatchModule = {
  arity: { '--state': 1 },
  option: (opt) => stateTest(opt),
};
