// berth save and restore in berthd: the engine's records and rules and the user's
// access rules, in one sealed file (file.ts); a restore reads and checks the file
// whole, then has the engine install it, the access rules being the last step of
// the engine's all-or-nothing change.
import type { BerthEngine, RestoreOutcome } from '../engine/engine.js';
import type { AccessFirewall } from '../firewall/service.js';
import { unavailable } from '../model/errors.js';
import { plural } from '../model/words.js';
import { buildSaveFile, configDifferences, readSaveFile, savedConfig } from './file.js';

export interface SaveRestoreDeps {
  readonly engine: Pick<BerthEngine, 'snapshot' | 'restore' | 'daemonConfig'>;
  /** The access rules' service (null: this berthd has none). */
  readonly access: Pick<AccessFirewall, 'stored' | 'replace'> | null;
  /** This berth's version, written into saves and named in messages. */
  readonly berth: string;
  readonly now?: () => Date;
}

export interface RestoreReport extends RestoreOutcome {
  readonly accessRules: number;
  /** From the request's arrival to the restore's end. */
  readonly durationMs: number;
}

export class SaveRestore {
  constructor(private readonly deps: SaveRestoreDeps) {}

  /** The save file's text. */
  async save(): Promise<string> {
    const { engine, access } = this.deps;
    const snapshot = await engine.snapshot();
    const config = engine.daemonConfig();
    return buildSaveFile(
      { backend: config.firewallBackend, config: savedConfig(config), state: snapshot.state, accessRules: access?.stored() ?? [], rules: snapshot.rules },
      { berth: this.deps.berth, created: (this.deps.now?.() ?? new Date()).toISOString() },
    );
  }

  /** Restores the save file `text` (`name`: how messages call it) onto this berthd, all or nothing. */
  async restore(text: string, name: string): Promise<RestoreReport> {
    const started = performance.now();
    const { engine, access } = this.deps;
    const file = readSaveFile(text, name, this.deps.berth);
    const outcome = await engine.restore(
      { name, state: file.state, rules: file.rules, configDifferences: configDifferences(file.config, engine.daemonConfig()) },
      {
        held: () => {
          const n = access?.stored().length ?? 0;
          return n > 0 ? [plural(n, 'firewall rule')] : [];
        },
        apply: async (undo) => {
          if (file.accessRules.length === 0) return;
          if (!access) throw unavailable(`${name} holds firewall rules, and berth firewall is not running in this daemon`);
          const previous = access.stored();
          await access.replace(file.accessRules);
          undo.push(() => access.replace(previous));
        },
      },
    );
    return { ...outcome, accessRules: file.accessRules.length, durationMs: Math.round(performance.now() - started) };
  }
}
