import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness } from './harness.js';
import { HAIRPIN_START, HAIRPIN_WEB_ON_DOCKER0 } from './rulesets.js';
import { parsePortSpecs } from '../../../src/model/port-binding.js';

test('restart with live-restore: a sandbox left running is adopted untouched, and torn down when it exits later', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], ports: parsePortSpecs(['8080:80']) });
  await h.engine.startContainer('web');
  const before = { state: h.state(), rules: h.rules(), links: await h.linkNames(), netns: await h.host.netns.list() };
  assert.equal(before.rules, HAIRPIN_WEB_ON_DOCKER0);

  // berthd restarts: a new engine over the same stored state, host and iptables.
  const next = h.restart();
  assert.deepEqual(await next.engine.start(), []);
  assert.deepEqual(next.processes.signals, [], 'nothing is signalled');
  assert.equal(h.rules(), before.rules, 'the rules are untouched');
  assert.deepEqual(await h.linkNames(), before.links);
  assert.deepEqual(await h.host.netns.list(), before.netns);
  assert.deepEqual(next.engine.inspectContainer('web'), before.state.containers[0]);

  // Its process ends later: the adopted sandbox is torn down like any other.
  next.processes.exit(1000, 3);
  assert.equal(await next.engine.waitContainer('web'), 3);
  assert.equal(h.rules(), HAIRPIN_START);
  assert.deepEqual(await h.host.netns.list(), []);
  assert.equal(next.engine.inspectContainer('web').state.status, 'exited');
});

test('restart: a sandbox whose process ended while berthd was down is torn down with the recorded exit code', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  const { container } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], ports: parsePortSpecs(['8080:80']) });
  await h.engine.startContainer('web');
  const next = h.restart();
  next.processes.reuse(1000); // the pid now belongs to another process
  next.processes.exitCodes.set(`${h.config.execRoot}/containers/${container.id}/exit-code`, 42);
  await next.engine.start();
  assert.deepEqual(next.processes.signals, []);
  const web = next.engine.inspectContainer('web');
  assert.deepEqual([web.state.status, web.state.exitCode, web.netns, web.ports], ['exited', 42, '', []]);
  assert.deepEqual(await h.host.netns.list(), []);
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
  assert.equal(h.rules(), HAIRPIN_START);
  assert.deepEqual(next.engine.endpoints(), []);
});

test('restart: the namespace a crash mid-start left is given back (recorded before it was made); an unrecorded one with the prefix is not berth\'s', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  await h.engine.createContainer({ name: 'done', cmd: ['true'] });
  await h.engine.startContainer('done');
  h.processes.exit(1000, 0);
  assert.equal(await h.engine.waitContainer('done'), 0);
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], ports: parsePortSpecs(['8080:80']) });
  // berthd is killed while it wires web: its namespace exists (the first attach makes it), nothing after it happened.
  const attach = h.net.attach;
  h.net.attach = async (spec) => {
    if (spec.createNetns) await h.host.netns.add(spec.netns);
    return new Promise<void>(() => undefined);
  };
  void h.engine.startContainer('web');
  for (let i = 0; i < 100 && !(await h.host.netns.list()).includes('tst-web'); i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(await h.host.netns.list(), ['tst-web']);
  h.net.attach = attach;
  await h.host.netns.add('tst-foreign'); // someone else's, named with berth's prefix
  await h.host.netns.add('other-ns');

  const next = h.restart();
  await next.engine.start();
  assert.deepEqual(next.processes.signals, []);
  assert.deepEqual(await h.host.netns.list(), ['other-ns', 'tst-foreign']);
  const web = next.engine.inspectContainer('web');
  assert.deepEqual([web.state.status, web.netns, web.ports], ['created', '', []]);
  assert.deepEqual(next.engine.inspectContainer('done').state.exitCode, 0);
  assert.equal(h.rules(), HAIRPIN_START);
});
