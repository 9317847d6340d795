// Layout inputs shared by the renderer's golden tests and the kernel tests that
// load the renderings: builders for networks and ports, a typical host, and the
// objects of a table as nft lists it.
import type { LayoutInput, LayoutNetwork, LayoutPort } from '../../src/render/iptables/docker-layout.js';

export const docker0: LayoutNetwork = { bridge: 'docker0', subnet: '172.17.0.0/16', icc: true, ipMasq: true, internal: false };

export const net = (name: string, subnet: string, extra: Partial<LayoutNetwork> = {}): LayoutNetwork => ({
  bridge: `br-${name}`,
  subnet,
  icc: true,
  ipMasq: true,
  internal: false,
  ...extra,
});

export const port = (bridge: string, containerIp: string, hostPort: number, containerPort: number, extra: Partial<LayoutPort> = {}): LayoutPort => ({
  bridge,
  proto: 'tcp',
  hostIp: '',
  hostPort,
  containerIp,
  containerPort,
  ...extra,
});

/** docker0, a user network, an internal one, one with icc off and one without masquerade; ports of each kind. */
export const TYPICAL: LayoutInput = {
  iptables: true,
  hairpin: false,
  networks: [
    docker0,
    net('app', '172.18.0.0/16'),
    net('sealed', '172.19.0.0/16', { internal: true }),
    net('quiet', '172.20.0.0/16', { icc: false }),
    net('plain', '172.21.0.0/16', { ipMasq: false }),
  ],
  ports: [
    port('docker0', '172.17.0.2', 8080, 80),
    port('br-app', '172.18.0.2', 5353, 53, { proto: 'udp' }),
    port('br-app', '172.18.0.3', 8443, 443, { hostIp: '10.0.0.1' }),
    port('br-plain', '172.21.0.2', 2905, 2905, { proto: 'sctp' }),
  ],
};

/** A table's objects, in any order: nft lists chains in the order they were created, which changes may not follow. */
export const tableObjects = (table: string | null): string[] =>
  (table ?? '').replace(/^table ip berth \{\n/, '').replace(/\}\n$/, '').split('\n\n').map((b) => b.trimEnd()).sort();
