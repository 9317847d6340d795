// What the workloads need from a networking system under test. Each driver runs
// its system inside namespaces of its own: `hostNs` plays the container host
// (daemon, bridge, rules, proxies) and every sandbox gets a namespace besides.
import type { FirewallBackendName } from '../../test/helpers/berthd.js';
import type { PortSet } from '../ports.js';

export const SYSTEM_NAMES = ['berth', 'berth-api', 'berth-nft', 'dockerd', 'netavark', 'cni'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/** berth's systems: one berthd each, driven through the CLI or the API socket, with one firewall backend. */
export const BERTH_VARIANTS = {
  berth: { via: 'cli', backend: 'iptables' },
  'berth-api': { via: 'api', backend: 'iptables' },
  'berth-nft': { via: 'api', backend: 'nftables' },
} as const satisfies Readonly<Record<string, { readonly via: 'cli' | 'api'; readonly backend: FirewallBackendName }>>;
export type BerthName = keyof typeof BERTH_VARIANTS;

export function isBerth(name: SystemName): name is BerthName {
  return Object.hasOwn(BERTH_VARIANTS, name);
}

export const SYSTEM_TITLES: Readonly<Record<SystemName, string>> = {
  berth: 'berth',
  'berth-api': 'berth, API only',
  'berth-nft': 'berth nftables, API only',
  dockerd: 'dockerd 20.10',
  netavark: 'netavark 1.4',
  cni: 'CNI bridge+portmap 1.1.1',
};

/** Bound on one operation of a system (dockerd needs over a minute for 1000 ports). */
export const OP_TIMEOUT_MS = 20 * 60_000;

/** What every sandbox runs, in each system that starts a process in it (berth, dockerd). */
export const SANDBOX_COMMAND = ['sleep', '3600'] as const;

export interface NetworkOps {
  create(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export interface System {
  readonly name: SystemName;
  /** The namespace of the host side: where its processes and rules live. */
  readonly hostNs: string;
  start(): Promise<void>;
  /** Creates sandbox `name` attached to the default network, publishing `ports`; resolves when networking is in place. */
  addSandbox(name: string, ports: PortSet): Promise<void>;
  removeSandbox(name: string): Promise<void>;
  /** Networks as objects of their own; null when a network is only configuration until a sandbox joins it. */
  readonly networks: NetworkOps | null;
  /** iptables-save of the host namespace. */
  iptablesSave(): Promise<string>;
  /** Removes everything the system created. Never throws. */
  stop(): Promise<void>;
}
