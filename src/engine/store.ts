// berth's durable state: one JSON document under --data-root, replaced atomically
// (write a temporary file, fsync, rename) so a crash leaves the old or the new
// state, never a torn one.
import { mkdirSync, openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord, EndpointRecord, NetworkRecord } from './types.js';
import type { DesiredRules } from '../render/ir.js';
import { systemError } from '../model/errors.js';

export interface State {
  readonly version: 1;
  readonly seq: number; // last sequence number handed out (networks, endpoints, starts)
  readonly networks: readonly NetworkRecord[];
  readonly endpoints: readonly EndpointRecord[];
  readonly containers: readonly ContainerRecord[];
  /** Docker's allocator cursors: last host port handed out per address/protocol/range. */
  readonly portCursors: Readonly<Record<string, number>>;
  /** Where the next default-pool subnet search starts. */
  readonly poolCursor: number;
  /** The rules berth last applied, so it knows which rules in shared chains are its own. */
  readonly appliedRules: DesiredRules | null;
}

export const EMPTY_STATE: State = { version: 1, seq: 0, networks: [], endpoints: [], containers: [], portCursors: {}, poolCursor: 0, appliedRules: null };

export interface Store {
  load(): State;
  save(state: State): void;
}

export function fileStore(dataRoot: string): Store {
  const file = join(dataRoot, 'state.json');
  return {
    load() {
      if (!existsSync(file)) return EMPTY_STATE;
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw systemError(`cannot read berth state ${file}: ${(e as Error).message}`, e);
      }
      const state = doc as State;
      if (state.version !== 1) throw systemError(`cannot read berth state ${file}: unsupported version ${String(state.version)}`);
      return state;
    },
    save(state) {
      mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify(state));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    },
  };
}

/** For engine tests: state kept in memory. */
export function memoryStore(initial: State = EMPTY_STATE): Store & { readonly saves: number } {
  let state = initial;
  let saves = 0;
  return {
    load: () => state,
    save: (s) => {
      state = s;
      saves++;
    },
    get saves() {
      return saves;
    },
  };
}
