// Reads `iptables-save` output (legacy or nft, with or without -c counters)
// into the ruleset IR. Rules are kept in canonical text (see tokenize.ts) so
// that they compare equal to what the renderer writes.
import { invalid } from '../../model/errors.js';
import { BUILTIN_CHAINS, type ChainState, type Ruleset, type TableName, type TableState } from '../ir.js';
import { joinTokens, tokenize } from './tokenize.js';

interface OpenTable {
  readonly name: TableName;
  readonly line: number;
  readonly chains: Map<string, { policy: string | null; rules: string[] }>;
}

export function isTableName(name: string): name is TableName {
  return Object.hasOwn(BUILTIN_CHAINS, name);
}

/** `[packets:bytes]`, as in chain declarations and before rules under -c. */
const COUNTERS = /^\[\d+:\d+\]$/;

export function parseSave(text: string): Ruleset {
  const state: ParseState = { tables: [], open: null };
  const lines = text.split('\n');
  lines.forEach((raw, index) => parseLine(state, raw.trim(), index + 1));
  if (state.open) {
    const { name, line } = state.open;
    throw invalid(`iptables-save input, line ${lines.length}: table ${name} (line ${line}) has no COMMIT`);
  }
  return { tables: state.tables };
}

interface ParseState {
  readonly tables: TableState[];
  open: OpenTable | null;
}

function parseLine(state: ParseState, line: string, lineNo: number): void {
  const fail = (reason: string): never => {
    throw invalid(`iptables-save input, line ${lineNo}: ${reason}: ${line}`);
  };
  if (line === '' || line.startsWith('#')) return;

  if (line.startsWith('*')) {
    if (state.open) fail(`table ${state.open.name} (line ${state.open.line}) has no COMMIT`);
    const name = line.slice(1);
    if (!isTableName(name)) return fail('unknown table');
    if (state.tables.some((t) => t.name === name)) fail('table listed twice');
    state.open = { name, line: lineNo, chains: new Map() };
    return;
  }
  const table = state.open ?? fail('expected a table header (*filter, *nat, ...)');

  if (line === 'COMMIT') {
    state.tables.push(closeTable(table));
    state.open = null;
    return;
  }
  if (line.startsWith(':')) {
    const [name = '', policy = '', counters, ...extra] = line.slice(1).split(/\s+/);
    if (name === '' || policy === '' || extra.length > 0 || (counters !== undefined && !COUNTERS.test(counters))) {
      fail('malformed chain declaration');
    }
    if (policy !== '-' && !/^[A-Z]+$/.test(policy)) fail('bad policy');
    if (table.chains.has(name)) fail('chain declared twice');
    table.chains.set(name, { policy: policy === '-' ? null : policy, rules: [] });
    return;
  }

  let tokens: string[];
  try {
    tokens = tokenize(line);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  if (tokens[0] !== undefined && COUNTERS.test(tokens[0])) tokens.shift();
  const [command, chain, ...spec] = tokens;
  if (command !== '-A') return fail('expected -A, a chain declaration or COMMIT');
  if (chain === undefined) return fail('missing chain name');
  const target = table.chains.get(chain) ?? fail(`chain ${chain} is not declared`);
  target.rules.push(joinTokens(spec));
}

function closeTable(table: OpenTable): TableState {
  const chains: ChainState[] = [...table.chains].map(([name, c]) => ({ name, policy: c.policy, rules: c.rules }));
  return { name: table.name, chains };
}
