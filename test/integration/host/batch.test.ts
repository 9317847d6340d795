// What `ip -batch` does when a line fails, and what state it leaves, proved in
// namespaces this file creates (HOST plays berthd's namespace, entered with nsenter).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { exec, run } from '../../../src/host/exec.js';
import { applyBatch, linkAddVeth, netnsAdd, planAttach, planAddBridge } from '../../../src/host/ip-batch.js';
import { isMounted } from '../../../src/host/netns.js';
import { netnsFixture, until } from './netns-fixture.js';
import { batchError } from '../../helpers/batch-error.js';

const fx = netnsFixture('ba');
const HOST = fx.name('host');
const SB = fx.name('sb');
const hostExec = fx.execIn(HOST);

const links = async (ns: string): Promise<string[]> =>
  (JSON.parse((await run(exec, ['ip', '-n', ns, '-j', 'link', 'show'])).stdout) as Array<{ ifname: string }>).map((l) => l.ifname);

before(async () => {
  await fx.add('host');
  await fx.add('sb');
  await applyBatch(hostExec, planAddBridge({ name: 'br0', mtu: 1500, addresses: ['10.77.0.1/24'] }));
});

after(async () => {
  await fx.cleanup();
  assert.deepEqual((await readdir('/var/run/netns')).filter((n) => n.startsWith(fx.prefix)), [], 'namespaces left behind');
});

test('a kernel error stops the batch: earlier lines stay, later ones never run', async () => {
  const lines = ['link add name ka type bridge', 'link add name ka type bridge', 'link add name kb type bridge'];
  const e = await batchError(applyBatch(hostExec, lines));
  assert.equal(e.index, 1);
  assert.equal(e.kind, 'conflict');
  assert.equal(e.message, 'ip -batch failed at line 2 of 3 "link add name ka type bridge": RTNETLINK answers: File exists');
  assert.match(e.result?.stderr ?? '', /^Command failed -:3$/m); // physical line 3: line 2 after line 1's marker
  assert.deepEqual(await links(HOST), ['lo', 'br0', 'ka']);
  await applyBatch(hostExec, ['link del dev ka']);
});

