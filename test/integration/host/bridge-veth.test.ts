// Bridge and sandboxes for real, inside namespaces this file creates:
//   HOST (berthd's namespace: the bridge)  --veth--  C1, C2 (sandboxes)
// Everything berth does runs through an exec that enters HOST with nsenter, as
// berthd does; the checks read the kernel independently with `ip -j` and real traffic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { exec, run } from '../../../src/host/exec.js';
import { applyBatch, linkAddVeth, planAddBridge } from '../../../src/host/ip-batch.js';
import { kernelHostNet } from '../../../src/host/host-net.js';
import { readAddresses, readLink, readLinks, readRoutes } from '../../../src/host/links.js';
import { netnsPath } from '../../../src/host/netns.js';
import { netnsFixture, until } from './netns-fixture.js';

const fx = netnsFixture('bv');
const HOST = fx.name('host');
const C1 = fx.name('c1');
const C2 = fx.name('c2');
const hostExec = fx.execIn(HOST);
const net = kernelHostNet(hostExec);

type Json = Record<string, unknown>;
async function ipj(ns: string, ...args: string[]): Promise<Json[]> {
  return JSON.parse((await run(exec, ['ip', '-n', ns, '-j', ...args])).stdout) as Json[];
}
const names = async (ns: string): Promise<string[]> => (await ipj(ns, 'link', 'show')).map((l) => String(l['ifname']));

async function ping(from: string, to: string): Promise<boolean> {
  const r = await exec(['nsenter', `--net=${netnsPath(from)}`, 'busybox', 'ping', '-c', '1', '-W', '1', to], { timeoutMs: 5000 });
  return r.code === 0;
}

before(async () => {
  await fx.add('host');
});

after(async () => {
  await fx.cleanup();
  const left = (await readdir('/var/run/netns')).filter((n) => n.startsWith(fx.prefix));
  assert.deepEqual(left, [], 'namespaces left behind');
});

test('bridge: created with its address, MTU and MAC, up, Docker-like defaults', async () => {
  await applyBatch(hostExec, planAddBridge({ name: 'br0', mtu: 1400, mac: '02:42:5e:00:00:01', addresses: ['172.30.0.1/16'] }));

  const [raw] = await ipj(HOST, '-d', 'link', 'show', 'dev', 'br0');
  assert.ok(raw);
  assert.equal(raw['mtu'], 1400);
  assert.equal(raw['address'], '02:42:5e:00:00:01');
  assert.ok((raw['flags'] as string[]).includes('UP'), `flags ${String(raw['flags'])}`);
  const info = (raw['linkinfo'] as Json)['info_data'] as Json;
  assert.equal((raw['linkinfo'] as Json)['info_kind'], 'bridge');
  // docker0's values: kernel defaults, none set by dockerd.
  assert.deepEqual(
    [info['stp_state'], info['forward_delay'], info['hello_time'], info['max_age'], info['ageing_time'], info['vlan_filtering']],
    [0, 1500, 200, 2000, 30000, 0],
  );
  const [addrs] = await ipj(HOST, 'addr', 'show', 'dev', 'br0');
  const v4 = (addrs?.['addr_info'] as Json[]).filter((a) => a['family'] === 'inet');
  assert.deepEqual(v4.map((a) => [a['local'], a['prefixlen'], a['broadcast']]), [['172.30.0.1', 16, '172.30.255.255']]);

  // The typed reader says the same.
  const br = await readLink(exec, 'br0', { netns: HOST });
  assert.equal(br?.kind, 'bridge');
  assert.equal(br?.mtu, 1400);
  assert.equal(br?.bridge?.stpState, 0);
  assert.equal(br?.bridge?.forwardDelay, 1500);
  assert.deepEqual((await readAddresses(exec, { netns: HOST, dev: 'br0' })).filter((a) => a.family === 4).map((a) => a.cidr), ['172.30.0.1/16']);
  assert.equal(await readLink(exec, 'nosuch', { netns: HOST }), null);
});

test("gotcha: without a MAC of its own, a bridge takes its lowest port's MAC; a set MAC stays", async () => {
  const port = (n: string, br: string) => linkAddVeth(n, { mac: '00:00:5e:00:00:01', master: br, peer: { name: `${n}p` } });
  await applyBatch(hostExec, ['link add name brk type bridge', 'link add name brp address 02:42:5e:00:00:02 type bridge']);
  const before = (await readLink(exec, 'brk', { netns: HOST }))?.mac;
  await applyBatch(hostExec, [port('vk', 'brk'), port('vp', 'brp')]);
  assert.notEqual(before, '00:00:5e:00:00:01');
  assert.equal((await readLink(exec, 'brk', { netns: HOST }))?.mac, '00:00:5e:00:00:01');
  assert.equal((await readLink(exec, 'brp', { netns: HOST }))?.mac, '02:42:5e:00:00:02');
  await applyBatch(hostExec, ['link del dev vk', 'link del dev vp', 'link del dev brk', 'link del dev brp']);
  assert.deepEqual(await names(HOST), ['lo', 'br0']);
});

