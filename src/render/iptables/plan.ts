// Plans the one `iptables-restore --noflush` input that takes the kernel from
// `current` to what berth wants, touching only what berth owns (see ir.ts for
// the three kinds of ownership). An empty string means nothing to do.
//
// Within a table iptables-restore runs lines in order and a rule may only jump
// to a chain that exists at that line, so each table section is laid out as:
//   1. declarations of owned chains to rewrite and of missing seed chains
//      (with --noflush a declaration creates the chain or empties it);
//   2. -F of owned chains berth no longer wants;
//   3. -D then -I in shared built-in chains;
//   4. the edits of owned chains kept in place (plan-owned.ts), then -A of the
//      rewritten owned chains and new seed chains;
//   5. -X of the chains emptied in 2, now that nothing berth keeps jumps to them.
import { invalid } from '../../model/errors.js';
import { BUILTIN_CHAINS, isBuiltinChain, type ChainState, type DesiredRules, type DesiredTable, type Ruleset, type TableName, type TableState } from '../ir.js';
import { ruleTarget } from './jump.js';
import { planOwnedChain } from './plan-owned.js';
import { planSharedChain } from './plan-shared.js';
import { ruleLine } from './save-print.js';
import { canonicalRule, tokenize } from './tokenize.js';

export function planRestore(current: Ruleset, desired: DesiredRules, previous: DesiredRules | null): string {
  return planRestoreWithResult(current, desired, previous).text;
}

/**
 * The plan, and the rules the kernel holds once it ran (rules in canonical form):
 * what berth knows of the kernel without reading it again.
 */
export function planRestoreWithResult(current: Ruleset, desired: DesiredRules, previous: DesiredRules | null): { text: string; after: Ruleset } {
  const names: TableName[] = desired.tables.map((t) => t.name);
  for (const t of previous?.tables ?? []) if (!names.includes(t.name)) names.push(t.name);
  const planned = new Map(
    names.map((name) => [
      name,
      planTable(
        current.tables.find((t) => t.name === name) ?? null,
        desired.tables.find((t) => t.name === name) ?? ownNothing(name),
        previous?.tables.find((t) => t.name === name) ?? null,
      ),
    ]),
  );
  const text = [...planned.values()].map((p) => p.text).join('');
  const tables = current.tables.map((t) => planned.get(t.name)?.after ?? t);
  for (const [name, p] of planned) if (p.text !== '' && !current.tables.some((t) => t.name === name)) tables.push(p.after);
  return { text, after: { tables } };
}

function ownNothing(name: TableName): DesiredTable {
  return { name, chains: [], builtinRules: [], seedChains: [] };
}

