// Starts berth's firewall helpers inside berthd: loads <data-root>/firewall.json,
// writes the rules at once, and writes them again whenever they may be gone or
// stale: a repair of the engine's rules (DOCKER-USER re-created), a network created
// or removed (the jumps follow the bridges), and any change of the kernel's rules,
// which berthd's one rule watch reports through `reapply`. Separate from the
// engine's own repair, which never looks inside DOCKER-USER.
import { iptablesBackend } from '../engine/firewall.js';
import type { Engine } from '../engine/types.js';
import { exec } from '../host/exec.js';
import { asBerthError } from '../model/errors.js';
import { registerAccessFirewall } from './registry.js';
import { AccessFirewall, type FirewallLog } from './service.js';
import { accessStoreFile, fileAccessStore } from './store.js';

export interface AccessFirewallDaemon {
  /** Writes the stored access rules again if the kernel lost or moved them. */
  reapply(reason: string): Promise<void>;
  stop(): void;
}

export async function startAccessFirewall(engine: Engine, log: FirewallLog): Promise<AccessFirewallDaemon> {
  const config = engine.daemonConfig();
  const service = new AccessFirewall({ engine, backend: iptablesBackend(exec), store: fileAccessStore(accessStoreFile(config.dataRoot)), log });
  registerAccessFirewall(engine, service);
  if (!config.iptables) return { reapply: async () => undefined, stop: () => undefined };

  const reapply = (reason: string): Promise<void> =>
    service.reapply(reason).then(
      () => undefined,
      (e: unknown) => log('error', `firewall: re-applying access rules failed (${reason}): ${asBerthError(e).message}`),
    );
  await reapply('berthd start');
  const unsubscribe = engine.onEvent((e) => {
    // The rules follow the bridges; with none stored, a network changes nothing (a kernel change is the watch's).
    if (e.type === 'network' && (e.action === 'create' || e.action === 'destroy') && service.list().length > 0) void reapply(`network ${e.action}`);
    if (e.type === 'daemon' && e.action === 'repair') void reapply('berth rules repaired');
  });
  return { reapply, stop: unsubscribe };
}
