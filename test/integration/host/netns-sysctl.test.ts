// Named namespaces and sysctls for real, in namespaces this file creates. The
// current-namespace sysctl path is exercised by a child node process started in
// HOST with nsenter (as berthd is), never in the test runner's own namespace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { exec, run } from '../../../src/host/exec.js';
import { applyBatch } from '../../../src/host/ip-batch.js';
import { addNetns, deleteNetns, isMounted, listNetns, netnsExists, netnsPath, pidsIn } from '../../../src/host/netns.js';
import { readSysctlIn, writeSysctlIn, writeSysctlsIn } from '../../../src/host/sysctl.js';
import { BerthError } from '../../../src/model/errors.js';
import { netnsFixture, until } from './netns-fixture.js';

const fx = netnsFixture('ns');
const HOST = fx.name('host');
const kind = (k: string) => (e: unknown) => e instanceof BerthError && e.kind === k;

before(async () => {
  await fx.add('host');
});

after(async () => {
  await fx.cleanup();
  assert.deepEqual((await readdir('/var/run/netns')).filter((n) => n.startsWith(fx.prefix)), [], 'namespaces left behind');
});

test('add, list, exists, delete; conflict and not-found', async () => {
  const a = fx.name('a');
  await addNetns(exec, a);
  assert.ok((await listNetns()).includes(a));
  assert.equal(await netnsExists(a), true);
  assert.equal(await isMounted(a), true);
  assert.match((await run(exec, ['ip', 'netns', 'list'])).stdout, new RegExp(`^${a}\\b`, 'm'));
  await assert.rejects(addNetns(exec, a), kind('conflict'));
  await deleteNetns(exec, a);
  assert.equal(await netnsExists(a), false);
  assert.equal(await isMounted(a), false);
  await assert.rejects(deleteNetns(exec, a), kind('not-found'));
  assert.ok(!(await listNetns()).includes(a));
});

test('pidsIn finds the processes living in a namespace', async () => {
  assert.deepEqual(await pidsIn(HOST), []);
  const child = spawn('nsenter', [`--net=${netnsPath(HOST)}`, 'busybox', 'sleep', '30'], { stdio: 'ignore' });
  try {
    const pid = child.pid ?? -1;
    await until(`pid ${pid} in ${HOST}`, async () => ((await pidsIn(HOST)).includes(pid) ? true : undefined));
    const ipSays = (await run(exec, ['ip', 'netns', 'pids', HOST])).stdout.trim().split('\n').map(Number);
    assert.deepEqual(await pidsIn(HOST), ipSays);
  } finally {
    child.kill();
  }
  await until(`no pid left in ${HOST}`, async () => ((await pidsIn(HOST)).length === 0 ? true : undefined));
  await assert.rejects(pidsIn(fx.name('missing')), kind('not-found'));
});

test('sysctls of a named namespace: write, read back, refusals', async () => {
  await writeSysctlIn(exec, HOST, 'net.ipv4.ip_forward', '1');
  assert.equal(await readSysctlIn(exec, HOST, 'net.ipv4.ip_forward'), '1');
  await writeSysctlIn(exec, HOST, 'net.ipv4.ip_forward', '0');
  assert.equal(await readSysctlIn(exec, HOST, 'net.ipv4.ip_forward'), '0');

  await writeSysctlIn(exec, HOST, 'net.ipv4.ip_local_port_range', '20000 30000');
  assert.equal(await readSysctlIn(exec, HOST, 'net.ipv4.ip_local_port_range'), '20000\t30000');
  await assert.rejects(writeSysctlIn(exec, HOST, 'net.ipv4.ip_local_port_range', '3 2 1'), kind('invalid'));

  // An interface name with a dot needs the component form.
  await applyBatch(exec, ['link add name br.10 type bridge'], { netns: HOST });
  const localnet = ['net', 'ipv4', 'conf', 'br.10', 'route_localnet'];
  assert.equal(await readSysctlIn(exec, HOST, localnet), '0');
  await writeSysctlIn(exec, HOST, localnet, '1');
  assert.equal(await readSysctlIn(exec, HOST, localnet), '1');

  assert.equal(await readSysctlIn(exec, HOST, 'net.ipv4.no_such_sysctl'), null);
  await assert.rejects(writeSysctlIn(exec, HOST, 'net.ipv4.no_such_sysctl', '1'), kind('not-found'));
  await assert.rejects(readSysctlIn(exec, fx.name('missing'), 'net.ipv4.ip_forward'), kind('not-found'));
  // Exists only with br_netfilter loaded (per namespace since Linux 5.3).
  const nf = await readSysctlIn(exec, HOST, 'net.bridge.bridge-nf-call-iptables');
  assert.ok(nf === null || nf === '0' || nf === '1', String(nf));
});