test('sandboxes: veth renamed eth0 with MAC, MTU, address, default route, lo up', async () => {
  await net.ensureBridge({ name: 'br0', mtu: 1400, address: '172.30.0.1/16' }); // adopts the existing one
  for (const [ns, ip, veth] of [
    [C1, '172.30.0.2', 'vethc1'],
    [C2, '172.30.0.3', 'vethc2'],
  ] as const) {
    await net.createSandbox(ns);
    const last = Number(ip.split('.')[3]).toString(16).padStart(2, '0');
    await net.attach({ netns: ns, hostIf: veth, ifName: 'eth0', bridge: 'br0', mtu: 1400, address: `${ip}/16`, mac: `02:42:ac:1e:00:${last}`, gateway: '172.30.0.1' });
  }

  const links = await ipj(C1, '-d', 'link', 'show');
  assert.deepEqual(links.map((l) => l['ifname']), ['lo', 'eth0']);
  const [lo, eth0] = links;
  assert.ok((lo?.['flags'] as string[]).includes('UP'), 'lo is up');
  assert.equal(eth0?.['address'], '02:42:ac:1e:00:02');
  assert.equal(eth0?.['mtu'], 1400);
  assert.equal((eth0?.['linkinfo'] as Json)['info_kind'], 'veth');
  assert.deepEqual(eth0?.['flags'], ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']);
  const addrs = await readAddresses(exec, { netns: C1, dev: 'eth0' });
  assert.deepEqual(addrs.filter((a) => a.family === 4).map((a) => [a.cidr, a.broadcast]), [['172.30.0.2/16', '172.30.255.255']]);
  assert.deepEqual(
    (await ipj(C1, 'route', 'show')).map((r) => `${String(r['dst'])} ${String(r['gateway'] ?? '-')} ${String(r['dev'])}`),
    ['default 172.30.0.1 eth0', '172.30.0.0/16 - eth0'],
  );
  assert.equal((await readRoutes(exec, { netns: C1 }))[0]?.gateway, '172.30.0.1');

  const host = await readLink(exec, 'vethc1', { netns: HOST });
  assert.equal(host?.master, 'br0');
  assert.equal(host?.up, true);
  assert.equal(host?.mtu, 1400);
  assert.equal(host?.operstate, 'UP');
  assert.equal(host?.peerIndex, (await readLink(exec, 'eth0', { netns: C1 }))?.index);
  // The host namespace lists nothing of the sandboxes but the veths.
  assert.deepEqual(await names(HOST), ['lo', 'br0', 'vethc1', 'vethc2']);
  assert.deepEqual(await net.routes(), ['172.30.0.0/16']);
});

// The shape of a link as dockerd leaves it, without what is random or named per run.
function shape(l: Json | undefined): Json {
  const info = (l?.['linkinfo'] ?? {}) as Json;
  const data = (info['info_data'] ?? {}) as Json;
  const slave = (info['info_slave_data'] ?? {}) as Json;
  const pick = (o: Json, keys: string[]): Json => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
  return {
    ...pick(l ?? {}, ['flags', 'mtu', 'qdisc', 'operstate', 'linkmode', 'group', 'link_type', 'promiscuity', 'allmulti', 'inet6_addr_gen_mode']),
    txqlen: l?.['txqlen'] ?? 'absent (0)',
    master: l?.['master'] === undefined ? 'none' : 'the bridge',
    mac: ((a: string) => (a.startsWith('02:42:') ? '02:42:…' : a === '00:00:00:00:00:00' ? 'zero' : 'random'))(String(l?.['address'] ?? '')),
    kind: info['info_kind'],
    slaveKind: info['info_slave_kind'],
    bridge: pick(data, ['forward_delay', 'hello_time', 'max_age', 'ageing_time', 'stp_state', 'priority', 'vlan_filtering', 'mcast_snooping', 'group_fwd_mask']),
    port: pick(slave, ['state', 'priority', 'cost', 'hairpin', 'guard', 'root_block', 'fastleave', 'learning', 'flood', 'proxy_arp', 'mcast_flood', 'bcast_flood', 'mcast_to_unicast', 'neigh_suppress', 'isolated']),
  };
}

test("links match dockerd's (golden links/daemon-bip-mtu.json: --mtu=1400, one container)", async (t) => {
  const file = new URL('../../../../test/golden/dockerd/links/daemon-bip-mtu.json', import.meta.url);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) {
    t.skip('no golden capture');
    return;
  }
  const golden = JSON.parse(text) as Record<string, Record<string, Json[]>>;
  const glinks = golden['host']?.['ip -j -d link show'] ?? [];
  const gctr = golden['container']?.['ip -j -d link show'] ?? [];
  const hostLinks = await ipj(HOST, '-d', 'link', 'show');
  const byName = (ls: Json[], f: (l: Json) => boolean) => ls.find(f);
  const isBridge = (l: Json) => (l['linkinfo'] as Json | undefined)?.['info_kind'] === 'bridge';
  const isPort = (l: Json) => (l['linkinfo'] as Json | undefined)?.['info_slave_kind'] === 'bridge';
  assert.deepEqual(shape(byName(hostLinks, isBridge)), shape(byName(glinks, isBridge)), 'bridge');
  assert.deepEqual(shape(byName(hostLinks, isPort)), shape(byName(glinks, isPort)), 'host side of the veth');
  const ctr = await ipj(C1, '-d', 'link', 'show');
  assert.deepEqual(ctr.map(shape), gctr.map(shape), 'sandbox links (lo, eth0)');
  // Sandbox addresses and routes, up to the subnet.
  const v4 = async (ns: string) => (await ipj(ns, 'addr', 'show', 'dev', 'eth0')).flatMap((l) => (l['addr_info'] as Json[]).filter((a) => a['family'] === 'inet').map((a) => Object.keys(a).sort()));
  const gaddr = (golden['container']?.['ip -j addr show'] ?? []).filter((l) => l['ifname'] === 'eth0').flatMap((l) => (l['addr_info'] as Json[]).filter((a) => a['family'] === 'inet').map((a) => Object.keys(a).sort()));
  assert.deepEqual(await v4(C1), gaddr, 'eth0 IPv4 address fields (broadcast included)');
  const routeShape = (rs: Json[]) => rs.map((r) => ({ ...r, dst: r['dst'] === 'default' ? 'default' : 'subnet', gateway: r['gateway'] === undefined ? undefined : 'gw', prefsrc: r['prefsrc'] === undefined ? undefined : 'self' }));
  assert.deepEqual(routeShape(await ipj(C1, 'route', 'show')), routeShape(golden['container']?.['ip -j route show'] ?? []), 'sandbox routes');
});

