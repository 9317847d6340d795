// The doctor's view of the current network namespace, and its hands in it.
// Reading runs in parallel: 2 sysctl reads (no process), `iptables --version`,
// iptables-nft-save, iptables-legacy-save, `ip -j -d link show`, `ip -j route
// show`, and a directory listing of /var/run/netns. Nothing here changes the
// host except `apply`.
import type { HostAction, HostSnapshot, IptablesVariant, ObservedRoute } from '../doctor/types.js';
import { parseSave } from '../render/iptables/save-parse.js';
import type { Ruleset } from '../render/ir.js';
import { run, type Exec } from './exec.js';
import { validateIfName } from './ip-batch.js';
import { readLinks, readRoutes } from './links.js';
import { listNetns } from './netns.js';
import { iptablesVariant } from './iptables-variant.js';
import { readSysctl, writeSysctl } from './sysctl.js';

export interface DoctorHost {
  observe(): Promise<HostSnapshot>;
  apply(action: HostAction): Promise<void>;
}

const SAVE: Readonly<Record<IptablesVariant, string>> = { nft: 'iptables-nft-save', legacy: 'iptables-legacy-save' };
const RESTORE: Readonly<Record<IptablesVariant, string>> = { nft: 'iptables-nft-restore', legacy: 'iptables-legacy-restore' };

export function kernelDoctorHost(execFn: Exec): DoctorHost {
  return {
    async observe() {
      const [ipForward, bridgeNfCallIptables, activeVariant, nft, legacy, links, routes, namespaces] = await Promise.all([
        readSysctl('net.ipv4.ip_forward'),
        readSysctl('net.bridge.bridge-nf-call-iptables'),
        iptablesVariant(execFn),
        saved(execFn, 'nft'),
        saved(execFn, 'legacy'),
        readLinks(execFn),
        readRoutes(execFn, { family: 4 }),
        listNetns(),
      ]);
      return {
        ipForward,
        bridgeNfCallIptables,
        activeVariant,
        rulesets: { nft, legacy },
        links: links.map((l) => ({ name: l.name, kind: l.kind, master: l.master })),
        routes: routes.flatMap((r): ObservedRoute[] =>
          r.dst === 'default' || r.dst === '' || r.type !== 'unicast' ? [] : [{ dst: r.dst.includes('/') ? r.dst : `${r.dst}/32`, dev: r.dev }],
        ),
        namespaces,
      };
    },

    async apply(action) {
      switch (action.kind) {
        case 'sysctl':
          return writeSysctl(action.name, action.value);
        case 'iptables-restore':
          await run(execFn, [RESTORE[action.variant], '-w', ...(action.noflush ? ['--noflush'] : [])], { input: action.input });
          return;
        case 'delete-link':
          await run(execFn, ['ip', 'link', 'del', validateIfName(action.name)]);
          return;
      }
    },
  };
}

/** One variant's ruleset; null when its tools are missing or fail. */
async function saved(execFn: Exec, variant: IptablesVariant): Promise<Ruleset | null> {
  const r = await execFn([SAVE[variant]]).catch(() => null);
  return r === null || r.code !== 0 ? null : parseSave(r.stdout);
}
