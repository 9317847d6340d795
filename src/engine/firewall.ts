// Applies berth's desired rules to the kernel in one transaction per change:
// one `iptables-restore --noflush` with the planned edits (nothing when already
// right), planned against the kernel's rules as an iptables-save shows them.
//
// That read is skipped while berthd's rule watch vouches that nobody else has
// committed since berth last read or wrote the rules: berth then plans against
// the rules its last plan said the kernel would hold. A foreign commit drops
// that view at once; a restore that fails on a view that turned out stale is
// planned again from a fresh read.
import type { DesiredRules, Ruleset } from '../render/ir.js';
import { parseSave } from '../render/iptables/save-parse.js';
import { planRestore, planRestoreWithResult } from '../render/iptables/plan.js';
import { ANSWERED, run, type Exec, ExecError } from '../host/exec.js';
import { systemError } from '../model/errors.js';
import { endLines, type IptablesSession } from '../host/iptables-session.js';
import { SessionError } from '../host/process-session.js';

/** Where rules go: the kernel through iptables-save/restore, or a fake. */
export interface FirewallBackend {
  save(): Promise<string>;
  restore(text: string): Promise<void>;
}

/**
 * Without a session, each change runs one iptables-restore. iptables-nft-restore,
 * after it deleted anything, waits at exit for the kernel
 * to free it: releasing its netlink socket flushes nf_tables' pending destroy
 * work, one RCU grace period (10-25 ms here). So the input ends with a block that
 * always fails and commits nothing (a chain named like a built-in one): once
 * iptables-restore reports that line, each block before it is committed, and
 * berthd does not wait for the exit. iptables-legacy behaves the same way.
 */
const END_MARK = '*filter\n-N INPUT\nCOMMIT\n';
const END_MARK_LINE = 2;

/** The restore berth runs for each change without a session. */
export const RESTORE_ARGV = ['iptables-restore', '-w', '--noflush'] as const;

export interface IptablesBackendOptions {
  /** Told the pid of each iptables-restore (berthd's own commits, for the rule watch). */
  readonly onSpawn?: (pid: number) => void;
  /** A long-lived iptables-restore that commits the changes instead of one process each. */
  readonly session?: IptablesSession;
}

export function iptablesBackend(exec: Exec, opts: IptablesBackendOptions = {}): FirewallBackend {
  const { onSpawn, session } = opts;
  return {
    async save() {
      return (await run(exec, ['iptables-save'])).stdout;
    },
    async restore(text) {
      const body = endLines(text);
      if (session) {
        await session.restore(body).catch((e: unknown) => {
          throw e instanceof SessionError ? restoreError(e.stderr, body, e) : e;
        });
        return;
      }
      const mark = new RegExp(`\\bline ${body.split('\n').length - 1 + END_MARK_LINE} failed\\b`);
      const r = await exec(RESTORE_ARGV, { input: body + END_MARK, answeredBy: (stderr) => mark.test(stderr), ...(onSpawn ? { onSpawn } : {}) });
      if (r.code === ANSWERED) return;
      if (r.code === 0) throw systemError('iptables-restore created a chain named INPUT (the end mark): its answers cannot be read');
      throw restoreError(r.stderr, body, new ExecError(RESTORE_ARGV, r));
    },
  };
}

/** iptables-restore says "line N failed": name the offending input line. */
function restoreError(stderr: string, input: string, cause: Error): Error {
  const m = /line (\d+) failed/.exec(stderr);
  const line = m ? input.split('\n')[Number(m[1]) - 1] : undefined;
  const detail = line ? ` (input line ${m?.[1]}: ${line})` : '';
  return systemError(`iptables-restore failed${detail}: ${stderr.trim()}`, cause);
}

export class Firewall {
  private applied: DesiredRules | null;
  /** The kernel's rules as berth last read or left them (null: read them before planning). */
  private kernel: Ruleset | null = null;
  private tracked = false;
  /** Counts foreign commits, so a view planned before one is not kept after it. */
  private epoch = 0;

  constructor(
    private readonly backend: FirewallBackend,
    previouslyApplied: DesiredRules | null,
  ) {
    this.applied = previouslyApplied;
  }

  /** The rules berth last applied (null: none yet). */
  get current(): DesiredRules | null {
    return this.applied;
  }

  /**
   * Whether every commit to the kernel's rules is reported to `forget` (berthd's
   * rule watch is live and sees iptables' commits): only then is a view kept.
   */
  trackKernel(on: boolean): void {
    this.tracked = on;
    this.forget();
  }

  /** Someone else committed rules: read the kernel before the next plan. */
  forget(): void {
    this.kernel = null;
    this.epoch++;
  }

  /** Sets a built-in chain's policy (dockerd drops FORWARD when it turns ip_forward on). */
  async setPolicy(table: 'filter', chain: 'FORWARD', policy: 'ACCEPT' | 'DROP'): Promise<void> {
    this.kernel = null;
    await this.backend.restore(`*${table}\n:${chain} ${policy} [0:0]\nCOMMIT\n`);
  }

  /**
   * Brings the kernel to `desired`; returns whether anything had to change.
   * `beforeChange` runs once the change is planned, before the kernel is touched.
   */
  async apply(desired: DesiredRules, beforeChange?: () => void): Promise<boolean> {
    if (desired.tables.length === 0 && this.applied === null) return false; // --iptables=false: touch nothing
    const epoch = this.epoch;
    const viewed = this.kernel;
    const current = viewed ?? parseSave(await this.backend.save());
    const { text: plan, after } = planRestoreWithResult(current, desired, this.applied);
    if (plan !== '') {
      beforeChange?.();
      try {
        await this.backend.restore(plan);
      } catch (e) {
        this.kernel = null;
        if (viewed === null) throw e;
        return this.apply(desired); // the view was stale: plan again from the kernel
      }
    }
    this.applied = desired.tables.length === 0 ? null : desired;
    this.kernel = this.tracked && epoch === this.epoch ? after : null;
    return plan !== '';
  }

  /** Whether bringing the kernel to `desired` would change anything; reads only. */
  async differs(desired: DesiredRules): Promise<boolean> {
    if (desired.tables.length === 0 && this.applied === null) return false;
    const drifted = (await this.plan(desired)) !== '';
    if (drifted) this.forget(); // the repair that follows must plan from the kernel, not from the view
    return drifted;
  }

  /** Always from the kernel: this is how drift is found. */
  private async plan(desired: DesiredRules): Promise<string> {
    return planRestore(parseSave(await this.backend.save()), desired, this.applied);
  }
}
