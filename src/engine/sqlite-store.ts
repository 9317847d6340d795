// berth's durable state in SQLite (better-sqlite3) under --data-root: one row per
// network, endpoint and container (the record as JSON, plus the columns that the
// unique indexes guard), and a small key/value table for counters and the rules
// last applied. A container's record is kept in three parts, because its size
// is in its ports and they rarely change: the record's small changing part; its
// spec (the ports asked for and exposed, fixed at create); the host ports it
// holds (one document: a thousand rows took 2-3 ms to write and again to
// delete). The iptables rules berth may own are rows (../render/owned-rows.ts).
// Every save is one transaction writing only the rows that changed,
// so a kill at any moment leaves the previous or the next state; only saves that
// change what a reboot keeps wait for the disk (outlivesReboot). A double lease
// is an error at commit: the indexes allow no name twice and no address twice on
// a network, and a save that changes host ports checks that none is held twice.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemError } from '../model/errors.js';
import { EMPTY_STATE, type State, type Store } from './store.js';
import type { ContainerRecord, EndpointRecord, NetworkRecord, PortMapping } from './types.js';
import { portId } from '../model/port-binding.js';
import type { TableName } from '../render/ir.js';
import { fromOwnedRows, ownedRows, type OwnedRow } from '../render/owned-rows.js';

/** Each entry moves the schema from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
   CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
   CREATE TABLE endpoints (id TEXT PRIMARY KEY, network_id TEXT NOT NULL, container_id TEXT NOT NULL, ipv4 TEXT NOT NULL, doc TEXT NOT NULL,
                           UNIQUE (network_id, ipv4), UNIQUE (network_id, container_id));
   CREATE TABLE ports (container_id TEXT NOT NULL, proto TEXT NOT NULL, host_ip TEXT NOT NULL, host_port INTEGER NOT NULL,
                       UNIQUE (proto, host_ip, host_port));
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // A container's spec and ports move out of its record's document.
  `CREATE TABLE container_specs (container_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
   INSERT INTO container_specs (container_id, doc)
     SELECT id, json_object('portRequests', json(doc ->> '$.portRequests'), 'exposedPorts', json(doc ->> '$.exposedPorts')) FROM containers;
   DROP TABLE ports;
   CREATE TABLE ports (container_id TEXT NOT NULL, proto TEXT NOT NULL, host_ip TEXT NOT NULL, host_port INTEGER NOT NULL,
                       container_port INTEGER NOT NULL, given_ip TEXT NOT NULL, UNIQUE (proto, host_ip, host_port));
   CREATE INDEX ports_by_container ON ports (container_id);
   INSERT INTO ports (container_id, proto, host_ip, host_port, container_port, given_ip)
     SELECT c.id, p.value ->> 'proto', iif(p.value ->> 'hostIp' = '', '0.0.0.0', p.value ->> 'hostIp'), p.value ->> 'hostPort',
            p.value ->> 'containerPort', p.value ->> 'hostIp'
     FROM containers c, json_each(c.doc, '$.ports') p ORDER BY c.rowid, p.key;
   UPDATE containers SET doc = json_remove(doc, '$.portRequests', '$.exposedPorts', '$.ports');`,
  // The rules applied and written ahead, one JSON document each, become the rows of what berth owns.
  `CREATE TABLE owned_rules (tbl TEXT NOT NULL, chain TEXT NOT NULL, rule TEXT NOT NULL, UNIQUE (tbl, chain, rule));
   INSERT OR IGNORE INTO owned_rules (tbl, chain, rule)
     SELECT t.value ->> 'name', c.value ->> 'name', ''
     FROM meta m, json_each(m.value, '$.tables') t, json_each(t.value, '$.chains') c
     WHERE m.key IN ('appliedRules', 'pendingRules') AND json_type(m.value) = 'object' ORDER BY m.key, t.key, c.key;
   INSERT OR IGNORE INTO owned_rules (tbl, chain, rule)
     SELECT t.value ->> 'name', b.value ->> 'chain', r.value
     FROM meta m, json_each(m.value, '$.tables') t, json_each(t.value, '$.builtinRules') b, json_each(b.value, '$.rules') r
     WHERE m.key IN ('appliedRules', 'pendingRules') AND json_type(m.value) = 'object' ORDER BY m.key, t.key, b.key, r.key;
   DELETE FROM meta WHERE key IN ('appliedRules', 'pendingRules');`,
  // A container's host ports become one document.
  `CREATE TABLE container_ports (container_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
   INSERT INTO container_ports (container_id, doc)
     SELECT c.id, coalesce((SELECT json_group_array(json_object('proto', p.proto, 'containerPort', p.container_port, 'hostIp', p.given_ip, 'hostPort', p.host_port))
                            FROM (SELECT * FROM ports WHERE container_id = c.id ORDER BY rowid) p), '[]')
     FROM containers c ORDER BY c.rowid;
   DROP TABLE ports;`,
];

type Meta = Pick<State, 'seq' | 'portCursors' | 'poolCursor' | 'restoring'>;
const META_KEYS: readonly (keyof Meta)[] = ['seq', 'portCursors', 'poolCursor', 'restoring'];

/** The owned rules as written: the rule sets they came from (unchanged objects are not looked at again) and their rows. */
interface WrittenOwned {
  readonly applied: State['appliedRules'];
  readonly pending: State['pendingRules'];
  readonly rows: ReadonlyMap<string, OwnedRow>;
}

