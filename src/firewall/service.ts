// berth's firewall helpers in the daemon: the stored access rules, each change
// written to the kernel in one `iptables-restore --noflush` and then persisted,
// and re-application whenever the kernel's rules may have lost them.
import { randomBytes } from 'node:crypto';
import type { FirewallBackend } from '../engine/firewall.js';
import { Lock } from '../engine/lock.js';
import type { Engine } from '../engine/types.js';
import { BerthError, conflict, forbidden, invalid, notFound } from '../model/errors.js';
import { parseSave } from '../render/iptables/save-parse.js';
import { describeRule } from './describe.js';
import { formatPort, sameSpec, type AccessRule, type AccessRuleSpec } from './model.js';
import { planAccess } from './plan.js';
import { layoutLines, renderAccess, type AccessLayout } from './render.js';
import type { AccessStore } from './store.js';

export type FirewallLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface AccessFirewallDeps {
  readonly engine: Pick<Engine, 'listNetworks' | 'listContainers' | 'daemonConfig'>;
  readonly backend: FirewallBackend;
  readonly store: AccessStore;
  readonly log: FirewallLog;
  readonly now?: () => Date;
}

/** What adding or removing a rule does to the kernel, as iptables-save lines. */
export interface AccessChange {
  readonly rule: AccessRule;
  readonly description: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly warnings: readonly string[];
  /** false for a dry run. */
  readonly written: boolean;
}

export const IPTABLES_OFF =
  'berth firewall needs iptables, but berthd runs with --iptables=false ("iptables": false in daemon.json) and writes no rules at all';

export class AccessFirewall {
  private rules: readonly AccessRule[];
  private readonly lock = new Lock();

  constructor(private readonly deps: AccessFirewallDeps) {
    this.rules = deps.store.load();
  }

  list(): readonly AccessRule[] {
    this.checkEnabled();
    return this.rules;
  }

  /** The rule's description and kernel changes; written unless `dryRun`. */
  add(spec: AccessRuleSpec, opts: { readonly dryRun?: boolean } = {}): Promise<AccessChange> {
    return this.lock.run(async () => {
      this.checkEnabled();
      const twin = this.rules.find((r) => sameSpec(r, spec));
      if (twin) throw conflict(`an identical firewall rule exists: ${twin.id}`);
      this.checkInterface(spec.inInterface);
      const rule: AccessRule = { id: this.newId(), created: (this.deps.now?.() ?? new Date()).toISOString(), ...spec };
      const before = this.rules;
      const next = [...before, rule];
      const written = !opts.dryRun;
      if (written) {
        this.deps.log('info', `firewall: adding rule ${rule.id}: ${describeRule(rule)}`);
        await this.commit(next);
      }
      return this.change(rule, before, next, this.warnings(spec), written);
    });
  }

  /** Removes a rule by id or unique id prefix. */
  remove(idOrPrefix: string): Promise<AccessChange> {
    return this.lock.run(async () => {
      this.checkEnabled();
      const rule = this.resolve(idOrPrefix);
      const next = this.rules.filter((r) => r !== rule);
      const before = this.rules;
      await this.commit(next);
      return this.change(rule, before, next, [], true);
    });
  }

  /** The rules as stored, also when berthd writes no rules (--iptables=false): what `berth save` keeps. */
  stored(): readonly AccessRule[] {
    return this.rules;
  }

  /**
   * Replaces every rule by `rules` (a restore), kernel first, then disk. With
   * --iptables=false they are only stored, as they were where they were saved.
   */
  replace(rules: readonly AccessRule[]): Promise<void> {
    return this.lock.run(async () => {
      if (!this.deps.engine.daemonConfig().iptables) {
        this.deps.store.save(rules);
        this.rules = rules;
        return;
      }
      this.deps.log('info', `firewall: replacing ${this.rules.length} access rule(s) by ${rules.length}`);
      await this.commit(rules);
    });
  }

