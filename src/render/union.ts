// The union of two rule sets berth may have in the kernel: after a crash between
// writing ahead what it was about to apply and recording that it applied it, either
// set can be there, and the planner must treat the rules of both as berth's own.
import type { DesiredRules, DesiredTable } from './ir.js';

function mergeLists<T>(a: readonly T[], b: readonly T[], key: (x: T) => string, merge: (x: T, y: T) => T): T[] {
  const out = [...a];
  for (const y of b) {
    const i = out.findIndex((x) => key(x) === key(y));
    if (i < 0) out.push(y);
    else out[i] = merge(out[i] as T, y);
  }
  return out;
}

const unionRules = (a: readonly string[], b: readonly string[]): string[] => [...a, ...b.filter((r) => !a.includes(r))];

function unionTable(a: DesiredTable, b: DesiredTable): DesiredTable {
  return {
    name: a.name,
    chains: mergeLists(a.chains, b.chains, (c) => c.name, (x, y) => ({ name: x.name, rules: unionRules(x.rules, y.rules) })),
    builtinRules: mergeLists(a.builtinRules, b.builtinRules, (c) => c.chain, (x, y) => ({ chain: x.chain, rules: unionRules(x.rules, y.rules) })),
    seedChains: mergeLists(a.seedChains, b.seedChains, (c) => c.name, (x) => x),
  };
}

export function unionDesired(a: DesiredRules | null, b: DesiredRules | null | undefined): DesiredRules | null {
  if (!b) return a;
  if (!a) return b;
  return { tables: mergeLists(a.tables, b.tables, (t) => t.name, unionTable) };
}