test("several sysctls of a sandbox in one process per value (dockerd's container set)", async () => {
  const sb = await fx.add('sb');
  await applyBatch(exec, ['link set dev lo up'], { netns: sb });
  await writeSysctlsIn(exec, sb, [
    ['net.ipv6.conf.all.disable_ipv6', '1'],
    ['net.ipv6.conf.default.disable_ipv6', '1'],
    ['net.ipv6.conf.lo.disable_ipv6', '1'],
    ['net.ipv4.ip_unprivileged_port_start', '0'],
    ['net.ipv4.ping_group_range', '0 2147483647'],
  ]);
  assert.equal(await readSysctlIn(exec, sb, 'net.ipv6.conf.lo.disable_ipv6'), '1');
  assert.equal(await readSysctlIn(exec, sb, 'net.ipv4.ping_group_range'), '0\t2147483647');
  // A link created afterwards inherits `default`: no IPv6 at all, as in dockerd's containers.
  await applyBatch(exec, ['link add name eth0 type veth peer name p0', 'link set dev eth0 up'], { netns: sb });
  assert.equal(await readSysctlIn(exec, sb, 'net.ipv6.conf.eth0.disable_ipv6'), '1');
  const v6 = (JSON.parse((await run(exec, ['ip', '-n', sb, '-j', '-6', 'addr', 'show'])).stdout) as Array<{ addr_info: unknown[] }>).flatMap((l) => l.addr_info);
  assert.deepEqual(v6, []);
  await assert.rejects(writeSysctlsIn(exec, sb, [['net.ipv4.no_such_sysctl', '1']]), kind('not-found'));
});

test("the current namespace's sysctls, from a process started in HOST like berthd", async () => {
  await applyBatch(exec, ['link add name br0 type bridge', 'addr add 10.88.0.1/24 dev br0', 'link set dev br0 up'], { netns: HOST });
  const hostNet = new URL('../../../src/host/host-net.js', import.meta.url).href;
  const execUrl = new URL('../../../src/host/exec.js', import.meta.url).href;
  const sysctlUrl = new URL('../../../src/host/sysctl.js', import.meta.url).href;
  const script = `
    import { kernelHostNet } from ${JSON.stringify(hostNet)};
    import { exec } from ${JSON.stringify(execUrl)};
    import { writeSysctl, readSysctl } from ${JSON.stringify(sysctlUrl)};
    const net = kernelHostNet(exec);
    const out = {};
    out.forwardBefore = await net.ipForward();
    await net.setIpForward(true);
    out.forwardAfter = await net.ipForward();
    await net.setRouteLocalnet('br0');
    await writeSysctl('net.ipv4.ip_local_port_range', '40000 50000');
    out.range = await net.ephemeralPortRange();
    out.missing = await readSysctl('net.ipv4.no_such_sysctl');
    out.missingWrite = await writeSysctl('net.ipv4.no_such_sysctl', '1').then(() => 'ok', (e) => e.kind);
    out.badWrite = await writeSysctl('net.ipv4.ip_forward', 'x').then(() => 'ok', (e) => e.kind);
    out.routes = await net.routes();
    out.routesFromProc = await kernelHostNet(exec, { ownNamespace: true }).routes();
    process.stdout.write(JSON.stringify(out));
  `;
  const r = await run(exec, ['nsenter', `--net=${netnsPath(HOST)}`, process.execPath, '--input-type=module', '-e', script]);
  assert.deepEqual(JSON.parse(r.stdout), {
    forwardBefore: false,
    forwardAfter: true,
    range: [40000, 50000],
    missing: null,
    missingWrite: 'not-found',
    badWrite: 'invalid',
    routes: ['10.88.0.0/24'],
    routesFromProc: ['10.88.0.0/24'],
  });
  // Checked from outside, through the other path.
  assert.equal(await readSysctlIn(exec, HOST, 'net.ipv4.ip_forward'), '1');
  assert.equal(await readSysctlIn(exec, HOST, 'net.ipv4.conf.br0.route_localnet'), '1');
});
