// The measurements a run collects, as plain data: what the report renders.
import type { FirewallBackendName } from '../test/helpers/berthd.js';
import type { SystemName } from './systems/system.js';
import type { Usage } from './procs.js';

/** The cost of loading a final ruleset into an empty namespace in one transaction. */
export interface Floor {
  /** The step whose final ruleset was loaded: a remove step is held to the floor of its start step. */
  readonly after: string;
  readonly iptablesMs: readonly number[];
  readonly nftMs: readonly number[];
  /** Rules (-A lines) in the iptables ruleset. */
  readonly iptablesRules: number;
  /** Rules, and map/set elements, of the map-based nft equivalent. */
  readonly nftRules: number;
  readonly nftElements: number;
}

/** One timed step, for every system that can do it. */
export interface TimingRow {
  readonly label: string;
  /** Milliseconds per run, per system that ran the step. */
  readonly ms: Partial<Record<SystemName, readonly number[]>>;
  /** Why a system has no figure, for systems that cannot do the step. */
  readonly na?: Partial<Record<SystemName, string>>;
  readonly floor?: Floor;
  /** Ports the step's sandbox publishes, for the publish cases. */
  readonly publishedPorts?: number;
  /** The single operation a step repeats, each one timed on its own (all runs' operations together). */
  readonly ops?: { readonly kind: OpKind; readonly ms: Partial<Record<SystemName, readonly number[]>> };
}

/** Single operations timed one by one: create + start of a sandbox with one published port, its removal, one network create or rm. */
export type OpKind = 'attach' | 'detach' | 'network-create' | 'network-rm';

/** Processes and memory of one system around a sandbox with many published ports. */
export interface FootprintRow {
  readonly system: SystemName;
  readonly ports: number;
  readonly idle: Usage;
  readonly peak: Usage;
  readonly after: Usage;
}

/** New TCP connections per second through one published port. */
export interface DatapathRow {
  readonly backend: FirewallBackendName;
  readonly published: number;
  /** Where the port's DNAT rule sits in nat DOCKER (iptables); null with nftables, where it is a map element. */
  readonly position: 'first' | 'last' | null;
  readonly hostPort: number;
  /** Rules in the host namespace's ruleset (iptables: -A lines; nftables: rules of all tables). */
  readonly rules: number;
  /** nftables only: elements of all sets and maps. */
  readonly elements?: number;
  readonly rates: readonly number[];
}

export interface MachineInfo {
  readonly cpus: string;
  readonly memory: string;
  readonly kernel: string;
  readonly os: string;
  readonly versions: Readonly<Record<string, string>>;
}

export interface BenchReport {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  /** The machine's load averages (1, 5, 15 min) when the run started and ended: other work shares it. */
  readonly load: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly systems: readonly SystemName[];
  readonly reps: number;
  readonly timings: readonly TimingRow[];
  readonly footprint: readonly FootprintRow[];
  readonly datapath: readonly DatapathRow[];
  readonly datapathMs: number;
}
