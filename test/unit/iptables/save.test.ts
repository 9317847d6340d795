import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { DOCKER_1703_SPACED, DOCKER_1809_CANONICAL, DOCKER_1809_LEGACY, DOCKER_NFT_COUNTERS, FOREIGN_HOST } from './fixtures.js';

describe('parseSave', () => {
  it('reads a legacy dump into tables, chains (declaration order) and rule specs', () => {
    const rs = parseSave(DOCKER_1809_LEGACY);
    assert.deepEqual(
      rs.tables.map((t) => t.name),
      ['filter', 'nat'],
    );
    const nat = rs.tables[1];
    assert.deepEqual(nat, {
      name: 'nat',
      chains: [
        { name: 'PREROUTING', policy: 'ACCEPT', rules: ['-m addrtype --dst-type LOCAL -j DOCKER'] },
        { name: 'INPUT', policy: 'ACCEPT', rules: [] },
        { name: 'OUTPUT', policy: 'ACCEPT', rules: ['! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER'] },
        { name: 'POSTROUTING', policy: 'ACCEPT', rules: ['-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'] },
        { name: 'DOCKER', policy: null, rules: ['-i docker0 -j RETURN'] },
      ],
    });
  });

  it('drops rule counters and keeps quoted comments (nft, -c, legacy-tables warning)', () => {
    const filter = parseSave(DOCKER_NFT_COUNTERS).tables[0];
    assert.equal(filter?.chains[0]?.policy, 'DROP');
    assert.deepEqual(filter?.chains[0]?.rules, [
      '-i lo -j ACCEPT',
      '-p tcp -m tcp --dport 22 -m comment --comment "ssh from anywhere" -j ACCEPT',
    ]);
    assert.deepEqual(filter?.chains.find((c) => c.name === 'DOCKER-USER')?.rules, [
      '-s 10.0.0.0/8 -m comment --comment "berth allow 10.0.0.0/8" -j ACCEPT',
      '-j RETURN',
    ]);
  });

  it('accepts blank lines everywhere and trailing blanks after COMMIT', () => {
    const rs = parseSave(DOCKER_1703_SPACED);
    assert.deepEqual(
      rs.tables.map((t) => [t.name, t.chains.length, t.chains.reduce((n, c) => n + c.rules.length, 0)]),
      [
        ['nat', 5, 4],
        ['filter', 5, 6],
      ],
    );
  });

  it('reads CRLF line ends, a rule with no spec and normalises spacing', () => {
    const rs = parseSave('*filter\r\n:INPUT ACCEPT [0:0]\r\n-A INPUT\r\n-A INPUT  -s  1.2.3.4/32   -j DROP\r\nCOMMIT\r\n');
    assert.deepEqual(rs.tables[0]?.chains[0]?.rules, ['', '-s 1.2.3.4/32 -j DROP']);
  });

  it('reads empty input as no tables', () => {
    assert.deepEqual(parseSave(''), { tables: [] });
    assert.deepEqual(parseSave('# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n'), {
      tables: [],
    });
  });

  const malformed: [string, string, RegExp][] = [
    ['rule before any table', '-A INPUT -j ACCEPT\n', /line 1: expected a table header/],
    ['unknown table', '*bogus\nCOMMIT\n', /line 1: unknown table: \*bogus/],
    ['missing COMMIT before next table', '*filter\n:INPUT ACCEPT [0:0]\n*nat\nCOMMIT\n', /line 3: table filter \(line 1\) has no COMMIT/],
    ['missing COMMIT at end', '*filter\n:INPUT ACCEPT [0:0]\n', /table filter \(line 1\) has no COMMIT/],
    ['rule for an undeclared chain', '*filter\n:INPUT ACCEPT [0:0]\n-A DOCKER -j RETURN\nCOMMIT\n', /line 3: chain DOCKER is not declared/],
    ['malformed declaration', '*filter\n:INPUT\nCOMMIT\n', /line 2: malformed chain declaration/],
    ['bad counters', '*filter\n:INPUT ACCEPT [x:0]\nCOMMIT\n', /line 2: malformed chain declaration/],
    ['bad policy', '*filter\n:INPUT accept [0:0]\nCOMMIT\n', /line 2: bad policy/],
    ['chain declared twice', '*filter\n:A - [0:0]\n:A - [0:0]\nCOMMIT\n', /line 3: chain declared twice/],
    ['table twice', '*filter\nCOMMIT\n*filter\nCOMMIT\n', /line 3: table listed twice/],
    ['unterminated quote', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "x\nCOMMIT\n', /line 3: unterminated quote/],
    ['unknown command', '*filter\n:INPUT ACCEPT [0:0]\n-I INPUT -j ACCEPT\nCOMMIT\n', /line 3: expected -A/],
    ['stray text', '*filter\nhello\nCOMMIT\n', /line 2: expected -A/],
  ];
  for (const [what, text, error] of malformed) {
    it(`rejects ${what} with the line number`, () => {
      assert.throws(() => parseSave(text), error);
    });
  }
});

describe('printSave', () => {
  it('prints what iptables-save prints without counters', () => {
    assert.equal(printSave(parseSave(DOCKER_1809_LEGACY)), DOCKER_1809_CANONICAL);
  });

  it('prints a rule with an empty spec without a trailing blank', () => {
    const text = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT\nCOMMIT\n';
    assert.equal(printSave(parseSave(text)), text);
  });

  it('prints nothing for no tables', () => {
    assert.equal(printSave({ tables: [] }), '');
  });

  for (const [name, dump] of Object.entries({ DOCKER_1809_LEGACY, DOCKER_1703_SPACED, DOCKER_NFT_COUNTERS, FOREIGN_HOST })) {
    it(`round-trips ${name}`, () => {
      const rs = parseSave(dump);
      const printed = printSave(rs);
      assert.deepEqual(parseSave(printed), rs);
      assert.equal(printSave(parseSave(printed)), printed);
    });
  }

  it('prints the nft dump in canonical form', () => {
    const printed = printSave(parseSave(DOCKER_NFT_COUNTERS));
    assert.match(printed, /^\*filter\n:INPUT DROP \[0:0\]\n/);
    assert.match(printed, /\n-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "ssh from anywhere" -j ACCEPT\n/);
    assert.doesNotMatch(printed, /^\[|#/m);
  });
});
