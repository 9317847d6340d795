// Rules split between iptables-legacy and iptables-nft: what is found, and that
// applying the planned fix to two fake rulesets leaves one ruleset holding
// everything that is not the manager's, and the other empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeIptables } from '../../../src/backend/fake-iptables.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import type { Ruleset } from '../../../src/render/ir.js';
import { checkSplit } from '../../../src/doctor/split.js';
import type { FixAction, HostSnapshot } from '../../../src/doctor/types.js';
import { expectations, healthyRules, snapshot } from './fixtures.js';

const legacy = (text: string): Ruleset => parseSave(text);

/** Applies the split's fixes to fakes of both variants; returns both afterwards. */
function applyFix(s: HostSnapshot, actions: readonly FixAction[]): { nft: Ruleset; legacy: Ruleset } {
  const fakes = { nft: new FakeIptables(s.rulesets.nft ?? undefined), legacy: new FakeIptables(s.rulesets.legacy ?? undefined) };
  for (const a of actions) {
    assert.equal(a.kind, 'iptables-restore');
    if (a.kind === 'iptables-restore') fakes[a.variant].restore(a.input, { noflush: a.noflush });
  }
  return { nft: fakes.nft.save(), legacy: fakes.legacy.save() };
}

const chain = (rs: Ruleset, table: string, name: string) => rs.tables.find((t) => t.name === table)?.chains.find((c) => c.name === name);

