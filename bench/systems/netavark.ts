// netavark 1.4 as Podman drives it: the runtime creates the sandbox's namespace,
// picks its address (netavark does no IPAM of its own) and runs
// `netavark --config DIR setup NETNS_PATH` from the host namespace with the
// network options as JSON on stdin; `teardown` takes the same JSON.
//
// Everything points into this run: the host namespace via nsenter, --config at a
// temp dir (aardvark's state; DNS stays off), and the firewall driver forced to
// iptables with no D-Bus, so firewalld on the machine, if any, plays no part.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsSet, mustRun, uniquePrefix } from '../../test/helpers/netns.js';
import { iptablesSave } from '../../test/differential/dockerd.js';
import { portList, type PortSet } from '../ports.js';
import { OP_TIMEOUT_MS, type System } from './system.js';

export const NETAVARK = '/usr/lib/podman/netavark';

const NETWORK = {
  name: 'bench',
  id: 'b'.repeat(64),
  driver: 'bridge',
  network_interface: 'podman0',
  subnets: [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }],
  ipv6_enabled: false,
  internal: false,
  dns_enabled: false,
  ipam_options: { driver: 'host-local' },
};

/** The n-th sandbox address in 10.88.0.0/16, from 10.88.0.2 on. */
function sandboxIp(n: number): string {
  const host = n + 2;
  return `10.88.${host >> 8}.${host & 255}`;
}

/** The network options netavark reads for one sandbox. */
export function netavarkOptions(name: string, ip: string, ports: PortSet): string {
  const mapping = (port: number, range: number) => ({ host_ip: '', container_port: port, host_port: port, range, protocol: 'tcp' });
  return JSON.stringify({
    container_id: createHash('sha256').update(name).digest('hex'),
    container_name: name,
    port_mappings: ports.form === 'range' ? [mapping(ports.first, ports.count)] : portList(ports).map((p) => mapping(p, 1)),
    networks: { [NETWORK.name]: { static_ips: [ip], interface_name: 'eth0' } },
    network_info: { [NETWORK.name]: NETWORK },
  });
}

export class NetavarkSystem implements System {
  readonly name = 'netavark';
  readonly networks = null;
  private readonly nets = new NetnsSet(uniquePrefix('bv'));
  private readonly sandboxes = new Map<string, { ns: string; options: string }>();
  private configDir = '';
  private count = 0;
  hostNs = '';

  async start(): Promise<void> {
    this.hostNs = await this.nets.add('host');
    this.configDir = await mkdtemp(join(tmpdir(), `${this.nets.prefix}-netavark-`));
  }

  private async netavark(command: 'setup' | 'teardown', ns: string, options: string): Promise<void> {
    await mustRun(['nsenter', `--net=${NetnsSet.path(this.hostNs)}`, NETAVARK, '--config', this.configDir, command, NetnsSet.path(ns)], {
      input: options,
      timeoutMs: OP_TIMEOUT_MS,
      env: { ...process.env, NETAVARK_FW: 'iptables', DBUS_SYSTEM_BUS_ADDRESS: '' },
    });
  }

  async addSandbox(name: string, ports: PortSet): Promise<void> {
    const ns = await this.nets.add(`s-${name}`);
    const options = netavarkOptions(name, sandboxIp(this.count++), ports);
    this.sandboxes.set(name, { ns, options });
    await this.netavark('setup', ns, options);
  }

  async removeSandbox(name: string): Promise<void> {
    const s = this.sandboxes.get(name);
    if (!s) throw new Error(`netavark: no sandbox ${name}`);
    await this.netavark('teardown', s.ns, s.options);
    await this.nets.remove(s.ns);
    this.sandboxes.delete(name);
  }

  iptablesSave(): Promise<string> {
    return iptablesSave(this.hostNs);
  }

  async stop(): Promise<void> {
    await this.nets.cleanup();
    if (this.configDir) await rm(this.configDir, { recursive: true, force: true });
  }
}
