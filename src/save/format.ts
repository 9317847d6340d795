// The save file's format: its version, the records and options it carries, and the
// types of its document (file.ts reads and writes it, check.ts checks its contents).
import type { FirewallBackendName } from '../model/daemon-config.js';
import type { StateRecords } from '../engine/store.js';
import type { AccessRule } from '../firewall/model.js';

export const SAVE_FORMAT = 'berth-save';
export const SAVE_VERSION = 1;

/** berth's records, counters and cursors: the part of its State a save carries. */
export type SavedState = StateRecords;

/** The daemon options that shape berth's records and rules, by their daemon.json names. */
export const SAVED_OPTIONS = ['firewall-backend', 'iptables', 'icc', 'ip-masq', 'userland-proxy', 'bip', 'fixed-cidr', 'mtu', 'default-address-pools'] as const;
export type SavedOption = (typeof SAVED_OPTIONS)[number];
export type SavedConfig = { readonly [K in SavedOption]: unknown };

/** What a save holds besides its header. */
export interface SaveContents {
  readonly backend: FirewallBackendName;
  readonly config: SavedConfig;
  readonly state: SavedState;
  readonly accessRules: readonly AccessRule[];
  /** berth's own rules, exactly as `berth rules` printed them when it saved. */
  readonly rules: string;
}

export interface SaveFile extends SaveContents {
  readonly format: typeof SAVE_FORMAT;
  readonly version: typeof SAVE_VERSION;
  /** The berth package version that wrote it. */
  readonly berth: string;
  readonly created: string;
  readonly sha256: string;
}
