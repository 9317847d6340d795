// Links, routes and namespaces: bridge subnets that collide with the host's
// routes, veths and sandbox namespaces nobody owns any more, and addresses held
// for sandboxes that are not there.
import { cidrOverlaps, parseCidr } from '../model/ipv4.js';
import { NOTHING, type CheckResult, type Expectations, type Finding, type FixAction, type HostSnapshot } from './types.js';

export function checkRouteOverlaps(s: HostSnapshot, e: Expectations): CheckResult {
  const findings: Finding[] = [];
  for (const b of e.bridges) {
    const subnet = parseCidr(b.subnet);
    for (const r of s.routes) {
      if (r.dev === b.bridge || !cidrOverlaps(subnet, parseCidr(r.dst))) continue;
      findings.push({
        id: 'subnet-overlap',
        subject: b.network,
        severity: 'error',
        summary: `Network ${b.network} (${b.bridge}, ${b.subnet}) overlaps the host route ${r.dst}${r.dev ? ` on ${r.dev}` : ''}: traffic for the shared addresses goes one way only, so containers cannot reach those hosts, or this host cannot reach its own network.`,
        fix: `Give the network a subnet that overlaps no route (remove it and create it again with --subnet; for docker0 use --bip or --default-address-pool), or renumber the other network.`,
        fixable: false,
      });
    }
  }
  return { findings, actions: [] };
}

/** Veths plugged into a managed bridge that no endpoint owns, and sandbox namespaces no container uses. */
export function checkOrphans(s: HostSnapshot, e: Expectations): CheckResult {
  const findings: Finding[] = [];
  const actions: FixAction[] = [];
  if (e.veths !== null) {
    const bridges = new Set(e.bridges.map((b) => b.bridge));
    const known = new Set(e.veths);
    for (const l of s.links) {
      if (l.kind !== 'veth' || l.master === undefined || !bridges.has(l.master) || known.has(l.name)) continue;
      findings.push({
        id: 'orphan-veth',
        subject: l.name,
        severity: 'warning',
        summary: `${l.name} is plugged into ${l.master} but belongs to no ${e.manager} endpoint: a leftover of a sandbox that was not cleaned up, or a link someone added by hand.`,
        fix: `Delete it: ip link del ${l.name} (its peer goes with it).`,
        fixable: true,
      });
      actions.push({ kind: 'delete-link', what: `deleted ${l.name}`, name: l.name });
    }
  }
  if (e.sandboxes !== null && e.sandboxes.prefix !== '') {
    const { prefix } = e.sandboxes;
    const known = new Set(e.sandboxes.known);
    for (const ns of s.namespaces) {
      if (!ns.startsWith(prefix) || known.has(ns)) continue;
      // berth records a sandbox's namespace before it makes it, and gives back what
      // a crash left at its next start: one no record names is not berth's to delete.
      findings.push({
        id: 'orphan-netns',
        subject: ns,
        severity: 'warning',
        summary: `Network namespace ${ns} carries ${e.manager}'s sandbox prefix "${prefix}" but no container record names it, so it is not ${e.manager}'s: someone made it by hand, or it outlived its records (a wiped data root).`,
        fix: `If nothing uses it (ip netns pids ${ns} prints nothing), delete it: ip netns del ${ns}. ${e.manager} leaves it alone, --fix included.`,
        fixable: false,
      });
    }
  }
  return { findings, actions };
}

/** Addresses held for sandboxes that are not running, and running sandboxes whose veth is gone. */
export function checkLeases(s: HostSnapshot, e: Expectations): CheckResult {
  if (e.leases === null) return NOTHING;
  const findings: Finding[] = [];
  for (const lease of e.leases) {
    if (!lease.running) {
      findings.push({
        id: 'stale-lease',
        subject: `${lease.network} ${lease.address}`,
        severity: 'warning',
        summary: `${lease.address} on ${lease.network} is still held for ${lease.container}, which is not running: no other sandbox can get it.`,
        fix: `Start the container again, or disconnect it (berth network disconnect -f ${lease.network} ${lease.container}), which releases the address.`,
        fixable: false,
      });
      continue;
    }
    const link = s.links.find((l) => l.name === lease.hostIf);
    if (link?.master === lease.bridge) continue;
    findings.push({
      id: 'lost-endpoint',
      subject: lease.hostIf,
      severity: 'error',
      summary: `${lease.container} has lost ${lease.network}: its host-side veth ${lease.hostIf} ${link === undefined ? 'is gone' : `is not plugged into ${lease.bridge}`}, so ${lease.address} is unreachable.`,
      fix: `Restart the container (berth restart ${lease.container}) to wire it again.`,
      fixable: false,
    });
  }
  return { findings, actions: [] };
}
