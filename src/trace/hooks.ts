// The tables of each hook in the kernel's priority order, and conntrack's part:
// nat rules are consulted only for a connection's first packet, once for its
// destination (PREROUTING or OUTPUT) and once for its source (POSTROUTING or
// INPUT); a reply skips them and gets the connection's NAT undone instead.
import type { TableName } from '../render/ir.js';
import type { CompiledRuleset } from './ruleset.js';
import type { Hook } from './result.js';
import { rewrite, type LegState } from './state.js';
import { walkTable, type HookEnv, type TableVerdict } from './walk.js';

/** raw -300, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT 100. */
const HOOK_TABLES: Readonly<Record<Hook, readonly TableName[]>> = {
  PREROUTING: ['raw', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat'],
};

const DST_MANIP: readonly Hook[] = ['PREROUTING', 'OUTPUT'];

/** Whether the nat table's rules run here; applies a reply's reverse NAT instead. */
function natConsulted(hook: Hook, st: LegState): boolean {
  const manip = DST_MANIP.includes(hook) ? 'dst' : 'src';
  if (st.ct === 'UNTRACKED') {
    st.steps.push({ kind: 'conntrack', hook, text: 'untracked packet: no NAT' });
    return false;
  }
  if (st.dir === 'REPLY') {
    const back = st.reverse[manip];
    if (back !== null) {
      const field = manip === 'dst' ? 'destination' : 'source';
      const r = rewrite(st, hook, 'conntrack', field, back);
      st.steps.push({ kind: 'conntrack', hook, text: `reply of a NATed connection: ${field} ${r.from} -> ${r.to}` });
    }
    return false;
  }
  if (st.natDone[manip]) {
    st.steps.push({ kind: 'conntrack', hook, text: `nat ${hook} not consulted: the connection's ${manip === 'dst' ? 'destination' : 'source'} NAT is already settled` });
    return false;
  }
  st.natDone[manip] = true;
  return true;
}

export function runHook(rs: CompiledRuleset, env: HookEnv, st: LegState): TableVerdict {
  st.steps.push({ kind: 'hook', hook: env.hook, in: env.inIface, out: env.outIface });
  for (const name of HOOK_TABLES[env.hook]) {
    if (name === 'nat' && !natConsulted(env.hook, st)) continue;
    const table = rs.get(name);
    if (table === undefined) continue;
    const verdict = walkTable(table, name, env, st);
    if (verdict.kind !== 'accept') return verdict;
  }
  return { kind: 'accept' };
}
