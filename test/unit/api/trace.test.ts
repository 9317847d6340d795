// berthd's side of berth trace: the POST body, names resolved through the engine,
// the kernel as read (here a fake TraceHost speaking ip's JSON), caveats.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTE_TABLES } from '../../../src/api/server.js';
import { Router } from '../../../src/api/http.js';
import { parseTraceBody } from '../../../src/api/routes/trace.js';
import { traceFromDaemon, type TraceQuery } from '../../../src/api/trace-world.js';
import { parseAddresses, parseLinks, parseRoutes } from '../../../src/host/links.js';
import type { SandboxSnapshot, TraceHost, TraceHostSnapshot } from '../../../src/host/trace-host.js';
import { BerthError } from '../../../src/model/errors.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { FakeEngine } from '../../helpers/fake-engine.js';
import { dockerRuleset, hostView } from '../trace/fixtures.js';

/** `ip -j addr` for these addresses. */
function ipAddr(addrs: readonly { ifname: string; address: string; prefixLength: number }[]): string {
  const names = [...new Set(addrs.map((a) => a.ifname))];
  return JSON.stringify(
    names.map((ifname, i) => ({
      ifindex: i + 1,
      ifname,
      addr_info: addrs.filter((a) => a.ifname === ifname).map((a) => ({ family: 'inet', local: a.address, prefixlen: a.prefixLength, scope: 'global' })),
    })),
  );
}

function hostSnapshot(extra: Partial<TraceHostSnapshot> = {}): TraceHostSnapshot {
  const v = hostView(dockerRuleset());
  const routes = (list: typeof v.routes): string => JSON.stringify(list.map((r) => ({ ...r, type: r.type === 'unicast' ? undefined : r.type })));
  const bridges = ['docker0', 'br-front', 'br-quiet', 'br-sealed'].map((name, i) => ({ ifindex: 10 + i, ifname: name, flags: ['UP'], linkinfo: { info_kind: 'bridge', info_data: { nf_call_iptables: 0 } } }));
  return {
    addresses: parseAddresses(ipAddr(v.addresses)),
    routes: parseRoutes(routes(v.routes), 4),
    localRoutes: parseRoutes(routes(v.localRoutes), 4),
    iptablesSave: printSave(v.ruleset),
    links: parseLinks(JSON.stringify([{ ifindex: 2, ifname: 'eth0', flags: ['UP'] }, ...bridges])),
    ipForward: '1',
    bridgeNfCallIptables: '1',
    extraRules: [],
    foreignNftTables: [],
    interfaceConf: [],
    ...extra,
  };
}

/**
 * A TraceHost whose sandboxes are what the engine says they are: one address, a
 * default route via the gateway; web2's namespace has `sandboxTables`.
 */
function fakeKernel(engine: FakeEngine, host: TraceHostSnapshot, sandboxTables: readonly string[] = []): TraceHost {
  return {
    host: async () => host,
    async sandbox(netns): Promise<SandboxSnapshot> {
      const c = engine.listContainers(false).find((x) => x.netns === netns);
      const eps = engine.endpoints().filter((e) => e.containerId === c?.id);
      const nets = eps.map((e) => ({ e, n: engine.listNetworks().find((n) => n.id === e.networkId) }));
      const routes = nets.flatMap(({ e, n }) => [
        { dst: n?.ipam[0]?.subnet, dev: e.ifName, prefsrc: e.ipv4 },
        ...(n?.internal ? [] : [{ dst: 'default', gateway: n?.ipam[0]?.gateway, dev: e.ifName }]),
      ]);
      return {
        addresses: parseAddresses(ipAddr(eps.map((e) => ({ ifname: e.ifName, address: e.ipv4, prefixLength: e.prefixLen })))),
        routes: parseRoutes(JSON.stringify(routes), 4),
        localRoutes: [],
        nftTables: c?.name === 'web2' ? sandboxTables : [],
      };
    },
  };
}

