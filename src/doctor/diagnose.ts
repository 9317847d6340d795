// Every check over one snapshot. The table's order is also the order in which
// --fix applies the fixes: kernel switches, then the iptables split (it may add
// to the chains the manager shares), then the manager's rules, then the rest.
import { checkForwardPolicy } from './forward-policy.js';
import { checkLeases, checkOrphans, checkRouteOverlaps } from './link-checks.js';
import { checkRules } from './rule-checks.js';
import { checkSplit } from './split.js';
import { checkBridgeNetfilter, checkIpForward } from './sysctl-checks.js';
import type { Check, Expectations, Finding, FixAction, HostSnapshot } from './types.js';

export const CHECKS: readonly { readonly name: string; readonly run: Check }[] = [
  { name: 'ip-forward', run: checkIpForward },
  { name: 'bridge-nf-call-iptables', run: checkBridgeNetfilter },
  { name: 'iptables-split', run: checkSplit },
  { name: 'rules', run: checkRules },
  { name: 'forward-policy', run: checkForwardPolicy },
  { name: 'subnet-overlap', run: checkRouteOverlaps },
  { name: 'orphans', run: checkOrphans },
  { name: 'leases', run: checkLeases },
];

export interface Diagnosis {
  readonly findings: readonly Finding[];
  /** The fixes for the fixable findings, each once, in the order to apply. */
  readonly actions: readonly FixAction[];
}

export function diagnose(snapshot: HostSnapshot, expected: Expectations): Diagnosis {
  const results = CHECKS.map((c) => c.run(snapshot, expected));
  const actions: FixAction[] = [];
  const seen = new Set<string>();
  for (const a of results.flatMap((r) => r.actions)) {
    const key = JSON.stringify(a);
    if (seen.has(key)) continue;
    seen.add(key);
    actions.push(a);
  }
  return { findings: results.flatMap((r) => r.findings), actions };
}

/** Same finding in two diagnoses (same check, same subject). */
export function sameFinding(a: Finding, b: Finding): boolean {
  return a.id === b.id && a.subject === b.subject;
}
