// Rules split between iptables-legacy and iptables-nft. The kernel runs both
// rulesets, so a DROP in the one the manager does not use still drops container
// traffic, while `iptables -L` (the other one) never shows it. The fix moves what
// is not the manager's into the ruleset it uses (appended to the same chains;
// a stricter built-in policy kept), leaves out stale copies of Docker's rules,
// and empties the unused variant's tables.
import { DOCKER, DOCKER_USER, ISOLATION_1, ISOLATION_2 } from '../render/iptables/chains.js';
import { ruleTarget } from '../render/iptables/jump.js';
import { ruleLine } from '../render/iptables/save-print.js';
import { canonicalRule, tokenize } from '../render/iptables/tokenize.js';
import { BUILTIN_CHAINS, isBuiltinChain, type Ruleset, type TableName, type TableState } from '../render/ir.js';
import { ruleInterfaces } from './rule-tokens.js';
import { plural } from '../model/words.js';
import { NOTHING, variantName, type CheckResult, type Expectations, type HostSnapshot } from './types.js';

/** Docker's chains, whole, in every layout since 1.13 (DOCKER-ISOLATION is the pre-18.05 one). */
const DOCKER_CHAINS = [DOCKER, ISOLATION_1, ISOLATION_2, 'DOCKER-ISOLATION'];
const SEED_RETURN = '-j RETURN';
const DETAIL_LINES = 20;

/** Which chains and rules belong to the manager, so that they are not carried over. */
interface Ownership {
  chain(table: TableName, chain: string): 'owned' | 'seed' | 'foreign';
  rule(table: TableName, chain: string, rule: string): boolean;
}

function ownership(e: Expectations): Ownership {
  const tables = [e.desired, e.previous].flatMap((d) => d?.tables ?? []);
  const bridges = new Set(e.bridges.map((b) => b.bridge));
  const key = (...parts: string[]): string => parts.join('\0');
  const owned = new Set(tables.flatMap((t) => t.chains.map((c) => key(t.name, c.name))));
  const seeds = new Set(tables.flatMap((t) => t.seedChains.map((c) => key(t.name, c.name))));
  const listed = new Set(tables.flatMap((t) => t.builtinRules.flatMap((b) => b.rules.map((r) => key(t.name, b.chain, canonicalRule(r))))));
  const kind = (table: TableName, chain: string): 'owned' | 'seed' | 'foreign' => {
    if (DOCKER_CHAINS.includes(chain) || owned.has(key(table, chain))) return 'owned';
    return chain === DOCKER_USER || seeds.has(key(table, chain)) ? 'seed' : 'foreign';
  };
  return {
    chain: kind,
    rule(table, chain, rule) {
      if (listed.has(key(table, chain, rule))) return true;
      const tokens = tokenize(rule);
      const target = ruleTarget(tokens)?.target;
      if (target !== undefined && kind(table, target) !== 'foreign') return true;
      // Rules about the manager's bridges (FORWARD accepts, MASQUERADE of their subnets) are its own.
      return ruleInterfaces(tokens).some((name) => bridges.has(name));
    },
  };
}

interface Migration {
  /** `iptables-restore --noflush` input for the variant in use ('' when nothing is moved). */
  readonly activeInput: string;
  /** `iptables-restore` input (without --noflush) that empties the other variant's tables. */
  readonly otherInput: string;
  /** Lines carried over, `table: -A CHAIN rule`. */
  readonly moved: readonly string[];
  /** Lines left out: the manager's stale copies, or already present. */
  readonly dropped: readonly string[];
  /** Built-in policies carried over, `table CHAIN POLICY`. */
  readonly policies: readonly string[];
  /** What the other variant held. */
  readonly held: { readonly rules: number; readonly chains: number; readonly policies: number };
}

/** How to move `other`'s contents into `active`; null when `other` holds nothing. */
function planMigration(active: Ruleset, other: Ruleset, own: Ownership): Migration | null {
  const activeSections: string[] = [];
  const otherSections: string[] = [];
  const moved: string[] = [];
  const dropped: string[] = [];
  const policies: string[] = [];
  const held = { rules: 0, chains: 0, policies: 0 };
  for (const table of other.tables) {
    const userChains = table.chains.filter((c) => !isBuiltinChain(table.name, c.name));
    const strict = table.chains.filter((c) => c.policy !== null && c.policy !== 'ACCEPT');
    const rules = table.chains.reduce((n, c) => n + c.rules.length, 0);
    if (rules === 0 && userChains.length === 0 && strict.length === 0) continue;
    held.rules += rules;
    held.chains += userChains.length;
    held.policies += strict.length;
    const section = migrateTable(table, active.tables.find((t) => t.name === table.name), own);
    moved.push(...section.moved.map((l) => `${table.name}: ${l}`));
    dropped.push(...section.dropped.map((l) => `${table.name}: ${l}`));
    policies.push(...section.policies.map((p) => `${table.name} ${p}`));
    if (section.lines.length > 0) activeSections.push([`*${table.name}`, ...section.lines, 'COMMIT', ''].join('\n'));
    otherSections.push([`*${table.name}`, ...BUILTIN_CHAINS[table.name].map((b) => `:${b} ACCEPT [0:0]`), 'COMMIT', ''].join('\n'));
  }
  if (otherSections.length === 0) return null;
  return { activeInput: activeSections.join(''), otherInput: otherSections.join(''), moved, dropped, policies, held };
}

