// Structural, order-aware diff of two rulesets: tables and chains added or
// removed, policy changes, and per chain the rules removed and added along a
// longest common subsequence (so a moved rule shows as a removal plus an addition).
import type { ChainState, Ruleset, TableName } from '../ir.js';
import { lcsPairs } from './lcs.js';
import { ruleLine } from './save-print.js';

export interface RuleEdit {
  readonly op: '-' | '+';
  readonly rule: string;
  /** 1-based rule number: in the old chain for '-', in the new chain for '+'. */
  readonly index: number;
}

export interface ChainDiff {
  readonly name: string;
  /** null: the chain was added. */
  readonly before: ChainState | null;
  /** null: the chain was removed. */
  readonly after: ChainState | null;
  /** In chain order; at each place removals come before additions. */
  readonly edits: readonly RuleEdit[];
}

export interface TableDiff {
  readonly name: TableName;
  readonly change: 'added' | 'removed' | 'changed';
  readonly chains: readonly ChainDiff[];
}

/** Only what differs; no tables means the rulesets are equal. */
export interface RulesetDiff {
  readonly tables: readonly TableDiff[];
}

export function diffRulesets(a: Ruleset, b: Ruleset): RulesetDiff {
  const tables: TableDiff[] = [];
  for (const name of unionOfNames(a.tables, b.tables)) {
    const before = a.tables.find((t) => t.name === name);
    const after = b.tables.find((t) => t.name === name);
    const chains = diffChains(before?.chains ?? [], after?.chains ?? []);
    if (before && after && chains.length === 0) continue;
    tables.push({ name, change: !before ? 'added' : !after ? 'removed' : 'changed', chains });
  }
  return { tables };
}

/** A readable listing in iptables-save syntax, `+`/`-` in the first column, grouped by table and chain. */
export function formatDiff(diff: RulesetDiff): string {
  const lines: string[] = [];
  for (const table of diff.tables) {
    lines.push(`${table.change === 'added' ? '+' : table.change === 'removed' ? '-' : ' '}*${table.name}`);
    for (const chain of table.chains) {
      const { before, after } = chain;
      if (before && (!after || after.policy !== before.policy)) lines.push(`-${declaration(before)}`);
      if (after && (!before || after.policy !== before.policy)) lines.push(`+${declaration(after)}`);
      for (const edit of chain.edits) lines.push(`${edit.op}${ruleLine('-A', chain.name, edit.rule)}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

function declaration(chain: ChainState): string {
  return `:${chain.name} ${chain.policy ?? '-'}`;
}

function diffChains(a: readonly ChainState[], b: readonly ChainState[]): ChainDiff[] {
  const chains: ChainDiff[] = [];
  for (const name of unionOfNames(a, b)) {
    const before = a.find((c) => c.name === name) ?? null;
    const after = b.find((c) => c.name === name) ?? null;
    const edits = diffRules(before?.rules ?? [], after?.rules ?? []);
    if (before && after && before.policy === after.policy && edits.length === 0) continue;
    chains.push({ name, before, after, edits });
  }
  return chains;
}

function diffRules(a: readonly string[], b: readonly string[]): RuleEdit[] {
  const edits: RuleEdit[] = [];
  let i = 0;
  let j = 0;
  const flushUpTo = (nextI: number, nextJ: number): void => {
    for (; i < nextI; i++) edits.push({ op: '-', rule: a[i] as string, index: i + 1 });
    for (; j < nextJ; j++) edits.push({ op: '+', rule: b[j] as string, index: j + 1 });
  };
  for (const [pi, pj] of lcsPairs(a, b)) {
    flushUpTo(pi, pj);
    i++;
    j++;
  }
  flushUpTo(a.length, b.length);
  return edits;
}

/** Names of `a` in order, then those only in `b`. */
function unionOfNames<T extends string>(a: readonly { readonly name: T }[], b: readonly { readonly name: T }[]): T[] {
  const names = a.map((x) => x.name);
  for (const { name } of b) if (!names.includes(name)) names.push(name);
  return names;
}
