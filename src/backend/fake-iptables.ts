// An in-memory iptables for tests and dry runs: `restore` interprets
// iptables-restore input (with or without --noflush) the way the real tool
// does for the commands berth and users write, and `save` returns what
// iptables-save (legacy) would show. A call either applies whole or, on the
// first bad line, changes nothing and throws naming that line.
//
// Rules are compared by canonical text, where the kernel compares the parsed
// rule; berth writes canonical text, so the two agree for berth's own rules.
import { BerthError } from '../model/errors.js';
import { BUILTIN_CHAINS, isBuiltinChain, type DesiredRules, type Ruleset, type TableName, type TableState } from '../render/ir.js';
import { ruleTarget } from '../render/iptables/jump.js';
import { planRestore } from '../render/iptables/plan.js';
import { printSave } from '../render/iptables/save-print.js';
import { isTableName } from '../render/iptables/save-parse.js';
import { joinTokens, tokenize } from '../render/iptables/tokenize.js';

/** A failed restore: the 1-based input line, its text and why it failed. */
export class RestoreError extends BerthError {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
  constructor(line: number, text: string, reason: string) {
    super('system', `iptables-restore: line ${line} failed: ${reason}: ${text}`);
    this.name = 'RestoreError';
    this.line = line;
    this.text = text;
    this.reason = reason;
  }
}

export interface RestoreOptions {
  /** Keep what the input does not mention (iptables-restore --noflush). */
  readonly noflush?: boolean;
}

interface Chain {
  policy: string | null;
  rules: string[];
}
type Table = Map<string, Chain>;
type State = Map<TableName, Table>;

/** A fresh host: filter and nat with their built-in chains, all ACCEPT. */
const FRESH: Ruleset = { tables: [emptyTable('filter'), emptyTable('nat')] };

export class FakeIptables {
  private state: State;

  constructor(initial: Ruleset = FRESH) {
    this.state = new Map(
      initial.tables.map((t) => [t.name, new Map(t.chains.map((c) => [c.name, { policy: c.policy, rules: [...c.rules] }]))]),
    );
  }

  /** Like iptables-save: tables in load order, built-in chains first, then user chains sorted by name. */
  save(): Ruleset {
    return {
      tables: [...this.state].map(([name, table]) => ({
        name,
        chains: orderedChainNames(name, table).map((chain) => {
          const c = table.get(chain) as Chain;
          return { name: chain, policy: c.policy, rules: [...c.rules] };
        }),
      })),
    };
  }

  restore(text: string, options: RestoreOptions = {}): void {
    const next: State = new Map([...this.state].map(([name, table]) => [name, cloneTable(table)]));
    runRestore(next, text, options.noflush ?? false);
    this.state = next;
  }
}

/** The ruleset a fresh host ends up with after berth applies `desired` once. */
export function applyDesiredToEmpty(desired: DesiredRules): Ruleset {
  const fake = new FakeIptables();
  fake.restore(planRestore(fake.save(), desired, null), { noflush: true });
  return fake.save();
}

/**
 * The fake as a firewall backend (the engine's FirewallBackend shape): `save` prints
 * what iptables-save would, `restore` applies as `iptables-restore --noflush`.
 */
export function fakeFirewallBackend(fake: FakeIptables): { save(): Promise<string>; restore(text: string): Promise<void> } {
  return {
    save: async () => printSave(fake.save()),
    restore: async (text) => fake.restore(text, { noflush: true }),
  };
}

function emptyTable(name: TableName): TableState {
  return { name, chains: BUILTIN_CHAINS[name].map((chain) => ({ name: chain, policy: 'ACCEPT', rules: [] })) };
}

function cloneTable(table: Table): Table {
  return new Map([...table].map(([name, c]) => [name, { policy: c.policy, rules: [...c.rules] }]));
}

function orderedChainNames(name: TableName, table: Table): string[] {
  const builtins = BUILTIN_CHAINS[name].filter((c) => table.has(c));
  const user = [...table.keys()].filter((c) => !isBuiltinChain(name, c)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...builtins, ...user];
}

/** Thrown by a command; runRestore adds the line. */
class Refused extends Error {}

function refuse(reason: string): never {
  throw new Refused(reason);
}

interface OpenTable {
  readonly name: TableName;
  readonly table: Table;
  readonly line: number;
  readonly text: string;
}

