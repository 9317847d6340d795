// The ruleset IR shared by the renderer, the iptables backend, the fake backend,
// `berth rules`/`save`/`restore` and (later) the tracer.
//
// A rule is kept as its canonical iptables-save text without the leading
// "-A CHAIN " (e.g. `-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`):
// the renderer writes rules exactly as iptables-save prints them, so a rule berth
// owns is recognised in the kernel by string equality.

export type TableName = 'filter' | 'nat' | 'mangle' | 'raw' | 'security';

/** A chain as iptables-save shows it. `policy` is null for user-defined chains ("-"). */
export interface ChainState {
  readonly name: string;
  readonly policy: string | null;
  readonly rules: readonly string[];
}

/** One table: chains in the order iptables-save declares them (built-ins first). */
export interface TableState {
  readonly name: TableName;
  readonly chains: readonly ChainState[];
}

/** What the kernel holds (or a fake of it): the tables present, in order. */
export interface Ruleset {
  readonly tables: readonly TableState[];
}

/**
 * What berth wants in one table. Three kinds of ownership:
 * - `chains`: owned whole; declared (hence flushed) and rewritten on every apply.
 * - `builtinRules`: berth's rules inside chains it shares with others (FORWARD,
 *   PREROUTING, OUTPUT, POSTROUTING), in the order berth wants them; other rules
 *   in those chains are left where they are.
 * - `seedChains`: created with these rules only when missing; afterwards their
 *   contents belong to the user (DOCKER-USER). The jump to them is a builtinRule.
 */
export interface DesiredTable {
  readonly name: TableName;
  readonly chains: readonly { readonly name: string; readonly rules: readonly string[] }[];
  readonly builtinRules: readonly { readonly chain: string; readonly rules: readonly string[] }[];
  readonly seedChains: readonly { readonly name: string; readonly rules: readonly string[] }[];
}

/** Everything berth owns across tables. An empty `tables` means "own nothing". */
export interface DesiredRules {
  readonly tables: readonly DesiredTable[];
}

export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function isBuiltinChain(table: TableName, chain: string): boolean {
  return BUILTIN_CHAINS[table].includes(chain);
}