test('with -force ip goes on after a failure (not what berth wants) and still exits 1', async () => {
  const r = await exec(['ip', '-n', HOST, '-force', '-batch', '-'], { input: 'link add name fa type bridge\nlink add name fa type bridge\nlink add name fb type bridge\n' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Command failed -:2/);
  assert.deepEqual(await links(HOST), ['lo', 'br0', 'fa', 'fb']);
  await applyBatch(hostExec, ['link del dev fa', 'link del dev fb']);
});

test('a word ip rejects while parsing (unknown master) exits 255 without a line number; the markers locate it', async () => {
  const lines = ['link add name pa type bridge', linkAddVeth('vp', { master: 'nosuchbr', up: true, peer: { name: 'vpp' } }), 'link add name pb type bridge'];
  const e = await batchError(applyBatch(hostExec, lines));
  assert.equal(e.result?.code, 255);
  assert.doesNotMatch(e.result?.stderr ?? '', /Command failed/);
  assert.equal(e.index, 1);
  assert.equal(e.kind, 'not-found');
  assert.match(e.message, /line 2 of 3 "link add name vp master nosuchbr up type veth peer name vpp": Error: argument "nosuchbr" is wrong: Device does not exist/);
  assert.deepEqual(await links(HOST), ['lo', 'br0', 'pa']);
  await applyBatch(hostExec, ['link del dev pa']);
});

test('an unknown peer namespace fails at its line and creates nothing', async () => {
  const lines = [linkAddVeth('vn', { master: 'br0', up: true, peer: { name: 'eth0', netns: fx.name('missing') } })];
  const e = await batchError(applyBatch(hostExec, lines));
  assert.equal(e.index, 0);
  assert.equal(e.kind, 'not-found');
  assert.match(e.detail, /Invalid "netns" value/);
  assert.deepEqual(await links(HOST), ['lo', 'br0']);
});

test('a peer name taken in the sandbox fails atomically: no host side, no peer', async () => {
  await applyBatch(exec, ['link add name eth0 type veth peer name other'], { netns: SB });
  const e = await batchError(applyBatch(hostExec, [linkAddVeth('vx', { master: 'br0', up: true, peer: { name: 'eth0', netns: SB } })]));
  assert.equal(e.kind, 'conflict');
  assert.deepEqual(await links(HOST), ['lo', 'br0']);
  assert.deepEqual((await links(SB)).sort(), ['eth0', 'lo', 'other']);
  await applyBatch(exec, ['link del dev eth0'], { netns: SB });
  assert.deepEqual(await links(SB), ['lo']);
});

test('the peer cannot be created up (ENOTCONN): its side is a second batch', async () => {
  const e = await batchError(applyBatch(hostExec, [`link add name vu type veth peer name pu netns ${SB} up`]));
  assert.match(e.detail, /Transport endpoint is not connected/);
  assert.deepEqual(await links(HOST), ['lo', 'br0']);
  assert.deepEqual(await links(SB), ['lo']);
});

test('a sandbox batch failing at its route keeps the address and the up link', async () => {
  const plan = planAttach({ netns: SB, bridge: 'br0', hostName: 'vs', ifName: 'eth0', mac: '02:42:0a:4d:00:02', addresses: ['10.77.0.2/24'], gateway: '10.99.0.1' });
  await applyBatch(hostExec, plan.host);
  const e = await batchError(applyBatch(exec, plan.sandbox, { netns: SB }));
  assert.equal(e.line, 'route add default via 10.99.0.1 dev eth0');
  assert.equal(e.detail, 'Error: Nexthop has invalid gateway.');
  assert.deepEqual(e.applied, ['link set dev lo up', 'addr add 10.77.0.2/24 broadcast + dev eth0', 'link set dev eth0 up']);
  const addr = JSON.parse((await run(exec, ['ip', '-n', SB, '-j', 'addr', 'show', 'dev', 'eth0'])).stdout) as Array<{ flags: string[]; addr_info: Array<{ family: string; local: string }> }>;
  assert.ok(addr[0]?.flags.includes('UP'));
  assert.deepEqual(addr[0]?.addr_info.filter((a) => a.family === 'inet').map((a) => a.local), ['10.77.0.2']);
  await applyBatch(hostExec, ['link del dev vs']);
  assert.deepEqual(await links(SB), ['lo']);
});

test('ip -n into a missing namespace fails before line 1', async () => {
  const e = await batchError(applyBatch(exec, ['link set dev lo up'], { netns: fx.name('missing') }));
  assert.equal(e.index, 0);
  assert.equal(e.kind, 'not-found');
  assert.deepEqual(e.applied, []);
});

test('netns add works inside a host batch, and must not run under ip -n', async () => {
  const made = fx.name('made');
  await applyBatch(hostExec, [netnsAdd(made), linkAddVeth('vm', { peer: { name: 'eth0', netns: made } })]);
  assert.equal(await isMounted(made), true);
  assert.deepEqual(await links(made), ['lo', 'eth0']);

  // Under `ip -n`, ip unshares the mount namespace first: the bind mount lives in
  // ip's private mount namespace and dies with the process. The batch "succeeds",
  // the namespace (and the veth moved into it) is destroyed when ip exits, and a
  // dead file stays in /var/run/netns.
  const dead = fx.name('dead');
  const r = await exec(['ip', '-n', HOST, '-batch', '-'], { input: `netns add ${dead}\nlink add name vd type veth peer name eth0 netns ${dead}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await isMounted(dead), false);
  await until('the veth to vanish with the unreachable namespace', async () => ((await links(HOST)).includes('vd') ? undefined : true));
  await assert.rejects(applyBatch(exec, [netnsAdd(dead)], { netns: HOST }), /cannot run under ip -n/);
  await run(exec, ['ip', 'netns', 'del', dead]);
  await applyBatch(hostExec, ['link del dev vm', `netns del ${made}`]);
  assert.deepEqual(await links(HOST), ['lo', 'br0']);
});
