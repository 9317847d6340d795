import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, netView, rejection, type Harness } from './harness.js';
import { hairpinAppnet, hairpinPublished } from './rulesets.js';
import { BerthError } from '../../../src/model/errors.js';
import type { NetworkRecord } from '../../../src/engine/types.js';
import { parsePortSpecs } from '../../../src/model/port-binding.js';

/** Started engine (userland proxy off), appnet, and `web` running on bridge with -p 8080:80. */
async function webOnBridge(t: { after(fn: () => void): void }): Promise<{ h: Harness; appnet: NetworkRecord; bridge: NetworkRecord; br: string }> {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  const { network: appnet } = await h.engine.createNetwork({ name: 'appnet' });
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], ports: parsePortSpecs(['8080:80']) });
  await h.engine.startContainer('web');
  return { h, appnet, bridge: h.engine.inspectNetwork('bridge'), br: `br-${appnet.id.slice(0, 12)}` };
}

test('connect to a network whose name sorts first moves the gateway and the published port there; disconnect moves them back', async (t) => {
  const { h, appnet, bridge, br } = await webOnBridge(t);
  const web = h.engine.inspectContainer('web');
  assert.equal(h.rules(), hairpinPublished(br, 'docker0', '172.17.0.2'));
  assert.deepEqual((await netView(h.host, 'tst-web')).routes, ['default via 172.17.0.1 dev eth0', '172.17.0.0/16 dev eth0']);

  await h.engine.connect('appnet', 'web', {});
  assert.equal(h.rules(), hairpinPublished(br, 'appnet', '172.18.0.2'));
  assert.deepEqual(
    h.engine.endpoints().map((e) => [e.networkId, e.ifName, e.ipv4, e.macAddress]),
    [
      [bridge.id, 'eth0', '172.17.0.2', '02:42:ac:11:00:02'],
      [appnet.id, 'eth1', '172.18.0.2', '02:42:ac:12:00:02'],
    ],
  );
  const view = await netView(h.host, 'tst-web');
  assert.deepEqual(view.addresses, ['eth0 172.17.0.2/16', 'eth1 172.18.0.2/16']);
  assert.deepEqual(view.routes, ['default via 172.18.0.1 dev eth1', '172.17.0.0/16 dev eth0', '172.18.0.0/16 dev eth1']);
  const connected = h.engine.inspectContainer('web');
  assert.deepEqual(connected.networks, [
    { networkId: bridge.id, ipv4: null, aliases: [] },
    { networkId: appnet.id, ipv4: null, aliases: [] },
  ]);
  // The host port stays; only its rules moved.
  assert.deepEqual(connected.ports, web.ports);
  assert.deepEqual(connected.ports, [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 8080 }]);

  await h.engine.disconnect('appnet', 'web', false);
  assert.equal(h.rules(), hairpinPublished(br, 'docker0', '172.17.0.2'));
  assert.deepEqual(h.engine.endpoints().map((e) => [e.networkId, e.ifName, e.ipv4]), [[bridge.id, 'eth0', '172.17.0.2']]);
  assert.deepEqual(await netView(h.host, 'tst-web'), {
    links: [
      { name: 'lo', kind: undefined, up: true, master: undefined, mac: '00:00:00:00:00:00' },
      { name: 'eth0', kind: 'veth', up: true, master: undefined, mac: '02:42:ac:11:00:02' },
    ],
    addresses: ['eth0 172.17.0.2/16'],
    routes: ['default via 172.17.0.1 dev eth0', '172.17.0.0/16 dev eth0'],
  });
  assert.deepEqual(h.engine.inspectContainer('web').networks, [{ networkId: bridge.id, ipv4: null, aliases: [] }]);
  assert.deepEqual(h.state().containers, [h.engine.inspectContainer('web')]);
});

test('disconnect from bridge while on appnet leaves the port on appnet; the container exits cleanly from there', async (t) => {
  const { h, appnet, br } = await webOnBridge(t);
  await h.engine.connect('appnet', 'web', {});
  await h.engine.disconnect('bridge', 'web', false);
  assert.equal(h.rules(), hairpinPublished(br, 'appnet', '172.18.0.2'));
  assert.deepEqual(h.engine.endpoints().map((e) => [e.networkId, e.ifName, e.ipv4]), [[appnet.id, 'eth1', '172.18.0.2']]);
  assert.deepEqual((await netView(h.host, 'tst-web')).routes, ['default via 172.18.0.1 dev eth1', '172.18.0.0/16 dev eth1']);

  h.processes.exit(1000, 0);
  assert.equal(await h.engine.waitContainer('web'), 0);
  assert.equal(h.rules(), hairpinAppnet(br));
  assert.deepEqual(await h.host.netns.list(), []);
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0', br]);
});

test('connect refusals: twice to the same network, and to host', async (t) => {
  const { h } = await webOnBridge(t);
  const rules = h.rules();
  const twice = await rejection(h.engine.connect('bridge', 'web', {}));
  assert.ok(twice instanceof BerthError);
  assert.deepEqual([twice.kind, twice.message], ['forbidden', 'endpoint with name web already exists in network bridge']);
  const host = await rejection(h.engine.connect('host', 'web', {}));
  assert.ok(host instanceof BerthError);
  assert.deepEqual(
    [host.kind, host.message],
    ['forbidden', 'container cannot be disconnected from host network or connected to host network'],
  );
  assert.equal(h.rules(), rules);
  assert.equal(h.engine.endpoints().length, 1);
});

test('connect while created: recorded only; the start attaches both and picks appnet as gateway', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  const { network: appnet } = await h.engine.createNetwork({ name: 'appnet' });
  const br = `br-${appnet.id.slice(0, 12)}`;
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], ports: parsePortSpecs(['8080:80']) });
  const batches = h.host.batches.length;
  await h.engine.connect('appnet', 'web', {});
  assert.deepEqual(h.host.batches.slice(batches), []);
  assert.deepEqual(h.engine.endpoints(), []);
  await h.engine.startContainer('web');
  assert.deepEqual(h.engine.endpoints().map((e) => [e.ifName, e.ipv4]), [['eth0', '172.17.0.2'], ['eth1', '172.18.0.2']]);
  assert.equal(h.rules(), hairpinPublished(br, 'appnet', '172.18.0.2'));
  assert.deepEqual((await netView(h.host, 'tst-web')).routes, ['default via 172.18.0.1 dev eth1', '172.17.0.0/16 dev eth0', '172.18.0.0/16 dev eth1']);
});
