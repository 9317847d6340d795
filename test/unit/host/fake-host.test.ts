import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost } from '../../../src/host/fake-host.js';
import { fakeHostNet } from '../../../src/host/host-net.js';
import { BatchError, planAddBridge, planAttach } from '../../../src/host/ip-batch.js';
import { BerthError } from '../../../src/model/errors.js';
import { batchError } from '../../helpers/batch-error.js';

async function withBridge(): Promise<FakeHost> {
  const host = new FakeHost();
  await host.batch(planAddBridge({ name: 'br0', mtu: 1500, mac: '02:42:00:00:00:01', addresses: ['172.18.0.1/16'] }));
  return host;
}

test('bridge: created with address, mtu and MAC, up, with the kernel defaults', async () => {
  const host = await withBridge();
  const br = await host.links.link('br0');
  assert.ok(br);
  assert.equal(br.kind, 'bridge');
  assert.equal(br.mtu, 1500);
  assert.equal(br.mac, '02:42:00:00:00:01');
  assert.equal(br.up, true);
  assert.equal(br.bridge?.stpState, 0);
  assert.equal(br.bridge?.forwardDelay, 1500);
  assert.deepEqual(
    (await host.links.addresses({ dev: 'br0' })).map((a) => [a.cidr, a.broadcast]),
    [['172.18.0.1/16', '172.18.255.255']],
  );
  assert.deepEqual(
    (await host.links.routes()).map((r) => `${r.dst} ${r.dev ?? ''} ${r.prefsrc ?? ''}`),
    ['172.18.0.0/16 br0 172.18.0.1'],
  );
  assert.deepEqual(host.batches.map((b) => b.failedAt), [undefined]);
});

test('creating a link that exists fails; the batch stops there and keeps earlier lines', async () => {
  const host = await withBridge();
  const lines = ['link add name br1 type bridge', 'link add name br0 type bridge', 'link add name br2 type bridge'];
  const e = await batchError(host.batch(lines));
  assert.equal(e.kind, 'conflict');
  assert.equal(e.index, 1);
  assert.equal(e.detail, 'RTNETLINK answers: File exists');
  assert.deepEqual((await host.links.links()).map((l) => l.name), ['lo', 'br0', 'br1']);
  assert.deepEqual(host.batches.at(-1), { netns: undefined, lines, failedAt: 1 });
});

test('deleting or configuring a missing link fails; unknown master or netns fail like ip parse errors', async () => {
  const host = await withBridge();
  assert.equal((await batchError(host.batch(['link del dev nope']))).kind, 'not-found');
  assert.equal((await batchError(host.batch(['link set dev nope up']))).detail, 'Cannot find device "nope"');
  const m = await batchError(host.batch(['link add name v1 master nobr up type veth peer name p1']));
  assert.equal(m.detail, 'Error: argument "nobr" is wrong: Device does not exist');
  assert.equal(m.result?.code, 255);
  const n = await batchError(host.batch(['link add name v1 type veth peer name eth0 netns nons']));
  assert.equal(n.kind, 'not-found');
  assert.equal((await batchError(host.batch(['link set dev lo up'], { netns: 'nons' }))).kind, 'not-found');
});

test('attach a sandbox, read both sides, detach removes the pair', async () => {
  const { net, host } = fakeHostNet();
  await net.ensureBridge({ name: 'br0', mtu: 1500, address: '172.18.0.1/16' });
  await net.ensureBridge({ name: 'br0', mtu: 1500, address: '172.18.0.1/16' }); // adopts, no-op
  await net.createSandbox('c1');
  await net.attach({ netns: 'c1', hostIf: 'veth1', ifName: 'eth0', bridge: 'br0', mtu: 1500, address: '172.18.0.2/16', mac: '02:42:ac:12:00:02', gateway: '172.18.0.1' });
  const veth = await host.links.link('veth1');
  assert.equal(veth?.master, 'br0');
  assert.equal(veth?.operstate, 'UP');
  const eth0 = await host.links.link('eth0', { netns: 'c1' });
  assert.equal(eth0?.mac, '02:42:ac:12:00:02');
  assert.equal(eth0?.peerIndex, veth?.index);
  assert.equal((await host.links.link('lo', { netns: 'c1' }))?.up, true);
  assert.deepEqual(
    (await host.links.routes({ netns: 'c1' })).map((r) => [r.dst, r.gateway, r.dev]),
    [
      ['default', '172.18.0.1', 'eth0'],
      ['172.18.0.0/16', undefined, 'eth0'],
    ],
  );
  await net.detach('veth1');
  assert.equal(await host.links.link('eth0', { netns: 'c1' }), null);
  await net.detach('veth1'); // idempotent
  await net.removeSandbox('c1');
  await net.removeSandbox('c1');
  assert.deepEqual(await host.netns.list(), []);
});

