import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddresses, parseLinks, parseRoutes, readLink, readRoutes } from '../../../src/host/links.js';
import type { Exec } from '../../../src/host/exec.js';

// Trimmed from `ip -j -d link show` (iproute2 6.1) in a test namespace.
const LINKS = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, qdisc: 'noqueue', operstate: 'UNKNOWN', txqlen: 1000, link_type: 'loopback', address: '00:00:00:00:00:00' },
  {
    ifindex: 2, ifname: 'br0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1400, qdisc: 'noqueue', operstate: 'UP', txqlen: 1000,
    link_type: 'ether', address: '02:42:0a:0b:0c:0d',
    linkinfo: { info_kind: 'bridge', info_data: { forward_delay: 1500, hello_time: 200, max_age: 2000, ageing_time: 30000, stp_state: 0, priority: 32768, vlan_filtering: 0, mcast_snooping: 1, nf_call_iptables: 0 } },
  },
  {
    ifindex: 6, link_index: 8, ifname: 'veth1', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], mtu: 1400, qdisc: 'noqueue', master: 'br0',
    operstate: 'DOWN', txqlen: 1000, link_type: 'ether', address: '1a:62:8c:03:18:86', link_netnsid: 0,
    linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge', info_slave_data: { state: 'disabled', hairpin: false, learning: true, flood: true } },
  },
]);

test('parseLinks', () => {
  const [lo, br, veth] = parseLinks(LINKS);
  assert.ok(lo && br && veth);
  assert.equal(lo.name, 'lo');
  assert.equal(lo.kind, undefined);
  assert.equal(lo.up, true);
  assert.equal(br.kind, 'bridge');
  assert.equal(br.mtu, 1400);
  assert.equal(br.mac, '02:42:0a:0b:0c:0d');
  assert.deepEqual(br.bridge, { stpState: 0, forwardDelay: 1500, helloTime: 200, maxAge: 2000, ageingTime: 30000, priority: 32768, vlanFiltering: 0, mcastSnooping: 1, nfCallIptables: 0 });
  assert.equal(br.bridgePort, undefined);
  assert.equal(veth.kind, 'veth');
  assert.equal(veth.master, 'br0');
  assert.equal(veth.up, true);
  assert.equal(veth.operstate, 'DOWN');
  assert.equal(veth.peerIndex, 8);
  assert.equal(veth.peerNetnsId, 0);
  assert.deepEqual(veth.bridgePort, { state: 'disabled', hairpin: false, learning: true, flood: true });
  assert.equal(veth.raw['qdisc'], 'noqueue');
  assert.deepEqual(parseLinks(''), []);
  assert.throws(() => parseLinks('{'), /cannot parse/);
});

test('parseAddresses flattens per address', () => {
  const text = JSON.stringify([
    { ifindex: 1, ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host', label: 'lo' }] },
    {
      ifindex: 9, ifname: 'eth0',
      addr_info: [
        { family: 'inet', local: '172.18.0.3', prefixlen: 16, broadcast: '172.18.255.255', scope: 'global', label: 'eth0' },
        { family: 'inet6', local: 'fd00::3', prefixlen: 64, scope: 'global', nodad: true },
        { family: 'inet6', local: 'fe80::42:acff:fe12:3', prefixlen: 64, scope: 'link', tentative: true },
      ],
    },
  ]);
  assert.deepEqual(parseAddresses(text), [
    { ifindex: 1, ifname: 'lo', family: 4, local: '127.0.0.1', prefixLength: 8, cidr: '127.0.0.1/8', broadcast: undefined, scope: 'host', flags: [] },
    { ifindex: 9, ifname: 'eth0', family: 4, local: '172.18.0.3', prefixLength: 16, cidr: '172.18.0.3/16', broadcast: '172.18.255.255', scope: 'global', flags: [] },
    { ifindex: 9, ifname: 'eth0', family: 6, local: 'fd00::3', prefixLength: 64, cidr: 'fd00::3/64', broadcast: undefined, scope: 'global', flags: ['nodad'] },
    { ifindex: 9, ifname: 'eth0', family: 6, local: 'fe80::42:acff:fe12:3', prefixLength: 64, cidr: 'fe80::42:acff:fe12:3/64', broadcast: undefined, scope: 'link', flags: ['tentative'] },
  ]);
});

test('parseRoutes', () => {
  const text = '[{"dst":"default","gateway":"172.18.0.1","dev":"eth0","flags":[]},{"dst":"172.18.0.0/16","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"172.18.0.3","flags":[]}]';
  assert.deepEqual(parseRoutes(text, 4), [
    { family: 4, dst: 'default', gateway: '172.18.0.1', dev: 'eth0', protocol: undefined, scope: undefined, prefsrc: undefined, metric: undefined, table: undefined, type: 'unicast', flags: [] },
    { family: 4, dst: '172.18.0.0/16', gateway: undefined, dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '172.18.0.3', metric: undefined, table: undefined, type: 'unicast', flags: [] },
  ]);
});

test('readers: argv, a missing link is null, a missing namespace is not-found', async () => {
  const calls: Array<readonly string[]> = [];
  const exec: Exec = (argv) => {
    calls.push(argv);
    if (argv.includes('nolink')) return Promise.resolve({ code: 1, stdout: '', stderr: 'Device "nolink" does not exist.\n' });
    if (argv.includes('gone')) return Promise.resolve({ code: 255, stdout: '', stderr: 'Cannot open network namespace "gone": No such file or directory\n' });
    return Promise.resolve({ code: 0, stdout: '[]', stderr: '' });
  };
  assert.equal(await readLink(exec, 'nolink', { netns: 'h' }), null);
  assert.deepEqual(await readRoutes(exec, { family: 6, table: 'all' }), []);
  await assert.rejects(readRoutes(exec, { netns: 'gone' }), (e: Error & { kind?: string }) => e.kind === 'not-found');
  assert.deepEqual(calls, [
    ['ip', '-n', 'h', '-j', '-d', 'link', 'show', 'dev', 'nolink'],
    ['ip', '-j', '-6', 'route', 'show', 'table', 'all'],
    ['ip', '-n', 'gone', '-j', 'route', 'show'],
  ]);
});
