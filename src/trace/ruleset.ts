// The live ruleset parsed once per trace: every rule's tests and target action.
import type { Ruleset, TableName } from '../render/ir.js';
import { parseRule, type ParsedRule } from './rule.js';
import { targetAction, type Action } from './targets.js';

export interface CompiledRule {
  readonly rule: ParsedRule;
  readonly action: Action;
}

export interface CompiledChain {
  readonly name: string;
  /** The policy of a built-in chain; null for user chains. */
  readonly policy: string | null;
  readonly rules: readonly CompiledRule[];
}

export type CompiledTable = ReadonlyMap<string, CompiledChain>;
export type CompiledRuleset = ReadonlyMap<TableName, CompiledTable>;

export function compileRuleset(rs: Ruleset): CompiledRuleset {
  const out = new Map<TableName, CompiledTable>();
  for (const table of rs.tables) {
    const names = new Set(table.chains.map((c) => c.name));
    const chains = new Map<string, CompiledChain>();
    for (const c of table.chains) {
      const rules = c.rules.map((text) => {
        const rule = parseRule(text);
        return { rule, action: targetAction(rule.target, (n) => names.has(n)) };
      });
      chains.set(c.name, { name: c.name, policy: c.policy, rules });
    }
    out.set(table.name, chains);
  }
  return out;
}