/** A container record's parts as stored: each is rewritten only when it changed. */
interface ContainerParts {
  readonly doc: string;
  readonly spec: string;
  readonly ports: string;
}

function containerParts(c: ContainerRecord): ContainerParts {
  const { portRequests, exposedPorts, ports, ...rest } = c;
  return { doc: JSON.stringify(rest), spec: `{"portRequests":${jsonOf(portRequests)},"exposedPorts":${jsonOf(exposedPorts)}}`, ports: jsonOf(ports) };
}

/**
 * JSON of a record's list, remembered by identity: a container's ports and spec are
 * the same arrays from one version of its record to the next, and with a thousand
 * ports each takes a while to write out.
 */
const listJson = new WeakMap<readonly unknown[], string>();
function jsonOf(list: readonly unknown[]): string {
  let json = listJson.get(list);
  if (json === undefined) {
    json = JSON.stringify(list);
    listJson.set(list, json);
  }
  return json;
}

interface Diff<R extends { readonly id: string }, D> {
  readonly next: Written<R, D>;
  readonly gone: readonly string[];
  readonly changed: readonly { readonly record: R; readonly doc: D; readonly was: D; readonly before: R }[];
  readonly added: readonly { readonly record: R; readonly doc: D }[];
}

/**
 * What one table holds, as written: each record with the document it was written
 * as. Records are immutable, so the same record object is not serialized again
 * (a save after a container's start serializes that container, not every one).
 */
class Written<R extends { readonly id: string }, D> {
  private readonly byId = new Map<string, { readonly record: R; readonly doc: D }>();

  constructor(
    private readonly serialize: (r: R) => D,
    private readonly same: (a: D, b: D) => boolean,
    records: readonly R[] = [],
  ) {
    for (const record of records) this.byId.set(record.id, { record, doc: serialize(record) });
  }

  diff(records: readonly R[]): Diff<R, D> {
    const next = new Written<R, D>(this.serialize, this.same);
    const changed: { record: R; doc: D; was: D; before: R }[] = [];
    const added: { record: R; doc: D }[] = [];
    for (const record of records) {
      const was = this.byId.get(record.id);
      const doc = was?.record === record ? was.doc : this.serialize(record);
      next.byId.set(record.id, { record, doc });
      if (!was) added.push({ record, doc });
      else if (!this.same(was.doc, doc)) changed.push({ record, doc, was: was.doc, before: was.record });
    }
    return { next, gone: [...this.byId.keys()].filter((id) => !next.byId.has(id)), changed, added };
  }
}

interface Diffs {
  readonly n: Diff<NetworkRecord, string>;
  readonly e: Diff<EndpointRecord, string>;
  readonly c: Diff<ContainerRecord, ContainerParts>;
}

/** A container's fields that describe what runs now: its sandbox's namespace, state and host ports. */
const RUNTIME_FIELDS: ReadonlySet<string> = new Set<keyof ContainerRecord>(['state', 'startSeq', 'ports', 'netns']);

/**
 * Whether a save changes what a reboot keeps: networks, containers and their
 * configuration, an unfinished restore. Everything else (endpoints, sandboxes'
 * state and host ports, the rules, the allocators' cursors) describes what runs
 * now, which a power loss ends anyway, so its commits are not waited for on disk
 * (SQLite's WAL with synchronous=NORMAL: a kill still loses nothing, and a power
 * loss only the latest such commits, never part of one). The rest of the save
 * path is a millisecond or two; each wait for the disk was as much again.
 */
function outlivesReboot({ n, c }: Diffs, s: State, restoringBefore: unknown): boolean {
  if (n.gone.length + n.changed.length + n.added.length + c.gone.length + c.added.length > 0) return true;
  if ((s.restoring ?? null) !== restoringBefore) return true;
  return c.changed.some(({ record, before }) => containerConfigChanged(before, record));
}

