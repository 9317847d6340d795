import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSysctl, readSysctlIn, sysctlKey, sysctlPath, writeSysctlIn, writeSysctlsIn } from '../../../src/host/sysctl.js';
import { addNetns, deleteNetns, listNetns, netnsExists, netnsPath, validateNetnsName } from '../../../src/host/netns.js';
import type { Exec, ExecOptions } from '../../../src/host/exec.js';
import { BerthError } from '../../../src/model/errors.js';

const kind = (k: string) => (e: unknown) => e instanceof BerthError && e.kind === k;

test('sysctl names map to /proc/sys paths; dots inside a component need the array form', () => {
  assert.equal(sysctlPath('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
  assert.equal(sysctlPath('net.bridge.bridge-nf-call-iptables'), '/proc/sys/net/bridge/bridge-nf-call-iptables');
  assert.equal(sysctlPath(['net', 'ipv4', 'conf', 'br.10', 'route_localnet']), '/proc/sys/net/ipv4/conf/br.10/route_localnet');
  assert.equal(sysctlKey(['net', 'ipv4', 'conf', 'br.10', 'route_localnet']), 'net.ipv4.conf.br/10.route_localnet');
  for (const bad of ['', 'net..ipv4', 'net.ipv4.', '../etc/passwd', 'net/ipv4/ip_forward', 'net.ipv4 .x']) {
    assert.throws(() => sysctlPath(bad), kind('invalid'), bad);
  }
  assert.throws(() => sysctlPath(['net', 'ipv4', 'conf', '..', 'x']), kind('invalid'));
  assert.throws(() => sysctlPath(['net', 'ipv4', 'conf', 'a/b', 'x']), kind('invalid'));
});

test('reading a sysctl of the current namespace (read-only; writes are tested in a namespace)', async () => {
  assert.match((await readSysctl('net.ipv4.ip_local_port_range')) ?? '', /^\d+\t\d+$/);
  assert.equal(await readSysctl('net.ipv4.no_such_sysctl'), null);
});

test('sysctls of a named namespace go through nsenter with cat/tee', async () => {
  const calls: Array<{ argv: readonly string[]; input: string | undefined }> = [];
  const exec: Exec = (argv: readonly string[], o?: ExecOptions) => {
    calls.push({ argv, input: o?.input });
    const file = argv[3] ?? '';
    if (file.endsWith('missing')) return Promise.resolve({ code: 1, stdout: '', stderr: `${argv[2]}: ${file}: No such file or directory\n` });
    if (argv[1] === '--net=/var/run/netns/gone') return Promise.resolve({ code: 1, stdout: '', stderr: 'nsenter: cannot open /var/run/netns/gone: No such file or directory\n' });
    if (o?.input === 'bad') return Promise.resolve({ code: 1, stdout: '', stderr: `tee: ${file}: Invalid argument\n` });
    return Promise.resolve({ code: 0, stdout: '1\n', stderr: '' });
  };
  assert.equal(await readSysctlIn(exec, 'h', 'net.ipv4.ip_forward'), '1');
  await writeSysctlIn(exec, 'h', ['net', 'ipv4', 'conf', 'br0', 'route_localnet'], '1');
  assert.equal(await readSysctlIn(exec, 'h', 'net.ipv4.missing'), null);
  await assert.rejects(writeSysctlIn(exec, 'h', 'net.ipv4.missing', '1'), kind('not-found'));
  await assert.rejects(writeSysctlIn(exec, 'h', 'net.ipv4.ip_forward', 'bad'), kind('invalid'));
  await assert.rejects(readSysctlIn(exec, 'gone', 'net.ipv4.ip_forward'), kind('not-found'));
  await assert.rejects(writeSysctlIn(exec, 'h', 'net.ipv4.ip_forward', '1\n2'), kind('invalid'));
  assert.deepEqual(calls.slice(0, 2), [
    { argv: ['nsenter', '--net=/var/run/netns/h', 'cat', '/proc/sys/net/ipv4/ip_forward'], input: undefined },
    { argv: ['nsenter', '--net=/var/run/netns/h', 'tee', '/proc/sys/net/ipv4/conf/br0/route_localnet'], input: '1' },
  ]);
});

test('writeSysctlsIn: one tee per distinct value, in order of first appearance', async () => {
  const calls: Array<{ argv: readonly string[]; input: string | undefined }> = [];
  const exec: Exec = (argv: readonly string[], o?: ExecOptions) => {
    calls.push({ argv, input: o?.input });
    return Promise.resolve({ code: 0, stdout: '', stderr: '' });
  };
  await writeSysctlsIn(exec, 'c1', [
    ['net.ipv6.conf.all.disable_ipv6', '1'],
    ['net.ipv4.ip_unprivileged_port_start', '0'],
    ['net.ipv6.conf.default.disable_ipv6', '1'],
    ['net.ipv4.ping_group_range', '0 2147483647'],
    ['net.ipv6.conf.lo.disable_ipv6', '1'],
  ]);
  const tee = (...files: string[]) => ['nsenter', '--net=/var/run/netns/c1', 'tee', ...files.map((f) => `/proc/sys/net/${f}`)];
  assert.deepEqual(calls, [
    { argv: tee('ipv6/conf/all/disable_ipv6', 'ipv6/conf/default/disable_ipv6', 'ipv6/conf/lo/disable_ipv6'), input: '1' },
    { argv: tee('ipv4/ip_unprivileged_port_start'), input: '0' },
    { argv: tee('ipv4/ping_group_range'), input: '0 2147483647' },
  ]);
});

test('netns names and paths', () => {
  assert.equal(netnsPath('bh1-c1'), '/var/run/netns/bh1-c1');
  for (const bad of ['', '.', '..', 'a/b', 'a b', 'a#b']) assert.throws(() => validateNetnsName(bad), kind('invalid'), bad);
});

test('netns add/del map ip errors to conflict / not-found', async () => {
  const exec: Exec = (argv) =>
    Promise.resolve(
      argv[2] === 'add'
        ? { code: 1, stdout: '', stderr: `Cannot create namespace file "/var/run/netns/${argv[3]}": File exists\n` }
        : { code: 1, stdout: '', stderr: `Cannot remove namespace file "/var/run/netns/${argv[3]}": No such file or directory\n` },
    );
  await assert.rejects(addNetns(exec, 'x'), kind('conflict'));
  await assert.rejects(deleteNetns(exec, 'x'), kind('not-found'));
});

test('list and exists read the directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-netns-'));
  try {
    assert.deepEqual(await listNetns(join(dir, 'none')), []);
    await writeFile(join(dir, 'b'), '');
    await writeFile(join(dir, 'a'), '');
    assert.deepEqual(await listNetns(dir), ['a', 'b']);
    assert.equal(await netnsExists('a', dir), true);
    assert.equal(await netnsExists('c', dir), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
