// The iptables Firewall skips its iptables-save while the rule watch vouches that
// no one else committed: then it plans against what its last plan left. These
// tests count the reads and check that a stale view never leaves the kernel wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeIptables, fakeFirewallBackend } from '../../../src/backend/fake-iptables.js';
import { Firewall } from '../../../src/engine/firewall.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { DESIRED_DOCKER0, DESIRED_TWO_BRIDGES } from '../iptables/fixtures.js';

function counted(fake: FakeIptables): { backend: ReturnType<typeof fakeFirewallBackend>; saves: () => number; restores: () => number } {
  const inner = fakeFirewallBackend(fake);
  let saves = 0;
  let restores = 0;
  return {
    backend: {
      save: () => (saves++, inner.save()),
      restore: (text) => (restores++, inner.restore(text)),
    },
    saves: () => saves,
    restores: () => restores,
  };
}

/** What a fresh firewall planning from a full read would write now ('' = the kernel is right). */
async function freshPlan(fake: FakeIptables, desired: typeof DESIRED_DOCKER0): Promise<string> {
  const fw = new Firewall(fakeFirewallBackend(fake), desired);
  return (await fw.differs(desired)) ? 'differs' : '';
}

describe('Firewall kernel view', () => {
  it('reads the kernel before every change while not tracked', async () => {
    const fake = new FakeIptables();
    const c = counted(fake);
    const fw = new Firewall(c.backend, null);
    await fw.apply(DESIRED_DOCKER0);
    await fw.apply(DESIRED_TWO_BRIDGES);
    assert.equal(c.saves(), 2);
  });

  it('while tracked, plans from its own account: one read, then none', async () => {
    const fake = new FakeIptables();
    const c = counted(fake);
    const fw = new Firewall(c.backend, null);
    fw.trackKernel(true);
    await fw.apply(DESIRED_DOCKER0);
    await fw.apply(DESIRED_TWO_BRIDGES);
    await fw.apply(DESIRED_DOCKER0);
    assert.equal(c.saves(), 1);
    assert.equal(c.restores(), 3);
    assert.equal(await freshPlan(fake, DESIRED_DOCKER0), '');
  });

  it('a foreign commit (forget) makes the next change read the kernel, and keeps the foreign rule', async () => {
    const fake = new FakeIptables();
    const c = counted(fake);
    const fw = new Firewall(c.backend, null);
    fw.trackKernel(true);
    await fw.apply(DESIRED_DOCKER0);
    fake.restore('*filter\n-I FORWARD 1 -s 10.9.9.9/32 -j DROP\nCOMMIT\n', { noflush: true });
    fw.forget();
    await fw.apply(DESIRED_TWO_BRIDGES);
    assert.equal(c.saves(), 2);
    assert.match(printSave(fake.save()), /^-A FORWARD -s 10\.9\.9\.9\/32 -j DROP$/m);
    assert.equal(await freshPlan(fake, DESIRED_TWO_BRIDGES), '');
  });

  it('a restore that fails on a stale view is planned again from a fresh read', async () => {
    const fake = new FakeIptables();
    const c = counted(fake);
    const fw = new Firewall(c.backend, null);
    fw.trackKernel(true);
    await fw.apply(DESIRED_TWO_BRIDGES);
    // Someone flushed everything and the watch has not said so yet: the view is stale.
    fake.restore('*filter\n-F\n-X\nCOMMIT\n*nat\n-F\n-X\nCOMMIT\n', { noflush: true });
    await fw.apply(DESIRED_DOCKER0);
    assert.equal(c.saves(), 2, 'the retry read the kernel');
    assert.equal(await freshPlan(fake, DESIRED_DOCKER0), '');
  });

  it('finding drift drops the view, so the repair plans from the kernel', async () => {
    const fake = new FakeIptables();
    const c = counted(fake);
    const fw = new Firewall(c.backend, null);
    fw.trackKernel(true);
    await fw.apply(DESIRED_DOCKER0);
    fake.restore('*filter\n-F DOCKER-ISOLATION-STAGE-1\nCOMMIT\n', { noflush: true });
    assert.equal(await fw.differs(DESIRED_DOCKER0), true);
    assert.equal(await fw.apply(DESIRED_DOCKER0), true, 'repaired, although the view said all was well');
    assert.equal(await freshPlan(fake, DESIRED_DOCKER0), '');
  });
});
