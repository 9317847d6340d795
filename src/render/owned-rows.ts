// What berth may own of the kernel's iptables, as flat rows: each chain it owns
// whole, and each of its rules in a built-in chain. Pure. That is all a plan needs
// of the rules applied before (planRestore reads their chain names and their rules
// in built-in chains, never the rules of the chains owned whole), so the store
// keeps these rows rather than the rules: a change writes only the rows that
// differ, however many ports are published. Seed chains are not kept: a plan never
// takes one out.
import type { DesiredRules, DesiredTable, TableName } from './ir.js';

export interface OwnedRow {
  readonly table: TableName;
  readonly chain: string;
  /** '' for a chain owned whole; else a rule of berth's in the built-in chain. */
  readonly rule: string;
}

const key = (r: OwnedRow): string => `${r.table}\n${r.chain}\n${r.rule}`;

/** The rows of every rule set given (their union), by a key unique to each row. */
export function ownedRows(...sets: readonly (DesiredRules | null | undefined)[]): Map<string, OwnedRow> {
  const rows = new Map<string, OwnedRow>();
  const add = (r: OwnedRow): void => {
    rows.set(key(r), r);
  };
  for (const set of sets) {
    for (const t of set?.tables ?? []) {
      for (const c of t.chains) add({ table: t.name, chain: c.name, rule: '' });
      for (const b of t.builtinRules) for (const rule of b.rules) add({ table: t.name, chain: b.chain, rule });
    }
  }
  return rows;
}

/** Rules that own what the rows name (chains without their rules); null for no rows. */
export function fromOwnedRows(rows: Iterable<OwnedRow>): DesiredRules | null {
  const tables = new Map<TableName, { chains: string[]; builtin: Map<string, string[]> }>();
  for (const r of rows) {
    const t = tables.get(r.table) ?? { chains: [], builtin: new Map<string, string[]>() };
    tables.set(r.table, t);
    if (r.rule === '') t.chains.push(r.chain);
    else if (t.builtin.has(r.chain)) t.builtin.get(r.chain)?.push(r.rule);
    else t.builtin.set(r.chain, [r.rule]);
  }
  if (tables.size === 0) return null;
  return {
    tables: [...tables].map(
      ([name, t]): DesiredTable => ({
        name,
        chains: t.chains.map((chain) => ({ name: chain, rules: [] })),
        builtinRules: [...t.builtin].map(([chain, rules]) => ({ chain, rules })),
        seedChains: [],
      }),
    ),
  };
}