interface TableMigration {
  readonly lines: string[];
  readonly moved: string[];
  readonly dropped: string[];
  readonly policies: string[];
}

function migrateTable(table: TableState, into: TableState | undefined, own: Ownership): TableMigration {
  const declare: string[] = [];
  const edits: string[] = [];
  const out: TableMigration = { lines: [], moved: [], dropped: [], policies: [] };
  const present = (chain: string): string[] | undefined => into?.chains.find((c) => c.name === chain)?.rules.map(canonicalRule);
  const move = (chain: string, rule: string, line: string): void => {
    edits.push(line);
    out.moved.push(ruleLine('-A', chain, rule));
  };
  const drop = (chain: string, rule: string): void => {
    out.dropped.push(ruleLine('-A', chain, rule));
  };
  for (const chain of table.chains) {
    const rules = chain.rules.map(canonicalRule);
    const there = present(chain.name);
    const have = new Set(there);
    const fresh = (rule: string): boolean => !have.has(rule);
    if (isBuiltinChain(table.name, chain.name)) {
      const policy = into?.chains.find((c) => c.name === chain.name)?.policy ?? 'ACCEPT';
      if (chain.policy !== null && chain.policy !== 'ACCEPT' && policy === 'ACCEPT') {
        declare.push(`:${chain.name} ${chain.policy} [0:0]`);
        out.policies.push(`${chain.name} ${chain.policy}`);
      }
      for (const rule of rules) {
        if (own.rule(table.name, chain.name, rule) || !fresh(rule)) drop(chain.name, rule);
        else move(chain.name, rule, ruleLine('-A', chain.name, rule));
      }
      continue;
    }
    const kind = own.chain(table.name, chain.name);
    if (kind === 'owned') {
      for (const rule of rules) drop(chain.name, rule);
      continue;
    }
    if (there === undefined) declare.push(`:${chain.name} - [0:0]`);
    const toMove: string[] = [];
    for (const rule of rules) {
      if ((kind === 'seed' && rule === SEED_RETURN) || !fresh(rule)) drop(chain.name, rule);
      else toMove.push(rule);
    }
    // A seed chain ends in its RETURN: the user's rules go before it.
    const returnAt = kind === 'seed' && there !== undefined && there.at(-1) === SEED_RETURN ? there.length : null;
    toMove.forEach((rule, k) => move(chain.name, rule, returnAt === null ? ruleLine('-A', chain.name, rule) : ruleLine('-I', `${chain.name} ${returnAt + k}`, rule)));
    if (kind === 'seed' && there === undefined) edits.push(ruleLine('-A', chain.name, SEED_RETURN));
  }
  out.lines.push(...declare, ...edits);
  return out;
}

export function checkSplit(s: HostSnapshot, e: Expectations): CheckResult {
  const active = s.activeVariant;
  if (active === null) return NOTHING;
  const other = active === 'nft' ? 'legacy' : 'nft';
  const using = s.rulesets[active];
  const unused = s.rulesets[other];
  if (using === null || unused === null) return NOTHING;
  const m = planMigration(using, unused, ownership(e));
  if (m === null) return NOTHING;
  const [from, to] = [variantName(other), variantName(active)];
  const holds = [
    m.held.rules > 0 ? plural(m.held.rules, 'rule') : '',
    m.held.chains > 0 ? plural(m.held.chains, 'chain') : '',
    m.held.policies > 0 ? `${m.held.policies} strict ${m.held.policies === 1 ? 'policy' : 'policies'}` : '',
  ].filter(Boolean);
  const detail = [...m.moved.map((l) => `move ${l}`), ...m.dropped.map((l) => `drop ${l}`), ...m.policies.map((p) => `keep policy ${p}`)];
  const actions: CheckResult['actions'] = [
    ...(m.activeInput !== ''
      ? [{ kind: 'iptables-restore' as const, what: `moved ${plural(m.moved.length, 'rule')} from ${from} into ${to}`, variant: active, noflush: true, input: m.activeInput }]
      : []),
    { kind: 'iptables-restore', what: `emptied ${from}'s tables`, variant: other, noflush: false, input: m.otherInput },
  ];
  return {
    findings: [
      {
        id: 'iptables-split',
        subject: from,
        severity: 'error',
        summary: `${from} holds ${holds.join(', ')} besides ${to}, which ${e.manager} uses: the kernel runs both rulesets, so a rule there can drop or rewrite container traffic while \`iptables -L\` does not show it.`,
        fix: `Move what is not ${e.manager}'s into ${to} (${plural(m.moved.length, 'rule')}, appended to the same chains${m.policies.length > 0 ? ', stricter policies kept' : ''}), ${m.dropped.length > 0 ? `leave out ${plural(m.dropped.length, 'stale or duplicate rule')}, ` : ''}then empty ${from}'s tables so that one ruleset decides. Review the moved rules afterwards with iptables-save.`,
        fixable: true,
        detail: detail.length > DETAIL_LINES ? [...detail.slice(0, DETAIL_LINES), `... and ${detail.length - DETAIL_LINES} more`] : detail,
      },
    ],
    actions,
  };
}
