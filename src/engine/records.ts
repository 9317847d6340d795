// The built-in network records (bridge, host, none), as dockerd has them.
import type { DaemonConfig } from '../model/daemon-config.js';
import { newId } from './allocation.js';
import type { IpamConfig, NetworkRecord } from './types.js';

export function builtinNetworks(config: DaemonConfig, ipam: IpamConfig, created: string, nextSeq: () => number): NetworkRecord[] {
  const base = { created, internal: false, attachable: false, labels: {}, ipamUserSpecified: false };
  return [
    {
      ...base,
      id: newId(),
      name: 'bridge',
      driver: 'bridge',
      seq: nextSeq(),
      options: {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': String(config.icc),
        'com.docker.network.bridge.enable_ip_masquerade': String(config.ipMasq),
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': 'docker0',
        'com.docker.network.driver.mtu': String(config.mtu),
      },
      // dockerd shows docker0's gateway in IPAM.Config only when --bip set it.
      ipam: [{ ...ipam, gatewayConfigured: config.bip !== '' }],
      bridge: { name: 'docker0', mtu: config.mtu, icc: config.icc, ipMasquerade: config.ipMasq, hostBindingIpv4: '', isDefault: true },
    },
    { ...base, id: newId(), name: 'host', driver: 'host', seq: nextSeq(), options: {}, ipam: [], bridge: null },
    { ...base, id: newId(), name: 'none', driver: 'null', seq: nextSeq(), options: {}, ipam: [], bridge: null },
  ];
}
