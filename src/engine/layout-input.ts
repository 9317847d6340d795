// From berth's stored state to the renderer's input: which bridges exist, in
// creation order, and which ports are published, in the order they were programmed.
import type { DaemonConfig } from '../model/daemon-config.js';
import type { LayoutInput } from '../render/iptables/docker-layout.js';
import type { DesiredRules, Ruleset, TableState } from '../render/ir.js';
import type { State } from './store.js';
import { gatewayEndpoint } from './gateway.js';

export function layoutInput(state: State, config: DaemonConfig): LayoutInput {
  const networks = state.networks
    .filter((n) => n.bridge !== null)
    .sort((a, b) => a.seq - b.seq)
    .map((n) => ({
      bridge: n.bridge!.name,
      subnet: n.ipam[0]!.subnet,
      icc: n.bridge!.icc,
      ipMasq: n.bridge!.ipMasquerade,
      internal: n.internal,
    }));
  // A container holds ports from the moment its start allocates them until its teardown.
  const running = state.containers.filter((c) => c.ports.length > 0).sort((a, b) => a.startSeq - b.startSeq);
  const ports = running.flatMap((c) => {
    const gw = gatewayEndpoint(state.endpoints.filter((e) => e.containerId === c.id), state.networks);
    const network = gw && state.networks.find((n) => n.id === gw.networkId);
    if (!gw || !network?.bridge) return [];
    const bridge = network.bridge.name;
    const containerIp = gw.ipv4;
    // Written out rather than spread: this runs for every published port.
    return c.ports.map((p) => ({ bridge, proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort }));
  });
  return { iptables: config.iptables, hairpin: !config.userlandProxy, networks, ports };
}

/** The rules berth owns as a ruleset (shared chains hold only berth's rules), for display. */
export function ownedRuleset(desired: DesiredRules | null): Ruleset {
  const tables: TableState[] = (desired?.tables ?? []).map((t) => ({
    name: t.name,
    chains: [
      ...t.builtinRules.map((b) => ({ name: b.chain, policy: null, rules: b.rules })),
      ...t.chains.map((c) => ({ name: c.name, policy: null, rules: c.rules })),
      ...t.seedChains.map((c) => ({ name: c.name, policy: null, rules: [] })),
    ],
  }));
  return { tables };
}