test('removeSandbox with its veths: one batch deletes them and the namespace; what is gone already is skipped', async () => {
  const { net, host } = fakeHostNet();
  await net.ensureBridge({ name: 'br0', mtu: 1500, address: '172.18.0.1/16' });
  const attach = (netns: string, hostIf: string, address: string) =>
    net.attach({ netns, hostIf, ifName: 'eth0', bridge: 'br0', mtu: 1500, address, mac: '02:42:ac:12:00:02', gateway: null, createNetns: true });
  await attach('c1', 'veth1', '172.18.0.2/16');
  const before = host.batches.length;
  await net.removeSandbox('c1', ['veth1']);
  assert.deepEqual(host.batches.slice(before).map((b) => b.lines), [['link del dev veth1', 'netns del c1']]);
  await attach('c2', 'veth2', '172.18.0.3/16');
  await net.detach('veth2');
  await net.removeSandbox('c2', ['veth2', 'veth9']);
  await net.removeSandbox('c2', ['veth2']);
  assert.deepEqual(await host.netns.list(), []);
  assert.deepEqual((await host.links.links()).map((l) => l.name), ['lo', 'br0']);
});

test('attach undoes its host side when the sandbox side fails', async () => {
  const { net, host } = fakeHostNet();
  await net.ensureBridge({ name: 'br0', mtu: 1500, address: '172.18.0.1/16' });
  await net.createSandbox('c1');
  host.injectFailure(/^route add/, 'Error: Nexthop has invalid gateway.');
  await assert.rejects(
    net.attach({ netns: 'c1', hostIf: 'veth1', ifName: 'eth0', bridge: 'br0', mtu: 1500, address: '172.18.0.2/16', mac: '02:42:ac:12:00:02', gateway: '172.18.0.1' }),
    /failed at line 3 of 3 "route add default via 172.18.0.1 dev eth0": Error: Nexthop has invalid gateway/,
  );
  assert.equal(await host.links.link('veth1'), null);
  assert.equal(await host.links.link('eth0', { netns: 'c1' }), null);
});

test('a gateway off every connected subnet is refused; routes go when their link goes down', async () => {
  const host = await withBridge();
  await host.netns.add('c1');
  const plan = planAttach({ netns: 'c1', bridge: 'br0', hostName: 'v1', ifName: 'eth0', addresses: ['172.18.0.2/16'], gateway: '10.0.0.1' });
  await host.batch(plan.host);
  const e = await batchError(host.batch(plan.sandbox, { netns: 'c1' }));
  assert.equal(e.line, 'route add default via 10.0.0.1 dev eth0');
  assert.deepEqual(e.applied, ['link set dev lo up', 'addr add 172.18.0.2/16 broadcast + dev eth0', 'link set dev eth0 up']);
  await host.batch(['route add default via 172.18.0.1 dev eth0'], { netns: 'c1' });
  await host.batch(['link set dev eth0 down'], { netns: 'c1' });
  assert.deepEqual(await host.links.routes({ netns: 'c1' }), []);
});

