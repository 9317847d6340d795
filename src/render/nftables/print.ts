// nft source text for berth's table. Pure.
//  - printTable: the table as a whole, in nft's declarative form: what berth owns
//    (for display), and what loads it into an empty namespace.
//  - printTransaction: the one `nft -f` input that brings a namespace, whatever
//    it holds of the table, to exactly that: everything is declared (an `add` of
//    what exists changes nothing, and a base chain's policy stays as it is unless given),
//    berth's own sets, maps and chains are flushed, then filled; chains of
//    networks that are gone are deleted (declared first, so deleting one that
//    is not there does not fail), and so are sets and maps the layout no longer
//    has (an older berth's). The user chains are declared only, so their
//    rules survive every apply.
//  - printChanges: the input for one change on top of the table as last written,
//    adding and deleting set and map elements and creating chains without
//    emptying anything that stays: on nf_tables a transaction that removes
//    something, or declares an existing chain, waits for an RCU grace period
//    (about 16 ms here), while adding does not.
import { setKind, type NftChain, type NftSet, type NftTable } from './ir.js';

export function printTable(t: NftTable): string {
  const chains = [...t.userChains.map((name): NftChain => ({ name, hook: null, rules: [] })), ...t.chains];
  const blocks = [...t.sets.map(printSet), ...chains.map(printChain)];
  return `table ${t.family} ${t.name} {\n${blocks.join('\n')}}\n`;
}

export function printTransaction(t: NftTable, staleChains: readonly string[], staleSets: readonly NftSet[] = []): string {
  const declared: NftTable = {
    ...t,
    sets: t.sets.map((s) => ({ ...s, elements: [] })),
    chains: t.chains.map((c) => ({ ...c, rules: [] })),
  };
  const flushes = [
    ...t.sets.map((s) => `flush ${setKind(s)} ${t.family} ${t.name} ${s.name}\n`),
    ...t.chains.map((c) => `flush chain ${t.family} ${t.name} ${c.name}\n`),
  ];
  return printTable(declared) + flushes.join('') + printTable(t) + removals(t, staleChains) + setRemovals(t, staleSets);
}

/** Sets and maps of another layout: declared as they were found, then deleted, after the chains that used them were rewritten. */
function setRemovals(t: NftTable, staleSets: readonly NftSet[]): string {
  if (staleSets.length === 0) return '';
  const declared = printTable({ ...t, sets: staleSets.map((s) => ({ ...s, elements: [] })), chains: [], userChains: [] });
  return declared + staleSets.map((s) => `delete ${setKind(s)} ${t.family} ${t.name} ${s.name}\n`).join('');
}

/** Chains of networks that are gone: declared first, so deleting one that is not there does not fail. */
function removals(t: NftTable, staleChains: readonly string[]): string {
  return staleChains.map((name) => ['add', 'flush', 'delete'].map((verb) => `${verb} chain ${t.family} ${t.name} ${name}\n`).join('')).join('');
}

/**
 * Takes the kernel from `before` (the table as berth last wrote it) to `part`
 * (the sets, maps and chains that changed, each with its whole new contents):
 * elements are added and deleted one by one in sets that keep their type, new
 * chains are created, and only a chain whose rules changed is emptied and refilled.
 */
export function printChanges(before: NftTable, part: NftTable, staleChains: readonly string[]): string {
  const where = `${part.family} ${part.name}`;
  const oldSets = new Map(before.sets.map((s) => [s.name, s]));
  const oldChains = new Set(before.chains.map((c) => c.name));
  const kept = part.sets.filter((s) => sameType(oldSets.get(s.name), s));
  const retyped = part.sets.filter((s) => !kept.includes(s));
  const created = part.chains.filter((c) => !oldChains.has(c.name));
  const rewritten = part.chains.filter((c) => oldChains.has(c.name));
  const only = (sets: readonly NftSet[], chains: readonly NftChain[]): NftTable => ({ ...part, sets, chains, userChains: [] });

  const deleted: string[] = [];
  const added: string[] = [];
  for (const s of kept) {
    const old = new Set((oldSets.get(s.name) as NftSet).elements);
    const now = new Set(s.elements);
    const gone = [...old].filter((e) => !now.has(e)).map((e) => (s.data === null ? e : (e.split(' : ')[0] as string)));
    const fresh = s.elements.filter((e) => !old.has(e));
    if (gone.length > 0) deleted.push(`delete element ${where} ${s.name} { ${gone.join(', ')} }\n`);
    if (fresh.length > 0) added.push(`add element ${where} ${s.name} { ${fresh.join(', ')} }\n`);
  }
  return [
    // New chains exist (empty) before anything jumps to them.
    created.length > 0 ? printTable(only([], created.map((c) => ({ ...c, rules: [] })))) : '',
    retyped.length + rewritten.length > 0 ? printTransaction(only(retyped, rewritten), []) : '',
    ...deleted,
    ...added,
    // Rules of new chains as statements: declaring a chain again, even one this same
    // transaction created, is an update that waits for a grace period.
    ...created.flatMap((c) => c.rules.map((rule) => `add rule ${where} ${c.name} ${rule}\n`)),
    // Last: nothing (no element deleted above) jumps to them any more.
    removals(part, staleChains),
  ].join('');
}

function sameType(a: NftSet | undefined, b: NftSet): boolean {
  return a !== undefined && a.key === b.key && a.data === b.data && a.interval === b.interval;
}

function printSet(s: NftSet): string {
  const lines = [
    `\t${setKind(s)} ${s.name} {`,
    `\t\ttype ${s.key}${s.data === null ? '' : ` : ${s.data}`}`,
    ...(s.interval ? ['\t\tflags interval'] : []),
    ...(s.elements.length > 0 ? ['\t\telements = {', ...s.elements.map((e) => `\t\t\t${e},`), '\t\t}'] : []),
    '\t}',
  ];
  return `${lines.join('\n')}\n`;
}

function printChain(c: NftChain): string {
  const policy = c.hook?.policy ? ` policy ${c.hook.policy};` : '';
  const hook = c.hook ? [`\t\ttype ${c.hook.type} hook ${c.hook.hook} priority ${c.hook.priority};${policy}`] : [];
  return `${[`\tchain ${c.name} {`, ...hook, ...c.rules.map((r) => `\t\t${r}`), '\t}'].join('\n')}\n`;
}
