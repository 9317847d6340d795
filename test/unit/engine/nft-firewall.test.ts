// NftFirewall over a fake kernel: one load per change and none without one, only
// what changed written (the whole table when in doubt), repair when the kernel
// lost part of berth's table (and not when only the user chain changed), the
// forward policy kept across applies and restarts, chains of removed networks
// deleted; and nftBackend naming the offending line of a failed load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayoutInput } from '../../../src/render/iptables/docker-layout.js';
import { NftFirewall, nftBackend } from '../../../src/engine/nft-firewall.js';
import { ownedBlocks } from '../../../src/engine/nft-listing.js';
import type { Exec } from '../../../src/host/exec.js';
import { FakeNft } from './fake-nft.js';
import { tableObjects as objects } from '../../helpers/layout-fixtures.js';

const docker0 = { bridge: 'docker0', subnet: '172.17.0.0/16', icc: true, ipMasq: true, internal: false };
const app = { ...docker0, bridge: 'br-app', subnet: '172.18.0.0/16' };
const web = { bridge: 'docker0', proto: 'tcp', hostIp: '', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 } as const;
const INPUT: LayoutInput = { iptables: true, hairpin: false, networks: [docker0], ports: [web] };
const none = (): void => undefined;

test('loads once per change: nothing when the input and the kernel are as last applied', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  assert.equal(await fw.apply(INPUT, none), true);
  assert.equal(await fw.apply(INPUT, none), false);
  assert.equal(nft.loads.length, 1);
  assert.equal(await fw.apply({ ...INPUT, ports: [] }, none), true);
  assert.equal(nft.loads.length, 2);
  assert.doesNotMatch(nft.listing ?? '', /8080/, 'the port is gone from the table');
});

test('drifted reads only: false while the kernel holds what the input wants, true after damage or for another input', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  assert.equal(await fw.drifted(INPUT), true, 'nothing applied yet');
  await fw.apply(INPUT, none);
  assert.equal(await fw.drifted(INPUT), false);
  assert.equal(await fw.drifted({ ...INPUT, ports: [] }), true);
  assert.equal(await fw.drifted({ ...INPUT, iptables: false }), false);
  nft.listing = null;
  assert.equal(await fw.drifted(INPUT), true);
  assert.equal(nft.loads.length, 1, 'no load');
});

test('beforeChange runs before a load, and only then', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  const seen: number[] = [];
  await fw.apply(INPUT, () => seen.push(nft.loads.length));
  await fw.apply(INPUT, () => seen.push(nft.loads.length));
  assert.deepEqual(seen, [0]);
});

test('a flushed chain, an emptied map or a deleted table is repaired', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.apply(INPUT, none);
  const healthy = nft.listing ?? '';
  for (const damaged of [healthy.replace('\t\tjump berth-user\n', ''), healthy.replace(/\t\telements = \{\n\t\t\ttcp \. 8080 : 172\.17\.0\.2 \. 80,\n\t\t\}\n/, ''), null]) {
    assert.notEqual(damaged, healthy);
    nft.listing = damaged;
    assert.equal(await fw.apply(INPUT, none), true, `repaired: ${String(damaged).slice(0, 40)}`);
    assert.equal(nft.listing, healthy);
  }
});

test("the user chain's rules and elements listed in another order are no damage", async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.apply({ ...INPUT, networks: [docker0, app] }, none);
  const healthy = nft.listing ?? '';
  nft.listing = healthy
    .replace('\tchain berth-user {\n', '\tchain berth-user {\n\t\tip saddr 10.9.9.9 drop\n')
    .replace('\t\t\t"docker0",\n\t\t\t"br-app",\n', '\t\t\t"br-app",\n\t\t\t"docker0",\n');
  assert.notEqual(nft.listing, healthy);
  assert.equal(await fw.apply({ ...INPUT, networks: [docker0, app] }, none), false);
});

test('the forward drop policy, once set, is part of every apply, and is found again after a restart', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.setForwardPolicyDrop();
  assert.match(nft.loads[0] ?? '', /^\tchain berth-user \{\n\t\}\n\n\tchain forward \{\n\t\ttype filter hook forward priority filter; policy drop;\n\t\}$/m);
  await fw.apply(INPUT, none);
  assert.match(nft.listing ?? '', /hook forward priority filter; policy drop;/);
  const restarted = new NftFirewall(nft);
  nft.listing = (nft.listing ?? '').replace('\t\tjump berth-user\n', '');
  assert.equal(await restarted.apply(INPUT, none), true);
  assert.match(nft.loads.at(-1) ?? '', /hook forward priority filter; policy drop;/);
  const fresh = new FakeNft();
  await new NftFirewall(fresh).apply(INPUT, none);
  assert.doesNotMatch(fresh.loads[0] ?? '', /policy/, 'a policy berth never set is left to the kernel');
});

