import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffRulesets, formatDiff } from '../../../src/render/iptables/diff.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { DOCKER_1809_LEGACY } from './fixtures.js';

const filter = (body: string): string => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${body}COMMIT\n`;

describe('diffRulesets', () => {
  it('finds nothing between equal rulesets, counters and comments aside', () => {
    const a = parseSave(DOCKER_1809_LEGACY);
    const b = parseSave(DOCKER_1809_LEGACY.replace(/\[\d+:\d+\]/g, '[0:0]').replace(/^#.*\n/gm, ''));
    assert.deepEqual(diffRulesets(a, b), { tables: [] });
    assert.equal(formatDiff(diffRulesets(a, b)), '');
  });

  it('reports added and removed rules with their rule numbers', () => {
    const a = parseSave(filter('-A FORWARD -j A\n-A FORWARD -j B\n-A FORWARD -j C\n'));
    const b = parseSave(filter('-A FORWARD -j A\n-A FORWARD -j X\n-A FORWARD -j C\n-A FORWARD -j D\n'));
    const diff = diffRulesets(a, b);
    assert.equal(diff.tables.length, 1);
    assert.equal(diff.tables[0]?.change, 'changed');
    assert.deepEqual(diff.tables[0]?.chains.map((c) => [c.name, c.edits]), [
      [
        'FORWARD',
        [
          { op: '-', rule: '-j B', index: 2 },
          { op: '+', rule: '-j X', index: 2 },
          { op: '+', rule: '-j D', index: 4 },
        ],
      ],
    ]);
  });

  it('shows a moved rule as a removal and an addition', () => {
    const a = parseSave(filter('-A FORWARD -j A\n-A FORWARD -j B\n-A FORWARD -j C\n'));
    const b = parseSave(filter('-A FORWARD -j B\n-A FORWARD -j C\n-A FORWARD -j A\n'));
    assert.equal(formatDiff(diffRulesets(a, b)), ' *filter\n--A FORWARD -j A\n+-A FORWARD -j A\n');
  });

  it('reports chains and tables added and removed, and policy changes', () => {
    const a = parseSave(`${filter(':OLD - [0:0]\n-A OLD -j RETURN\n')}*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n`);
    const b = parseSave(
      filter(':NEW - [0:0]\n-A NEW -j RETURN\n')
        .replace(':FORWARD ACCEPT', ':FORWARD DROP')
        .concat('*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n'),
    );
    const diff = diffRulesets(a, b);
    assert.deepEqual(
      diff.tables.map((t) => [t.name, t.change, t.chains.map((c) => `${c.name}:${c.before ? 'old' : ''}/${c.after ? 'new' : ''}`)]),
      [
        ['filter', 'changed', ['FORWARD:old/new', 'OLD:old/', 'NEW:/new']],
        ['nat', 'removed', ['PREROUTING:old/']],
        ['raw', 'added', ['PREROUTING:/new', 'OUTPUT:/new']],
      ],
    );
    assert.equal(
      formatDiff(diff),
      [
        ' *filter',
        '-:FORWARD ACCEPT',
        '+:FORWARD DROP',
        '-:OLD -',
        '--A OLD -j RETURN',
        '+:NEW -',
        '+-A NEW -j RETURN',
        '-*nat',
        '-:PREROUTING ACCEPT',
        '+*raw',
        '+:PREROUTING ACCEPT',
        '+:OUTPUT ACCEPT',
        '',
      ].join('\n'),
    );
  });

  it('handles duplicates and long chains with a small change in the middle', () => {
    const rules = Array.from({ length: 2000 }, (_, i) => `-A FORWARD -s 10.0.${i >> 8}.${i & 255}/32 -j ACCEPT`);
    const changed = [...rules];
    changed.splice(1000, 1, '-A FORWARD -j DROP', '-A FORWARD -j DROP');
    const diff = diffRulesets(parseSave(filter(`${rules.join('\n')}\n`)), parseSave(filter(`${changed.join('\n')}\n`)));
    assert.deepEqual(diff.tables[0]?.chains[0]?.edits, [
      { op: '-', rule: '-s 10.0.3.232/32 -j ACCEPT', index: 1001 },
      { op: '+', rule: '-j DROP', index: 1001 },
      { op: '+', rule: '-j DROP', index: 1002 },
    ]);
  });
});
