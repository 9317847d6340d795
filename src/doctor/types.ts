// The doctor's vocabulary, all plain data: what it observed in the host's network
// namespace, what the network manager (berthd, or a real dockerd) expects there,
// what it found wrong, and the fixes it can apply.
import type { DesiredRules, Ruleset } from '../render/ir.js';

import type { IptablesVariant } from '../host/iptables-variant.js';

export type { IptablesVariant };

export interface ObservedLink {
  readonly name: string;
  /** `veth`, `bridge`, ...; undefined for plain devices. */
  readonly kind: string | undefined;
  /** The bridge it is plugged into. */
  readonly master: string | undefined;
}

export interface ObservedRoute {
  /** Destination as a CIDR (a bare host address is /32); never the default route. */
  readonly dst: string;
  readonly dev: string | undefined;
}

/** One reading of the host namespace. */
export interface HostSnapshot {
  /** net.ipv4.ip_forward as read ('0', '1'); null when unreadable. */
  readonly ipForward: string | null;
  /** net.bridge.bridge-nf-call-iptables; null when br_netfilter is not loaded. */
  readonly bridgeNfCallIptables: string | null;
  /** Which of the two `iptables` runs (the one the manager writes with); null: none works. */
  readonly activeVariant: IptablesVariant | null;
  /** Each variant's ruleset (iptables-nft-save, iptables-legacy-save); null when it cannot be read. */
  readonly rulesets: Readonly<Record<IptablesVariant, Ruleset | null>>;
  readonly links: readonly ObservedLink[];
  readonly routes: readonly ObservedRoute[];
  /** Named network namespaces (/var/run/netns). */
  readonly namespaces: readonly string[];
}

/** A bridge network the manager runs. */
export interface ManagedBridge {
  readonly network: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly icc: boolean;
}

/** An address the manager holds for a sandbox, with the veth that carries it. */
export interface Lease {
  readonly network: string;
  readonly bridge: string;
  readonly container: string;
  readonly address: string;
  readonly hostIf: string;
  readonly running: boolean;
}

/** What the network manager expects on the host. */
export interface Expectations {
  /** Its name in findings: `berthd`, `dockerd`. */
  readonly manager: string;
  readonly iptables: boolean;
  readonly desired: DesiredRules;
  /** Rules it applied before (ownership of stale rules); null: judge by `desired` alone. */
  readonly previous: DesiredRules | null;
  readonly bridges: readonly ManagedBridge[];
  /** Host-side veths of its endpoints; null when it cannot tell. */
  readonly veths: readonly string[] | null;
  /** The prefix of its sandboxes' named namespaces and the ones in use; null when it names none. */
  readonly sandboxes: { readonly prefix: string; readonly known: readonly string[] } | null;
  /** null when it cannot tell. */
  readonly leases: readonly Lease[] | null;
}

export type Severity = 'error' | 'warning';

export interface Finding {
  /** The check that found it (stable, for scripts): `ip-forward`, `rules`, `orphan-veth`, ... */
  readonly id: string;
  /** What it is about: a sysctl, `filter DOCKER`, a link, a namespace, a network. */
  readonly subject: string;
  readonly severity: Severity;
  readonly summary: string;
  /** The fix, in plain words. */
  readonly fix: string;
  /** Whether `--fix` applies it. */
  readonly fixable: boolean;
  /** Supporting lines (e.g. the rules that differ). */
  readonly detail?: readonly string[];
}

/** A change `--fix` makes; `what` says it in plain words. */
export type FixAction =
  | { readonly kind: 'sysctl'; readonly what: string; readonly name: string; readonly value: string }
  /** The manager's own rules, restored in one transaction (each mode knows how). */
  | { readonly kind: 'restore-rules'; readonly what: string }
  | { readonly kind: 'iptables-restore'; readonly what: string; readonly variant: IptablesVariant; readonly noflush: boolean; readonly input: string }
  | { readonly kind: 'delete-link'; readonly what: string; readonly name: string };

export type HostAction = Exclude<FixAction, { readonly kind: 'restore-rules' }>;

/** What one check returns: its findings and the fixes for the fixable ones, in the order to apply. */
export interface CheckResult {
  readonly findings: readonly Finding[];
  readonly actions: readonly FixAction[];
}

export type Check = (snapshot: HostSnapshot, expected: Expectations) => CheckResult;

export const NOTHING: CheckResult = { findings: [], actions: [] };

/** The ruleset the manager writes to (its `iptables`), or null when none runs. */
export function activeRuleset(s: HostSnapshot): Ruleset | null {
  return s.activeVariant === null ? null : s.rulesets[s.activeVariant];
}

export function variantName(v: IptablesVariant): string {
  return v === 'nft' ? 'iptables-nft' : 'iptables-legacy';
}

