// One table's traversal of one hook: rules in order, jumps (-j) that come back,
// gotos (-g) that do not, RETURN and the end of a user chain back to the caller,
// the built-in chain's policy at the end. A rule berth cannot evaluate is assumed
// not to match and makes the result uncertain — unless its target would change
// nothing (LOG...), in which case it cannot matter.
import type { TableName } from '../render/ir.js';
import type { AddrType } from './routing.js';
import { evaluateRule } from './rule.js';
import { applyNat, type NatPlace } from './nat.js';
import { isPassive, type Action } from './targets.js';
import { ctInfo, type LegState } from './state.js';
import type { MatchContext } from './match/types.js';
import type { CompiledChain, CompiledTable } from './ruleset.js';

/** Where the walk happens: the hook, the interfaces -i/-o see, the namespace's address types and NAT addresses. */
export interface HookEnv extends NatPlace {
  readonly inIface: string | null;
  readonly outIface: string | null;
  readonly addrType: (ip: number) => AddrType;
}

export type TableVerdict = { readonly kind: 'accept' } | { readonly kind: 'drop' } | { readonly kind: 'reject'; readonly with: string };

const ACCEPT: TableVerdict = { kind: 'accept' };
/** iptables refuses loops; this only bounds a walk over a ruleset that changed under us. */
const MAX_EVALUATIONS = 100_000;

interface Frame {
  readonly chain: CompiledChain;
  next: number;
}

function matchContext(env: HookEnv, st: LegState): MatchContext {
  return { packet: st.packet, mark: st.mark, inIface: env.inIface, outIface: env.outIface, ct: ctInfo(st), addrType: env.addrType };
}

function actionText(action: Action): string {
  switch (action.kind) {
    case 'accept':
      return 'ACCEPT';
    case 'drop':
      return 'DROP';
    case 'reject':
      return `REJECT (${action.with})`;
    case 'return':
      return 'RETURN';
    case 'jump':
      return `${action.goto ? 'goto' : 'jump'} ${action.chain}`;
    case 'continue':
      return action.what === 'no target' ? 'count, go on' : `${action.what}, go on`;
    case 'mark':
      return `MARK (mark & ~0x${action.mask.toString(16)}) ^ 0x${action.value.toString(16)}`;
    case 'nat':
      return action.nat.target;
    case 'notrack':
      return 'NOTRACK';
    case 'unknown':
      return `${action.reason} (not evaluated; assumed to go on)`;
  }
}

export function walkTable(table: CompiledTable, tableName: TableName, env: HookEnv, st: LegState): TableVerdict {
  const base = table.get(env.hook);
  if (base === undefined) return ACCEPT;
  const stack: Frame[] = [];
  let frame: Frame = { chain: base, next: 0 };
  let evaluations = 0;

  const policy = (): TableVerdict => {
    const p = base.policy ?? 'ACCEPT';
    st.steps.push({ kind: 'policy', hook: env.hook, table: tableName, chain: base.name, policy: p });
    if (p === 'DROP') return { kind: 'drop' };
    if (p !== 'ACCEPT') st.certain = false;
    return ACCEPT;
  };
  /** Where the end of the current chain (or RETURN) leads: its caller, or null for the policy. */
  const caller = (): Frame | null => (frame.chain === base ? null : (stack.pop() ?? null));

  for (;;) {
    const compiled = frame.chain.rules[frame.next];
    if (compiled === undefined) {
      const back = caller();
      if (back === null) return policy();
      st.steps.push({ kind: 'return', hook: env.hook, table: tableName, chain: frame.chain.name, to: back.chain.name });
      frame = back;
      continue;
    }
    const index = ++frame.next;
    if (++evaluations > MAX_EVALUATIONS) {
      st.certain = false;
      st.steps.push({ kind: 'note', text: `gave up in ${tableName} ${frame.chain.name} after ${MAX_EVALUATIONS} rules (a loop?)` });
      return ACCEPT;
    }
    const { rule, action } = compiled;
    const m = evaluateRule(rule, matchContext(env, st));
    const step = { kind: 'rule', hook: env.hook, table: tableName, chain: frame.chain.name, index, rule: rule.text } as const;
    if (m.kind === 'not-matched') {
      st.steps.push({ ...step, result: 'not-matched', action: null, reasons: [] });
      continue;
    }
    if (m.kind === 'unknown') {
      const passive = isPassive(action);
      if (!passive) st.certain = false;
      const assumed = passive ? 'its target changes nothing either way' : 'assumed not to match';
      st.steps.push({ ...step, result: 'unknown', action: actionText(action), reasons: [...m.reasons, assumed] });
      continue;
    }
    const record = (text: string): void => {
      st.steps.push({ ...step, result: 'matched', action: text, reasons: [] });
    };
    switch (action.kind) {
      case 'accept':
        record('ACCEPT');
        return ACCEPT;
      case 'drop':
        record('DROP');
        return { kind: 'drop' };
      case 'reject':
        record(actionText(action));
        return { kind: 'reject', with: action.with };
      case 'return': {
        record('RETURN');
        const back = caller();
        if (back === null) return policy();
        frame = back;
        break;
      }
      case 'jump':
        record(actionText(action));
        if (!action.goto) stack.push(frame);
        // targetAction() names a jump only for a chain of this very table.
        frame = { chain: table.get(action.chain) as CompiledChain, next: 0 };
        break;
      case 'mark':
        st.mark = ((st.mark & ~action.mask) ^ action.value) >>> 0;
        record(`MARK set to 0x${st.mark.toString(16)}`);
        break;
      case 'nat': {
        const done = applyNat(action.nat, env, st);
        record(done.text);
        return done.dropped ? { kind: 'drop' } : ACCEPT;
      }
      case 'notrack':
        st.ct = 'UNTRACKED';
        record('NOTRACK: no connection tracking, no NAT');
        break;
      case 'unknown':
        st.certain = false;
        record(actionText(action));
        break;
      case 'continue':
        record(actionText(action));
        break;
    }
  }
}