/** Whether a container's configuration differs between two versions of its record (records are immutable: a field kept is the same value). */
export function containerConfigChanged(before: ContainerRecord, after: ContainerRecord): boolean {
  return (Object.keys(after) as (keyof ContainerRecord)[]).some((k) => !RUNTIME_FIELDS.has(k) && after[k] !== before[k]);
}

const sameText = (a: string, b: string): boolean => a === b;
const sameParts = (a: ContainerParts, b: ContainerParts): boolean => a.doc === b.doc && a.spec === b.spec && a.ports === b.ports;

export interface SqliteStore extends Store {
  close(): void;
}

export function sqliteStore(dataRoot: string): SqliteStore {
  mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataRoot, 'berth.db'));
  db.pragma('journal_mode = WAL'); // a commit survives the process being killed
  // ... and the machine losing power, when it changes what a reboot keeps (outlivesReboot)
  let synchronous: 'FULL' | 'NORMAL' = 'FULL';
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);

  const put = {
    network: db.prepare('INSERT INTO networks (id, name, doc) VALUES (?, ?, ?)'),
    container: db.prepare('INSERT INTO containers (id, name, doc) VALUES (?, ?, ?)'),
    spec: db.prepare('INSERT INTO container_specs (container_id, doc) VALUES (?, ?)'),
    endpoint: db.prepare('INSERT INTO endpoints (id, network_id, container_id, ipv4, doc) VALUES (?, ?, ?, ?, ?)'),
    ports: db.prepare('INSERT INTO container_ports (container_id, doc) VALUES (?, ?)'),
    meta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    owned: db.prepare('INSERT INTO owned_rules (tbl, chain, rule) VALUES (?, ?, ?)'),
  };
  // An update keeps the row where it is: records load in the order they were first saved.
  const update = {
    network: db.prepare('UPDATE networks SET name = ?, doc = ? WHERE id = ?'),
    container: db.prepare('UPDATE containers SET name = ?, doc = ? WHERE id = ?'),
    spec: db.prepare('UPDATE container_specs SET doc = ? WHERE container_id = ?'),
    ports: db.prepare('UPDATE container_ports SET doc = ? WHERE container_id = ?'),
    endpoint: db.prepare('UPDATE endpoints SET network_id = ?, container_id = ?, ipv4 = ?, doc = ? WHERE id = ?'),
  };
  const drop = {
    networks: db.prepare('DELETE FROM networks WHERE id = ?'),
    containers: db.prepare('DELETE FROM containers WHERE id = ?'),
    specs: db.prepare('DELETE FROM container_specs WHERE container_id = ?'),
    endpoints: db.prepare('DELETE FROM endpoints WHERE id = ?'),
    ports: db.prepare('DELETE FROM container_ports WHERE container_id = ?'),
    owned: db.prepare('DELETE FROM owned_rules WHERE tbl = ? AND chain = ? AND rule = ?'),
  };

  let written = {
    networks: new Written<NetworkRecord, string>(JSON.stringify, sameText),
    endpoints: new Written<EndpointRecord, string>(JSON.stringify, sameText),
    containers: new Written<ContainerRecord, ContainerParts>(containerParts, sameParts),
    meta: new Map<string, { readonly value: unknown; readonly json: string }>(),
    owned: { applied: null, pending: null, rows: new Map() } as WrittenOwned,
  };

  // Rows that go are deleted before any is written, and rows are never
  // replaced: the unique indexes fail only a state that really holds something twice.
  const write = db.transaction((s: State, { n, e, c }: Diffs): typeof written => {
    const portsChanged = c.changed.filter((x) => x.was.ports !== x.doc.ports);
    if (portsChanged.length > 0 || c.added.some((x) => x.record.ports.length > 0)) checkHostPorts(s.containers);
    for (const id of e.gone) drop.endpoints.run(id);
    for (const id of c.gone) drop.ports.run(id);
    for (const id of c.gone) drop.specs.run(id);
    for (const id of c.gone) drop.containers.run(id);
    for (const id of n.gone) drop.networks.run(id);
    for (const { record, doc } of n.changed) update.network.run(record.name, doc, record.id);
    for (const { record, doc } of n.added) put.network.run(record.id, record.name, doc);
    for (const { record, doc, was } of c.changed) {
      if (doc.doc !== was.doc) update.container.run(record.name, doc.doc, record.id);
      if (doc.spec !== was.spec) update.spec.run(doc.spec, record.id);
      if (doc.ports !== was.ports) update.ports.run(doc.ports, record.id);
    }
    for (const { record, doc } of c.added) {
      put.container.run(record.id, record.name, doc.doc);
      put.spec.run(record.id, doc.spec);
      put.ports.run(record.id, doc.ports);
    }
    for (const { record, doc } of e.changed) update.endpoint.run(record.networkId, record.containerId, record.ipv4, doc, record.id);
    for (const { record, doc } of e.added) put.endpoint.run(record.id, record.networkId, record.containerId, record.ipv4, doc);
    const meta = new Map(
      META_KEYS.map((k) => {
        const value = s[k] ?? null;
        const was = written.meta.get(k);
        return [k as string, was?.value === value ? was : { value, json: JSON.stringify(value) }] as const;
      }),
    );
    for (const [k, v] of meta) if (written.meta.get(k)?.json !== v.json) put.meta.run(k, v.json);
    const was = written.owned;
    const owned = s.appliedRules === was.applied && s.pendingRules === was.pending ? was : { applied: s.appliedRules, pending: s.pendingRules, rows: ownedRows(s.appliedRules, s.pendingRules) };
    if (owned !== was) {
      for (const [k, r] of was.rows) if (!owned.rows.has(k)) drop.owned.run(r.table, r.chain, r.rule);
      for (const [k, r] of owned.rows) if (!was.rows.has(k)) put.owned.run(r.table, r.chain, r.rule);
    }
    return { networks: n.next, endpoints: e.next, containers: c.next, meta, owned };
  });

  const docs = <T>(table: 'networks' | 'endpoints'): T[] =>
    (db.prepare(`SELECT doc FROM ${table} ORDER BY rowid`).all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as T);

  const loadContainers = (): ContainerRecord[] => {
    const rows = db
      .prepare(
        `SELECT c.doc, s.doc AS spec, p.doc AS ports FROM containers c
           JOIN container_specs s ON s.container_id = c.id JOIN container_ports p ON p.container_id = c.id ORDER BY c.rowid`,
      )
      .all() as { doc: string; spec: string; ports: string }[];
    return rows.map((r) => ({ ...JSON.parse(r.doc), ...JSON.parse(r.spec), ports: JSON.parse(r.ports) }) as ContainerRecord);
  };

  return {
    load() {
      const metaRows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
      const meta = new Map(metaRows.map((r) => [r.key, { value: JSON.parse(r.value) as unknown, json: r.value }]));
      const ownedRowList = (db.prepare('SELECT tbl, chain, rule FROM owned_rules ORDER BY rowid').all() as { tbl: TableName; chain: string; rule: string }[]).map(
        (r): OwnedRow => ({ table: r.tbl, chain: r.chain, rule: r.rule }),
      );
      // Applied and written ahead load as one: either may be in the kernel.
      const appliedRules = fromOwnedRows(ownedRowList);
      const state: State = {
        ...EMPTY_STATE,
        ...(Object.fromEntries(META_KEYS.filter((k) => meta.has(k)).map((k) => [k, meta.get(k)!.value])) as Partial<Meta>),
        appliedRules,
        pendingRules: null,
        networks: docs<NetworkRecord>('networks'),
        containers: loadContainers(),
        endpoints: docs<EndpointRecord>('endpoints'),
      };
      written = {
        networks: new Written(JSON.stringify, sameText, state.networks),
        endpoints: new Written(JSON.stringify, sameText, state.endpoints),
        containers: new Written(containerParts, sameParts, state.containers),
        meta,
        owned: { applied: appliedRules, pending: null, rows: ownedRows(appliedRules) },
      };
      return state;
    },
    save(state) {
      try {
        const diffs: Diffs = {
          n: written.networks.diff(state.networks),
          e: written.endpoints.diff(state.endpoints),
          c: written.containers.diff(state.containers),
        };
        const sync = outlivesReboot(diffs, state, written.meta.get('restoring')?.value ?? null) ? 'FULL' : 'NORMAL';
        if (sync !== synchronous) db.pragma(`synchronous = ${(synchronous = sync)}`);
        // Taken as written only once the transaction committed.
        written = write(state, diffs);
      } catch (e) {
        throw systemError(`cannot save berth state: ${(e as Error).message}`, e);
      }
    },
    close() {
      db.close();
    },
  };
}

/** Throws when two containers hold one host port (the address '' is 0.0.0.0). */
function checkHostPorts(containers: readonly ContainerRecord[]): void {
  // By address, then by port and protocol as one number: no key string per port.
  const holders = new Map<string, Map<number, string>>();
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i] as ContainerRecord;
    for (let j = 0; j < c.ports.length; j++) {
      const p = c.ports[j] as PortMapping;
      const ip = p.hostIp || '0.0.0.0';
      let byPort = holders.get(ip);
      if (byPort === undefined) holders.set(ip, (byPort = new Map()));
      const key = portId(p.hostPort, p.proto);
      const other = byPort.get(key);
      if (other !== undefined) throw systemError(`host port ${p.proto} ${ip}:${p.hostPort} held twice (${other}, ${c.id})`);
      byPort.set(key, c.id);
    }
  }
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
