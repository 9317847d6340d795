// Timing and repetition: every step is timed on the wall clock; the systems take
// turns within each repetition, so slow drifts of the machine hit them alike.
import { performance } from 'node:perf_hooks';
import type { TimingRow } from './results.js';
import type { System, SystemName } from './systems/system.js';

/** A system whose first run of a case took longer than this runs that case once only. */
export const LONG_RUN_MS = 60_000;

export interface RunContext {
  readonly reps: number;
  /** Progress line on stderr. */
  log(line: string): void;
}

/** Wall-clock milliseconds taken by fn. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Runs one operation of a step and records its own wall-clock time. */
export type OpTimer = (op: () => Promise<unknown>) => Promise<void>;

/** An OpTimer that appends each operation's milliseconds to `into`. */
export function opTimer(into: number[]): OpTimer {
  return async (op) => {
    into.push(await timed(op));
  };
}

/**
 * Runs a case `ctx.reps` times on every system; `run` performs it once and
 * returns the milliseconds of each of its steps, in the order of `labels`;
 * `afterEach`, when given, takes its turn after the systems' in each repetition.
 * Returns one row per step.
 */
export async function measureSteps(
  ctx: RunContext,
  systems: readonly System[],
  labels: readonly string[],
  run: (system: System, rep: number) => Promise<readonly number[]>,
  afterEach?: () => Promise<void>,
): Promise<TimingRow[]> {
  const ms = labels.map((): Partial<Record<SystemName, number[]>> => ({}));
  const firstTotal = new Map<SystemName, number>();
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const s of systems) {
      if ((firstTotal.get(s.name) ?? 0) > LONG_RUN_MS) continue;
      ctx.log(`${labels[0]}: ${s.name}, run ${rep + 1}/${ctx.reps}`);
      const steps = await run(s, rep);
      steps.forEach((v, i) => (ms[i]![s.name] ??= []).push(v));
      if (rep === 0) firstTotal.set(s.name, steps.reduce((a, b) => a + b, 0));
    }
    await afterEach?.();
  }
  return labels.map((label, i) => ({ label, ms: ms[i]! }));
}