test('traffic: ping and TCP between the two sandboxes across the bridge', async () => {
  assert.ok(await ping(C1, '172.30.0.1'), 'C1 pings the gateway');
  assert.ok(await ping(C1, '172.30.0.3'), 'C1 pings C2');
  assert.ok(await ping(C2, '172.30.0.2'), 'C2 pings C1');

  // Its stdin stays open: busybox nc ends the connection when its stdin ends, which
  // with /dev/null could come before the client's message is read.
  const listener = spawn('nsenter', [`--net=${netnsPath(C2)}`, 'busybox', 'nc', '-l', '-p', '8080'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let received = '';
  listener.stdout.on('data', (b: Buffer) => (received += b.toString()));
  try {
    await until('a listener on port 8080 in C2', async () => {
      const tables = await Promise.all(['tcp', 'tcp6'].map((f) => run(exec, ['nsenter', `--net=${netnsPath(C2)}`, 'cat', `/proc/net/${f}`])));
      return tables.some((t) => / [0-9A-F:]+:1F90 [0-9A-F:]+:0000 0A /.test(t.stdout)) ? true : undefined;
    });
    const client = await exec(['nsenter', `--net=${netnsPath(C1)}`, 'busybox', 'nc', '-w', '2', '172.30.0.3', '8080'], { input: 'hello from c1\n', timeoutMs: 5000 });
    assert.equal(client.code, 0, `client: ${client.stderr}`);
    await until('the message at the listener', () => Promise.resolve(received.includes('hello from c1') ? true : undefined));
  } finally {
    listener.kill();
  }
});

test('deletion leaves nothing behind, and traffic stops', async () => {
  await net.detach('vethc2');
  assert.deepEqual(await names(C2), ['lo'], 'eth0 went with its peer');
  assert.equal(await ping(C1, '172.30.0.3'), false, 'C2 is unreachable after detach');
  await net.removeSandbox(C2);
  await net.detach('vethc2'); // idempotent
  await net.removeSandbox(C2);

  await net.removeBridge('br0');
  const port = await readLink(exec, 'vethc1', { netns: HOST });
  assert.equal(port?.master, undefined, 'a deleted bridge releases its ports');
  await net.detach('vethc1');
  await net.removeSandbox(C1);
  await net.removeBridge('br0');

  assert.deepEqual(await names(HOST), ['lo']);
  assert.deepEqual(await readRoutes(exec, { netns: HOST }), []);
  assert.deepEqual((await readLinks(exec, { netns: HOST })).map((l) => l.name), ['lo']);
  const list = (await run(exec, ['ip', 'netns', 'list'])).stdout;
  assert.ok(!list.includes(C1) && !list.includes(C2), list);
});
