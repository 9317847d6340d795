import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, NOW } from './harness.js';
import { daemonStart, HAIRPIN_START } from './rulesets.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { FakeIptables } from '../../../src/backend/fake-iptables.js';

const FRESH = printSave(new FakeIptables().save());

test('start: the built-in network records, in order, with docker0 on 172.17.0.0/16', async (t) => {
  const h = makeHarness();
  t.after(() => h.cleanup());
  assert.deepEqual(await h.engine.start(), []);
  const [bridge, host, none, ...rest] = h.engine.listNetworks();
  assert.deepEqual(rest, []);
  const created = NOW.toISOString();
  const base = { created, internal: false, attachable: false, labels: {}, ipamUserSpecified: false };
  assert.deepEqual(bridge, {
    ...base,
    id: bridge?.id,
    name: 'bridge',
    driver: 'bridge',
    seq: 1,
    options: {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': 'docker0',
      'com.docker.network.driver.mtu': '1500',
    },
    ipam: [{ subnet: '172.17.0.0/16', gateway: '172.17.0.1', gatewayConfigured: false }],
    bridge: { name: 'docker0', mtu: 1500, icc: true, ipMasquerade: true, hostBindingIpv4: '', isDefault: true },
  });
  assert.deepEqual(host, { ...base, id: host?.id, name: 'host', driver: 'host', seq: 2, options: {}, ipam: [], bridge: null });
  assert.deepEqual(none, { ...base, id: none?.id, name: 'none', driver: 'null', seq: 3, options: {}, ipam: [], bridge: null });
  for (const n of [bridge, host, none]) assert.match(n?.id ?? '', /^[0-9a-f]{64}$/);
  // Persisted as well.
  assert.deepEqual(h.state().networks, [bridge, host, none]);
  assert.equal(h.state().seq, 3);
});

test('start: docker0 exists in the host, up, with the gateway address', async (t) => {
  const h = makeHarness();
  t.after(() => h.cleanup());
  await h.engine.start();
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
  const br = await h.host.links.link('docker0');
  assert.deepEqual(
    { kind: br?.kind, mtu: br?.mtu, up: br?.up, mac: br?.mac },
    { kind: 'bridge', mtu: 1500, up: true, mac: '02:42:00:00:00:01' },
  );
  assert.deepEqual(
    (await h.host.links.addresses({ dev: 'docker0' })).map((a) => a.cidr),
    ['172.17.0.1/16'],
  );
  assert.deepEqual(await h.host.netns.list(), []);
});

test("start: exactly dockerd's daemon-start ruleset, ip_forward turned on and FORWARD dropped", async (t) => {
  const h = makeHarness();
  t.after(() => h.cleanup());
  assert.equal(await h.host.sysctl.read('net.ipv4.ip_forward'), '0');
  await h.engine.start();
  assert.equal(h.rules(), daemonStart('DROP'));
  assert.equal(await h.host.sysctl.read('net.ipv4.ip_forward'), '1');
});

test('start: with ip_forward already on, the FORWARD policy is left alone', async (t) => {
  const h = makeHarness({ sysctls: { 'net.ipv4.ip_forward': '1' } });
  t.after(() => h.cleanup());
  assert.deepEqual(await h.engine.start(), []);
  assert.equal(h.rules(), daemonStart('ACCEPT'));
});

test('start: --ip-forward=false returns the warning and leaves ip_forward and the policy alone', async (t) => {
  const h = makeHarness({ config: { ipForward: false } });
  t.after(() => h.cleanup());
  assert.deepEqual(await h.engine.start(), ['IPv4 forwarding is disabled. Networking will not work.']);
  assert.equal(await h.host.sysctl.read('net.ipv4.ip_forward'), '0');
  assert.equal(h.rules(), daemonStart('ACCEPT'));
});

test('start: --iptables=false leaves the fake iptables untouched', async (t) => {
  const h = makeHarness({ config: { iptables: false } });
  t.after(() => h.cleanup());
  assert.deepEqual(await h.engine.start(), []);
  assert.equal(h.rules(), FRESH);
  assert.equal(await h.host.sysctl.read('net.ipv4.ip_forward'), '1');
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
  assert.equal(h.state().appliedRules, null);
});

test('start: --userland-proxy=false gives the hairpin ruleset and route_localnet on docker0', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  assert.equal(h.rules(), HAIRPIN_START);
  assert.equal(await h.host.sysctl.read('net.ipv4.conf.docker0.route_localnet'), '1');
});

test('start twice (same engine): nothing changes the second time', async (t) => {
  const h = makeHarness();
  t.after(() => h.cleanup());
  await h.engine.start();
  const batches = h.host.batches.length;
  const networks = h.engine.listNetworks();
  await h.engine.start();
  assert.equal(h.rules(), daemonStart('DROP'));
  assert.deepEqual(h.engine.listNetworks(), networks);
  assert.deepEqual(h.host.batches.slice(batches), []);
});
