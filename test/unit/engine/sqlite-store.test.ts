// berth's SQLite store: a save writes only the rows that changed, yet the state
// loads back exactly (records in their order), and the unique indexes refuse a
// state that leases something twice without spoiling the next save.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sqliteStore } from '../../../src/engine/sqlite-store.js';
import { EMPTY_STATE, type State } from '../../../src/engine/store.js';
import type { ContainerRecord, EndpointRecord, NetworkRecord } from '../../../src/engine/types.js';

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

function withStore(f: (open: () => ReturnType<typeof sqliteStore>) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
  const opened: ReturnType<typeof sqliteStore>[] = [];
  try {
    f(() => {
      const s = sqliteStore(dir);
      opened.push(s);
      return s;
    });
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
      assert.throws(() => a.save(twice), /cannot save berth state: UNIQUE constraint failed: ports/);
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

  it('keeps a container\'s port rows when its record changes but its ports do not, and they still guard the ports', () => {
    withStore((open) => {
      const a = open();
      a.save(base);
      const renamedState: State = { ...base, containers: [{ ...base.containers[0]!, startSeq: 7 }, ...base.containers.slice(1)] };
      a.save(renamedState);
      const b = open();
      assert.deepEqual(b.load(), renamedState);
      assert.throws(() => b.save({ ...renamedState, containers: [...renamedState.containers.slice(0, 2), container('c3', 'cache', [8080])] }), /UNIQUE constraint failed: ports/);
    });
  });
});