test('no legacy tables, or only empty ones: no finding', () => {
  assert.equal(checkSplit(snapshot(), expectations()).findings.length, 0);
  const empty = legacy('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
  assert.equal(checkSplit(snapshot({ rulesets: { nft: healthyRules(), legacy: empty } }), expectations()).findings.length, 0);
  assert.equal(checkSplit(snapshot({ rulesets: { nft: healthyRules(), legacy: null } }), expectations()).findings.length, 0, 'legacy tools missing');
});

test('a rule added with iptables-legacy is moved into iptables-nft and legacy is emptied', () => {
  const s = snapshot({
    rulesets: {
      nft: healthyRules(),
      legacy: legacy('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -s 10.9.9.9/32 -j DROP\nCOMMIT\n'),
    },
  });
  const r = checkSplit(s, expectations());
  assert.equal(r.findings.length, 1);
  const [f] = r.findings;
  assert.equal(f?.id, 'iptables-split');
  assert.equal(f?.subject, 'iptables-legacy');
  assert.equal(
    f?.summary,
    'iptables-legacy holds 1 rule besides iptables-nft, which berthd uses: the kernel runs both rulesets, so a rule there can drop or rewrite container traffic while `iptables -L` does not show it.',
  );
  assert.deepEqual(f?.detail, ['move filter: -A FORWARD -s 10.9.9.9/32 -j DROP']);
  assert.deepEqual(
    r.actions.map((a) => a.what),
    ['moved 1 rule from iptables-legacy into iptables-nft', "emptied iptables-legacy's tables"],
  );
  const after = applyFix(s, r.actions);
  assert.equal(chain(after.nft, 'filter', 'FORWARD')?.rules.at(-1), '-s 10.9.9.9/32 -j DROP', 'appended after the manager\'s rules');
  assert.deepEqual(chain(after.legacy, 'filter', 'FORWARD')?.rules, []);
  assert.equal(checkSplit({ ...s, rulesets: after }, expectations()).findings.length, 0, 'nothing left to find');
});

test('stale copies of Docker\'s layout in legacy are left out; DOCKER-USER rules go before its RETURN; a DROP policy is kept', () => {
  const old = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-ISOLATION - [0:0]',
    ':DOCKER-USER - [0:0]',
    ':MYCHAIN - [0:0]',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-ISOLATION',
    '-A FORWARD -o docker0 -j DOCKER',
    '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A FORWARD -j MYCHAIN',
    '-A DOCKER -d 172.17.0.9/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
    '-A DOCKER-ISOLATION -j RETURN',
    '-A DOCKER-USER -s 10.1.1.1/32 -j DROP',
    '-A DOCKER-USER -j RETURN',
    '-A MYCHAIN -p tcp -m tcp --dport 22 -j ACCEPT',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
    'COMMIT',
    '',
  ].join('\n');
  const nft = new FakeIptables(healthyRules());
  nft.restore('*filter\n:FORWARD ACCEPT [0:0]\n-I DOCKER-USER 1 -s 10.2.2.2/32 -j ACCEPT\nCOMMIT\n', { noflush: true });
  const s = snapshot({ rulesets: { nft: nft.save(), legacy: legacy(old) } });
  const r = checkSplit(s, expectations());
  assert.match(r.findings[0]?.summary ?? '', /^iptables-legacy holds 11 rules, 4 chains, 1 strict policy besides iptables-nft/);
  assert.deepEqual(r.findings[0]?.detail, [
    'move filter: -A FORWARD -j MYCHAIN',
    'move filter: -A DOCKER-USER -s 10.1.1.1/32 -j DROP',
    'move filter: -A MYCHAIN -p tcp -m tcp --dport 22 -j ACCEPT',
    'drop filter: -A FORWARD -j DOCKER-USER',
    'drop filter: -A FORWARD -j DOCKER-ISOLATION',
    'drop filter: -A FORWARD -o docker0 -j DOCKER',
    'drop filter: -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    'drop filter: -A DOCKER -d 172.17.0.9/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
    'drop filter: -A DOCKER-ISOLATION -j RETURN',
    'drop filter: -A DOCKER-USER -j RETURN',
    'drop nat: -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
    'keep policy filter FORWARD DROP',
  ]);
  const after = applyFix(s, r.actions);
  assert.equal(chain(after.nft, 'filter', 'FORWARD')?.policy, 'DROP');
  assert.deepEqual(chain(after.nft, 'filter', 'DOCKER-USER')?.rules, ['-s 10.2.2.2/32 -j ACCEPT', '-s 10.1.1.1/32 -j DROP', '-j RETURN']);
  assert.deepEqual(chain(after.nft, 'filter', 'MYCHAIN')?.rules, ['-p tcp -m tcp --dport 22 -j ACCEPT']);
  assert.equal(chain(after.nft, 'filter', 'DOCKER-ISOLATION'), undefined, 'the old layout is not carried over');
  assert.deepEqual(after.legacy.tables.map((t) => [t.name, t.chains.map((c) => `${c.name} ${c.policy} ${c.rules.length}`)]), [
    ['filter', ['INPUT ACCEPT 0', 'FORWARD ACCEPT 0', 'OUTPUT ACCEPT 0']],
    ['nat', ['PREROUTING ACCEPT 0', 'INPUT ACCEPT 0', 'OUTPUT ACCEPT 0', 'POSTROUTING ACCEPT 0']],
  ]);
});

test('a rule already in iptables-nft is not duplicated; with nothing to move only legacy is emptied', () => {
  const s = snapshot({
    rulesets: { nft: healthyRules(), legacy: legacy('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j DOCKER-USER\nCOMMIT\n') },
  });
  const r = checkSplit(s, expectations());
  assert.deepEqual(r.actions.map((a) => a.kind === 'iptables-restore' && a.variant), ['legacy']);
});

test('the other way round: berth on iptables-legacy, rules left in iptables-nft', () => {
  const s = snapshot({
    activeVariant: 'legacy',
    rulesets: { legacy: healthyRules(), nft: legacy('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 10.3.3.3/32 -j DROP\nCOMMIT\n') },
  });
  const r = checkSplit(s, expectations());
  assert.equal(r.findings[0]?.subject, 'iptables-nft');
  assert.deepEqual(r.actions.map((a) => a.kind === 'iptables-restore' && [a.variant, a.noflush]), [['legacy', true], ['nft', false]]);
});
