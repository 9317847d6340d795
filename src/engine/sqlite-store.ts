// berth's durable state in SQLite (better-sqlite3) under --data-root: one row per
// network, endpoint and container (the record as JSON, plus the columns that the
// unique indexes guard), and a small key/value table for counters and the rules
// last applied. Every save is one transaction writing only the rows that changed,
// so a kill at any moment leaves the previous or the next state. The indexes make a double lease an error at commit:
// no name twice, no address twice on a network, no host port twice.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemError } from '../model/errors.js';
import { EMPTY_STATE, type State, type Store } from './store.js';
import type { ContainerRecord, EndpointRecord, NetworkRecord } from './types.js';

/** Each entry moves the schema from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
   CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
   CREATE TABLE endpoints (id TEXT PRIMARY KEY, network_id TEXT NOT NULL, container_id TEXT NOT NULL, ipv4 TEXT NOT NULL, doc TEXT NOT NULL,
                           UNIQUE (network_id, ipv4), UNIQUE (network_id, container_id));
   CREATE TABLE ports (container_id TEXT NOT NULL, proto TEXT NOT NULL, host_ip TEXT NOT NULL, host_port INTEGER NOT NULL,
                       UNIQUE (proto, host_ip, host_port));
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

type Meta = Pick<State, 'seq' | 'portCursors' | 'poolCursor' | 'appliedRules' | 'pendingRules' | 'restoring'>;
const META_KEYS: readonly (keyof Meta)[] = ['seq', 'portCursors', 'poolCursor', 'appliedRules', 'pendingRules', 'restoring'];

export interface SqliteStore extends Store {
  close(): void;
}

export function sqliteStore(dataRoot: string): SqliteStore {
  mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataRoot, 'berth.db'));
  db.pragma('journal_mode = WAL'); // a commit survives the process being killed
  db.pragma('synchronous = FULL'); // ... and the machine losing power
  db.pragma('foreign_keys = ON');
  migrate(db);

  const put = {
    network: db.prepare('INSERT INTO networks (id, name, doc) VALUES (?, ?, ?)'),
    container: db.prepare('INSERT INTO containers (id, name, doc) VALUES (?, ?, ?)'),
    endpoint: db.prepare('INSERT INTO endpoints (id, network_id, container_id, ipv4, doc) VALUES (?, ?, ?, ?, ?)'),
    port: db.prepare('INSERT INTO ports (container_id, proto, host_ip, host_port) VALUES (?, ?, ?, ?)'),
    meta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
  // An update keeps the row where it is: records load in the order they were first saved.
  const update = {
    network: db.prepare('UPDATE networks SET name = ?, doc = ? WHERE id = ?'),
    container: db.prepare('UPDATE containers SET name = ?, doc = ? WHERE id = ?'),
    endpoint: db.prepare('UPDATE endpoints SET network_id = ?, container_id = ?, ipv4 = ?, doc = ? WHERE id = ?'),
  };
  const drop = {
    networks: db.prepare('DELETE FROM networks WHERE id = ?'),
    containers: db.prepare('DELETE FROM containers WHERE id = ?'),
    endpoints: db.prepare('DELETE FROM endpoints WHERE id = ?'),
    ports: db.prepare('DELETE FROM ports WHERE container_id = ?'),
  };

  // What the database holds, as written: a save writes only the rows whose
  // document changed (one container more is one row, not the whole state again).
  type Table = 'networks' | 'containers' | 'endpoints';
  let writtenPorts = new Map<string, string>(); // container id -> its ports as written
  const written = {
    networks: new Map<string, string>(),
    containers: new Map<string, string>(),
    endpoints: new Map<string, string>(),
    meta: new Map<string, string>(),
  };

  interface Changes<T> {
    readonly docs: Map<string, string>;
    readonly gone: string[];
    readonly changed: T[];
    readonly added: T[];
  }
  const changes = <T extends { readonly id: string }>(table: Table, records: readonly T[]): Changes<T> => {
    const docs = new Map(records.map((r) => [r.id, JSON.stringify(r)]));
    const before = written[table];
    return {
      docs,
      gone: [...before.keys()].filter((id) => !docs.has(id)),
      changed: records.filter((r) => before.has(r.id) && before.get(r.id) !== docs.get(r.id)),
      added: records.filter((r) => !before.has(r.id)),
    };
  };

  // Rows that go are deleted before any is written, and rows are never
  // replaced: the unique indexes fail only a state that really holds something twice.
  const write = db.transaction((s: State) => {
    const n = changes('networks', s.networks);
    const e = changes('endpoints', s.endpoints);
    const c = changes('containers', s.containers);
    // A container's host ports are rewritten only when they changed (a start changes its record several times, its ports once).
    const ports = new Map(s.containers.map((x) => [x.id, JSON.stringify(x.ports)]));
    const portsChanged = c.changed.filter((x) => writtenPorts.get(x.id) !== ports.get(x.id));
    for (const id of e.gone) drop.endpoints.run(id);
    for (const id of [...c.gone, ...portsChanged.map((x) => x.id)]) drop.ports.run(id);
    for (const id of c.gone) drop.containers.run(id);
    for (const id of n.gone) drop.networks.run(id);
    for (const x of n.changed) update.network.run(x.name, n.docs.get(x.id), x.id);
    for (const x of n.added) put.network.run(x.id, x.name, n.docs.get(x.id));
    for (const x of c.changed) update.container.run(x.name, c.docs.get(x.id), x.id);
    for (const x of c.added) put.container.run(x.id, x.name, c.docs.get(x.id));
    for (const x of [...portsChanged, ...c.added]) for (const p of x.ports) put.port.run(x.id, p.proto, p.hostIp || '0.0.0.0', p.hostPort);
    for (const x of e.changed) update.endpoint.run(x.networkId, x.containerId, x.ipv4, e.docs.get(x.id), x.id);
    for (const x of e.added) put.endpoint.run(x.id, x.networkId, x.containerId, x.ipv4, e.docs.get(x.id));
    const meta = new Map(META_KEYS.map((k) => [k as string, JSON.stringify(s[k] ?? null)]));
    for (const [k, v] of meta) if (written.meta.get(k) !== v) put.meta.run(k, v);
    return { networks: n.docs, endpoints: e.docs, containers: c.docs, meta, ports };
  });

  const rows = (table: Table): { id: string; doc: string }[] =>
    db.prepare(`SELECT id, doc FROM ${table} ORDER BY rowid`).all() as { id: string; doc: string }[];

  return {
    load() {
      const docs = <T>(table: Table): T[] => {
        const found = rows(table);
        written[table] = new Map(found.map((r) => [r.id, r.doc]));
        return found.map((r) => JSON.parse(r.doc) as T);
      };
      const metaRows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
      written.meta = new Map(metaRows.map((r) => [r.key, r.value]));
      const meta = new Map(metaRows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
      const fromMeta = Object.fromEntries(META_KEYS.filter((k) => meta.has(k)).map((k) => [k, meta.get(k)])) as Partial<Meta>;
      const containers = docs<ContainerRecord>('containers');
      writtenPorts = new Map(containers.map((c) => [c.id, JSON.stringify(c.ports)]));
      return {
        ...EMPTY_STATE,
        ...fromMeta,
        networks: docs<NetworkRecord>('networks'),
        containers,
        endpoints: docs<EndpointRecord>('endpoints'),
      };
    },
    save(state) {
      try {
        // Taken as written only once the transaction committed.
        const { ports, ...docs } = write(state);
        Object.assign(written, docs);
        writtenPorts = ports;
      } catch (e) {
        throw systemError(`cannot save berth state: ${(e as Error).message}`, e);
      }
    },
    close() {
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw systemError(`berth state database has schema version ${version}, newer than this berthd understands (${MIGRATIONS.length})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
