// The engine's one port to the firewall, whatever programs it: the layout input
// (bridges, ports, modes) in; the kernel brought to it in one transaction.
// iptables: dockerd's exact layout through Firewall (firewall.ts); nftables: one
// table of berth's own (nft-firewall.ts).
import type { DesiredRules } from '../render/ir.js';
import { renderDockerLayout, type LayoutInput } from '../render/iptables/docker-layout.js';
import { printSave } from '../render/iptables/save-print.js';
import type { Firewall } from './firewall.js';
import { ownedRuleset } from './layout-input.js';

export interface RuleProgrammer {
  /** The iptables rules this backend wants in the kernel for `input` (none for a backend that writes none). */
  desired(input: LayoutInput): DesiredRules;
  /**
   * Brings the kernel to `input`; true when something had to change. `beforeChange`
   * runs once the change is known, before the kernel is touched (to write it ahead),
   * with the iptables rules being applied (what desired(input) gives).
   */
  apply(input: LayoutInput, beforeChange: (desired: DesiredRules) => void): Promise<boolean>;
  /** Whether an apply of `input` would change the kernel, e.g. because something removed berth's rules; reads only. */
  drifted(input: LayoutInput): Promise<boolean>;
  /** Drops forwarded traffic berth does not accept (as dockerd does when it turns ip_forward on). */
  setForwardPolicyDrop(): Promise<void>;
  /** Takes setForwardPolicyDrop back (a restore that set it failed): forwarded traffic is accepted by default again. */
  clearForwardPolicyDrop(): Promise<void>;
  /** What berth owns now, as the backend's own text, for `berth rules`. */
  ownedText(): string;
  /**
   * What ownedText() shows once `input` is applied, from `input` alone: nothing is
   * read or written. `forwardDrop` true renders the forward hook's policy as berth's
   * drop, undefined as this programmer keeps it now (only nftables' table shows it).
   */
  render(input: LayoutInput, forwardDrop?: boolean): string;
  /** Whether `text`, owned text of this backend, shows berth keeping forwarded traffic it does not accept dropped. */
  showsForwardDrop(text: string): boolean;
  /** The iptables rules berth last applied, to persist (null: none). */
  applied(): DesiredRules | null;
}

export function iptablesProgrammer(firewall: Firewall): RuleProgrammer {
  return {
    desired: renderDockerLayout,
    apply: (input, beforeChange) => {
      const desired = renderDockerLayout(input);
      return firewall.apply(desired, () => beforeChange(desired));
    },
    drifted: (input) => firewall.differs(renderDockerLayout(input)),
    setForwardPolicyDrop: () => firewall.setPolicy('filter', 'FORWARD', 'DROP'),
    clearForwardPolicyDrop: () => firewall.setPolicy('filter', 'FORWARD', 'ACCEPT'),
    ownedText: () => printSave(ownedRuleset(firewall.current)),
    // FORWARD's policy is the built-in chain's, never among the rules berth owns.
    render: (input) => printSave(ownedRuleset(renderDockerLayout(input))),
    showsForwardDrop: () => false,
    applied: () => firewall.current,
  };
}
