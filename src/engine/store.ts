// berth's state as plain data, and the port through which the engine persists it
// (SQLite in berthd: sqlite-store.ts; memory in tests).
import type { ContainerRecord, EndpointRecord, NetworkRecord } from './types.js';
import type { DesiredRules } from '../render/ir.js';

/** berth's records, counters and cursors: what a save carries and a restore installs. */
export type StateRecords = Pick<State, 'seq' | 'networks' | 'endpoints' | 'containers' | 'portCursors' | 'poolCursor'>;

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
  /**
   * The rules berth last applied, so it knows which rules in shared chains are its own.
   * A store may keep only what that takes (../render/owned-rows.ts).
   */
  readonly appliedRules: DesiredRules | null;
  /**
   * Written ahead of each change to the kernel's rules and cleared once it is done:
   * after a crash in between, rules of either set found in the kernel are berth's
   * (a store may load the two as one appliedRules).
   */
  readonly pendingRules?: DesiredRules | null;
  /**
   * Set while a restore installs a save: when berthd finds it set at start, it
   * died in the middle of one, and takes it back.
   */
  readonly restoring?: RestorePoint | null;
}

/** What taking back an unfinished restore goes back to. */
export interface RestorePoint {
  /** The records before the restore. */
  readonly records: StateRecords;
  /** The restore set berth's forward drop policy, which berth did not keep before. */
  readonly forwardDropAdopted: boolean;
}

export const EMPTY_STATE: State = { version: 1, seq: 0, networks: [], endpoints: [], containers: [], portCursors: {}, poolCursor: 0, appliedRules: null };

export interface Store {
  load(): State;
  save(state: State): void;
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
