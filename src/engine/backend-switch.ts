// berthd ran with the other firewall backend before: what that one left in the
// kernel is taken out before this one programs anything, so no stale DNAT or
// accept of the old backend outlives the switch. iptables: the rules berth
// recorded as applied (DOCKER-USER stays, as always); nftables: berth's table.
import type { FirewallBackendName } from '../model/daemon-config.js';
import type { DesiredRules } from '../render/ir.js';
import type { Exec } from '../host/exec.js';
import { Firewall, iptablesBackend } from './firewall.js';
import { nftBackend } from './nft-firewall.js';
import { FAMILY, TABLE } from '../render/nftables/names.js';

/** Removes the other backend's rules; returns what was removed, for the log (null: nothing). */
export async function retireOtherBackend(backend: FirewallBackendName, exec: Exec, iptablesApplied: DesiredRules | null): Promise<string | null> {
  if (backend === 'nftables') {
    if (iptablesApplied === null || iptablesApplied.tables.length === 0) return null;
    await new Firewall(iptablesBackend(exec), iptablesApplied).apply({ tables: [] });
    return "berth's iptables rules (the firewall backend is now nftables)";
  }
  const nft = nftBackend(exec);
  // No nft on the host: no table of berth's either.
  if ((await nft.list().catch(() => null)) === null) return null;
  await nft.load(`delete table ${FAMILY} ${TABLE}\n`);
  return `berth's nftables table ${FAMILY} ${TABLE} (the firewall backend is now iptables)`;
}