test('chains of removed networks are deleted: known from the last apply, or found at the first one', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.apply({ ...INPUT, networks: [docker0, app] }, none);
  await fw.apply(INPUT, none);
  assert.match(nft.loads.at(-1) ?? '', /\ndelete chain ip berth masq-br-app\n$/);
  // berthd restarts; meanwhile a network went away, and the user made a chain of their own.
  nft.listing = (nft.listing ?? '').replace(/\n}\n$/, '\n\tchain masq-br-gone {\n\t}\n\n\tchain my-own {\n\t}\n}\n');
  await new NftFirewall(nft).apply(INPUT, none);
  const last = nft.loads.at(-1) ?? '';
  assert.match(last, /\ndelete chain ip berth masq-br-gone\n$/);
  assert.doesNotMatch(last, /my-own/, "a chain of the user's in berth's table is left alone");
});

test("sets of an older layout are deleted at the first apply of a run, after the rules that used them; the user's sets are left alone", async () => {
  const nft = new FakeNft();
  await new NftFirewall(nft).apply(INPUT, none);
  const old = '\tset published-self {\n\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service\n\t\telements = {\n\t\t\t172.17.0.2 . 172.17.0.2 . tcp . 80,\n\t\t}\n\t}\n';
  const mine = '\tset my-set {\n\t\ttype ipv4_addr\n\t}\n';
  nft.listing = (nft.listing ?? '').replace(/\n}\n$/, `\n${old}\n${mine}}\n`);
  await new NftFirewall(nft).apply(INPUT, none);
  const last = nft.loads.at(-1) ?? '';
  assert.match(last, /\n\tset published-self \{\n\t\ttype ipv4_addr \. ipv4_addr \. inet_proto \. inet_service\n\t\}\n\}\ndelete set ip berth published-self\n$/);
  assert.ok(last.indexOf('flush chain ip berth postrouting') < last.indexOf('delete set'), 'the rule that used it is gone first');
  assert.doesNotMatch(last, /my-set/);
  assert.doesNotMatch(nft.listing ?? '', /published-self/);
  assert.match(nft.listing ?? '', /set my-set/);
});

test('--iptables=false reads and writes nothing', async () => {
  const nft = new FakeNft();
  assert.equal(await new NftFirewall(nft).apply({ ...INPUT, iptables: false }, none), false);
  assert.deepEqual([nft.loads.length, nft.lists], [0, 0]);
});

test('a failed load is retried by the next apply', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  nft.failNextLoad(new Error('nft -f failed'));
  await assert.rejects(fw.apply(INPUT, none), /nft -f failed/);
  assert.equal(await fw.apply(INPUT, none), true);
});

test('the owned text is the table last applied; no iptables rules are wanted or applied', async () => {
  const fw = new NftFirewall(new FakeNft());
  assert.equal(fw.ownedText(), '');
  await fw.apply(INPUT, none);
  assert.match(fw.ownedText(), /^table ip berth \{\n/);
  assert.match(fw.ownedText(), /tcp \. 8080 : 172\.17\.0\.2 \. 80/);
  assert.deepEqual(fw.desired(), { tables: [] });
  assert.equal(fw.applied(), null);
});

test('ownedBlocks keeps the blocks asked for, elements sorted', () => {
  const listing = 'table ip berth {\n\tset bridges {\n\t\ttype ifname\n\t\telements = { "docker0",\n\t\t\t     "br-a" }\n\t}\n\n\tchain berth-user {\n\t\tdrop\n\t}\n}\n';
  assert.deepEqual(ownedBlocks(listing, new Set(['set bridges', 'chain forward'])), new Map([['set bridges', '\tset bridges {\n\t\ttype ifname\n\t\telements = { "br-a", "docker0" }\n\t}']]));
});

test("publishing a port adds its elements and its container's chain only; a new network adds elements and its chain; nothing is emptied", async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.apply({ ...INPUT, ports: [] }, none);
  await fw.apply(INPUT, none);
  const published = nft.loads.at(-1) ?? '';
  assert.doesNotMatch(published, /flush|delete/, 'elements and a chain added, nothing emptied');
  assert.deepEqual([...published.matchAll(/^add element ip berth (\S+) /gm)].map((m) => m[1]), ['published-any', 'published-ports', 'hairpin-self']);
  assert.match(published, /^\tchain ports-172\.17\.0\.2 \{$/m);
  assert.match(published, /^add rule ip berth ports-172\.17\.0\.2 oifname "docker0" tcp dport \{ 80 \} accept$/m);
  await fw.apply({ ...INPUT, networks: [docker0, app] }, none);
  const network = nft.loads.at(-1) ?? '';
  assert.doesNotMatch(network, /^(flush|delete) /m);
  assert.match(network, /^\tchain masq-br-app \{$/m);
  assert.deepEqual(objects(fw.ownedText()), objects(nft.listing), 'the kernel holds the whole table');
  // Unpublishing deletes by key; removing the network deletes its chain after the elements that jump to it.
  await fw.apply({ ...INPUT, ports: [] }, none);
  const removed = nft.loads.at(-1) ?? '';
  assert.match(removed, /^delete element ip berth published-any \{ tcp \. 8080 \}$/m);
  assert.ok(removed.indexOf('delete element ip berth masq-nets') < removed.indexOf('delete chain ip berth masq-br-app'), removed);
  assert.ok(removed.indexOf('delete element ip berth published-ports') < removed.indexOf('delete chain ip berth ports-172.17.0.2'), removed);
  assert.deepEqual(objects(fw.ownedText()), objects(nft.listing), 'the kernel holds the whole table');
});

test('damage to an object a later apply did not write is still repaired', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.apply({ ...INPUT, ports: [] }, none);
  nft.listing = (nft.listing ?? '').replace('\t\tjump berth-user\n', ''); // nft flush chain ... forward, in part
  await fw.apply(INPUT, none); // writes the port sets only
  assert.doesNotMatch(nft.listing ?? '', /jump berth-user/);
  assert.equal(await fw.apply(INPUT, none), true, 'the damage is seen');
  assert.match(nft.listing ?? '', /\t\tjump berth-user\n/);
});

test('a partial write the kernel refuses is written whole', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.apply({ ...INPUT, ports: [] }, none);
  nft.failNextLoad(new Error('No such file or directory'));
  assert.equal(await fw.apply(INPUT, none), true);
  assert.match(nft.loads.at(-1) ?? '', /^flush chain ip berth forward$/m);
});

