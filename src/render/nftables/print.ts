// nft source text for berth's table. Pure.
//  - printTable: the table as a whole, in nft's declarative form: what berth owns
//    (for display), and what loads it into an empty namespace.
//  - printTransaction: the one `nft -f` input that brings a namespace, whatever
//    it holds of the table, to exactly that: everything is declared (an `add` of
//    what exists changes nothing, and a base chain's policy stays as it is unless given),
//    berth's own sets, maps and chains are flushed, then filled; chains of
//    networks that are gone are deleted (declared first, so deleting one that
//    is not there does not fail). The user chains are declared only, so their
//    rules survive every apply.
import type { NftChain, NftSet, NftTable } from './ir.js';

export function printTable(t: NftTable): string {
  const chains = [...t.userChains.map((name): NftChain => ({ name, hook: null, rules: [] })), ...t.chains];
  const blocks = [...t.sets.map(printSet), ...chains.map(printChain)];
  return `table ${t.family} ${t.name} {\n${blocks.join('\n')}}\n`;
}

export function printTransaction(t: NftTable, staleChains: readonly string[]): string {
  const declared: NftTable = {
    ...t,
    sets: t.sets.map((s) => ({ ...s, elements: [] })),
    chains: t.chains.map((c) => ({ ...c, rules: [] })),
  };
  const flushes = [
    ...t.sets.map((s) => `flush ${s.data === null ? 'set' : 'map'} ${t.family} ${t.name} ${s.name}\n`),
    ...t.chains.map((c) => `flush chain ${t.family} ${t.name} ${c.name}\n`),
  ];
  const removals = staleChains.map((name) => ['add', 'flush', 'delete'].map((verb) => `${verb} chain ${t.family} ${t.name} ${name}\n`).join(''));
  return printTable(declared) + flushes.join('') + printTable(t) + removals.join('');
}

function printSet(s: NftSet): string {
  const lines = [
    `\t${s.data === null ? 'set' : 'map'} ${s.name} {`,
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
