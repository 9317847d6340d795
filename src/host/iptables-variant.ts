// Which iptables the `iptables` command is: iptables-nft commits through
// nf_tables (where `nft monitor` sees it), iptables-legacy does not.
import type { Exec } from './exec.js';

export type IptablesVariant = 'nft' | 'legacy';

/** From `iptables --version` (`iptables v1.8.9 (nf_tables)`); null when it does not run. */
export async function iptablesVariant(execFn: Exec): Promise<IptablesVariant | null> {
  const r = await execFn(['iptables', '--version']).catch(() => null);
  if (r === null || r.code !== 0) return null;
  if (r.stdout.includes('(nf_tables)')) return 'nft';
  return r.stdout.includes('(legacy)') ? 'legacy' : null;
}
