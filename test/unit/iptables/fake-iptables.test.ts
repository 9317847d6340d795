import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeIptables, RestoreError } from '../../../src/backend/fake-iptables.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { DOCKER_1809_CANONICAL, FOREIGN_HOST } from './fixtures.js';

const FRESH = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
`;

function fake(text = FRESH): FakeIptables {
  return new FakeIptables(parseSave(text));
}

function saved(f: FakeIptables): string {
  return printSave(f.save());
}

/** Expects `restore` to fail on `line` and leave the fake as it was. */
function assertRefused(f: FakeIptables, input: string, line: number, reason: RegExp, noflush = true): void {
  const before = saved(f);
  assert.throws(
    () => f.restore(input, { noflush }),
    (err: unknown) => {
      assert.ok(err instanceof RestoreError);
      assert.equal(err.line, line);
      assert.equal(err.text, input.split('\n')[line - 1]?.trim());
      assert.match(err.reason, reason);
      assert.match(err.message, new RegExp(`^iptables-restore: line ${line} failed`));
      return true;
    },
  );
  assert.equal(saved(f), before);
}

describe('FakeIptables', () => {
  it('starts with filter and nat, all ACCEPT', () => {
    assert.equal(saved(new FakeIptables()), FRESH);
  });

  it('restores a full dump without --noflush exactly', () => {
    const f = new FakeIptables();
    f.restore(DOCKER_1809_CANONICAL);
    assert.equal(saved(f), DOCKER_1809_CANONICAL);
  });

  it('without --noflush empties the tables it names and deletes their user chains', () => {
    const f = fake(DOCKER_1809_CANONICAL);
    f.restore('*filter\n:FORWARD DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n');
    const filter = FRESH.split('*nat')[0]?.replace(':FORWARD ACCEPT', ':FORWARD DROP').replace('COMMIT', '-A INPUT -i lo -j ACCEPT\nCOMMIT');
    assert.equal(saved(f), `${filter}${DOCKER_1809_CANONICAL.slice(DOCKER_1809_CANONICAL.indexOf('*nat'))}`);
  });

  it('with --noflush a declaration flushes an existing user chain and keeps everything else', () => {
    const f = fake(DOCKER_1809_CANONICAL);
    f.restore('*filter\n:DOCKER-ISOLATION-STAGE-2 - [0:0]\n-A DOCKER-ISOLATION-STAGE-2 -j RETURN\nCOMMIT\n', { noflush: true });
    assert.equal(saved(f), DOCKER_1809_CANONICAL.replace('-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP\n', ''));
  });

  it('sorts user chains by name like legacy iptables-save and creates tables on first use', () => {
    const f = new FakeIptables();
    f.restore('*filter\n:ZED - [0:0]\n-N ALPHA\n-N DOCKER-USER\n-N DOCKER\nCOMMIT\n*raw\n-A PREROUTING -j NOTRACK\nCOMMIT\n', { noflush: true });
    assert.equal(
      saved(f),
      FRESH.replace('COMMIT', ':ALPHA - [0:0]\n:DOCKER - [0:0]\n:DOCKER-USER - [0:0]\n:ZED - [0:0]\nCOMMIT') +
        '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -j NOTRACK\nCOMMIT\n',
    );
  });

  it('runs -A, -I, -D (spec and number), -R, -F, -X, -N and -P', () => {
    const f = fake();
    f.restore(
      [
        '*filter',
        '-N X',
        '-A FORWARD -j X',
        '-A FORWARD -s 10.0.0.1/32 -j ACCEPT',
        '-I FORWARD -s 10.0.0.2/32 -j ACCEPT',
        '-I FORWARD 3 -s 10.0.0.3/32 -j ACCEPT',
        '-I FORWARD 5 -s 10.0.0.4/32 -j ACCEPT',
        '-D FORWARD -s 10.0.0.1/32  -j  ACCEPT',
        '-R FORWARD 1 -s 10.0.0.5/32 -j DROP',
        '-A X -j RETURN',
        '-A INPUT -j ACCEPT',
        '-D INPUT 1',
        '-P FORWARD DROP',
        '-N Y',
        '-A Y -j LOG --log-prefix "y: "',
        '-F Y',
        '-X Y',
        'COMMIT',
      ].join('\n'),
      { noflush: true },
    );
    assert.equal(
      saved(f),
      FRESH.replace(':FORWARD ACCEPT', ':FORWARD DROP').replace(
        'COMMIT',
        ':X - [0:0]\n-A FORWARD -s 10.0.0.5/32 -j DROP\n-A FORWARD -j X\n-A FORWARD -s 10.0.0.3/32 -j ACCEPT\n-A FORWARD -s 10.0.0.4/32 -j ACCEPT\n-A X -j RETURN\nCOMMIT',
      ),
    );
  });

  it('-F and -X without a chain act on the whole table', () => {
    const f = fake(DOCKER_1809_CANONICAL);
    f.restore('*filter\n-F\n-X\nCOMMIT\n', { noflush: true });
    assert.equal(saved(f), FRESH.split('*nat')[0] + DOCKER_1809_CANONICAL.slice(DOCKER_1809_CANONICAL.indexOf('*nat')));
  });

  it('ignores comments, blank lines and rule counters', () => {
    const f = fake();
    f.restore('# hello\n\n*filter\n[3:120] -A INPUT -j ACCEPT\n\nCOMMIT\n# done\n', { noflush: true });
    assert.equal(saved(f), FRESH.replace('COMMIT', '-A INPUT -j ACCEPT\nCOMMIT'));
  });

  it('keeps quoted comments in canonical form', () => {
    const f = fake();
    f.restore('*filter\n-A INPUT -m comment --comment "a  b" -j ACCEPT\n-A INPUT -m comment --comment "ab" -j ACCEPT\nCOMMIT\n', {
      noflush: true,
    });
    assert.deepEqual(f.save().tables[0]?.chains[0]?.rules, [
      '-m comment --comment "a  b" -j ACCEPT',
      '-m comment --comment ab -j ACCEPT',
    ]);
  });

  describe('refuses the whole input, naming the line', () => {
    const cases: [string, string, number, RegExp][] = [
      ['a rule in an unknown chain', '*filter\n-A INPUT -j ACCEPT\n-A NOPE -j ACCEPT\nCOMMIT\n', 3, /No chain/],
      ['a jump to a chain that does not exist', '*filter\n:DOCKER - [0:0]\n-A FORWARD -j DOCKER\n-A FORWARD -j DOCKER-USER\nCOMMIT\n', 4, /Couldn't load target `DOCKER-USER'/],
      ['a goto to a target that is not a chain', '*filter\n-A FORWARD -g ACCEPT\nCOMMIT\n', 2, /Couldn't load target/],
      ['a jump to a built-in chain', '*filter\n-A FORWARD -j INPUT\nCOMMIT\n', 2, /Couldn't load target `INPUT'/],
      ['deleting a rule that is not there', '*filter\n-A INPUT -j ACCEPT\n-D INPUT -j DROP\nCOMMIT\n', 3, /Bad rule/],
      ['deleting a rule number past the end', '*filter\n-D OUTPUT 1\nCOMMIT\n', 2, /Index of deletion too big/],
      ['inserting past the end', '*filter\n-I OUTPUT 2 -j ACCEPT\nCOMMIT\n', 2, /Index of insertion too big/],
      ['deleting a chain still jumped to', '*filter\n-N A\n-A INPUT -j A\n-X A\nCOMMIT\n', 4, /still referenced/],
      ['deleting a chain that has rules', '*filter\n-N A\n-A A -j RETURN\n-X A\nCOMMIT\n', 4, /not empty/],
      ['deleting a built-in chain', '*filter\n-X INPUT\nCOMMIT\n', 2, /built-in/],
      ['creating a chain twice', '*filter\n-N A\n-N A\nCOMMIT\n', 3, /already exists/],
      ['a policy on a user chain', '*filter\n:A ACCEPT [0:0]\nCOMMIT\n', 2, /user chain/],
      ['a bad policy', '*filter\n-P INPUT REJECT\nCOMMIT\n', 2, /Bad policy/],
      ['a too long chain name', `*filter\n-N ${'X'.repeat(29)}\nCOMMIT\n`, 2, /28 chars max/],
      ['-t inside restore input', '*filter\n-t nat -A POSTROUTING -j ACCEPT\nCOMMIT\n', 2, /-t option/],
      ['an unknown table', '*bogus\nCOMMIT\n', 1, /Table does not exist/],
      ['a rule outside a table', '-A INPUT -j ACCEPT\n', 1, /no table/],
      ['a missing COMMIT (reported at the table header)', '*filter\n-A INPUT -j ACCEPT\n', 1, /COMMIT expected/],
      ['an unknown command', '*filter\n-Z INPUT\nCOMMIT\n', 2, /unknown command/],
      ['an unterminated quote', '*filter\n-A INPUT -m comment --comment "x -j ACCEPT\nCOMMIT\n', 2, /unterminated quote/],
      ['a failure in a later table', '*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n-A POSTROUTING -j NOPE\nCOMMIT\n', 5, /NOPE/],
    ];
    for (const [what, input, line, reason] of cases) {
      it(what, () => assertRefused(fake(FOREIGN_HOST), input, line, reason));
    }

    it('declaring an existing user chain twice without --noflush', () => {
      assertRefused(fake(), '*filter\n:A - [0:0]\n:A - [0:0]\nCOMMIT\n', 3, /already exists/, false);
    });
  });
});
