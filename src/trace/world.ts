// What the tracer knows about the machine, as plain data: the host namespace's
// rules, addresses and routes (read from the kernel by the caller), and the
// sandboxes wired to its bridges. The shapes are the tracer's own, so this folder
// stays free of host/ and engine/; the daemon converts at the edge.
import type { Ruleset } from '../render/ir.js';

export interface IfAddr {
  readonly ifname: string;
  readonly address: string;
  readonly prefixLength: number;
}

export interface RouteEntry {
  /** `default`, `A.B.C.D/N` or a bare address (a /32), as `ip -j route` prints it. */
  readonly dst: string;
  /** `unicast`, `local`, `broadcast`, `blackhole`, `unreachable`, `prohibit`... */
  readonly type: string;
  readonly dev: string | undefined;
  readonly gateway: string | undefined;
  readonly prefsrc: string | undefined;
  readonly metric: number | undefined;
}

/** One namespace's addressing: its addresses and its main and local routing tables. */
export interface NetView {
  readonly addresses: readonly IfAddr[];
  readonly routes: readonly RouteEntry[];
  readonly localRoutes: readonly RouteEntry[];
}

/** net.ipv4.conf.IFACE settings that decide what routing refuses before any rule. */
export interface InterfaceConf {
  readonly rpFilter: number;
  readonly routeLocalnet: boolean;
}

export interface HostView extends NetView {
  /** The live rules (iptables-save), not berth's idea of them. */
  readonly ruleset: Ruleset;
  /** net.ipv4.ip_forward */
  readonly ipForward: boolean;
  /** By interface name, and `all`; a missing one counts as 0/off. */
  readonly interfaceConf: Readonly<Record<string, InterfaceConf>>;
  /** Bridges whose bridged traffic passes iptables (br_netfilter: the sysctl or the bridge's own nf_call_iptables). */
  readonly iptablesBridges: readonly string[];
  /** Things in the kernel the tracer cannot evaluate (foreign nftables tables, policy routing...): results are uncertain. */
  readonly caveats: readonly string[];
}

export interface SandboxView {
  readonly name: string;
  /** Its own namespace's addresses and routes (berth puts no rules there). */
  readonly net: NetView;
  /** Which host bridge each of its interfaces is plugged into, and whether that bridge port is in hairpin mode. */
  readonly links: readonly { readonly ifname: string; readonly bridge: string; readonly hairpin: boolean }[];
  /** Firewall tables found in its namespace (berth puts none there): not evaluated, so uncertain. */
  readonly firewall: readonly string[];
}

/** A host port something listens on (berth's userland proxy), for the explanation of local delivery. */
export interface LocalService {
  readonly proto: string;
  readonly port: number;
  /** '' = every address. */
  readonly address: string;
  readonly description: string;
}

export interface World {
  readonly host: HostView;
  readonly sandboxes: readonly SandboxView[];
  /** The bridges berth manages: an address there that no sandbox holds has nobody to answer. */
  readonly bridges: readonly string[];
  readonly localServices: readonly LocalService[];
}
