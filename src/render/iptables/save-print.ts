// Prints a ruleset as iptables-save does without -c: chain declarations with
// zeroed counters, rules grouped by chain in declaration order, then COMMIT.
// The output is valid iptables-restore input and parses back to the same IR.
import type { Ruleset, TableState } from '../ir.js';

export function printSave(rs: Ruleset): string {
  return rs.tables.map(printTable).join('');
}

function printTable(table: TableState): string {
  const lines = [`*${table.name}`];
  for (const chain of table.chains) lines.push(`:${chain.name} ${chain.policy ?? '-'} [0:0]`);
  for (const chain of table.chains) lines.push(...chain.rules.map((rule) => ruleLine('-A', chain.name, rule)));
  lines.push('COMMIT');
  return lines.map((l) => `${l}\n`).join('');
}

/** `-A CHAIN spec`; a rule with an empty spec prints without a trailing blank, as iptables-save does. */
export function ruleLine(command: string, chain: string, spec: string): string {
  return spec === '' ? `${command} ${chain}` : `${command} ${chain} ${spec}`;
}
