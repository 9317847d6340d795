// Hand-built snapshots and expectations for the doctor's checks: a host with
// docker0 and one user network (br-appnet) with a published port, whose kernel
// holds exactly the rules the renderer wants, FORWARD policy DROP.
import { applyDesiredToEmpty, FakeIptables } from '../../../src/backend/fake-iptables.js';
import { renderDockerLayout, type LayoutInput } from '../../../src/render/iptables/docker-layout.js';
import type { Ruleset } from '../../../src/render/ir.js';
import type { Expectations, HostSnapshot } from '../../../src/doctor/types.js';

export const LAYOUT: LayoutInput = {
  iptables: true,
  hairpin: false,
  networks: [
    { bridge: 'docker0', subnet: '172.17.0.0/16', icc: true, ipMasq: true, internal: false },
    { bridge: 'br-appnet', subnet: '172.18.0.0/16', icc: true, ipMasq: true, internal: false },
  ],
  ports: [{ bridge: 'br-appnet', proto: 'tcp', hostIp: '', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }],
};

export const DESIRED = renderDockerLayout(LAYOUT);

/** The kernel after the manager applied DESIRED (and set FORWARD's policy to DROP). */
export function healthyRules(): Ruleset {
  const fake = new FakeIptables(applyDesiredToEmpty(DESIRED));
  fake.restore('*filter\n:FORWARD DROP [0:0]\nCOMMIT\n', { noflush: true });
  return fake.save();
}

/** `healthyRules()` changed by an iptables-restore script (run with --noflush). */
export function damaged(script: string, base: Ruleset = healthyRules()): Ruleset {
  const fake = new FakeIptables(base);
  fake.restore(script, { noflush: true });
  return fake.save();
}

export function snapshot(over: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    ipForward: '1',
    bridgeNfCallIptables: '1',
    activeVariant: 'nft',
    rulesets: { nft: healthyRules(), legacy: { tables: [] } },
    links: [
      { name: 'docker0', kind: 'bridge', master: undefined },
      { name: 'br-appnet', kind: 'bridge', master: undefined },
      { name: 'veth1111111', kind: 'veth', master: 'br-appnet' },
    ],
    routes: [
      { dst: '10.200.0.0/24', dev: 'eth0' },
      { dst: '172.17.0.0/16', dev: 'docker0' },
      { dst: '172.18.0.0/16', dev: 'br-appnet' },
    ],
    namespaces: ['berth-web', 'other'],
    ...over,
  };
}

export function expectations(over: Partial<Expectations> = {}): Expectations {
  return {
    manager: 'berthd',
    iptables: true,
    desired: DESIRED,
    previous: null,
    bridges: [
      { network: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', icc: true },
      { network: 'appnet', bridge: 'br-appnet', subnet: '172.18.0.0/16', icc: true },
    ],
    veths: ['veth1111111'],
    sandboxes: { prefix: 'berth-', known: ['berth-web'] },
    leases: [{ network: 'appnet', bridge: 'br-appnet', container: 'web', address: '172.18.0.2', hostIf: 'veth1111111', running: true }],
    ...over,
  };
}
