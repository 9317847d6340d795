// The `berth save` file: everything berth owns (its records, the daemon options that
// shaped them, the user's access rules, and its rules as `berth rules` prints them)
// in one JSON document, sealed with a SHA-256 over the canonical serialization of
// everything else. Reading one checks, in this order, before anything is changed:
// that it is whole JSON with every field (else "truncated or not a berth save
// file"), that its format version is this berth's, that nothing in it changed since
// berth wrote it (the checksum), and that it holds a consistent state (check.ts).
// Pure: no I/O.
import { createHash } from 'node:crypto';
import { DAEMON_OPTIONS, type DaemonConfig } from '../model/daemon-config.js';
import { invalid } from '../model/errors.js';
import { checkSavedContents } from './check.js';
import { SAVE_FORMAT, SAVE_VERSION, SAVED_OPTIONS, type SaveContents, type SaveFile, type SavedConfig, type SavedOption } from './format.js';

export * from './format.js';

function configKey(option: SavedOption): keyof DaemonConfig {
  const spec = DAEMON_OPTIONS.find((o) => o.json === option);
  if (!spec) throw new Error(`no daemon option ${option}`);
  return spec.key;
}

/** The options of `config` a save records. */
export function savedConfig(config: DaemonConfig): SavedConfig {
  return Object.fromEntries(SAVED_OPTIONS.map((o) => [o, config[configKey(o)]])) as SavedConfig;
}

/** The recorded options whose value differs in `config`, as "name: saved X, here Y". */
export function configDifferences(saved: SavedConfig, config: DaemonConfig): string[] {
  const here = savedConfig(config);
  return SAVED_OPTIONS.filter((o) => canonicalJson(saved[o]) !== canonicalJson(here[o])).map(
    (o) => `${o}: saved ${show(saved[o])}, here ${show(here[o])}`,
  );
}

function show(v: unknown): string {
  if (v === '') return '""';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * JSON with the keys of every object sorted and no whitespace: one text per value,
 * whatever order or layout a file has. Values JSON cannot hold are refused.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`canonicalJson: ${v} is not JSON`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: a ${typeof v} is not JSON`);
}

/** The seal: SHA-256 (hex) of the canonical JSON of the document without its sha256 field. */
export function checksum(doc: Readonly<Record<string, unknown>>): string {
  const { sha256: _seal, ...rest } = doc;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** The file's text: the document, indented for people, its checksum last. */
export function buildSaveFile(contents: SaveContents, meta: { readonly berth: string; readonly created: string }): string {
  const body = {
    format: SAVE_FORMAT,
    version: SAVE_VERSION,
    berth: meta.berth,
    created: meta.created,
    backend: contents.backend,
    config: contents.config,
    state: {
      networks: contents.state.networks,
      endpoints: contents.state.endpoints,
      containers: contents.state.containers,
      portCursors: contents.state.portCursors,
      poolCursor: contents.state.poolCursor,
      seq: contents.state.seq,
    },
    accessRules: contents.accessRules,
    rules: contents.rules,
  };
  return `${JSON.stringify({ ...body, sha256: checksum(body) }, null, 2)}\n`;
}

const FIELDS: readonly (readonly [string, string])[] = [
  ['berth', 'string'],
  ['created', 'string'],
  ['backend', 'string'],
  ['config', 'object'],
  ['state', 'object'],
  ['accessRules', 'array'],
  ['rules', 'string'],
];

/**
 * Reads a save file's text (`name` is how messages call it) and checks everything a
 * restore relies on; throws `invalid` with the reason otherwise. `berth` is this
 * berth's version, for the message about another version's file.
 */
export function readSaveFile(text: string, name: string, berth: string): SaveFile {
  const notASave = (why: string) => invalid(`${name} is truncated or not a berth save file (${why})`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw notASave(text.trim() === '' ? 'it is empty' : `not complete JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw notASave('not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d['format'] !== SAVE_FORMAT) throw notASave(d['format'] === undefined ? 'no "format" field' : `format ${JSON.stringify(d['format'])}`);
  if (d['version'] !== SAVE_VERSION) {
    if (d['version'] === undefined) throw notASave('no "version" field');
    const by = typeof d['berth'] === 'string' ? `, written by berth ${d['berth']}` : '';
    throw invalid(
      `${name} was made by a different version of berth (save format version ${JSON.stringify(d['version'])}${by}); this berthd (berth ${berth}) reads save format version ${SAVE_VERSION} only`,
    );
  }
  for (const [field, type] of FIELDS) {
    const v = d[field];
    const actual = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
    if (v === undefined) throw notASave(`no "${field}" field`);
    if (actual !== type) throw notASave(`"${field}" is a ${actual}, not a ${type}`);
  }
  if (d['sha256'] === undefined) throw notASave('no checksum');
  if (typeof d['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(d['sha256'])) throw notASave('the checksum is not a SHA-256');
  if (checksum(d) !== d['sha256']) throw invalid(`${name} was changed after berth saved it (checksum mismatch); berth restores only files exactly as it saved them`);
  const extra = Object.keys(d).filter((k) => !['format', 'version', 'sha256', ...FIELDS.map(([f]) => f)].includes(k));
  if (extra.length > 0) throw invalid(`${name} does not hold a consistent berth state: unknown field ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  const file = d as unknown as SaveFile;
  const problem = checkSavedContents(file);
  if (problem !== null) throw invalid(`${name} does not hold a consistent berth state: ${problem}`);
  return file;
}
