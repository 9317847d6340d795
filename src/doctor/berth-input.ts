// berthd's expectations, from what the engine tells the surfaces.
import type { DaemonConfig } from '../model/daemon-config.js';
import type { DesiredRules } from '../render/ir.js';
import type { ContainerRecord, EndpointRecord, NetworkRecord } from '../engine/types.js';
import type { Expectations } from './types.js';

export interface BerthState {
  readonly config: DaemonConfig;
  readonly networks: readonly NetworkRecord[];
  readonly endpoints: readonly EndpointRecord[];
  readonly containers: readonly ContainerRecord[];
  readonly desired: DesiredRules;
}

export function berthExpectations(s: BerthState): Expectations {
  const bridged = s.networks.flatMap((n) => (n.bridge && n.ipam[0] ? [{ n, bridge: n.bridge.name, subnet: n.ipam[0].subnet }] : []));
  const prefix = s.config.netnsPrefix;
  return {
    manager: 'berthd',
    iptables: s.config.iptables,
    desired: s.desired,
    previous: null,
    bridges: bridged.map(({ n, bridge, subnet }) => ({ network: n.name, bridge, subnet, icc: n.bridge?.icc ?? true })),
    veths: s.endpoints.map((e) => e.hostIfName),
    // A sandbox's namespace is named after its container, before the record says so.
    sandboxes: prefix === '' ? null : { prefix, known: s.containers.flatMap((c) => [`${prefix}${c.name}`, ...(c.netns ? [c.netns] : [])]) },
    leases: s.endpoints.flatMap((e) => {
      const net = bridged.find((b) => b.n.id === e.networkId);
      const c = s.containers.find((x) => x.id === e.containerId);
      if (!net) return [];
      return [
        {
          network: net.n.name,
          bridge: net.bridge,
          container: c?.name ?? e.containerId.slice(0, 12),
          address: e.ipv4,
          hostIf: e.hostIfName,
          running: c?.state.status === 'running',
        },
      ];
    }),
  };
}
