// The engine on the nftables backend (over a fake kernel): the same state drives
// berth's nftables table instead of iptables, which berth then leaves untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness } from './harness.js';
import { FakeNft } from './fake-nft.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { FakeIptables } from '../../../src/backend/fake-iptables.js';
import { parsePortSpecs } from '../../../src/model/port-binding.js';

const FRESH = printSave(new FakeIptables().save());

test('start with forwarding off: the forward chain drops first, then the table is filled; no iptables rule', async (t) => {
  const nft = new FakeNft();
  const h = makeHarness({ nft });
  t.after(() => h.cleanup());
  await h.engine.start();
  assert.equal(nft.loads.length, 2);
  assert.match(nft.loads[0] ?? '', /policy drop;/);
  assert.match(nft.listing ?? '', /hook forward priority filter; policy drop;/);
  assert.match(nft.listing ?? '', /\t\telements = \{\n\t\t\t"docker0",\n\t\t\}/);
  assert.equal(h.rules(), FRESH, 'iptables untouched');
  assert.deepEqual(h.engine.desiredRules(), { tables: [] });
  assert.equal(h.state().appliedRules, null);
});

test('a published port is a map element; berth rules shows the table; repair restores it', async (t) => {
  const nft = new FakeNft();
  const h = makeHarness({ nft, sysctls: { 'net.ipv4.ip_forward': '1' }, config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  assert.doesNotMatch(nft.loads[0] ?? '', /policy/, 'forwarding was on: the policy is not berth\'s');
  const { container } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '1'], ports: parsePortSpecs(['8080:80']) });
  await h.engine.startContainer(container.id);
  const ip = h.engine.endpoints().find((e) => e.containerId === container.id)?.ipv4;
  assert.match(h.engine.ownedRules(), new RegExp(`tcp \\. 8080 : ${ip?.replace(/\./g, '\\.')} \\. 80,`));
  assert.equal(h.engine.ownedRules(), nft.listing);

  assert.equal(await h.engine.repairRules('check'), false);
  nft.listing = null; // nft delete table ip berth
  assert.equal(await h.engine.repairRules('ruleset changed'), true);
  assert.equal(nft.listing, h.engine.ownedRules());
  assert.equal(h.rules(), FRESH);
});