function planTable(current: TableState | null, want: DesiredTable, before: DesiredTable | null): { text: string; after: TableState } {
  checkDesired(want);
  const table = want.name;
  const kernel = new Map<string, readonly string[]>((current?.chains ?? []).map((c) => [c.name, c.rules.map(canonicalRule)]));
  // Each chain's contents once the plan has run, to tell which chains are still jumped to.
  const after = new Map(kernel);
  const declare: string[] = [];
  const flush: string[] = [];
  const deletes: string[] = [];
  const inserts: string[] = [];
  const edits: string[] = [];
  const appends: string[] = [];
  const remove: string[] = [];

  const rewrite = (name: string, rules: readonly string[]): void => {
    declare.push(`:${name} - [0:0]`);
    appends.push(...rules.map((rule) => ruleLine('-A', name, rule)));
    after.set(name, rules);
  };
  for (const chain of want.chains) {
    const rules = chain.rules.map(canonicalRule);
    const inKernel = kernel.get(chain.name);
    if (inKernel !== undefined && sameRules(inKernel, rules)) continue;
    const inPlace = inKernel === undefined ? null : planOwnedChain(chain.name, inKernel, rules);
    if (inPlace === null) {
      rewrite(chain.name, rules);
    } else {
      edits.push(...inPlace);
      after.set(chain.name, rules);
    }
  }
  for (const seed of want.seedChains) {
    if (!kernel.has(seed.name)) rewrite(seed.name, seed.rules.map(canonicalRule));
  }

  for (const chain of sharedChains(want, before)) {
    const rulesIn = (t: DesiredTable | null): string[] =>
      (t?.builtinRules.find((b) => b.chain === chain)?.rules ?? []).map(canonicalRule);
    const edits = planSharedChain(chain, kernel.get(chain) ?? [], rulesIn(want), rulesIn(before));
    deletes.push(...edits.deletes.map((rule) => ruleLine('-D', chain, rule)));
    inserts.push(...edits.inserts.map(({ position, rule }) => ruleLine('-I', `${chain} ${position}`, rule)));
    after.set(chain, edits.result);
  }

  const wanted = new Set([...want.chains, ...want.seedChains].map((c) => c.name));
  const stale = (before?.chains ?? []).map((c) => c.name).filter((name) => !wanted.has(name) && kernel.has(name));
  for (const name of stale) {
    if ((kernel.get(name) ?? []).length > 0) flush.push(`-F ${name}`);
    after.set(name, []);
  }
  // A chain someone else still jumps to stays, emptied: deleting it would fail the whole restore.
  for (const name of stale) if (!isJumpedTo(after, name)) remove.push(`-X ${name}`);

  const lines = [...declare, ...flush, ...deletes, ...inserts, ...edits, ...appends, ...remove];
  if (lines.length === 0) return { text: '', after: current ?? { name: table, chains: [] } };
  for (const name of remove) after.delete(name.slice('-X '.length));
  return { text: [`*${table}`, ...lines, 'COMMIT', ''].join('\n'), after: tableAfter(table, current, after) };
}

/** The table once the plan ran: its chains in their old order with their new rules, new chains after them. */
function tableAfter(table: TableName, current: TableState | null, after: ReadonlyMap<string, readonly string[]>): TableState {
  const policy = new Map<string, string | null>((current?.chains ?? []).map((c) => [c.name, c.policy]));
  // A table the kernel did not have comes with its built-in chains.
  for (const name of BUILTIN_CHAINS[table]) if (!policy.has(name)) policy.set(name, 'ACCEPT');
  const names = [...policy.keys(), ...[...after.keys()].filter((name) => !policy.has(name))];
  const chains = names.flatMap((name): ChainState[] => {
    const rules = after.get(name) ?? (isBuiltinChain(table, name) ? [] : undefined);
    return rules === undefined ? [] : [{ name, policy: policy.get(name) ?? null, rules }];
  });
  return { name: table, chains };
}

/** Built-in chains berth has rules in now or had before, desired ones first. */
function sharedChains(want: DesiredTable, before: DesiredTable | null): string[] {
  const chains = want.builtinRules.map((b) => b.chain);
  for (const b of before?.builtinRules ?? []) if (!chains.includes(b.chain)) chains.push(b.chain);
  return chains;
}

function checkDesired(want: DesiredTable): void {
  const seen = new Set<string>();
  for (const { name } of [...want.chains, ...want.seedChains]) {
    if (isBuiltinChain(want.name, name)) throw invalid(`${want.name}: ${name} is a built-in chain, it cannot be owned`);
    if (seen.has(name)) throw invalid(`${want.name}: chain ${name} is listed twice`);
    seen.add(name);
  }
  const shared = new Set<string>();
  for (const { chain } of want.builtinRules) {
    if (!isBuiltinChain(want.name, chain)) throw invalid(`${want.name}: ${chain} is not a built-in chain`);
    if (shared.has(chain)) throw invalid(`${want.name}: built-in chain ${chain} is listed twice`);
    shared.add(chain);
  }
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((rule, i) => rule === b[i]);
}

function isJumpedTo(chains: ReadonlyMap<string, readonly string[]>, name: string): boolean {
  for (const rules of chains.values()) {
    for (const rule of rules) if (ruleTarget(tokenize(rule))?.target === name) return true;
  }
  return false;
}
