// A restore over fakes (host, iptables, nftables, processes, store): a save taken on
// one berthd brings back on a fresh one the same records, links, rules, host ports
// and processes; what is refused is refused before anything changes; a failure on
// the way, and berthd dying on the way, leave the fresh berthd as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { host, populated, type Host } from './fixture.js';
import { checksum } from '../../../src/save/file.js';
import { planAddBridge } from '../../../src/host/ip-batch.js';
import { FakeNft } from '../engine/fake-nft.js';
import { netView, rejection, type HarnessOptions } from '../engine/harness.js';
import type { ContainerRecord } from '../../../src/engine/types.js';
import type { Supervised } from '../../../src/engine/processes.js';

const NO_PROXY = { userlandProxy: false } as const;

async function fresh(options: HarnessOptions = {}): Promise<Host> {
  const x = host({ ...options, config: { ...NO_PROXY, ...options.config } });
  await x.engine.start();
  return x;
}

/** Everything of a berthd a restore may change. */
async function fingerprint(x: Host) {
  const s = x.h.state();
  return {
    records: { networks: s.networks, endpoints: s.endpoints, containers: s.containers, seq: s.seq, portCursors: s.portCursors, poolCursor: s.poolCursor, restoring: s.restoring ?? null },
    rules: x.h.rules(),
    owned: x.engine.ownedRules(),
    host: await netView(x.h.host),
    netns: await x.h.host.netns.list(),
    access: x.access.stored(),
  };
}

/** A container's record without what only its process run decides. */
const unlaunched = (c: ContainerRecord) => ({ ...c, state: { ...c.state, pid: 0, pidStartTime: '', startedAt: '' } });

async function assertSameHost(src: Host, dst: Host): Promise<void> {
  const a = src.h.state();
  const b = dst.h.state();
  assert.deepEqual(b.networks, a.networks);
  assert.deepEqual(b.endpoints, a.endpoints);
  assert.deepEqual(b.containers.map(unlaunched), a.containers.map(unlaunched));
  assert.deepEqual([b.seq, b.portCursors, b.poolCursor, b.restoring ?? null], [a.seq, a.portCursors, a.poolCursor, null]);
  assert.equal(dst.h.rules(), src.h.rules(), 'the same iptables-save');
  assert.equal(dst.engine.ownedRules(), src.engine.ownedRules());
  assert.deepEqual(await dst.h.host.netns.list(), await src.h.host.netns.list());
  for (const ns of await src.h.host.netns.list()) assert.deepEqual(await netView(dst.h.host, ns), await netView(src.h.host, ns), `namespace ${ns}`);
  const hostLinks = async (x: Host) => (await netView(x.h.host)).links.map(({ mac: _mac, ...l }) => l); // a bridge's MAC is new
  assert.deepEqual(await hostLinks(dst), await hostLinks(src));
  assert.deepEqual(dst.access.stored(), src.access.stored());
}

test('restore onto a fresh berthd (iptables): the same records, namespaces, links, addresses, MACs, host ports, rules; processes launched', async (t) => {
  const src = await populated();
  const dst = await fresh();
  t.after(() => [src, dst].forEach((x) => x.h.cleanup()));
  const text = await src.service.save();
  const report = await dst.service.restore(text, 'host.json');
  assert.deepEqual({ ...report, durationMs: 0 }, { networks: ['appnet'], containers: 5, running: ['web', 'db', 'eph', 'side'], accessRules: 1, durationMs: 0 });
  await assertSameHost(src, dst);
  assert.deepEqual(
    dst.h.processes.started.map((p) => [p.cmd.join(' '), p.netnsPath]),
    src.h.processes.started.map((p) => [p.cmd.join(' '), p.netnsPath]),
  );
  assert.match(dst.h.rules(), /--dport 8080 -j DNAT --to-destination 172\.18\.0\.2:80/);
  assert.match(dst.h.rules(), /berth-firewall/, 'the access rule is in DOCKER-USER');
  // The restored sandboxes are the engine's own: they stop, their exit releases them, a new one gets the next address.
  await dst.engine.stopContainer('web', 0);
  assert.equal(dst.engine.inspectContainer('web').state.status, 'exited');
  assert.doesNotMatch(dst.h.rules(), /--dport 8080 /);
  await dst.engine.createContainer({ name: 'new', cmd: ['sleep', '1'], networkMode: 'appnet' });
  await dst.engine.startContainer('new');
  assert.equal(dst.engine.endpoints().find((e) => e.containerId === dst.engine.inspectContainer('new').id)?.ipv4, '172.18.0.2');
});