test('deleting a namespace destroys its veths and their peers; a bridge releases its ports', async () => {
  const host = await withBridge();
  await host.netns.add('c1');
  await host.batch(planAttach({ netns: 'c1', bridge: 'br0', hostName: 'v1', ifName: 'eth0', addresses: [] }).host);
  await host.netns.delete('c1');
  assert.equal(await host.links.link('v1'), null);
  await host.batch(['link add name v2 master br0 type veth peer name p2', 'link del dev br0']);
  assert.equal((await host.links.link('v2'))?.master, undefined);
  await assert.rejects(host.netns.delete('c1'), (err: unknown) => err instanceof BerthError && err.kind === 'not-found');
  await host.netns.add('c2');
  await assert.rejects(host.netns.add('c2'), (err: unknown) => err instanceof BerthError && err.kind === 'conflict');
});

test('netns add inside a host batch, and refused under -n', async () => {
  const host = new FakeHost();
  await host.batch(['netns add c9']);
  assert.deepEqual(await host.netns.list(), ['c9']);
  await assert.rejects(host.batch(['netns add c8'], { netns: 'c9' }), /cannot run under ip -n/);
  assert.equal((await batchError(host.batch(['netns add c9']))).kind, 'conflict');
});

test('sysctls: defaults, per-link keys follow the link, missing ones', async () => {
  const { net, host } = fakeHostNet({ sysctls: { 'net.bridge.bridge-nf-call-iptables': '1' } });
  assert.equal(await net.ipForward(), false);
  await net.setIpForward(true);
  assert.equal(await net.ipForward(), true);
  assert.deepEqual(await net.ephemeralPortRange(), [32768, 60999]);
  assert.equal(await host.sysctl.read('net.bridge.bridge-nf-call-iptables'), '1');
  await assert.rejects(net.setRouteLocalnet('br0'), (e: unknown) => e instanceof BerthError && e.kind === 'not-found');
  await net.ensureBridge({ name: 'br0', mtu: 1500, address: '172.18.0.1/16' });
  await net.setRouteLocalnet('br0');
  assert.equal(await host.sysctl.read('net.ipv4.conf.br0.route_localnet'), '1');
  await assert.rejects(host.sysctl.write('net.ipv4.ip_forward', 'yes'), (e: unknown) => e instanceof BerthError && e.kind === 'invalid');
  await host.netns.add('c1');
  assert.equal(await host.sysctl.read('net.ipv4.ip_forward', { netns: 'c1' }), '0');
  assert.equal(await host.sysctl.read('net.bridge.bridge-nf-call-iptables', { netns: 'c1' }), null);
  assert.deepEqual(await net.routes(), ['172.18.0.0/16']);
});

test('a namespace with processes outlives its name', async () => {
  const host = await withBridge();
  await host.netns.add('c1');
  host.setPids('c1', [42]);
  assert.deepEqual(await host.netns.pids('c1'), [42]);
  await host.batch(planAttach({ netns: 'c1', bridge: 'br0', hostName: 'v1', ifName: 'eth0', addresses: [] }).host);
  await host.netns.delete('c1');
  assert.ok(await host.links.link('v1'));
  assert.equal(await host.netns.exists('c1'), false);
});

test('attach with a host name already in use fails and leaves the existing link alone', async () => {
  const { net, host } = fakeHostNet();
  await net.ensureBridge({ name: 'br0', mtu: 1500, address: '172.18.0.1/16' });
  await net.createSandbox('c1');
  await net.createSandbox('c2');
  const spec = { hostIf: 'veth1', ifName: 'eth0', bridge: 'br0', mtu: 1500, mac: '02:42:ac:12:00:02', gateway: '172.18.0.1' };
  await net.attach({ ...spec, netns: 'c1', address: '172.18.0.2/16' });
  await assert.rejects(net.attach({ ...spec, netns: 'c2', address: '172.18.0.3/16' }), (e: unknown) => e instanceof BatchError && e.kind === 'conflict');
  assert.ok(await host.links.link('veth1'));
  assert.ok(await host.links.link('eth0', { netns: 'c1' }));
  assert.equal(await host.links.link('eth0', { netns: 'c2' }), null);
});