test('nftBackend: a failed load names the offending input line; a missing table lists as null', async () => {
  const calls: string[][] = [];
  const fake: Exec = async (argv) => {
    calls.push([...argv]);
    if (argv[1] === '-f') return { code: 1, stdout: '', stderr: '/dev/stdin:2:5-9: Error: syntax error\nadd bogus\n    ^^^^^\n' };
    return { code: 1, stdout: '', stderr: 'Error: No such file or directory\nlist table ip berth\n' };
  };
  const backend = nftBackend(fake);
  await assert.rejects(backend.load('table ip berth {\n\tadd bogus\n}\n'), { message: 'nft -f failed (input line 2: add bogus): /dev/stdin:2:5-9: Error: syntax error' });
  assert.equal(await backend.list(), null);
  assert.deepEqual(calls, [['nft', '-f', '-'], ['nft', '-n', 'list', 'table', 'ip', 'berth']]);
});

test('tracked by the rule watch: no listing after a write or for a check, until a commit touches table ip berth', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  await fw.apply({ ...INPUT, ports: [] }, none); // berthd's start, before the watch is live: listed
  const listedAtStart = nft.lists;
  fw.trackKernel(true);
  await fw.apply(INPUT, none);
  assert.equal(await fw.apply(INPUT, none), false);
  assert.equal(await fw.drifted(INPUT), false);
  assert.equal(nft.lists, listedAtStart, 'nothing listed while nothing else committed');

  fw.forget(['add rule ip filter FORWARD ip saddr 10.9.9.9 drop']); // another table: berth's is as it was
  assert.equal(await fw.drifted(INPUT), false);
  assert.equal(nft.lists, listedAtStart);

  // Someone deletes berth's element: the watch says table ip berth changed.
  nft.listing = (nft.listing ?? '').replace('\t\t\ttcp . 8080 : 172.17.0.2 . 80,\n', '');
  fw.forget(['delete element ip berth published-any { tcp . 8080 }']);
  assert.equal(await fw.drifted(INPUT), true, 'no baseline was taken after the last write: the check cannot vouch for the table');
  assert.equal(await fw.apply(INPUT, none), true);
  assert.match(nft.loads.at(-1) ?? '', /^flush map ip berth published-any$/m, 'written whole');
  assert.deepEqual(objects(fw.ownedText()), objects(nft.listing), 'the kernel holds the whole table again');
  assert.equal(await fw.drifted(INPUT), false);
});

test('the watch stopping (trackKernel false) sends every check back to the kernel', async () => {
  const nft = new FakeNft();
  const fw = new NftFirewall(nft);
  fw.trackKernel(true);
  await fw.apply(INPUT, none);
  fw.trackKernel(false);
  const lists = nft.lists;
  await fw.drifted(INPUT);
  assert.ok(nft.lists > lists, 'listed');
});