test('restore on nftables: the same table, the forward drop policy included where the new host had none', async (t) => {
  const srcNft = new FakeNft();
  const dstNft = new FakeNft();
  const src = await populated({ nft: srcNft });
  const dst = await fresh({ nft: dstNft, sysctls: { 'net.ipv4.ip_forward': '1' } });
  t.after(() => [src, dst].forEach((x) => x.h.cleanup()));
  assert.match(src.engine.ownedRules(), /policy drop;/, 'the saving berthd turned forwarding on and dropped');
  assert.doesNotMatch(dst.engine.ownedRules(), /policy drop;/, 'forwarding was on already here');
  await dst.service.restore(await src.service.save(), 'host.json');
  await assertSameHost(src, dst);
  // The same table (the fake lists blocks in the order each host first made them).
  const blocks = (listing: string | null) => [...(listing ?? '').matchAll(/^\t(?:set|map|chain) \S+ \{\n(?:\t\t.*\n)*\t\}\n/gm)].map((m) => m[0]).sort();
  assert.ok(blocks(srcNft.listing).length > 5);
  assert.deepEqual(blocks(dstNft.listing), blocks(srcNft.listing));
});

test('refused before anything changes: berthd not empty, other options, rules that do not render from the records, a subnet the host routes', async (t) => {
  const src = await populated();
  t.after(() => src.h.cleanup());
  const text = await src.service.save();
  const forge = (edit: (d: Record<string, any>) => void): string => {
    const d = JSON.parse(text) as Record<string, any>;
    edit(d);
    d['sha256'] = checksum(d);
    return JSON.stringify(d);
  };
  const cases: [string, () => Promise<Host>, string, RegExp][] = [
    ['a container', async () => { const x = await fresh(); await x.engine.createContainer({ name: 'mine', cmd: ['true'] }); return x; }, text, /^berthd is not empty: it has 1 container \(mine\); berth restore only restores onto a fresh berthd/],
    ['a network', async () => { const x = await fresh(); await x.engine.createNetwork({ name: 'other' }); return x; }, text, /^berthd is not empty: it has 1 network \(other\)/],
    ['an access rule', async () => { const x = await fresh(); await x.access.add({ action: 'deny', source: { kind: 'ip', ip: '10.1.1.1' }, port: null, inInterface: null }); return x; }, text, /^berthd is not empty: it has 1 firewall rule;/],
    ['icc off here', () => fresh({ config: { icc: false } }), text, /^this berthd cannot restore host\.json: it runs with other options than the berthd that saved it \(icc: saved true, here false\); start berthd with the saved options, or restore with the berth that saved it$/],
    ['nftables here', () => fresh({ nft: new FakeNft() }), text, /^this berthd cannot restore host\.json: it runs with other options than the berthd that saved it \(firewall-backend: saved iptables, here nftables\), and the rules it would write/],
    ['rules edited', () => fresh(), forge((d) => (d.rules = d.rules.replace('-j MASQUERADE', '-j ACCEPT'))), /^this berthd cannot restore host\.json: the rules it would write for the saved state are not the saved rules \(first difference at line \d+: saved "-A POSTROUTING [^"]* -j ACCEPT", here "-A POSTROUTING [^"]* -j MASQUERADE"\); start berthd/],
    ['a route to the saved subnet', async () => {
      const x = await fresh();
      await x.h.host.batch(planAddBridge({ name: 'lan0', addresses: ['172.18.5.1/24'] })); // someone else's LAN on this host
      return x;
    }, text, /^network appnet's subnet 172\.18\.0\.0\/16 overlaps this host's route to 172\.18\.5\.0\/24$/],
  ];
  for (const [what, make, file, message] of cases) {
    const dst = await make();
    try {
      const before = await fingerprint(dst);
      const e = await rejection(dst.service.restore(file, 'host.json'));
      assert.match(e.message, message, what);
      assert.equal((e as { kind?: string }).kind, 'conflict', what);
      assert.deepEqual(await fingerprint(dst), before, `${what}: nothing changed`);
      assert.deepEqual(dst.h.processes.started, []);
    } finally {
      dst.h.cleanup();
    }
  }
});

test('a failure on the way is undone: a launch failing after the rule sync, a rule sync failing, the access rules failing', async (t) => {
  const src = await populated();
  t.after(() => src.h.cleanup());
  const text = await src.service.save();
  const failures: [string, (dst: Host) => void, RegExp][] = [
    ['the third launch', (dst) => {
      const p = dst.h.processes;
      const start = p.start.bind(p);
      let n = 0;
      p.start = (o) => (++n === 3 ? Promise.reject(new Error('exec: "sleep": executable file not found in $PATH')) : start(o));
    }, /executable file not found/],
    ['the rule sync', (dst) => dst.h.failNextRestore('iptables-restore: line 9 failed'), /line 9 failed/],
    ['the access rules', (dst) => {
      dst.accessStore.save = () => {
        throw new Error('disk full');
      };
    }, /disk full/],
  ];
  for (const [what, breakIt, message] of failures) {
    const dst = await fresh();
    try {
      const before = await fingerprint(dst);
      breakIt(dst);
      const e = await rejection(dst.service.restore(text, 'host.json'));
      assert.match(e.message, message, what);
      assert.deepEqual(await fingerprint(dst), before, `${what}: everything undone`);
      const launched = dst.h.processes.started.map((p) => p.pid);
      assert.deepEqual(dst.h.processes.signals, launched.reverse().map((pid) => ({ pid, signal: 'SIGKILL' })), `${what}: what was launched is killed, newest first`);
      // Nothing was left half-done: the same save restores now.
      if (what === 'the access rules') continue;
      await dst.service.restore(text, 'host.json');
      await assertSameHost(src, dst);
    } finally {
      dst.h.cleanup();
    }
  }
});

