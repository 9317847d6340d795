import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeIptables, fakeFirewallBackend } from '../../../src/backend/fake-iptables.js';
import type { ContainerRecord, NetworkRecord } from '../../../src/engine/types.js';
import { AccessFirewall, IPTABLES_OFF, type AccessFirewallDeps } from '../../../src/firewall/service.js';
import { fileAccessStore, memoryAccessStore, type AccessStore } from '../../../src/firewall/store.js';
import { DEFAULT_CONFIG } from '../../../src/model/daemon-config.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { spec } from './fixtures.js';

const HOST = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A DOCKER-USER -s 10.9.9.9/32 -j DROP
-A DOCKER-USER -j RETURN
COMMIT
`;

const bridge = (name: string, seq: number): NetworkRecord => ({ name, seq, bridge: { name } }) as unknown as NetworkRecord;
const publishing = (hostPort: number): ContainerRecord => ({ ports: [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort }] }) as unknown as ContainerRecord;

interface World {
  readonly fw: AccessFirewall;
  readonly kernel: FakeIptables;
  readonly networks: NetworkRecord[];
  readonly logs: string[];
  rules(): string;
}

function world(opts: { iptables?: boolean; store?: AccessStore; kernel?: FakeIptables } = {}): World {
  const kernel = opts.kernel ?? new FakeIptables(parseSave(HOST));
  const networks = [bridge('br-new', 5), bridge('docker0', 1)];
  const logs: string[] = [];
  const deps: AccessFirewallDeps = {
    engine: {
      listNetworks: () => networks,
      listContainers: () => [publishing(8080)],
      daemonConfig: () => ({ ...DEFAULT_CONFIG, iptables: opts.iptables ?? true }),
    },
    backend: fakeFirewallBackend(kernel),
    store: opts.store ?? memoryAccessStore(),
    log: (level, m) => logs.push(`${level} ${m}`),
    now: () => new Date('2026-01-02T03:04:05.000Z'),
  };
  return { fw: new AccessFirewall(deps), kernel, networks, logs, rules: () => printSave(kernel.save()) };
}

describe('firewall service', () => {
  it('add: writes the rule, reports what it does and the iptables lines it added', async () => {
    const w = world();
    const c = await w.fw.add(spec('allow', '10.200.0.2'));
    assert.equal(c.written, true);
    assert.match(c.description, /^Lets new connections from 10\.200\.0\.2 through to the containers\./);
    assert.deepEqual(c.added, [
      '-A DOCKER-USER ! -i docker0 -o docker0 -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound docker0" -j BERTH-FIREWALL',
      '-A DOCKER-USER ! -i br-new -o br-new -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound br-new" -j BERTH-FIREWALL',
      `-A BERTH-FIREWALL -s 10.200.0.2/32 -m comment --comment "berth-firewall:${c.rule.id} allow" -j RETURN`,
      '-A BERTH-FIREWALL -m comment --comment berth-firewall:default-deny -j DROP',
    ]);
    assert.deepEqual(c.removed, []);
    for (const line of c.added) assert.ok(w.rules().includes(line), `in the kernel: ${line}`);
    assert.ok(w.rules().includes('-A DOCKER-USER -s 10.9.9.9/32 -j DROP'), 'the hand-written rule stays');
    assert.deepEqual(w.fw.list().map((r) => r.id), [c.rule.id]);
    assert.match(c.rule.id, /^[0-9a-f]{12}$/);
    assert.equal(c.rule.created, '2026-01-02T03:04:05.000Z');
  });

  it('a dry run writes nothing and stores nothing', async () => {
    const w = world();
    const before = w.rules();
    const c = await w.fw.add(spec('deny', '10.200.0.0/24', { port: '8080' }), { dryRun: true });
    assert.equal(c.written, false);
    assert.equal(c.added.length, 3);
    assert.equal(w.rules(), before);
    assert.deepEqual(w.fw.list(), []);
  });

  it('a wider allow-list makes a narrower default DROP redundant: reported as removed', async () => {
    const w = world();
    await w.fw.add(spec('allow', '10.0.0.1', { port: '8080' }));
    const c = await w.fw.add(spec('allow', '10.0.0.2'));
    assert.deepEqual(c.removed, ['-A BERTH-FIREWALL -p tcp -m conntrack --ctorigdstport 8080 -m comment --comment "berth-firewall:default-deny port=8080/tcp" -j DROP']);
  });

  it('remove: by unique prefix; the last one takes every berth rule away', async () => {
    const w = world();
    const before = w.rules();
    const a = await w.fw.add(spec('allow', '10.0.0.1'));
    const d = await w.fw.add(spec('deny', '10.0.0.9'));
    const gone = await w.fw.remove(a.rule.id.slice(0, 5));
    assert.equal(gone.rule.id, a.rule.id);
    assert.ok(gone.removed.some((l) => l.includes('default-deny')), 'no allow left: no default DROP');
    await w.fw.remove(d.rule.id);
    assert.equal(w.rules(), before, 'the kernel is as before the first rule');
    await assert.rejects(w.fw.remove(d.rule.id), { kind: 'not-found', message: `No such firewall rule: ${d.rule.id}` });
  });

  it('refuses duplicates, bridge interfaces and ambiguous prefixes', async () => {
    const w = world();
    const a = await w.fw.add(spec('allow', '10.0.0.1', { port: '8080' }));
    await assert.rejects(w.fw.add(spec('allow', '10.0.0.1', { port: '8080/tcp' })), { kind: 'conflict', message: `an identical firewall rule exists: ${a.rule.id}` });
    await assert.rejects(w.fw.add(spec('deny', '10.0.0.1', { iface: 'docker0' })), { kind: 'invalid', message: /docker0 is one of berth's bridges/ });
    await assert.rejects(w.fw.remove(''), { kind: 'not-found' });
  });

  it('warns when no running container publishes the port', async () => {
    const w = world();
    assert.deepEqual((await w.fw.add(spec('allow', '10.0.0.1', { port: '8080' }))).warnings, []);
    assert.deepEqual((await w.fw.add(spec('allow', '10.0.0.1', { port: '9090' }))).warnings, [
      'no running container publishes port 9090/tcp yet; the rule applies once one does',
    ]);
  });

  it('with --iptables=false every operation is refused and the kernel is never read', async () => {
    const w = world({ iptables: false });
    assert.throws(() => w.fw.list(), { kind: 'forbidden', message: IPTABLES_OFF });
    await assert.rejects(w.fw.add(spec('allow', '10.0.0.1')), { kind: 'forbidden' });
    await assert.rejects(w.fw.remove('x'), { kind: 'forbidden' });
    assert.equal(await w.fw.reapply('test'), false);
  });

  it('reapply: restores flushed rules, follows the bridges, and is quiet when all is in place', async () => {
    const w = world();
    const c = await w.fw.add(spec('allow', '10.0.0.1'));
    assert.equal(await w.fw.reapply('check'), false);
    w.kernel.restore('*filter\n-F\nCOMMIT\n', { noflush: true });
    assert.equal(await w.fw.reapply('ruleset changed'), true);
    assert.ok(w.rules().includes(c.added[0] as string));
    assert.ok(w.logs.includes('info firewall: re-applied 1 access rule(s) (ruleset changed)'));
    w.networks.push(bridge('br-third', 9));
    assert.equal(await w.fw.reapply('network create'), true);
    assert.match(w.rules(), /inbound br-new" -j BERTH-FIREWALL\n-A DOCKER-USER ! -i br-third -o br-third /, 'the newest network’s jump comes last');
  });

  it('reapply without DOCKER-USER waits for the engine to re-create it', async () => {
    const w = world({ kernel: new FakeIptables(parseSave('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n')) });
    assert.equal(await w.fw.reapply('berthd start'), false, 'no rules: nothing to do');
    await assert.rejects(w.fw.add(spec('allow', '10.0.0.1')), { kind: 'unavailable', message: /DOCKER-USER chain does not exist/ });
  });

  it('rules persist in firewall.json and a new service (berthd restart) writes them again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-fw-'));
    try {
      const file = join(dir, 'firewall.json');
      const first = world({ store: fileAccessStore(file) });
      const c = await first.fw.add(spec('allow', '10.200.0.0/24', { port: '8080', iface: 'eth0' }));
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { version: number; rules: unknown[] };
      assert.deepEqual(doc, {
        version: 1,
        rules: [
          {
            id: c.rule.id,
            created: '2026-01-02T03:04:05.000Z',
            action: 'allow',
            source: { kind: 'cidr', cidr: '10.200.0.0/24' },
            port: { port: 8080, proto: 'tcp' },
            inInterface: 'eth0',
          },
        ],
      });
      const restarted = world({ store: fileAccessStore(file) });
      assert.deepEqual(restarted.fw.list(), first.fw.list());
      assert.equal(await restarted.fw.reapply('berthd start'), true);
      assert.equal(restarted.rules(), first.rules());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed kernel write stores nothing', async () => {
    const w = world();
    w.kernel.restore('*filter\n-F FORWARD\n-F DOCKER-USER\n-X DOCKER-USER\nCOMMIT\n', { noflush: true });
    await assert.rejects(w.fw.add(spec('deny', '10.0.0.1')));
    assert.deepEqual(w.fw.list(), []);
  });
});
