// The manager's own chains and rules versus what it wants. Whether anything is
// wrong is the planner's word (a non-empty restore plan is exactly what --fix
// would apply); what is wrong is told per chain from a diff of the owned parts
// only: whole owned chains, the manager's rules in shared built-in chains, and the
// presence of seed chains (DOCKER-USER's contents are the user's).
import { diffRulesets, formatDiff, type ChainDiff } from '../render/iptables/diff.js';
import { planRestore } from '../render/iptables/plan.js';
import { canonicalRule } from '../render/iptables/tokenize.js';
import { isBuiltinChain, type ChainState, type DesiredRules, type DesiredTable, type Ruleset, type TableName, type TableState } from '../render/ir.js';
import { plural } from '../model/words.js';
import { activeRuleset, NOTHING, type CheckResult, type Expectations, type Finding, type HostSnapshot } from './types.js';

/** What goes wrong when a chain's part is missing or altered. */
const CONSEQUENCE: Readonly<Record<string, string>> = {
  DOCKER: 'published ports stop answering, and publishing a new one fails with "iptables: No chain/target/match by that name"',
  'DOCKER-ISOLATION-STAGE-1': 'bridge networks are no longer isolated from each other',
  'DOCKER-ISOLATION-STAGE-2': 'bridge networks are no longer isolated from each other',
  'DOCKER-USER': 'your own rules for container traffic (DOCKER-USER) are not consulted',
  FORWARD: 'container traffic through this host is not accepted or filtered as intended',
  PREROUTING: 'published ports do not answer from other hosts',
  OUTPUT: 'published ports do not answer from this host',
  POSTROUTING: "containers' outgoing traffic is not masqueraded as intended",
};

export function checkRules(s: HostSnapshot, e: Expectations): CheckResult {
  if (!e.iptables) return NOTHING;
  const current = activeRuleset(s);
  if (current === null) {
    return {
      findings: [
        {
          id: 'rules',
          subject: 'iptables',
          severity: 'error',
          summary: `iptables does not run here, so ${e.manager}'s rules can be neither checked nor kept.`,
          fix: 'Install iptables (apt-get install iptables).',
          fixable: false,
        },
      ],
      actions: [],
    };
  }
  const plan = planRestore(current, e.desired, e.previous);
  if (plan === '') return NOTHING;
  const fix = `Restore ${e.manager}'s chains and rules in place with one iptables-restore --noflush: only what ${e.manager} owns is rewritten; other rules, and your rules in DOCKER-USER, stay as they are. No restart needed.`;
  const diff = diffRulesets(ownedView(kernelLookup(current), e.desired, e.previous), ownedView(desiredLookup(e.desired), e.desired, e.previous));
  const findings: Finding[] = diff.tables.flatMap((t) =>
    t.chains.map((c) => ({
      id: 'rules',
      subject: `${t.name} ${c.name}`,
      severity: 'error' as const,
      summary: chainSummary(t.name, c, e.manager),
      fix,
      fixable: true,
      detail: formatDiff({ tables: [{ name: t.name, change: 'changed', chains: [c] }] }).trimEnd().split('\n').slice(1),
    })),
  );
  if (findings.length === 0) {
    // Only the manager's rules' places among the others differ (e.g. duplicates).
    findings.push({
      id: 'rules',
      subject: 'iptables',
      severity: 'error',
      summary: `${e.manager}'s rules are not laid out as it needs them.`,
      fix,
      fixable: true,
      detail: plan.trimEnd().split('\n'),
    });
  }
  return { findings, actions: [{ kind: 'restore-rules', what: `restored ${e.manager}'s chains and rules in one iptables-restore --noflush` }] };
}

function chainSummary(table: TableName, c: ChainDiff, manager: string): string {
  const missing = c.edits.filter((x) => x.op === '+').length;
  const extra = c.edits.filter((x) => x.op === '-').length;
  let what: string;
  if (c.before === null) what = `${table} chain ${c.name} is missing${missing > 0 ? ` (it should hold ${plural(missing, 'rule')})` : ''}`;
  else if (c.after === null) what = `${table} chain ${c.name} is left over: ${manager} no longer uses it`;
  else {
    const parts: string[] = [];
    if (missing > 0) parts.push(`${missing} of ${manager}'s rules ${missing === 1 ? 'is' : 'are'} missing`);
    if (extra > 0) parts.push(`${plural(extra, 'rule')} ${extra === 1 ? 'is' : 'are'} not as ${manager} wants (altered, out of order or left over)`);
    what = `${table} ${c.name}: ${parts.join('; ')}`;
  }
  const consequence = c.after !== null ? CONSEQUENCE[c.name] : undefined;
  return consequence ? `${what}: ${consequence}.` : `${what}.`;
}

/** A chain's rules in a ruleset, or undefined when it has no such chain. */
type Lookup = (table: TableName, chain: string) => readonly string[] | undefined;

function kernelLookup(rs: Ruleset): Lookup {
  return (table, chain) => rs.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain)?.rules;
}

function desiredLookup(d: DesiredRules): Lookup {
  return (table, chain) => {
    const t = d.tables.find((x) => x.name === table);
    const rules =
      t?.chains.find((c) => c.name === chain)?.rules ??
      t?.seedChains.find((c) => c.name === chain)?.rules ??
      t?.builtinRules.find((b) => b.chain === chain)?.rules;
    return rules ?? (isBuiltinChain(table, chain) ? [] : undefined);
  };
}

/**
 * The owned parts of a ruleset, one table per table berth wants or had: shared
 * built-in chains with only the owned rules, owned chains whole (when present),
 * seed chains empty (when present).
 */
function ownedView(lookup: Lookup, want: DesiredRules, before: DesiredRules | null): Ruleset {
  const names = unique([...want.tables, ...(before?.tables ?? [])].map((t) => t.name));
  const tables = names.map((name): TableState => {
    const ts = [want, before].flatMap((d) => d?.tables.filter((t) => t.name === name) ?? []);
    const chains: ChainState[] = [];
    for (const chain of unique(ts.flatMap((t) => t.builtinRules.map((b) => b.chain)))) {
      const mine = new Set(ts.flatMap((t) => rulesOf(t, chain)).map(canonicalRule));
      const rules = (lookup(name, chain) ?? []).map(canonicalRule).filter((r) => mine.has(r));
      chains.push({ name: chain, policy: null, rules });
    }
    for (const chain of unique(ts.flatMap((t) => t.chains.map((c) => c.name)))) {
      const rules = lookup(name, chain);
      if (rules !== undefined) chains.push({ name: chain, policy: null, rules: rules.map(canonicalRule) });
    }
    for (const chain of unique(ts.flatMap((t) => t.seedChains.map((c) => c.name)))) {
      if (lookup(name, chain) !== undefined) chains.push({ name: chain, policy: null, rules: [] });
    }
    return { name, chains };
  });
  return { tables };
}

function rulesOf(t: DesiredTable, chain: string): readonly string[] {
  return t.builtinRules.find((b) => b.chain === chain)?.rules ?? [];
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
