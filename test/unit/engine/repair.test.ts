import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness } from './harness.js';
import type { EngineEvent } from '../../../src/engine/types.js';

test('repairRules restores flushed rules in one transaction, keeps DOCKER-USER contents, and reports it', async (t) => {
  const h = makeHarness();
  t.after(() => h.cleanup());
  await h.engine.start();
  await h.engine.createNetwork({ name: 'appnet' });
  h.iptables.restore('*filter\n-I DOCKER-USER -s 10.9.9.9/32 -j DROP\nCOMMIT\n', { noflush: true });
  const healthy = h.rules();
  const events: EngineEvent[] = [];
  h.engine.onEvent((e) => events.push(e));

  assert.equal(await h.engine.repairRules('check'), false, 'nothing to repair on a healthy host');
  h.iptables.restore('*filter\n-F DOCKER\n-F DOCKER-ISOLATION-STAGE-1\n-F FORWARD\nCOMMIT\n*nat\n-F\nCOMMIT\n', { noflush: true });
  assert.notEqual(h.rules(), healthy);
  assert.equal(await h.engine.repairRules('ruleset changed'), true);
  assert.equal(h.rules(), healthy);
  assert.deepEqual(
    events.map((e) => [e.type, e.action, e.attributes]),
    [['daemon', 'repair', { reason: 'ruleset changed' }]],
  );
});

test('repairRules does nothing with --iptables=false', async (t) => {
  const h = makeHarness({ config: { iptables: false } });
  t.after(() => h.cleanup());
  const untouched = h.rules();
  await h.engine.start();
  h.iptables.restore('*filter\n-A FORWARD -s 10.8.8.8/32 -j ACCEPT\nCOMMIT\n', { noflush: true });
  const foreign = h.rules();
  assert.notEqual(foreign, untouched);
  assert.equal(await h.engine.repairRules('check'), false);
  assert.equal(h.rules(), foreign, 'berth touches no table at all');
});
