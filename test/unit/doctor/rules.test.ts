// The manager's chains and rules versus the desired layout: the planner decides
// whether anything is wrong, the findings say what, per chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRules } from '../../../src/doctor/rule-checks.js';
import { damaged, expectations, snapshot } from './fixtures.js';

const withRules = (script: string) => snapshot({ rulesets: { nft: damaged(script), legacy: { tables: [] } } });

test('a deleted chain: the chain and the jump to it are reported, one fix restores both', () => {
  const s = withRules('*filter\n-D FORWARD -j DOCKER-ISOLATION-STAGE-1\n-F DOCKER-ISOLATION-STAGE-1\n-X DOCKER-ISOLATION-STAGE-1\nCOMMIT\n');
  const r = checkRules(s, expectations());
  assert.deepEqual(
    r.findings.map((f) => [f.subject, f.summary]),
    [
      ['filter FORWARD', "filter FORWARD: 1 of berthd's rules is missing: container traffic through this host is not accepted or filtered as intended."],
      ['filter DOCKER-ISOLATION-STAGE-1', 'filter chain DOCKER-ISOLATION-STAGE-1 is missing (it should hold 3 rules): bridge networks are no longer isolated from each other.'],
    ],
  );
  assert.deepEqual(r.findings[1]?.detail, [
    '+:DOCKER-ISOLATION-STAGE-1 -',
    '+-A DOCKER-ISOLATION-STAGE-1 -i br-appnet ! -o br-appnet -j DOCKER-ISOLATION-STAGE-2',
    '+-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2',
    '+-A DOCKER-ISOLATION-STAGE-1 -j RETURN',
  ]);
  assert.ok(r.findings.every((f) => f.id === 'rules' && f.severity === 'error' && f.fixable));
  assert.deepEqual(r.actions, [{ kind: 'restore-rules', what: "restored berthd's chains and rules in one iptables-restore --noflush" }]);
});

test('an altered rule in an owned chain shows as the rule in the kernel and the one wanted', () => {
  const s = withRules('*nat\n-R DOCKER 3 ! -i br-appnet -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.18.0.2:80\nCOMMIT\n');
  const r = checkRules(s, expectations());
  assert.equal(r.findings.length, 1);
  assert.equal(r.findings[0]?.subject, 'nat DOCKER');
  assert.match(r.findings[0]?.summary ?? '', /^nat DOCKER: 1 of berthd's rules is missing; 1 rule is not as berthd wants \(altered, out of order or left over\): published ports stop answering/);
  assert.deepEqual(r.findings[0]?.detail, [
    '--A DOCKER ! -i br-appnet -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.18.0.2:80',
    '+-A DOCKER ! -i br-appnet -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80',
  ]);
});

test('the chain seed story: DOCKER gone from filter and nat after a firewall restart', () => {
  const s = withRules('*filter\n-D FORWARD -o br-appnet -j DOCKER\n-D FORWARD -o docker0 -j DOCKER\n-F DOCKER\n-X DOCKER\nCOMMIT\n');
  const r = checkRules(s, expectations());
  const docker = r.findings.find((f) => f.subject === 'filter DOCKER');
  assert.match(docker?.summary ?? '', /publishing a new one fails with "iptables: No chain\/target\/match by that name"/);
});

test('foreign rules, DOCKER-USER contents and policies are not the manager\'s business', () => {
  const s = withRules('*filter\n-A FORWARD -s 10.8.8.8/32 -j ACCEPT\n-I DOCKER-USER -s 10.9.9.9/32 -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n');
  assert.deepEqual(checkRules(s, expectations()), { findings: [], actions: [] });
});

test('a missing DOCKER-USER is reported (its jump would fail), not its contents', () => {
  const s = withRules('*filter\n-D FORWARD -j DOCKER-USER\n-F DOCKER-USER\n-X DOCKER-USER\nCOMMIT\n');
  assert.deepEqual(
    checkRules(s, expectations()).findings.map((f) => f.subject),
    ['filter FORWARD', 'filter DOCKER-USER'],
  );
});

test('rules out of order among themselves are drift; the planner would reorder them', () => {
  const s = withRules('*filter\n-D FORWARD -j DOCKER-USER\n-A FORWARD -j DOCKER-USER\nCOMMIT\n');
  const r = checkRules(s, expectations());
  assert.deepEqual(r.findings.map((f) => f.subject), ['filter FORWARD']);
  assert.equal(r.actions.length, 1);
});

test('without iptables in the manager\'s config nothing is checked; without iptables on the host, an unfixable finding', () => {
  assert.deepEqual(checkRules(withRules('*filter\n-F DOCKER\nCOMMIT\n'), expectations({ iptables: false })), { findings: [], actions: [] });
  const r = checkRules(snapshot({ activeVariant: null }), expectations());
  assert.equal(r.findings[0]?.fixable, false);
  assert.match(r.findings[0]?.summary ?? '', /iptables does not run here/);
});
