import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addrAdd,
  addrDel,
  addrFlush,
  applyBatch,
  BatchError,
  bridgePortHairpin,
  classifyIpError,
  linkAddBridge,
  linkAddVeth,
  linkDelete,
  linkRename,
  linkSetMaster,
  netnsAdd,
  planAddBridge,
  planAttach,
  planDetach,
  randomMac,
  routeAdd,
  validateIfName,
} from '../../../src/host/ip-batch.js';
import type { Exec, ExecOptions, ExecResult } from '../../../src/host/exec.js';
import { BerthError } from '../../../src/model/errors.js';

test('bridge lines', () => {
  assert.equal(linkAddBridge('docker0'), 'link add name docker0 type bridge');
  assert.equal(
    linkAddBridge('br-1', { mtu: 1450, mac: '02:42:AB:CD:EF:01', txqueuelen: 0 }),
    'link add name br-1 address 02:42:ab:cd:ef:01 mtu 1450 txqueuelen 0 type bridge',
  );
  assert.deepEqual(planAddBridge({ name: 'docker0', mtu: 1500, addresses: ['172.17.0.1/16'] }), [
    'link add name docker0 mtu 1500 txqueuelen 0 type bridge',
    'addr add 172.17.0.1/16 broadcast + dev docker0',
    'link set dev docker0 up',
  ]);
});

test('veth lines', () => {
  assert.equal(
    linkAddVeth('veth0a1b2c3', { mtu: 1500, master: 'docker0', up: true, peer: { name: 'eth0', netns: 'c1', mac: '02:42:ac:11:00:02', mtu: 1500 } }),
    'link add name veth0a1b2c3 mtu 1500 master docker0 up type veth peer name eth0 address 02:42:ac:11:00:02 mtu 1500 netns c1',
  );
  assert.equal(linkAddVeth('a', { peer: { name: 'b' } }), 'link add name a type veth peer name b');
  assert.equal(linkAddVeth('a', { mac: '02:00:00:00:00:01', peer: { name: 'b' } }), 'link add name a address 02:00:00:00:00:01 type veth peer name b');
  assert.equal(linkSetMaster('v', 'br0'), 'link set dev v master br0');
  assert.equal(linkRename('veth9', 'eth0'), 'link set dev veth9 name eth0');
  assert.equal(linkDelete('v'), 'link del dev v');
  assert.equal(bridgePortHairpin('v', true), 'link set dev v type bridge_slave hairpin on');
  assert.equal(netnsAdd('c1'), 'netns add c1');
});

test('address and route lines', () => {
  assert.equal(addrAdd('eth0', '10.0.0.2/24'), 'addr add 10.0.0.2/24 broadcast + dev eth0');
  assert.equal(addrAdd('eth0', '10.0.0.2/31'), 'addr add 10.0.0.2/31 dev eth0');
  assert.equal(addrAdd('eth0', '10.0.0.2/32'), 'addr add 10.0.0.2/32 dev eth0');
  assert.equal(addrAdd('eth0', 'fd00::2/64', { nodad: true }), 'addr add fd00::2/64 nodad dev eth0');
  assert.equal(addrAdd('eth0', 'fd00::2/64'), 'addr add fd00::2/64 dev eth0');
  assert.equal(addrDel('eth0', '10.0.0.2/24'), 'addr del 10.0.0.2/24 dev eth0');
  assert.equal(addrFlush('eth0'), 'addr flush dev eth0');
  assert.equal(routeAdd({ dst: 'default', via: '10.0.0.1', dev: 'eth0' }), 'route add default via 10.0.0.1 dev eth0');
  assert.equal(routeAdd({ dst: 'default', via: 'fd00::1' }), 'route add default via fd00::1');
  assert.equal(routeAdd({ dst: '10.1.0.0/16', dev: 'br0' }), 'route add 10.1.0.0/16 dev br0');
});

test('planAttach: one host line, sandbox side in its own batch', () => {
  const plan = planAttach({
    netns: 'bh-c1',
    createNetns: true,
    bridge: 'br0',
    hostName: 'vethabc1234',
    ifName: 'eth0',
    mtu: 1500,
    mac: '02:42:ac:12:00:02',
    addresses: ['172.18.0.2/16', 'fd00::2/64'],
    gateway: '172.18.0.1',
    gateway6: 'fd00::1',
  });
  assert.deepEqual(plan.host, [
    'netns add bh-c1',
    'link add name vethabc1234 mtu 1500 txqueuelen 0 master br0 up type veth peer name eth0 address 02:42:ac:12:00:02 mtu 1500 txqueuelen 0 netns bh-c1',
  ]);
  assert.deepEqual(plan.sandbox, [
    'link set dev lo up',
    'addr add 172.18.0.2/16 broadcast + dev eth0',
    'addr add fd00::2/64 nodad dev eth0',
    'link set dev eth0 up',
    'route add default via 172.18.0.1 dev eth0',
    'route add default via fd00::1 dev eth0',
  ]);
});

