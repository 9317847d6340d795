// berth's durable state in SQLite (better-sqlite3) under --data-root: one row per
// network, endpoint and container (the record as JSON, plus the columns that the
// unique indexes guard), and a small key/value table for counters and the rules
// last applied. Every save is one transaction, so a kill at any moment leaves the
// previous or the next state. The indexes make a double lease an error at commit:
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
    network: db.prepare('INSERT OR REPLACE INTO networks (id, name, doc) VALUES (?, ?, ?)'),
    container: db.prepare('INSERT OR REPLACE INTO containers (id, name, doc) VALUES (?, ?, ?)'),
    endpoint: db.prepare('INSERT OR REPLACE INTO endpoints (id, network_id, container_id, ipv4, doc) VALUES (?, ?, ?, ?, ?)'),
    port: db.prepare('INSERT INTO ports (container_id, proto, host_ip, host_port) VALUES (?, ?, ?, ?)'),
    meta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
  const clear = ['networks', 'containers', 'endpoints', 'ports'].map((t) => db.prepare(`DELETE FROM ${t}`));

  // Rows are rewritten whole: berth's state is small (records, not packets), and a
  // full rewrite in one transaction is simpler to trust than a diff.
  const write = db.transaction((s: State) => {
    for (const c of clear) c.run();
    for (const n of s.networks) put.network.run(n.id, n.name, JSON.stringify(n));
    for (const c of s.containers) {
      put.container.run(c.id, c.name, JSON.stringify(c));
      for (const p of c.ports) put.port.run(c.id, p.proto, p.hostIp || '0.0.0.0', p.hostPort);
    }
    for (const e of s.endpoints) put.endpoint.run(e.id, e.networkId, e.containerId, e.ipv4, JSON.stringify(e));
    for (const k of META_KEYS) put.meta.run(k, JSON.stringify(s[k] ?? null));
  });

  return {
    load() {
      const docs = <T>(table: string): T[] =>
        (db.prepare(`SELECT doc FROM ${table} ORDER BY rowid`).all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as T);
      const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, JSON.parse(r.value) as unknown]));
      const fromMeta = Object.fromEntries(META_KEYS.filter((k) => meta.has(k)).map((k) => [k, meta.get(k)])) as Partial<Meta>;
      return {
        ...EMPTY_STATE,
        ...fromMeta,
        networks: docs<NetworkRecord>('networks'),
        containers: docs<ContainerRecord>('containers'),
        endpoints: docs<EndpointRecord>('endpoints'),
      };
    },
    save(state) {
      try {
        write(state);
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