function runRestore(state: State, text: string, noflush: boolean): void {
  let open: OpenTable | null = null;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      open = restoreLine(state, open, line, index + 1, noflush);
    } catch (err) {
      if (err instanceof Refused) throw new RestoreError(index + 1, line, err.message);
      throw err;
    }
  }
  if (open) throw new RestoreError(open.line, open.text, 'COMMIT expected');
}

/** Applies one line; returns the table now open (null after COMMIT). */
function restoreLine(state: State, open: OpenTable | null, line: string, lineNo: number, noflush: boolean): OpenTable | null {
  if (line.startsWith('*')) {
    if (open) refuse(`table ${open.name} has no COMMIT`);
    return { ...openTable(state, line.slice(1), noflush), line: lineNo, text: line };
  }
  if (!open) return refuse('no table selected (*filter, *nat, ...)');
  if (line === 'COMMIT') return null;
  if (line.startsWith(':')) {
    declareChain(open, line.slice(1), noflush);
    return open;
  }
  runCommand(open, line);
  return open;
}

function openTable(state: State, name: string, noflush: boolean): { name: TableName; table: Table } {
  if (!isTableName(name)) return refuse(`can't initialize iptables table \`${name}': Table does not exist`);
  let table = state.get(name);
  if (!table) {
    // The kernel loads a table's module on first use: built-in chains only.
    table = new Map(BUILTIN_CHAINS[name].map((c) => [c, { policy: 'ACCEPT', rules: [] }]));
    state.set(name, table);
  }
  if (!noflush) {
    for (const [chain, c] of table) {
      if (isBuiltinChain(name, chain)) c.rules = [];
      else table.delete(chain);
    }
  }
  return { name, table };
}

/** `:NAME POLICY [p:b]`: sets a built-in chain's policy; creates a user chain, or flushes it under --noflush. */
function declareChain(open: OpenTable, declaration: string, noflush: boolean): void {
  const [name = '', policy = '', counters, ...extra] = declaration.split(/\s+/);
  if (name === '' || extra.length > 0 || (counters !== undefined && !/^\[\d+:\d+\]$/.test(counters))) {
    refuse('malformed chain declaration');
  }
  if (policy === '') refuse('Bad policy name');
  if (isBuiltinChain(open.name, name)) {
    if (policy !== '-') setPolicy(open, name, policy);
    return;
  }
  if (policy !== '-') refuse(`Can't set policy \`${policy}' on user chain \`${name}'`);
  const existing = open.table.get(name);
  if (existing && noflush) existing.rules = [];
  else createChain(open, name);
}

function createChain(open: OpenTable, name: string): void {
  if (name.length > 28) refuse(`Invalid chain name \`${name}' (28 chars max)`);
  if (open.table.has(name)) refuse(`Chain \`${name}' already exists`);
  open.table.set(name, { policy: null, rules: [] });
}

function setPolicy(open: OpenTable, name: string, policy: string): void {
  if (!isBuiltinChain(open.name, name)) refuse(`Can't set policy on user chain \`${name}'`);
  if (policy !== 'ACCEPT' && policy !== 'DROP') refuse(`Bad policy name \`${policy}'`);
  chainOf(open, name).policy = policy;
}

type Command = (open: OpenTable, args: string[]) => void;

const COMMANDS: Readonly<Record<string, Command>> = {
  '-A': append,
  '--append': append,
  '-I': insert,
  '--insert': insert,
  '-D': remove,
  '--delete': remove,
  '-R': replace,
  '--replace': replace,
  '-F': flush,
  '--flush': flush,
  '-X': deleteChain,
  '--delete-chain': deleteChain,
  '-N': (open, args) => createChain(open, onlyArgument(args, 'chain name')),
  '--new-chain': (open, args) => createChain(open, onlyArgument(args, 'chain name')),
  '-P': policyCommand,
  '--policy': policyCommand,
};

function runCommand(open: OpenTable, line: string): void {
  let tokens: string[];
  try {
    tokens = tokenize(line);
  } catch (err) {
    return refuse(err instanceof Error ? err.message : String(err));
  }
  if (tokens[0] !== undefined && /^\[\d+:\d+\]$/.test(tokens[0])) tokens.shift(); // counters, ignored
  if (tokens.includes('-t') || tokens.includes('--table')) refuse('The -t option cannot be used in iptables-restore');
  const [command = '', ...args] = tokens;
  const run = COMMANDS[command] ?? refuse(`unknown command \`${command}'`);
  run(open, args);
}