test('planAttach with a temporary peer name (Docker style), no lo, hairpin', () => {
  const plan = planAttach({
    netns: 'c2',
    bridge: 'br0',
    hostName: 'veth1',
    ifName: 'eth1',
    tempName: 'veth1p',
    hairpin: true,
    txqueuelen: 1000,
    addresses: ['10.1.0.5/24'],
    loopbackUp: false,
  });
  assert.deepEqual(plan.host, [
    'link add name veth1 txqueuelen 1000 master br0 up type veth peer name veth1p txqueuelen 1000 netns c2',
    'link set dev veth1 type bridge_slave hairpin on',
  ]);
  assert.deepEqual(plan.sandbox, ['link set dev veth1p name eth1', 'addr add 10.1.0.5/24 broadcast + dev eth1', 'link set dev eth1 up']);
  assert.deepEqual(planDetach('veth1', { deleteNetns: 'c2' }), ['link del dev veth1', 'netns del c2']);
});

test('validation refuses what would break or inject into a batch line', () => {
  for (const bad of ['', 'a b', 'x#y', 'a/b', 'a:b', '..', 'sixteen-chars-xx', 'q"', "q'", 'a\\b', 'a\nb']) {
    assert.throws(() => validateIfName(bad), (e: unknown) => e instanceof BerthError && e.kind === 'invalid', bad);
  }
  assert.equal(validateIfName('fifteen-chars-x'), 'fifteen-chars-x');
  assert.throws(() => addrAdd('eth0', '10.0.0.300/24'), /invalid address/);
  assert.throws(() => addrAdd('eth0', '10.0.0.3'), /invalid address/);
  assert.throws(() => addrAdd('eth0', '10.0.0.3/33'), /invalid address/);
  assert.throws(() => linkAddBridge('b', { mtu: 10 }), /invalid MTU/);
  assert.throws(() => linkAddBridge('b', { mac: '02:42' }), /invalid MAC/);
  assert.throws(() => linkAddVeth('a', { peer: { name: 'b', netns: 'x y' } }), /invalid network namespace name/);
  assert.throws(() => planAttach({ netns: 'n', bridge: 'b', hostName: 'v', ifName: 'eth0', addresses: [], gateway: 'fd00::1' }), /not an IPv4/);
});

test("randomMac is dockerd's: 02:42 and 4 random bytes", () => {
  assert.equal(randomMac(Uint8Array.from([0xff, 1, 2, 3])), '02:42:ff:01:02:03');
  assert.match(randomMac(), /^02:42(:[0-9a-f]{2}){4}$/);
  assert.notEqual(randomMac(), randomMac());
});

test('classifyIpError', () => {
  assert.equal(classifyIpError('RTNETLINK answers: File exists'), 'conflict');
  assert.equal(classifyIpError('Error: ipv4: Address already assigned.'), 'conflict');
  assert.equal(classifyIpError('Cannot find device "x"'), 'not-found');
  assert.equal(classifyIpError('Error: argument "br9" is wrong: Device does not exist'), 'not-found');
  assert.equal(classifyIpError('Error: argument "ns" is wrong: Invalid "netns" value'), 'not-found');
  assert.equal(classifyIpError('Error: Nexthop has invalid gateway.'), 'system');
});

// --- applyBatch against a scripted exec (the mapping of ip's output; the real ip is in the integration tests)

function scripted(result: Partial<ExecResult>): { exec: Exec; calls: Array<{ argv: readonly string[]; input: string | undefined }> } {
  const calls: Array<{ argv: readonly string[]; input: string | undefined }> = [];
  const exec: Exec = (argv: readonly string[], options?: ExecOptions) => {
    calls.push({ argv, input: options?.input });
    return Promise.resolve({ code: 0, stdout: '', stderr: '', ...result });
  };
  return { exec, calls };
}

const LO = '1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n';

test('applyBatch: argv, stdin with a marker after each line, nothing for an empty batch', async () => {
  const { exec, calls } = scripted({});
  await applyBatch(exec, ['link add name b type bridge', 'link set dev b up'], { netns: 'ns1' });
  await applyBatch(exec, []);
  assert.deepEqual(calls, [
    {
      argv: ['ip', '-n', 'ns1', '-batch', '-'],
      input: 'link add name b type bridge\nlink show dev lo\nlink set dev b up\nlink show dev lo\n',
    },
  ]);
});

