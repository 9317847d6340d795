// The FORWARD chain's policy. dockerd sets it to DROP when it turns forwarding on,
// so that the host routes container traffic (which its rules accept) and nothing
// else; ACCEPT makes the host an open router for every interface it has.
import { activeRuleset, NOTHING, variantName, type CheckResult, type Expectations, type HostSnapshot } from './types.js';

export function checkForwardPolicy(s: HostSnapshot, e: Expectations): CheckResult {
  const rules = activeRuleset(s);
  if (!e.iptables || rules === null || s.activeVariant === null) return NOTHING;
  const forward = rules.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'FORWARD');
  const policy = forward?.policy ?? 'ACCEPT';
  if (policy !== 'ACCEPT') return NOTHING;
  return {
    findings: [
      {
        id: 'forward-policy',
        subject: 'filter FORWARD',
        severity: 'warning',
        summary: `The FORWARD policy is ACCEPT: with forwarding on, this host routes any traffic between its interfaces, not only its containers' (dockerd sets DROP when it turns forwarding on).`,
        fix: `Set it to DROP: iptables -P FORWARD DROP. ${e.manager}'s FORWARD rules still let container traffic through; add ACCEPT rules (in DOCKER-USER, or FORWARD) for any other traffic this host must route.`,
        fixable: true,
      },
    ],
    actions: [
      {
        kind: 'iptables-restore',
        what: `set the FORWARD policy to DROP (${variantName(s.activeVariant)})`,
        variant: s.activeVariant,
        noflush: true,
        input: '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n',
      },
    ],
  };
}
