// The measurements a run collects, as plain data: what the report renders.
import type { SystemName } from './systems/system.js';
import type { Usage } from './procs.js';

/** The cost of loading a final ruleset into an empty namespace in one transaction. */
export interface Floor {
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
}

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
  readonly published: number;
  /** Where the port's DNAT rule sits in nat DOCKER. */
  readonly position: 'first' | 'last';
  readonly hostPort: number;
  readonly rules: number;
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
