// Kernel switches container networking depends on: IPv4 forwarding, and bridged
// traffic passing iptables where a network turns inter-container traffic off.
import { NOTHING, type CheckResult, type Expectations, type HostSnapshot } from './types.js';

const IP_FORWARD = 'net.ipv4.ip_forward';
const BRIDGE_NF = 'net.bridge.bridge-nf-call-iptables';

export function checkIpForward(s: HostSnapshot): CheckResult {
  if (s.ipForward === null || s.ipForward === '1') return NOTHING;
  return {
    findings: [
      {
        id: 'ip-forward',
        subject: IP_FORWARD,
        severity: 'error',
        summary: `IPv4 forwarding is disabled (${IP_FORWARD} = ${s.ipForward}): containers cannot reach other hosts and published ports do not answer from outside ("WARNING: IPv4 forwarding is disabled. Networking will not work.").`,
        fix: `Turn it on: sysctl -w ${IP_FORWARD}=1. To keep it after a reboot or a network restart, also set ${IP_FORWARD} = 1 in a file under /etc/sysctl.d/.`,
        fixable: true,
      },
    ],
    actions: [{ kind: 'sysctl', what: `set ${IP_FORWARD} = 1`, name: IP_FORWARD, value: '1' }],
  };
}

/** icc=false is a DROP in FORWARD; traffic between two ports of one bridge only meets it through br_netfilter. */
export function checkBridgeNetfilter(s: HostSnapshot, e: Expectations): CheckResult {
  const closed = e.iptables ? e.bridges.filter((b) => !b.icc) : [];
  if (closed.length === 0 || s.bridgeNfCallIptables === '1') return NOTHING;
  const names = closed.map((b) => `${b.network} (${b.bridge})`).join(', ');
  const consequence = `containers on ${names}, where inter-container communication is off (icc=false), can still talk to each other: traffic between two ports of one bridge never reaches iptables.`;
  if (s.bridgeNfCallIptables === null) {
    return {
      findings: [
        {
          id: 'bridge-nf-call-iptables',
          subject: BRIDGE_NF,
          severity: 'error',
          summary: `The br_netfilter module is not loaded, so ${consequence}`,
          fix: `Load it and turn the switch on: modprobe br_netfilter; sysctl -w ${BRIDGE_NF}=1. List br_netfilter in /etc/modules-load.d/ to keep it after a reboot.`,
          fixable: false,
        },
      ],
      actions: [],
    };
  }
  return {
    findings: [
      {
        id: 'bridge-nf-call-iptables',
        subject: BRIDGE_NF,
        severity: 'error',
        summary: `${BRIDGE_NF} = ${s.bridgeNfCallIptables}, so ${consequence}`,
        fix: `Turn it on: sysctl -w ${BRIDGE_NF}=1 (and set it in /etc/sysctl.d/ to keep it).`,
        fixable: true,
      },
    ],
    actions: [{ kind: 'sysctl', what: `set ${BRIDGE_NF} = 1`, name: BRIDGE_NF, value: '1' }],
  };
}
