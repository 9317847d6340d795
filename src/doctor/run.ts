// One doctor run over two ports: reading (the host, and the manager's
// expectations) and applying a fix. Without `fix` it only reads. With `fix` it
// applies every fix of the first diagnosis in order, keeps going past a failed
// one, reads again and reports what is left.
import { setTimeout as delay } from 'node:timers/promises';
import { CHECKS, diagnose, sameFinding } from './diagnose.js';
import type { Expectations, Finding, FixAction, HostSnapshot } from './types.js';

export interface Reading {
  readonly snapshot: HostSnapshot;
  readonly expected: Expectations;
}

export interface DoctorPorts {
  read(): Promise<Reading>;
  /** Applies one fix; `expected` is the reading it was planned from. */
  apply(action: FixAction, expected: Expectations): Promise<void>;
}

export interface DoctorReport {
  /** No finding left and no fix failed. */
  readonly healthy: boolean;
  readonly manager: string;
  readonly checks: readonly string[];
  /** What is wrong now (after the fixes, with --fix). */
  readonly findings: readonly Finding[];
  /** With --fix: found first, gone after the fixes. */
  readonly fixed: readonly Finding[];
  /** With --fix: the fixes applied, in plain words. */
  readonly applied: readonly string[];
  /** With --fix: the fixes that failed, with the reason. */
  readonly failures: readonly string[];
}

export interface RunOptions {
  readonly fix: boolean;
  /**
   * Before deleting a veth or namespace found orphaned, wait this long and check
   * it is still orphaned: the manager may be wiring a sandbox right now.
   */
  readonly orphanGraceMs?: number;
}

const isOrphanFix = (a: FixAction): boolean => a.kind === 'delete-link';
const sameAction = (a: FixAction, b: FixAction): boolean => JSON.stringify(a) === JSON.stringify(b);

export async function runDoctor(ports: DoctorPorts, opts: RunOptions): Promise<DoctorReport> {
  let reading = await ports.read();
  const first = diagnose(reading.snapshot, reading.expected);
  const report = (findings: readonly Finding[], fixed: readonly Finding[], applied: string[], failures: string[]): DoctorReport => ({
    healthy: findings.length === 0 && failures.length === 0,
    manager: reading.expected.manager,
    checks: CHECKS.map((c) => c.name),
    findings,
    fixed,
    applied,
    failures,
  });
  if (!opts.fix || first.actions.length === 0) return report(first.findings, [], [], []);

  let actions = first.actions;
  if ((opts.orphanGraceMs ?? 0) > 0 && actions.some(isOrphanFix)) {
    await delay(opts.orphanGraceMs);
    reading = await ports.read();
    const later = diagnose(reading.snapshot, reading.expected);
    actions = later.actions.filter((a) => !isOrphanFix(a) || first.actions.some((b) => sameAction(a, b)));
  }
  const applied: string[] = [];
  const failures: string[] = [];
  for (const action of actions) {
    try {
      await ports.apply(action, reading.expected);
      applied.push(action.what);
    } catch (e) {
      failures.push(`${action.what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  reading = await ports.read();
  const remaining = diagnose(reading.snapshot, reading.expected).findings;
  const fixed = first.findings.filter((f) => !remaining.some((r) => sameFinding(f, r)));
  return report(remaining, fixed, applied, failures);
}

/**
 * Reads the host between two readings of the manager's state and retries (a few
 * times) when they differ: a network or container that came or went meanwhile
 * would otherwise look like drift.
 */
export async function readConsistent<T>(
  observe: () => Promise<HostSnapshot>,
  readState: () => Promise<T>,
  tries = 3,
): Promise<{ readonly snapshot: HostSnapshot; readonly state: T }> {
  let state = await readState();
  for (let attempt = 1; ; attempt++) {
    const snapshot = await observe();
    const after = await readState();
    if (attempt >= tries || JSON.stringify(after) === JSON.stringify(state)) return { snapshot, state: after };
    state = after;
  }
}
