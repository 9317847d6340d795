// berth's SQLite store: a save writes only the rows that changed, yet the state
// loads back exactly (records in their order), and the unique indexes refuse a
// state that leases something twice without spoiling the next save; the iptables
// rules berth owns are rows too, migrated from the JSON of the second schema.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { containerConfigChanged, sqliteStore } from '../../../src/engine/sqlite-store.js';
import { EMPTY_STATE, type State } from '../../../src/engine/store.js';
import type { ContainerRecord, EndpointRecord, NetworkRecord } from '../../../src/engine/types.js';
import type { DesiredRules } from '../../../src/render/ir.js';

const network = (id: string, name: string): NetworkRecord =>
  ({ id, name, driver: 'bridge', created: '', seq: 1, internal: false, attachable: false, labels: {}, options: {}, ipam: [], ipamUserSpecified: false, bridge: null }) as NetworkRecord;
const container = (id: string, name: string, hostPorts: number[] = []): ContainerRecord =>
  ({
    id,
    name,
    created: '',
    cmd: ['sleep', '1'],
    networkMode: { kind: 'bridge' },
    networks: [],
    portRequests: [],
    exposedPorts: [],
    publishAll: false,
    autoRemove: false,
    state: { status: 'created' },
    startSeq: 0,
    ports: hostPorts.map((hostPort) => ({ proto: 'tcp', containerPort: 80, hostIp: '', hostPort })),
    netns: '',
  }) as unknown as ContainerRecord;
const endpoint = (id: string, networkId: string, containerId: string, ipv4: string): EndpointRecord => ({
  id,
  networkId,
  containerId,
  ifName: 'eth0',
  hostIfName: `veth${id}`,
  ipv4,
  prefixLen: 16,
  macAddress: '02:42:ac:11:00:02',
  seq: 1,
});

