import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeIptables } from '../../../src/backend/fake-iptables.js';
import { planAccess } from '../../../src/firewall/plan.js';
import { renderAccess, type AccessLayout } from '../../../src/firewall/render.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { rule, spec } from './fixtures.js';

/** A Docker host's filter table with a hand-written DOCKER-USER rule. */
const HOST = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -j DOCKER
-A DOCKER-USER -s 10.9.9.9/32 -j DROP
-A DOCKER-USER -j RETURN
COMMIT
`;

function chain(f: FakeIptables, name: string): readonly string[] | undefined {
  return f.save().tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === name)?.rules;
}

/** Plans against the fake, applies like iptables-restore --noflush, returns the plan. */
function apply(f: FakeIptables, want: AccessLayout): string {
  const plan = planAccess(f.save(), want);
  f.restore(plan, { noflush: true });
  return plan;
}

const ALLOW = rule('aaaaaaaaaaaa', spec('allow', '10.200.0.2'));
const DENY = rule('dddddddddddd', spec('deny', '10.200.0.7'));

describe('firewall plan: one restore, berth-marked rules only', () => {
  it('first rule: creates the chain and puts the jumps at the top of DOCKER-USER, hand-written rules kept in order', () => {
    const f = new FakeIptables(parseSave(HOST));
    const want = renderAccess([ALLOW], ['docker0', 'br-1']);
    const plan = apply(f, want);
    assert.equal(
      plan,
      [
        '*filter',
        ':BERTH-FIREWALL - [0:0]',
        `-I DOCKER-USER 1 ${want.jumps[0]}`,
        `-I DOCKER-USER 2 ${want.jumps[1]}`,
        `-A BERTH-FIREWALL ${want.chain[0]}`,
        `-A BERTH-FIREWALL ${want.chain[1]}`,
        'COMMIT',
        '',
      ].join('\n'),
    );
    assert.deepEqual(chain(f, 'DOCKER-USER'), [...want.jumps, '-s 10.9.9.9/32 -j DROP', '-j RETURN']);
    assert.deepEqual(chain(f, 'BERTH-FIREWALL'), want.chain);
    assert.equal(planAccess(f.save(), want), '', 'applied: nothing more to do');
  });

  it('a new rule rewrites only berth’s chain; the jumps stay', () => {
    const f = new FakeIptables(parseSave(HOST));
    apply(f, renderAccess([ALLOW], ['docker0']));
    const want = renderAccess([ALLOW, DENY], ['docker0']);
    const plan = apply(f, want);
    assert.deepEqual(plan.split('\n').filter((l) => l.includes('DOCKER-USER')), [], 'DOCKER-USER is not touched');
    assert.deepEqual(chain(f, 'BERTH-FIREWALL'), want.chain);
  });

  it('a removed bridge loses its jump; a new one gets its jump after the others', () => {
    const f = new FakeIptables(parseSave(HOST));
    apply(f, renderAccess([ALLOW], ['docker0', 'br-old']));
    const want = renderAccess([ALLOW], ['docker0', 'br-new']);
    apply(f, want);
    assert.deepEqual(chain(f, 'DOCKER-USER'), [...want.jumps, '-s 10.9.9.9/32 -j DROP', '-j RETURN']);
  });

  it('the last rule removed: jumps deleted, chain flushed and deleted, DOCKER-USER as before', () => {
    const f = new FakeIptables(parseSave(HOST));
    apply(f, renderAccess([ALLOW], ['docker0']));
    const plan = apply(f, renderAccess([], ['docker0']));
    assert.match(plan, /-D DOCKER-USER .*\n-F BERTH-FIREWALL\n-X BERTH-FIREWALL\n/);
    assert.deepEqual(chain(f, 'DOCKER-USER'), ['-s 10.9.9.9/32 -j DROP', '-j RETURN']);
    assert.equal(chain(f, 'BERTH-FIREWALL'), undefined);
    assert.equal(planAccess(f.save(), renderAccess([], ['docker0'])), '');
  });

  it('a chain something else jumps to is emptied, not deleted', () => {
    const f = new FakeIptables(parseSave(HOST));
    apply(f, renderAccess([ALLOW], ['docker0']));
    f.restore('*filter\n-A INPUT -j BERTH-FIREWALL\nCOMMIT\n', { noflush: true });
    const plan = apply(f, renderAccess([], ['docker0']));
    assert.doesNotMatch(plan, /-X/);
    assert.deepEqual(chain(f, 'BERTH-FIREWALL'), []);
  });

  it('after a flush (iptables -F) the rules come back at the top, above a rule the user added since', () => {
    const f = new FakeIptables(parseSave(HOST));
    const want = renderAccess([ALLOW], ['docker0', 'br-1']);
    apply(f, want);
    f.restore('*filter\n-F DOCKER-USER\n-F BERTH-FIREWALL\n-A DOCKER-USER -s 10.8.8.8/32 -j DROP\nCOMMIT\n', { noflush: true });
    apply(f, want);
    assert.deepEqual(chain(f, 'DOCKER-USER'), [...want.jumps, '-s 10.8.8.8/32 -j DROP']);
    assert.deepEqual(chain(f, 'BERTH-FIREWALL'), want.chain);
  });

  it('jumps that drifted below hand-written rules go back to the top, hand-written order kept', () => {
    const f = new FakeIptables(parseSave(HOST));
    const want = renderAccess([ALLOW], ['docker0', 'br-1']);
    apply(f, want);
    f.restore('*filter\n-I DOCKER-USER 2 -s 10.8.8.8/32 -j DROP\nCOMMIT\n', { noflush: true });
    apply(f, want);
    assert.deepEqual(chain(f, 'DOCKER-USER'), [...want.jumps, '-s 10.8.8.8/32 -j DROP', '-s 10.9.9.9/32 -j DROP', '-j RETURN']);
  });

  it('duplicated or stale berth-marked rules are removed; unmarked look-alikes are kept', () => {
    const f = new FakeIptables(parseSave(HOST));
    const want = renderAccess([ALLOW], ['docker0']);
    apply(f, want);
    const lookAlike = '! -i docker0 -o docker0 -m conntrack --ctstate NEW -j BERTH-FIREWALL';
    f.restore(`*filter\n-A DOCKER-USER ${want.jumps[0]}\n-A DOCKER-USER ${lookAlike}\n-A DOCKER-USER -m comment --comment "berth-firewall:inbound gone" -j RETURN\nCOMMIT\n`, { noflush: true });
    apply(f, want);
    assert.deepEqual(chain(f, 'DOCKER-USER'), [want.jumps[0], '-s 10.9.9.9/32 -j DROP', '-j RETURN', lookAlike]);
  });

  it('without DOCKER-USER there is nothing to hook into: a clear error (or nothing to do when no rules)', () => {
    const bare = parseSave('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
    assert.throws(() => planAccess(bare, renderAccess([ALLOW], ['docker0'])), /the DOCKER-USER chain does not exist/);
    assert.equal(planAccess(bare, renderAccess([], ['docker0'])), '');
  });
});