describe('POST /berth/trace', () => {
  let dir: string;
  let engine: FakeEngine;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-trace-'));
    engine = new FakeEngine({ logDir: dir });
    const bridge = (name: string) => ({ 'com.docker.network.bridge.name': name });
    await engine.createNetwork({ name: 'front', ipam: [{ subnet: '172.18.0.0/16' }], options: bridge('br-front') });
    await engine.createNetwork({ name: 'quiet', ipam: [{ subnet: '172.19.0.0/16' }], options: { ...bridge('br-quiet'), 'com.docker.network.bridge.enable_icc': 'false' } });
    for (const [name, network] of [['web', 'front'], ['web2', 'front'], ['q1', 'quiet'], ['stopped', 'front'], ['nonet', 'none'], ['hostnet', 'host']] as const) {
      await engine.createContainer({ name, cmd: ['sleep', '600'], networkMode: network });
      if (name !== 'stopped') await engine.startContainer(name);
    }
    await engine.createContainer({ name: 'sidecar', cmd: ['sleep', '600'], networkMode: 'container:web' });
    await engine.startContainer('sidecar');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const trace = (q: Partial<TraceQuery> & { from: string; to: string }, host = hostSnapshot(), sandboxTables: readonly string[] = []) =>
    traceFromDaemon(engine, fakeKernel(engine, host, sandboxTables), { sport: 40000, ...q });

  it('is served, and its body is checked field by field', () => {
    assert.equal(new Router(ROUTE_TABLES).match('POST', '/berth/trace').kind, 'found');
    assert.deepEqual(parseTraceBody({ From: 'web', To: 'db:5432', Sport: 41000 }), { from: 'web', to: 'db:5432', sport: 41000 });
    assert.deepEqual(parseTraceBody({ from: 'web', to: 'db:5432' }), { from: 'web', to: 'db:5432', sport: null });
    assert.throws(() => parseTraceBody({ To: 'x:1' }), /From is required/);
    assert.throws(() => parseTraceBody({ From: 'web' }), /To is required/);
    assert.throws(() => parseTraceBody({ From: 'web', To: 'x:1', Sport: 70000 }), /Sport must be 1-65535/);
    assert.throws(() => parseTraceBody({ From: 'web', To: 'x:1', Sport: '80' }), /invalid type for field "Sport"/);
  });

  it('container names become their sandboxes and addresses', async () => {
    const t = await trace({ from: 'web', to: 'web2:80' });
    assert.deepEqual([t.from, t.to, t.verdict, t.deliveredTo], ['web', 'web2:80 (172.18.0.3)', 'ACCEPT', { kind: 'sandbox', name: 'web2' }]);
    assert.deepEqual(t.original.sent, { proto: 'tcp', src: '172.18.0.2', sport: 40000, dst: '172.18.0.3', dport: 80 });
    const isolated = await trace({ from: 'web', to: 'q1:80' });
    assert.equal(isolated.verdict, 'DROP');
  });

  it('a container sharing another one\'s namespace sends from it; an address finds its sandbox', async () => {
    const t = await trace({ from: 'sidecar', to: '172.18.0.3:80' });
    assert.equal(t.original.sent.src, '172.18.0.2');
    const byAddress = await trace({ from: '172.18.0.2', to: '172.18.0.3:80' });
    assert.deepEqual(byAddress.deliveredTo, { kind: 'sandbox', name: 'web2' });
  });

  it('ext:IP arrives on the interface that routes to it; the host and host-network containers send themselves', async () => {
    const ext = await trace({ from: 'ext:10.200.0.2', to: '10.200.0.1:8080' });
    assert.deepEqual([ext.verdict, ext.farEnd?.dst, ext.original.steps[0]], ['ACCEPT', '172.18.0.2', { kind: 'route', text: 'arrives from outside on eth0' }]);
    const host = await trace({ from: 'hostnet', to: 'web:80' });
    assert.deepEqual([host.verdict, host.farEnd?.src], ['ACCEPT', '172.18.0.1']);
    const bare = await trace({ from: '10.200.0.9', to: 'web:80' });
    assert.deepEqual(bare.original.steps[0], { kind: 'route', text: 'arrives from outside on eth0' });
  });

  it('says what cannot be traced', async () => {
    const invalid = (re: RegExp) => (e: unknown) => e instanceof BerthError && e.kind === 'invalid' && re.test(e.message);
    await assert.rejects(trace({ from: 'ext:10.200.0.1', to: 'web:80' }), invalid(/one of the host's own addresses: use --from host/));
    await assert.rejects(trace({ from: 'stopped', to: 'web:80' }), invalid(/container stopped is not running/));
    await assert.rejects(trace({ from: 'nonet', to: 'web:80' }), invalid(/has no network/));
    await assert.rejects(trace({ from: 'web', to: 'hostnet:80' }), invalid(/shares the host's network/));
    await assert.rejects(trace({ from: 'nosuch', to: 'web:80' }), (e: unknown) => e instanceof BerthError && e.kind === 'not-found');
  });

  it('what it cannot see in the kernel makes the trace uncertain', async () => {
    const t = await trace(
      { from: 'web', to: 'web2:80' },
      hostSnapshot({
        extraRules: ['{"priority":100,"src":"10.0.0.0/8","table":"42"}'],
        foreignNftTables: ['inet filter'],
        iptablesSave: `# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n${printSave(dockerRuleset())}`,
      }),
    );
    assert.equal(t.certain, false);
    assert.deepEqual(t.notes, [
      'policy routing rules are not evaluated (berth assumes the main table): {"priority":100,"src":"10.0.0.0/8","table":"42"}',
      'nftables table "inet filter" is not evaluated (iptables-save does not show it)',
      'legacy iptables tables are loaded too and are not evaluated',
    ]);
  });

  it('firewall tables inside a sandbox are reported and make the trace uncertain', async () => {
    const t = await trace({ from: 'web', to: 'web2:80' }, hostSnapshot(), ['ip filter']);
    assert.deepEqual([t.verdict, t.certain], ['ACCEPT', false]);
    assert.ok(t.original.steps.some((s) => s.kind === 'route' && s.text === 'delivered to sandbox web2 on br-front (its namespace has firewall tables berth does not evaluate: ip filter)'));
    assert.equal((await trace({ from: 'web', to: 'web2:80' })).certain, true);
  });

  it('hairpin mode comes from the host side of the sandbox\'s veth; route_localnet and rp_filter from the sysctls', async () => {
    const hairpinRules = { iptablesSave: printSave(dockerRuleset(true)) };
    assert.equal((await trace({ from: 'web', to: '10.200.0.1:8080' }, hostSnapshot(hairpinRules))).verdict, 'DROP');
    const web = engine.endpoints().find((e) => e.containerId === engine.inspectContainer('web').id);
    const veth = { ifindex: 30, ifname: web?.hostIfName, flags: ['UP'], master: 'br-front', linkinfo: { info_slave_kind: 'bridge', info_slave_data: { hairpin: true } } };
    const links = parseLinks(JSON.stringify([{ ifindex: 2, ifname: 'eth0', flags: ['UP'] }, veth]));
    assert.equal((await trace({ from: 'web', to: '10.200.0.1:8080' }, hostSnapshot({ ...hairpinRules, links }))).verdict, 'ACCEPT');
    assert.equal((await trace({ from: 'host', to: '127.0.0.1:8080' }, hostSnapshot(hairpinRules))).verdict, 'DROP');
    const localnet = hostSnapshot({ ...hairpinRules, interfaceConf: [{ name: 'br-front', rpFilter: '0', routeLocalnet: '1' }] });
    assert.equal((await trace({ from: 'host', to: '127.0.0.1:8080' }, localnet)).verdict, 'ACCEPT');
    const strict = hostSnapshot({ interfaceConf: [{ name: 'all', rpFilter: '1', routeLocalnet: '0' }] });
    assert.equal((await trace({ from: 'ext:10.200.0.2', to: '10.200.0.1:8080' }, strict)).verdict, 'ACCEPT', 'ext:IP arrives where the way back is');
  });

  it('br_netfilter: bridged traffic passes iptables only when the module is there', async () => {
    const on = await trace({ from: 'web', to: 'web2:80' });
    assert.ok(on.original.steps.some((s) => s.kind === 'hook' && s.hook === 'FORWARD' && s.in === 'br-front' && s.out === 'br-front'));
    const off = await trace({ from: 'web', to: 'web2:80' }, hostSnapshot({ bridgeNfCallIptables: null }));
    assert.ok(off.original.steps.some((s) => s.kind === 'route' && /does not hand bridged traffic to iptables/.test(s.text)));
  });
});
