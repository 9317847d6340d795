// The nftables renderer: golden text for typical hosts (BERTH_UPDATE_GOLDEN=1
// rewrites test/golden/nftables), and the properties every rendering must have:
// every set and chain a rule names is declared, the rules a packet meets do not
// grow with the number of ports or networks, and an apply never flushes the user chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { LayoutInput } from '../../../src/render/iptables/docker-layout.js';
import { renderNftLayout } from '../../../src/render/nftables/layout.js';
import { printChanges, printTable, printTransaction } from '../../../src/render/nftables/print.js';
import { changedPart } from '../../../src/render/nftables/diff.js';
import type { NftTable } from '../../../src/render/nftables/ir.js';
import { isDynamicChain } from '../../../src/render/nftables/names.js';
import { TYPICAL, net, port } from '../../helpers/layout-fixtures.js';

const GOLDEN = new URL('../../../../test/golden/nftables/', import.meta.url);

function table(input: LayoutInput): NftTable {
  const t = renderNftLayout(input);
  assert.ok(t, 'a table is rendered');
  return t;
}

function golden(name: string, actual: string): void {
  const file = new URL(`${name}.nft`, GOLDEN);
  if (process.env.BERTH_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name}.nft differs (BERTH_UPDATE_GOLDEN=1 rewrites it)`);
}

test('golden: a typical host, userland proxy on', () => {
  golden('typical', printTable(table(TYPICAL)));
});

test('golden: the same host in hairpin mode (--userland-proxy=false)', () => {
  golden('typical-hairpin', printTable(table({ ...TYPICAL, hairpin: true })));
});

test('--iptables=false renders no table', () => {
  assert.equal(renderNftLayout({ ...TYPICAL, iptables: false }), null);
});

test('every set, map and chain a rule or verdict names is declared', () => {
  for (const input of [TYPICAL, { ...TYPICAL, hairpin: true }]) {
    const t = table(input);
    const sets = new Set(t.sets.map((s) => s.name));
    const chains = new Set([...t.chains.map((c) => c.name), ...t.userChains]);
    const texts = [...t.chains.flatMap((c) => c.rules), ...t.sets.flatMap((s) => s.elements)];
    for (const text of texts) {
      for (const [, name] of text.matchAll(/@(\S+)/g)) assert.ok(sets.has(name as string), `${text}: @${name} is declared`);
      for (const [, name] of text.matchAll(/\b(?:jump|goto) (\S+)/g)) assert.ok(chains.has(name as string), `${text}: chain ${name} is declared`);
    }
  }
});

test('the rules a packet meets do not grow with ports or networks: those go into sets and maps', () => {
  const many: LayoutInput = {
    ...TYPICAL,
    networks: Array.from({ length: 100 }, (_, i) => net(`n${i}`, `10.${i}.0.0/16`, { internal: i % 10 === 0, icc: i % 3 !== 0 })),
    ports: Array.from({ length: 1000 }, (_, i) => port(`br-n${i % 100}`, `10.${i % 100}.0.2`, 20000 + i, 80)),
  };
  const shape = (t: NftTable): string[] => t.chains.filter((c) => !isDynamicChain(c.name)).map((c) => `${c.name}: ${c.rules.length} rules`);
  assert.deepEqual(shape(table(many)), shape(table(TYPICAL)));
  // Each network adds one small chain of its own, reached through one verdict-map lookup.
  for (const c of table(many).chains.filter((x) => isDynamicChain(x.name))) assert.ok(c.rules.length <= 2, `${c.name} has ${c.rules.length} rules`);
  const published = table(many).sets.find((s) => s.name === 'published-any');
  assert.equal(published?.elements.length, 1000);
});

test('a host port given twice keeps its first target, as the first DNAT rule wins', () => {
  const t = table({ ...TYPICAL, ports: [port('docker0', '172.17.0.2', 8080, 80), port('docker0', '172.17.0.3', 8080, 81)] });
  assert.deepEqual(t.sets.find((s) => s.name === 'published-any')?.elements, ['tcp . 8080 : 172.17.0.2 . 80']);
});

test('ports published to the same container port are intervals: 1,000 of them, in any order, are one element of each kind and one rule', () => {
  const ports = Array.from({ length: 1000 }, (_, i) => port('docker0', '172.17.0.2', 20999 - i, 20999 - i));
  const t = table({ ...TYPICAL, ports });
  const elements = (name: string): readonly string[] | undefined => t.sets.find((s) => s.name === name)?.elements;
  assert.deepEqual(elements('published-same-tcp'), ['20000-20999 : 172.17.0.2']);
  assert.deepEqual(elements('published-any'), []);
  assert.deepEqual(elements('published-ports'), ['172.17.0.2 : jump ports-172.17.0.2']);
  assert.deepEqual(t.chains.find((c) => c.name === 'ports-172.17.0.2')?.rules, ['oifname "docker0" tcp dport { 20000-20999 } accept']);
});

test('an interval ends at a gap and where the target changes; another container port stays a port of its own', () => {
  const t = table({
    ...TYPICAL,
    ports: [
      port('docker0', '172.17.0.2', 8000, 8000),
      port('docker0', '172.17.0.2', 8001, 8001),
      port('docker0', '172.17.0.3', 8002, 8002),
      port('docker0', '172.17.0.2', 8003, 8003),
      port('docker0', '172.17.0.2', 8004, 80),
      port('docker0', '172.17.0.2', 8080, 8080),
    ],
  });
  const elements = (name: string): readonly string[] | undefined => t.sets.find((s) => s.name === name)?.elements;
  assert.deepEqual(elements('published-same-tcp'), ['8000-8001 : 172.17.0.2', '8002 : 172.17.0.3', '8003 : 172.17.0.2', '8080 : 172.17.0.2']);
  assert.deepEqual(elements('published-any'), ['tcp . 8004 : 172.17.0.2 . 80']);
  assert.deepEqual(t.chains.find((c) => c.name === 'ports-172.17.0.2')?.rules, ['oifname "docker0" tcp dport { 80, 8000-8001, 8003, 8080 } accept']);
});

test('unpublishing a port inside a range deletes the range, then adds what is left of it, in one change', () => {
  const range = (skip: number): LayoutInput => ({
    ...TYPICAL,
    ports: Array.from({ length: 100 }, (_, i) => port('docker0', '172.17.0.2', 20000 + i, 20000 + i)).filter((p) => p.hostPort !== skip),
  });
  const before = table(range(-1));
  const after = table(range(20050));
  const change = printChanges(before, changedPart(before, after), []);
  const deleted = change.indexOf('delete element ip berth published-same-tcp { 20000-20099 }\n');
  const added = change.indexOf('add element ip berth published-same-tcp { 20000-20049 : 172.17.0.2, 20051-20099 : 172.17.0.2 }\n');
  assert.ok(deleted >= 0 && added > deleted, change);
  assert.match(change, /oifname "docker0" tcp dport \{ 20000-20049, 20051-20099 \} accept/);
});

test('the transaction declares everything, flushes and refills what berth owns, never the user chain', () => {
  const t = table(TYPICAL);
  const script = printTransaction(t, []);
  const flushed = [...script.matchAll(/^flush (?:set|map|chain) ip berth (\S+)$/gm)].map((m) => m[1]);
  assert.deepEqual(flushed, [...t.sets.map((s) => s.name), ...t.chains.map((c) => c.name)]);
  assert.ok(!flushed.includes('berth-user'));
  assert.match(script, /^\tchain berth-user \{\n\t\}$/m, 'the user chain is declared, without rules');
  assert.ok(script.endsWith(printTable(t)), 'the refill is the table itself');
});

test('chains of networks that are gone are deleted, whether or not they are still there', () => {
  const script = printTransaction(table(TYPICAL), ['masq-br-gone']);
  assert.ok(script.endsWith('add chain ip berth masq-br-gone\nflush chain ip berth masq-br-gone\ndelete chain ip berth masq-br-gone\n'));
});

test('a forward policy given is printed; none leaves the kernel its own', () => {
  const t = table(TYPICAL);
  assert.match(printTable(t), /^\t\ttype filter hook forward priority filter;$/m);
  const drop: NftTable = { ...t, chains: t.chains.map((c) => (c.name === 'forward' && c.hook ? { ...c, hook: { ...c.hook, policy: 'drop' } } : c)) };
  assert.match(printTable(drop), /^\t\ttype filter hook forward priority filter; policy drop;$/m);
});

test('a change on top of the last table adds and deletes elements and creates chains, emptying nothing that stays', () => {
  const before = table(TYPICAL);
  // A network more, a port more: only additions.
  const grown = table({ ...TYPICAL, networks: [...TYPICAL.networks, net('extra', '172.22.0.0/16')], ports: [...TYPICAL.ports, port('docker0', '172.17.0.9', 9090, 90)] });
  const up = printChanges(before, changedPart(before, grown), []);
  assert.doesNotMatch(up, /^(flush|delete) /m, up);
  assert.match(up, /^add element ip berth published-any \{ tcp \. 9090 : 172\.17\.0\.9 \. 90 \}$/m);
  assert.match(up, /^\tchain masq-br-extra \{\n\t\}$/m, 'the new chain is declared before elements jump to it');
  assert.ok(up.indexOf('chain masq-br-extra {\n\t}') < up.indexOf('jump masq-br-extra'));
  assert.equal(up.match(/chain masq-br-extra \{/g)?.length, 1, 'declared once: a second declaration is an update, which waits for a grace period');
  assert.match(up, /^add rule ip berth masq-br-extra oifname != "br-extra" masquerade$/m);
  // And back: deletions by key only (a map's value is not part of its key), the chain last.
  const down = printChanges(grown, changedPart(grown, before), ['masq-br-extra']);
  assert.match(down, /^delete element ip berth published-any \{ tcp \. 9090 \}$/m);
  assert.doesNotMatch(down, /^flush (set|map) /m);
  assert.ok(down.indexOf('delete element') < down.indexOf('delete chain ip berth masq-br-extra'), 'elements jumping to the chain go first');
});