test('nftables: a restore that failed after adopting the saved forward drop policy takes the policy back too', async (t) => {
  const src = await populated({ nft: new FakeNft() });
  const dstNft = new FakeNft();
  const dst = await fresh({ nft: dstNft, sysctls: { 'net.ipv4.ip_forward': '1' } });
  t.after(() => [src, dst].forEach((x) => x.h.cleanup()));
  const before = await fingerprint(dst);
  const listing = dstNft.listing;
  dst.h.processes.failNextStart(new Error('exec: "httpd": executable file not found in $PATH'));
  await rejection(dst.service.restore(await src.service.save(), 'host.json'));
  assert.ok(dstNft.loads.some((l) => /policy drop;/.test(l)), 'the restore had set the policy');
  assert.deepEqual(await fingerprint(dst), before);
  assert.equal(dstNft.listing?.replace(/\n\n/g, '\n'), listing?.replace(/\n\n/g, '\n'));
  assert.doesNotMatch(dstNft.listing ?? '', /policy drop;/);
});

test('berthd dies in the middle of a restore: its next start takes the restore back', async (t) => {
  const src = await populated();
  const dst = await fresh();
  t.after(() => [src, dst].forEach((x) => x.h.cleanup()));
  const before = await fingerprint(dst);
  const p = dst.h.processes;
  const start = p.start.bind(p);
  let n = 0;
  let launched: Supervised | null = null;
  // The first sandbox is launched, then berthd is killed while it launches the second.
  p.start = async (o) => (++n === 2 ? new Promise<Supervised>(() => undefined) : (launched = await start(o)));
  void dst.service.restore(await src.service.save(), 'host.json');
  for (let i = 0; i < 1000 && n < 2; i++) await new Promise((r) => setImmediate(r));
  assert.equal(n, 2, 'the restore got to the second launch');
  assert.ok(dst.h.state().restoring, 'the restore is written ahead');
  const webNs = 'tst-web';
  dst.h.host.setPids(webNs, [(launched as Supervised | null)?.pid ?? -1]); // web's process lives in its namespace

  const next = dst.h.restart();
  await next.engine.start();
  assert.match(dst.h.logs.join('\n'), /berthd stopped in the middle of a restore: taking it back/);
  assert.deepEqual(next.processes.signals, [{ pid: 1000, signal: 'SIGKILL' }], "the launched sandbox's process is killed");
  const after = await fingerprint({ ...dst, engine: next.engine });
  assert.deepEqual(after.records, before.records);
  assert.equal(after.rules, before.rules);
  assert.equal(after.owned, before.owned);
  assert.deepEqual(after.netns, []);
  assert.deepEqual(after.host.links.map((l) => l.name), before.host.links.map((l) => l.name));
});

test('nftables: berthd dies after the restore adopted the forward drop policy: the next start takes the policy back too', async (t) => {
  const src = await populated({ nft: new FakeNft() });
  const dstNft = new FakeNft();
  const dst = await fresh({ nft: dstNft, sysctls: { 'net.ipv4.ip_forward': '1' } });
  t.after(() => [src, dst].forEach((x) => x.h.cleanup()));
  const before = await fingerprint(dst);
  const p = dst.h.processes;
  let n = 0;
  p.start = () => (++n, new Promise<Supervised>(() => undefined)); // killed at the first launch, after the rule sync
  void dst.service.restore(await src.service.save(), 'host.json');
  for (let i = 0; i < 1000 && n < 1; i++) await new Promise((r) => setImmediate(r));
  assert.equal(n, 1);
  assert.match(dstNft.listing ?? '', /policy drop;/, 'the restore had written its table with the drop policy');
  assert.deepEqual(dst.h.state().restoring?.forwardDropAdopted, true);

  const next = dst.h.restart();
  await next.engine.start();
  assert.doesNotMatch(dstNft.listing ?? '', /policy drop;/);
  assert.equal(next.engine.ownedRules(), before.owned);
  assert.deepEqual((await fingerprint({ ...dst, engine: next.engine })).records, before.records);
});
