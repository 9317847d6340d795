// Prints a ruleset as iptables-save does without -c: chain declarations with
// zeroed counters, rules grouped by chain in declaration order, then COMMIT.
// The output is valid iptables-restore input and parses back to the same IR.
import type { Ruleset, TableName, TableState } from '../ir.js';

/** A comment to print above a rule (`# text`, which iptables-restore ignores), or undefined. */
export type RuleComment = (table: TableName, chain: string, rule: string) => string | undefined;

export function printSave(rs: Ruleset, comment?: RuleComment): string {
  return rs.tables.map((t) => printTable(t, comment)).join('');
}

function printTable(table: TableState, comment: RuleComment | undefined): string {
  const lines = [`*${table.name}`];
  for (const chain of table.chains) lines.push(`:${chain.name} ${chain.policy ?? '-'} [0:0]`);
  for (const chain of table.chains) {
    for (const rule of chain.rules) {
      const text = comment?.(table.name, chain.name, rule);
      if (text !== undefined) lines.push(`# ${text}`);
      lines.push(ruleLine('-A', chain.name, rule));
    }
  }
  lines.push('COMMIT');
  return lines.map((l) => `${l}\n`).join('');
}

/** `-A CHAIN spec`; a rule with an empty spec prints without a trailing blank, as iptables-save does. */
export function ruleLine(command: string, chain: string, spec: string): string {
  return spec === '' ? `${command} ${chain}` : `${command} ${chain} ${spec}`;
}