  /** Writes the stored rules again if the kernel lost or changed them; true when it had to. */
  reapply(reason: string): Promise<boolean> {
    return this.lock.run(async () => {
      if (!this.deps.engine.daemonConfig().iptables) return false;
      try {
        if (!(await this.write(this.rules))) return false;
      } catch (e) {
        // DOCKER-USER is missing: the engine's repair creates it, and its repair event brings us back.
        if (e instanceof BerthError && e.kind === 'unavailable') {
          this.deps.log('debug', `firewall: not re-applied (${reason}): ${e.message}`);
          return false;
        }
        throw e;
      }
      this.deps.log('info', `firewall: re-applied ${this.rules.length} access rule(s) (${reason})`);
      return true;
    });
  }

  private checkEnabled(): void {
    if (!this.deps.engine.daemonConfig().iptables) throw forbidden(IPTABLES_OFF);
  }

  private checkInterface(name: string | null): void {
    if (name === null || !this.bridges().includes(name)) return;
    throw invalid(
      `${name} is one of berth's bridges: berth firewall rules restrict connections coming into the containers from outside, never traffic from the containers; give the interface outside clients arrive on`,
    );
  }

  /** Warnings that do not stop the rule: a port nothing publishes yet. */
  private warnings(spec: AccessRuleSpec): string[] {
    const p = spec.port;
    if (p === null) return [];
    const published = this.deps.engine
      .listContainers(false)
      .some((c) => c.ports.some((m) => m.hostPort === p.port && m.proto === p.proto));
    return published ? [] : [`no running container publishes port ${formatPort(p)} yet; the rule applies once one does`];
  }

  private resolve(idOrPrefix: string): AccessRule {
    const exact = this.rules.find((r) => r.id === idOrPrefix);
    if (exact) return exact;
    const matches = idOrPrefix === '' ? [] : this.rules.filter((r) => r.id.startsWith(idOrPrefix));
    if (matches.length === 1) return matches[0] as AccessRule;
    if (matches.length > 1) throw invalid(`firewall rule ${idOrPrefix} is ambiguous (${matches.length} matches found based on ID prefix)`);
    throw notFound(`No such firewall rule: ${idOrPrefix}`);
  }

  /** 12 hex digits, never all digits (like Docker's short ids, so it never reads as a number). */
  private newId(): string {
    for (;;) {
      const id = randomBytes(6).toString('hex');
      if (!/^\d+$/.test(id) && !this.rules.some((r) => r.id === id)) return id;
    }
  }

  private change(rule: AccessRule, before: readonly AccessRule[], after: readonly AccessRule[], warnings: string[], written: boolean): AccessChange {
    const old = layoutLines(this.layout(before));
    const now = layoutLines(this.layout(after));
    return {
      rule,
      description: describeRule(rule),
      added: now.filter((l) => !old.includes(l)),
      removed: old.filter((l) => !now.includes(l)),
      warnings,
      written,
    };
  }

  /** Kernel first, then disk; if the disk write fails the kernel goes back to the old rules. */
  private async commit(next: readonly AccessRule[]): Promise<void> {
    await this.write(next);
    try {
      this.deps.store.save(next);
    } catch (e) {
      await this.write(this.rules).catch((undo: unknown) => this.deps.log('error', `firewall: undo failed: ${String(undo)}`));
      throw e;
    }
    this.rules = next;
  }

  /** One iptables-save, then one iptables-restore when something differs; true when it wrote. */
  private async write(rules: readonly AccessRule[]): Promise<boolean> {
    const plan = planAccess(parseSave(await this.deps.backend.save()), this.layout(rules));
    if (plan === '') return false;
    await this.deps.backend.restore(plan);
    return true;
  }

  private layout(rules: readonly AccessRule[]): AccessLayout {
    return renderAccess(rules, this.bridges());
  }

  /** berth's bridges, oldest network first. */
  private bridges(): string[] {
    return [...this.deps.engine.listNetworks()]
      .filter((n) => n.bridge !== null)
      .sort((a, b) => a.seq - b.seq)
      .map((n) => n.bridge!.name);
  }
}
