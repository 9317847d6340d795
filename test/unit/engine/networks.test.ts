import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHarness, NOW, rejection, type Harness } from './harness.js';
import { daemonStart, withAppnet } from './rulesets.js';
import { BerthError } from '../../../src/model/errors.js';
import { RETIRED_BRIDGE } from '../../../src/engine/host-net.js';

async function started(t: { after(fn: () => void): void }): Promise<Harness> {
  const h = makeHarness();
  t.after(() => h.cleanup());
  await h.engine.start();
  return h;
}

test('createNetwork: the record, with br-<12 of id> and the first free pool subnet', async (t) => {
  const h = await started(t);
  const { network, warning } = await h.engine.createNetwork({ name: 'appnet' });
  assert.equal(warning, '');
  assert.match(network.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(network, {
    id: network.id,
    name: 'appnet',
    driver: 'bridge',
    created: NOW.toISOString(),
    seq: 4,
    internal: false,
    attachable: false,
    labels: {},
    options: {},
    ipam: [{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }],
    ipamUserSpecified: false,
    bridge: { name: `br-${network.id.slice(0, 12)}`, mtu: 1500, icc: true, ipMasquerade: true, hostBindingIpv4: '', isDefault: false },
  });
  assert.deepEqual(h.engine.inspectNetwork('appnet'), network);
  assert.deepEqual(h.state().networks.map((n) => n.name), ['bridge', 'host', 'none', 'appnet']);

  const second = (await h.engine.createNetwork({ name: 'other' })).network;
  assert.deepEqual([second.seq, second.ipam], [5, [{ subnet: '172.19.0.0/16', gateway: '172.19.0.1' }]]);
});

test('createNetwork: the bridge exists in the host, up, with its gateway address', async (t) => {
  const h = await started(t);
  const { network } = await h.engine.createNetwork({ name: 'appnet' });
  const br = `br-${network.id.slice(0, 12)}`;
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0', br]);
  const link = await h.host.links.link(br);
  assert.deepEqual({ kind: link?.kind, up: link?.up, mtu: link?.mtu }, { kind: 'bridge', up: true, mtu: 1500 });
  assert.deepEqual(
    (await h.host.links.addresses({ dev: br })).map((a) => a.cidr),
    ['172.18.0.1/16'],
  );
});

test("createNetwork then removeNetwork: dockerd's rules added, then exactly the start ruleset again", async (t) => {
  const h = await started(t);
  const { network } = await h.engine.createNetwork({ name: 'appnet' });
  const br = `br-${network.id.slice(0, 12)}`;
  assert.equal(h.rules(), withAppnet(br));
  await h.engine.removeNetwork('appnet');
  assert.equal(h.rules(), daemonStart());
  const [lo, docker0, retired, ...more] = await h.linkNames();
  assert.deepEqual([lo, docker0, more], ['lo', 'docker0', []]);
  assert.match(retired ?? '', RETIRED_BRIDGE, 'the bridge is retired, and deleted once removals pause');
  await h.net.retired();
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
  assert.deepEqual(h.engine.listNetworks().map((n) => n.name), ['bridge', 'host', 'none']);
  assert.deepEqual(h.state().networks.map((n) => n.name), ['bridge', 'host', 'none']);
});

test('removeNetwork: the bridge loses its addresses and is renamed out of the way at once; retired bridges are deleted together once removals pause', async (t) => {
  const h = await started(t);
  const bridges: string[] = [];
  for (const name of ['appnet', 'other']) bridges.push(`br-${(await h.engine.createNetwork({ name })).network.id.slice(0, 12)}`);
  const from = h.host.batches.length;
  for (const name of ['appnet', 'other']) await h.engine.removeNetwork(name);
  const retiring = h.host.batches.slice(from).map((b) => b.lines);
  assert.equal(retiring.length, 2, 'one batch per removal, none deletes yet');
  const retired = retiring.map(([flush, rename], i) => {
    assert.equal(flush, `addr flush dev ${bridges[i]}`);
    const to = /^link set dev (\S+) name (berth-rm-[0-9a-f]{6})$/.exec(rename ?? '');
    assert.equal(to?.[1], bridges[i], rename);
    return to![2]!;
  });
  await h.net.retired();
  assert.deepEqual(h.host.batches.slice(from + 2).map((b) => b.lines), [retired.map((r) => `link del dev ${r}`)]);
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
});

test('removeNetwork: a kernel that renames no link that is up (before 6.2) gets the bridge down first', async (t) => {
  const h = await started(t);
  const { network } = await h.engine.createNetwork({ name: 'appnet' });
  const br = `br-${network.id.slice(0, 12)}`;
  h.host.injectFailure(new RegExp(`^link set dev ${br} name `), 'RTNETLINK answers: Device or resource busy');
  const from = h.host.batches.length;
  await h.engine.removeNetwork('appnet');
  await h.net.retired();
  const lines = h.host.batches.slice(from).map((b) => b.lines);
  assert.equal(lines[1]?.[0], `link set dev ${br} down`);
  assert.match(lines[1]?.[1] ?? '', new RegExp(`^link set dev ${br} name berth-rm-[0-9a-f]{6}$`));
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
});

test('removeNetwork: a bridge whose rename fails otherwise is deleted at once, and later removals still rename while up', async (t) => {
  const h = await started(t);
  const bridges: string[] = [];
  for (const name of ['appnet', 'other']) bridges.push(`br-${(await h.engine.createNetwork({ name })).network.id.slice(0, 12)}`);
  h.host.injectFailure(new RegExp(`^link set dev ${bridges[0]} name `), 'RTNETLINK answers: File exists');
  const from = h.host.batches.length;
  await h.engine.removeNetwork('appnet');
  await h.engine.removeNetwork('other');
  const lines = h.host.batches.slice(from).map((b) => b.lines);
  assert.deepEqual(lines[1], [`link del dev ${bridges[0]}`], 'deleted at once, not taken down to be renamed');
  assert.equal(lines[2]?.[0], `addr flush dev ${bridges[1]}`);
  await h.net.retired();
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
});

test('start: a retired bridge that a crash left undeleted is removed', async (t) => {
  const h = await started(t);
  await h.host.batch(['link add name berth-rm-0a1b2c type bridge', 'link add name berth-rm-keep type bridge']);
  await h.restart().engine.start();
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0', 'berth-rm-keep']);
});

test("createNetwork: a duplicate name is refused with Docker's message, nothing changes", async (t) => {
  const h = await started(t);
  await h.engine.createNetwork({ name: 'appnet' });
  const rules = h.rules();
  const links = await h.linkNames();
  const err = await rejection(h.engine.createNetwork({ name: 'appnet' }));
  // dockerd 20.10: libnetwork.NetworkNameError, a Forbidden error (HTTP 403).
  assert.ok(err instanceof BerthError);
  assert.deepEqual([err.kind, err.message], ['conflict', 'network with name appnet already exists']);
  assert.equal(h.rules(), rules);
  assert.deepEqual(await h.linkNames(), links);
  assert.deepEqual(h.engine.listNetworks().map((n) => n.name), ['bridge', 'host', 'none', 'appnet']);
});

test('createNetwork: a predefined name is refused with Docker\'s message', async (t) => {
  const h = await started(t);
  const err = await rejection(h.engine.createNetwork({ name: 'bridge' }));
  assert.ok(err instanceof BerthError);
  assert.deepEqual([err.kind, err.message], ['forbidden', 'operation is not permitted on predefined bridge network ']);
});

test('createNetwork: a failure in the bridge batch leaves no record, no bridge, no rule change', async (t) => {
  const h = await started(t);
  const links = await h.linkNames();
  h.host.injectFailure(/^addr add 172\.18\.0\.1\/16 /);
  const err = await rejection(h.engine.createNetwork({ name: 'appnet' }));
  assert.match(
    err.message,
    /^ip -batch failed at line 2 of 3 "addr add 172\.18\.0\.1\/16 broadcast \+ dev br-[0-9a-f]{12}": RTNETLINK answers: Operation not permitted$/,
  );
  assert.deepEqual(h.engine.listNetworks().map((n) => n.name), ['bridge', 'host', 'none']);
  assert.deepEqual(h.state().networks.map((n) => n.name), ['bridge', 'host', 'none']);
  assert.equal(h.state().pendingRules, null, 'the rules written ahead while the bridge was made are settled');
  assert.equal(h.rules(), daemonStart());
  assert.deepEqual(await h.linkNames(), links);

  // The failure was one-off: the same request now succeeds, on the same subnet.
  const { network } = await h.engine.createNetwork({ name: 'appnet' });
  assert.deepEqual(network.ipam, [{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }]);
  assert.equal(h.rules(), withAppnet(`br-${network.id.slice(0, 12)}`));
});

test('createNetwork: a failure in the firewall step removes the bridge again and keeps no record', async (t) => {
  const h = await started(t);
  const links = await h.linkNames();
  h.failNextRestore('iptables-restore: line 3 failed');
  const err = await rejection(h.engine.createNetwork({ name: 'appnet' }));
  assert.equal(err.message, 'iptables-restore: line 3 failed');
  assert.deepEqual(h.engine.listNetworks().map((n) => n.name), ['bridge', 'host', 'none']);
  assert.deepEqual(await h.linkNames(), links);
  assert.equal(h.rules(), daemonStart());
});

test('removeNetwork: refuses the predefined networks and a network with active endpoints', async (t) => {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  const err = await rejection(h.engine.removeNetwork('bridge'));
  assert.ok(err instanceof BerthError);
  assert.deepEqual([err.kind, err.message], ['forbidden', 'bridge is a pre-defined network and cannot be removed']);

  const { network } = await h.engine.createNetwork({ name: 'appnet' });
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], networkMode: 'appnet' });
  await h.engine.startContainer('web');
  const rules = h.rules();
  const busy = await rejection(h.engine.removeNetwork('appnet'));
  assert.ok(busy instanceof BerthError);
  assert.deepEqual(
    [busy.kind, busy.message],
    ['forbidden', `error while removing network: network appnet id ${network.id} has active endpoints`],
  );
  assert.equal(h.rules(), rules);
  assert.ok(await h.host.links.link(`br-${network.id.slice(0, 12)}`));
});

test('removeNetwork: a failure in the firewall step keeps the record, the bridge and the rules', async (t) => {
  const h = await started(t);
  const { network } = await h.engine.createNetwork({ name: 'appnet' });
  const br = `br-${network.id.slice(0, 12)}`;
  h.failNextRestore('iptables-restore: line 7 failed');
  const err = await rejection(h.engine.removeNetwork('appnet'));
  assert.equal(err.message, 'iptables-restore: line 7 failed');
  assert.deepEqual(h.engine.inspectNetwork('appnet'), network);
  await h.net.retired();
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0', br]);
  assert.equal(h.rules(), withAppnet(br));
  // Retried, it goes through.
  await h.engine.removeNetwork(network.id);
  assert.equal(h.rules(), daemonStart());
  await h.net.retired();
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0']);
});
