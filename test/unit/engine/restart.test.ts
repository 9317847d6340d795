import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, netView, NOW } from './harness.js';
import { HAIRPIN_START, HAIRPIN_WEB_ON_DOCKER0 } from './rulesets.js';

test('restart: a sandbox left running is killed, its namespace and rules removed, and it is marked exited', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  const { container } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], portSpecs: ['8080:80'] });
  await h.engine.startContainer('web');
  const bridge = h.engine.inspectNetwork('bridge');
  assert.deepEqual(await h.host.netns.list(), ['tst-web']);
  assert.equal(h.state().containers[0]?.state.status, 'running');
  assert.equal(h.rules(), HAIRPIN_WEB_ON_DOCKER0);
  const hostLinksBefore = (await h.linkNames()).length;
  assert.equal(hostLinksBefore, 3); // lo, docker0, the veth

  // berthd restarts: a new engine over the same stored state, host and iptables.
  const next = h.restart();
  assert.deepEqual(await next.engine.start(), []);

  assert.deepEqual(next.processes.signals, [{ pid: 1000, signal: 'SIGKILL' }]);
  assert.deepEqual(await h.host.netns.list(), []);
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
  assert.deepEqual(next.engine.endpoints(), []);
  assert.equal(h.rules(), HAIRPIN_START);
  const exited = next.engine.inspectContainer('web');
  assert.deepEqual(exited, {
    ...container,
    state: { status: 'exited', pid: 0, pidStartTime: '', exitCode: 137, startedAt: NOW.toISOString(), finishedAt: NOW.toISOString(), error: 'berthd restarted' },
    startSeq: exited.startSeq,
    ports: [],
    netns: '',
  });
  assert.deepEqual(h.state().containers, [exited]);
  assert.deepEqual(h.state().endpoints, []);
  // The built-in networks are kept, not created anew.
  assert.deepEqual(next.engine.inspectNetwork('bridge'), bridge);
  assert.deepEqual(next.engine.listNetworks().map((n) => n.name), ['bridge', 'host', 'none']);

  // And it starts again under the new engine, on the same address and port.
  await next.engine.startContainer('web');
  assert.deepEqual(next.processes.started.map((p) => [p.pid, p.netnsPath]), [[2000, '/var/run/netns/tst-web']]);
  assert.equal(h.rules(), HAIRPIN_WEB_ON_DOCKER0);
  assert.deepEqual((await netView(h.host, 'tst-web')).addresses, ['eth0 172.17.0.2/16']);
});

test('restart: orphan namespaces with the prefix are swept, others are left alone; exited containers are not signalled', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  await h.engine.createContainer({ name: 'done', cmd: ['true'] });
  await h.engine.startContainer('done');
  h.processes.exit(1000, 0);
  assert.equal(await h.engine.waitContainer('done'), 0);
  await h.host.netns.add('tst-orphan');
  await h.host.netns.add('other-ns');

  const next = h.restart();
  await next.engine.start();
  assert.deepEqual(next.processes.signals, []);
  assert.deepEqual(await h.host.netns.list(), ['other-ns']);
  assert.deepEqual(next.engine.inspectContainer('done').state.exitCode, 0);
  assert.equal(h.rules(), HAIRPIN_START);
});

test('restart: a pid now owned by another process is not signalled', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'] });
  await h.engine.startContainer('web');
  const next = h.restart();
  next.processes.reuse(1000);
  await next.engine.start();
  assert.deepEqual(next.processes.signals, []);
  assert.equal(next.engine.inspectContainer('web').state.status, 'exited');
  assert.deepEqual(await h.host.netns.list(), []);
});