test('applyBatch: a kernel error names the failing line from "Command failed -:N"', async () => {
  const lines = ['link add name b type bridge', 'link add name b type bridge', 'link set dev b up'];
  const { exec } = scripted({ code: 1, stdout: LO, stderr: 'RTNETLINK answers: File exists\nCommand failed -:3\n' });
  const err = await applyBatch(exec, lines).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BatchError);
  assert.equal(err.kind, 'conflict');
  assert.equal(err.index, 1);
  assert.equal(err.lineNumber, 2);
  assert.equal(err.line, 'link add name b type bridge');
  assert.deepEqual(err.applied, ['link add name b type bridge']);
  assert.deepEqual(err.notApplied, lines.slice(1));
  assert.equal(err.message, 'ip -batch failed at line 2 of 3 "link add name b type bridge": RTNETLINK answers: File exists');
});

test('applyBatch: a parse error (exit 255, no line number) is located by the markers', async () => {
  const lines = ['link set dev b up', 'link add name v master nosuch type veth peer name p', 'link set dev v up'];
  const { exec } = scripted({ code: 255, stdout: LO, stderr: 'Error: argument "nosuch" is wrong: Device does not exist\n\n' });
  const err = (await applyBatch(exec, lines, { netns: 'h' }).catch((e: unknown) => e)) as BatchError;
  assert.equal(err.index, 1);
  assert.equal(err.kind, 'not-found');
  assert.equal(err.netns, 'h');
  assert.equal(err.message, 'ip -batch in netns h failed at line 2 of 3 "link add name v master nosuch type veth peer name p": Error: argument "nosuch" is wrong: Device does not exist');
});

test('applyBatch: ip -n into a missing namespace fails before line 1', async () => {
  const { exec } = scripted({ code: 255, stderr: 'Cannot open network namespace "gone": No such file or directory\n' });
  const err = (await applyBatch(exec, ['link set dev lo up'], { netns: 'gone' }).catch((e: unknown) => e)) as BatchError;
  assert.equal(err.index, 0);
  assert.equal(err.kind, 'not-found');
  assert.deepEqual(err.applied, []);
});

test('applyBatch refuses unsafe lines, listings, and netns add under -n', async () => {
  const { exec, calls } = scripted({});
  await assert.rejects(applyBatch(exec, ['link set dev a up\nlink del dev b']), /invalid ip batch line/);
  await assert.rejects(applyBatch(exec, ['link set dev a up # x']), /invalid ip batch line/);
  await assert.rejects(applyBatch(exec, ['link show']), /must not list/);
  await assert.rejects(applyBatch(exec, ['netns add x'], { netns: 'h' }), /cannot run under ip -n/);
  assert.equal(calls.length, 0);
});

test('applyBatch with thenIn: the namespace part runs second, only after the first succeeded; its failure is counted over both parts', async () => {
  const { exec, calls } = scripted({});
  await applyBatch(exec, ['link set dev b up'], { thenIn: { netns: 'sb', lines: ['link set dev lo up'] } });
  assert.deepEqual(
    calls.map((c) => c.argv),
    [
      ['ip', '-batch', '-'],
      ['ip', '-n', 'sb', '-batch', '-'],
    ],
  );

  const failing: Exec = (argv) =>
    Promise.resolve(argv.includes('-n') ? { code: 2, stdout: LO, stderr: 'Error: Nexthop has invalid gateway.\nCommand failed -:3\n' } : { code: 0, stdout: LO + LO, stderr: '' });
  const host = ['netns add sb', 'link add name v type veth peer name eth0 netns sb'];
  const inSb = ['link set dev eth0 up', 'route add default via 10.0.0.1'];
  const err = (await applyBatch(failing, host, { thenIn: { netns: 'sb', lines: inSb } }).catch((e: unknown) => e)) as BatchError;
  assert.ok(err instanceof BatchError);
  assert.deepEqual(err.lines, [...host, ...inSb]);
  assert.equal(err.index, 3);
  assert.equal(err.netns, 'sb');
  assert.deepEqual(err.applied, [...host, 'link set dev eth0 up']);
  assert.equal(err.message, 'ip -batch in netns sb failed at line 2 of 2 "route add default via 10.0.0.1": Error: Nexthop has invalid gateway.', 'counted within its part');

  const { exec: refusing, calls: none } = scripted({ code: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:1\n' });
  const first = (await applyBatch(refusing, host, { thenIn: { netns: 'sb', lines: inSb } }).catch((e: unknown) => e)) as BatchError;
  assert.equal(first.index, 0);
  assert.equal(first.netns, undefined);
  assert.equal(none.length, 1, 'the namespace part never ran');
  await assert.rejects(applyBatch(refusing, [], { thenIn: { netns: 'sb', lines: ['netns del sb'] } }), /cannot run under ip -n/, 'checked before anything runs');
});
