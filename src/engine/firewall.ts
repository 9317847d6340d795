// Applies berth's desired rules to the kernel in one transaction per change:
// one iptables-save to see the shared chains as they are, one
// `iptables-restore --noflush` with the planned edits (nothing when already right).
import type { DesiredRules } from '../render/ir.js';
import { parseSave } from '../render/iptables/save-parse.js';
import { planRestore } from '../render/iptables/plan.js';
import { run, type Exec, ExecError } from '../host/exec.js';
import { systemError } from '../model/errors.js';

/** Where rules go: the kernel through iptables-save/restore, or a fake. */
export interface FirewallBackend {
  save(): Promise<string>;
  restore(text: string): Promise<void>;
}

export function iptablesBackend(exec: Exec): FirewallBackend {
  return {
    async save() {
      return (await run(exec, ['iptables-save'])).stdout;
    },
    async restore(text) {
      try {
        await run(exec, ['iptables-restore', '-w', '--noflush'], { input: text });
      } catch (e) {
        throw restoreError(e, text);
      }
    },
  };
}

/** iptables-restore says "line N failed": name the offending input line. */
function restoreError(e: unknown, input: string): Error {
  if (!(e instanceof ExecError)) return e as Error;
  const m = /line (\d+) failed/.exec(e.result.stderr);
  const line = m ? input.split('\n')[Number(m[1]) - 1] : undefined;
  const detail = line ? ` (input line ${m?.[1]}: ${line})` : '';
  return systemError(`iptables-restore failed${detail}: ${e.result.stderr.trim()}`, e);
}

export class Firewall {
  private applied: DesiredRules | null;

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

  /** Sets a built-in chain's policy (dockerd drops FORWARD when it turns ip_forward on). */
  async setPolicy(table: 'filter', chain: 'FORWARD', policy: 'ACCEPT' | 'DROP'): Promise<void> {
    await this.backend.restore(`*${table}\n:${chain} ${policy} [0:0]\nCOMMIT\n`);
  }

  /**
   * Brings the kernel to `desired`; returns whether anything had to change.
   * `beforeChange` runs once the change is planned, before the kernel is touched.
   */
  async apply(desired: DesiredRules, beforeChange?: () => void): Promise<boolean> {
    if (desired.tables.length === 0 && this.applied === null) return false; // --iptables=false: touch nothing
    const plan = await this.plan(desired);
    if (plan !== '') {
      beforeChange?.();
      await this.backend.restore(plan);
    }
    this.applied = desired.tables.length === 0 ? null : desired;
    return plan !== '';
  }

  /** Whether bringing the kernel to `desired` would change anything; reads only. */
  async differs(desired: DesiredRules): Promise<boolean> {
    if (desired.tables.length === 0 && this.applied === null) return false;
    return (await this.plan(desired)) !== '';
  }

  private async plan(desired: DesiredRules): Promise<string> {
    return planRestore(parseSave(await this.backend.save()), desired, this.applied);
  }
}