function append(open: OpenTable, [chain, ...spec]: string[]): void {
  const c = chainOf(open, chain);
  c.rules.push(checkedRule(open, spec));
}

function insert(open: OpenTable, [chain, ...rest]: string[]): void {
  const c = chainOf(open, chain);
  const explicit = rest[0] !== undefined && /^\d+$/.test(rest[0]);
  const position = explicit ? Number(rest.shift()) : 1;
  if (position < 1 || position > c.rules.length + 1) refuse('Index of insertion too big');
  c.rules.splice(position - 1, 0, checkedRule(open, rest));
}

function remove(open: OpenTable, [chain, ...rest]: string[]): void {
  const c = chainOf(open, chain);
  if (rest.length === 1 && /^\d+$/.test(rest[0] as string)) {
    c.rules.splice(ruleIndex(c, rest[0] as string), 1);
    return;
  }
  const index = c.rules.indexOf(joinTokens(rest));
  if (index < 0) refuse('Bad rule (does a matching rule exist in that chain?)');
  c.rules.splice(index, 1);
}

function replace(open: OpenTable, [chain, number, ...spec]: string[]): void {
  const c = chainOf(open, chain);
  if (number === undefined || !/^\d+$/.test(number)) refuse('-R needs a rule number');
  c.rules[ruleIndex(c, number)] = checkedRule(open, spec);
}

function flush(open: OpenTable, args: string[]): void {
  if (args.length > 1) refuse('too many arguments');
  const chains = args[0] === undefined ? [...open.table.values()] : [chainOf(open, args[0])];
  for (const c of chains) c.rules = [];
}

function deleteChain(open: OpenTable, args: string[]): void {
  if (args.length > 1) refuse('too many arguments');
  const names = args[0] === undefined ? [...open.table.keys()].filter((c) => !isBuiltinChain(open.name, c)) : [args[0]];
  for (const name of names) {
    if (isBuiltinChain(open.name, name)) refuse(`Can't delete built-in chain \`${name}'`);
    if (chainOf(open, name).rules.length > 0) refuse(`Directory not empty: chain \`${name}' still has rules`);
    if (referencesTo(open.table, name) > 0) refuse(`Too many links: chain \`${name}' is still referenced`);
    open.table.delete(name);
  }
}

function policyCommand(open: OpenTable, args: string[]): void {
  const [chain, policy, ...extra] = args;
  if (chain === undefined || policy === undefined || extra.length > 0) refuse('-P needs a chain and a policy');
  chainOf(open, chain);
  setPolicy(open, chain, policy);
}

function onlyArgument(args: string[], what: string): string {
  if (args.length !== 1) refuse(`expected one ${what}`);
  return args[0] as string;
}

function chainOf(open: OpenTable, name: string | undefined): Chain {
  if (name === undefined) return refuse('missing chain name');
  return open.table.get(name) ?? refuse(`No chain/target/match by that name: \`${name}'`);
}

function ruleIndex(c: Chain, number: string): number {
  const n = Number(number);
  if (n < 1 || n > c.rules.length) refuse('Index of deletion too big');
  return n - 1;
}

/** Targets iptables loads from extensions, besides the standard verdicts. */
const TARGETS = new Set(
  ('ACCEPT DROP RETURN QUEUE AUDIT CHECKSUM CLASSIFY CLUSTERIP CONNMARK CONNSECMARK CT DNAT DSCP ECN HMARK ' +
    'IDLETIMER LED LOG MARK MASQUERADE NETMAP NFLOG NFQUEUE NOTRACK RATEEST REDIRECT REJECT SECMARK SET SNAT ' +
    'SYNPROXY TCPMSS TCPOPTSTRIP TEE TOS TPROXY TRACE TTL ULOG').split(' '),
);

/** The rule's canonical text, once its jump target is known to exist. */
function checkedRule(open: OpenTable, spec: string[]): string {
  const target = ruleTarget(spec);
  if (target && !(open.table.has(target.target) && !isBuiltinChain(open.name, target.target))) {
    if (target.goto || !TARGETS.has(target.target)) refuse(`Couldn't load target \`${target.target}'`);
  }
  return joinTokens(spec);
}

function referencesTo(table: Table, name: string): number {
  let count = 0;
  for (const c of table.values()) for (const rule of c.rules) if (ruleTarget(tokenize(rule))?.target === name) count++;
  return count;
}