function withStore(f: (open: () => ReturnType<typeof sqliteStore>, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
  const opened: ReturnType<typeof sqliteStore>[] = [];
  try {
    f(() => {
      const s = sqliteStore(dir);
      opened.push(s);
      return s;
    }, dir);
  } finally {
    for (const s of opened) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const base: State = {
  ...EMPTY_STATE,
  pendingRules: null,
  restoring: null,
  seq: 3,
  networks: [network('n1', 'bridge'), network('n2', 'app')],
  containers: [container('c1', 'web', [8080]), container('c2', 'db'), container('c3', 'cache', [9000])],
  endpoints: [endpoint('e1', 'n2', 'c1', '172.18.0.2'), endpoint('e2', 'n2', 'c3', '172.18.0.3')],
};

describe('sqliteStore', () => {
  it('loads back what it saved, after changes, removals and additions, records in their order', () => {
    withStore((open) => {
      const a = open();
      a.save(base);
      const next: State = {
        ...base,
        seq: 9,
        networks: [network('n1', 'bridge'), network('n3', 'back')],
        // c1 changed (a port more), c2 gone, c3 unchanged, c4 new.
        containers: [container('c1', 'web', [8080, 8081]), container('c3', 'cache', [9000]), container('c4', 'worker')],
        endpoints: [endpoint('e2', 'n3', 'c3', '172.19.0.3'), endpoint('e3', 'n3', 'c4', '172.19.0.2')],
      };
      a.save(next);
      assert.deepEqual(a.load(), next);
      assert.deepEqual(open().load(), next, 'a fresh process reads the same');
    });
  });

  it('refuses a state that leases a host port twice, and keeps the previous one', () => {
    withStore((open) => {
      const a = open();
      a.save(base);
      const twice: State = { ...base, containers: [...base.containers.slice(0, 2), container('c3', 'cache', [8080])] };
      assert.throws(() => a.save(twice), /cannot save berth state: host port tcp 0\.0\.0\.0:8080 held twice \(c1, c3\)/);
      assert.deepEqual(open().load(), base);
      // The failed save left nothing behind in what the store believes it wrote.
      const moved: State = { ...base, containers: [container('c1', 'web'), base.containers[1]!, container('c3', 'cache', [8080])] };
      a.save(moved);
      assert.deepEqual(open().load(), moved);
    });
  });

  it('refuses two endpoints with one address on a network, and two records with one name', () => {
    withStore((open) => {
      const a = open();
      a.save(base);
      assert.throws(() => a.save({ ...base, endpoints: [...base.endpoints, endpoint('e9', 'n2', 'c2', '172.18.0.2')] }), /UNIQUE constraint failed: endpoints/);
      assert.throws(() => a.save({ ...base, networks: [...base.networks, network('n9', 'app')] }), /UNIQUE constraint failed: networks\.name/);
      assert.deepEqual(open().load(), base);
    });
  });

  it('a port handed from one container to another in one save is no conflict', () => {
    withStore((open) => {
      const a = open();
      a.save(base);
      const handed: State = { ...base, containers: [container('c1', 'web'), base.containers[1]!, container('c3', 'cache', [8080, 9000])] };
      a.save(handed);
      assert.deepEqual(open().load(), handed);
    });
  });

  it('keeps a container\'s ports when its record changes but they do not, and they still guard the ports', () => {
    withStore((open) => {
      const a = open();
      a.save(base);
      const renamedState: State = { ...base, containers: [{ ...base.containers[0]!, startSeq: 7 }, ...base.containers.slice(1)] };
      a.save(renamedState);
      const b = open();
      assert.deepEqual(b.load(), renamedState);
      assert.throws(() => b.save({ ...renamedState, containers: [...renamedState.containers.slice(0, 2), container('c3', 'cache', [8080])] }), /host port tcp 0\.0\.0\.0:8080 held twice \(c1, c3\)/);
    });
  });

  it('reads a database written by the first schema (a container as one document, ports without their container port)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-store-v1-'));
    try {
      const v1 = new Database(join(dir, 'berth.db'));
      v1.exec(`CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
        CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
        CREATE TABLE endpoints (id TEXT PRIMARY KEY, network_id TEXT NOT NULL, container_id TEXT NOT NULL, ipv4 TEXT NOT NULL, doc TEXT NOT NULL,
                                UNIQUE (network_id, ipv4), UNIQUE (network_id, container_id));
        CREATE TABLE ports (container_id TEXT NOT NULL, proto TEXT NOT NULL, host_ip TEXT NOT NULL, host_port INTEGER NOT NULL,
                            UNIQUE (proto, host_ip, host_port));
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        PRAGMA user_version = 1;`);
      const web: ContainerRecord = {
        ...container('c1', 'web'),
        portRequests: [{ proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPortStart: 8080, hostPortEnd: 8081 }],
        exposedPorts: [{ proto: 'tcp', port: 80 }],
        ports: [
          { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 8081 },
          { proto: 'udp', containerPort: 53, hostIp: '', hostPort: 5353 },
        ],
      };
      const v1State: State = { ...base, containers: [web, container('c2', 'db')] };
      for (const n of v1State.networks) v1.prepare('INSERT INTO networks VALUES (?, ?, ?)').run(n.id, n.name, JSON.stringify(n));
      for (const c of v1State.containers) v1.prepare('INSERT INTO containers VALUES (?, ?, ?)').run(c.id, c.name, JSON.stringify(c));
      for (const x of v1State.endpoints) v1.prepare('INSERT INTO endpoints VALUES (?, ?, ?, ?, ?)').run(x.id, x.networkId, x.containerId, x.ipv4, JSON.stringify(x));
      for (const p of web.ports) v1.prepare('INSERT INTO ports VALUES (?, ?, ?, ?)').run(web.id, p.proto, p.hostIp || '0.0.0.0', p.hostPort);
      for (const k of ['seq', 'portCursors', 'poolCursor', 'appliedRules', 'pendingRules', 'restoring'] as const) {
        v1.prepare('INSERT INTO meta VALUES (?, ?)').run(k, JSON.stringify(v1State[k] ?? null));
      }
      v1.close();
      const migrated = sqliteStore(dir);
      try {
        assert.deepEqual(migrated.load(), v1State);
        // The migrated port rows still guard their ports.
        const taken = { ...container('c2', 'db'), ports: [{ proto: 'udp', containerPort: 53, hostIp: '0.0.0.0', hostPort: 5353 }] } as ContainerRecord;
        assert.throws(() => migrated.save({ ...v1State, containers: [web, taken] }), /host port udp 0\.0\.0\.0:5353 held twice \(c1, c2\)/);
      } finally {
        migrated.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the iptables rules berth owns as rows: applied and written ahead load as one; a change writes only the rows that changed', () => {
    withStore((open, dir) => {
      const a = open();
      const masq = (subnet: string, bridge: string): string => `-s ${subnet} ! -o ${bridge} -j MASQUERADE`;
      const rules = (...masqs: string[]): DesiredRules => ({
        tables: [{ name: 'nat', chains: [{ name: 'DOCKER', rules: ['-i docker0 -j RETURN'] }], builtinRules: [{ chain: 'POSTROUTING', rules: masqs }], seedChains: [] }],
      });
      const applied = rules(masq('172.17.0.0/16', 'docker0'));
      a.save({ ...base, appliedRules: applied });
      const pending = rules(masq('172.17.0.0/16', 'docker0'), masq('172.18.0.0/16', 'br-app'));
      a.save({ ...base, appliedRules: applied, pendingRules: pending });
      const loaded = open().load();
      assert.deepEqual(loaded.appliedRules, { ...pending, tables: pending.tables.map((t) => ({ ...t, chains: [{ name: 'DOCKER', rules: [] }] })) }, 'the union, chains without their rules');
      assert.equal(loaded.pendingRules, null);
      assert.deepEqual({ ...loaded, appliedRules: null }, base);

      const db = new Database(join(dir, 'berth.db'), { readonly: true });
      try {
        const rowids = (): number[] => (db.prepare('SELECT rowid FROM owned_rules ORDER BY rowid').all() as { rowid: number }[]).map((r) => r.rowid);
        const kept = rowids();
        a.save({ ...base, appliedRules: rules(masq('172.18.0.0/16', 'br-app')), pendingRules: null });
        assert.deepEqual(rowids(), [kept[0], kept[2]], 'the rows that stay are not written again');
      } finally {
        db.close();
      }
      assert.deepEqual(open().load().appliedRules?.tables[0]?.builtinRules, [{ chain: 'POSTROUTING', rules: [masq('172.18.0.0/16', 'br-app')] }]);
    });
  });

  it('reads the rules of the second schema (applied and written ahead as JSON) as owned rows, and its port rows as one document per container', () => {
    withStore((open, dir) => {
      const a = open();
      a.save(base);
      a.close();
      const v2 = new Database(join(dir, 'berth.db'));
      const applied: DesiredRules = { tables: [{ name: 'filter', chains: [{ name: 'DOCKER', rules: ['-j ACCEPT'] }], builtinRules: [{ chain: 'FORWARD', rules: ['-j DOCKER-USER', '-o docker0 -j DOCKER'] }], seedChains: [{ name: 'DOCKER-USER', rules: ['-j RETURN'] }] }] };
      const pending: DesiredRules = { tables: [{ name: 'filter', chains: [{ name: 'DOCKER', rules: [] }, { name: 'DOCKER-ISOLATION-STAGE-1', rules: [] }], builtinRules: [{ chain: 'FORWARD', rules: ['-j DOCKER-USER', '-o br-x -j DOCKER'] }], seedChains: [] }] };
      // The second schema kept a row per host port.
      v2.exec(`DROP TABLE owned_rules; DROP TABLE container_ports;
        CREATE TABLE ports (container_id TEXT NOT NULL, proto TEXT NOT NULL, host_ip TEXT NOT NULL, host_port INTEGER NOT NULL,
                            container_port INTEGER NOT NULL, given_ip TEXT NOT NULL, UNIQUE (proto, host_ip, host_port));
        INSERT INTO ports VALUES ('c1', 'tcp', '0.0.0.0', 8080, 80, ''), ('c3', 'tcp', '0.0.0.0', 9000, 80, '');
        PRAGMA user_version = 2;`);
      v2.prepare('INSERT INTO meta VALUES (?, ?)').run('appliedRules', JSON.stringify(applied));
      v2.prepare('INSERT INTO meta VALUES (?, ?)').run('pendingRules', JSON.stringify(pending));
      v2.close();
      const loaded = open().load();
      assert.deepEqual(loaded.appliedRules, {
        tables: [
          {
            name: 'filter',
            chains: [{ name: 'DOCKER', rules: [] }, { name: 'DOCKER-ISOLATION-STAGE-1', rules: [] }],
            builtinRules: [{ chain: 'FORWARD', rules: ['-j DOCKER-USER', '-o docker0 -j DOCKER', '-o br-x -j DOCKER'] }],
            seedChains: [],
          },
        ],
      });
      assert.deepEqual({ ...loaded, appliedRules: null }, base);
    });
  });

  it('keeps a container\'s spec and ports when only its state changes, and loads them back with it', () => {
    withStore((open) => {
      const a = open();
      const web: ContainerRecord = { ...container('c1', 'web', [8080]), portRequests: [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPortStart: 8080, hostPortEnd: null }] };
      a.save({ ...base, containers: [web] });
      const running: State = { ...base, containers: [{ ...web, state: { status: 'running' } as ContainerRecord['state'], startSeq: 4 }] };
      a.save(running);
      assert.deepEqual(open().load(), running);
    });
  });

  it('tells a container\'s configuration changing from what only runs now (state, host ports, namespace, start order): only the first must outlive a reboot', () => {
    const c = container('c1', 'web');
    const running = { ...c, state: { ...c.state, status: 'running', pid: 42 }, startSeq: 7, netns: 'berth-c1', ports: [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 8080 }] } as ContainerRecord;
    assert.equal(containerConfigChanged(c, running), false);
    assert.equal(containerConfigChanged(running, c), false);
    assert.equal(containerConfigChanged(c, { ...c, name: 'web2' }), true);
    assert.equal(containerConfigChanged(c, { ...c, networks: [{ networkId: 'n2', ipv4: null, aliases: [] }] }), true);
    assert.equal(containerConfigChanged(c, { ...c, autoRemove: true }), true);
  });

  it('loads back the last state after saves that change only what runs now, between ones that change what a reboot keeps', () => {
    withStore((open) => {
      const a = open();
      a.save(base);
      const c1 = base.containers[0] as ContainerRecord;
      const started: State = { ...base, seq: 4, containers: [{ ...c1, startSeq: 4, netns: 'berth-web', state: { ...c1.state, status: 'running' } }, ...base.containers.slice(1)] };
      a.save(started);
      const renamed: State = { ...started, containers: [{ ...(started.containers[0] as ContainerRecord), name: 'front' }, ...started.containers.slice(1)] };
      a.save(renamed);
      const stopped: State = { ...renamed, endpoints: [], containers: renamed.containers.map((c) => ({ ...c, netns: '', state: { ...c.state, status: 'exited' } })) };
      a.save(stopped);
      assert.deepEqual(open().load(), stopped);
    });
  });
});
