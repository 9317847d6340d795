// The CNI reference plugins 1.1.1 chained as a runtime chains them: `bridge`
// (with host-local IPAM and ipMasq) then `portmap`, each an executable reading
// its config on stdin with CNI_* variables saying what to do to which namespace.
// ADD runs bridge then portmap (fed bridge's result); DEL runs them in reverse.
// portmap has no notion of a range: a range is handed over as its single ports.
// host-local's lease files go to a temp dir, not /var/lib/cni.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsSet, mustRun, uniquePrefix } from '../../test/helpers/netns.js';
import { iptablesSave } from '../../test/differential/dockerd.js';
import { portList, type PortSet } from '../ports.js';
import { OP_TIMEOUT_MS, type System } from './system.js';

export const CNI_DIR = '/usr/lib/cni';
const CNI_VERSION = '1.0.0';
const NETWORK = 'bench';

interface Sandbox {
  readonly ns: string;
  readonly portmap: string; // portmap's config, prevResult included: DEL needs it too
}

export class CniSystem implements System {
  readonly name = 'cni';
  readonly networks = null;
  private readonly nets = new NetnsSet(uniquePrefix('bc'));
  private readonly sandboxes = new Map<string, Sandbox>();
  private dataDir = '';
  hostNs = '';

  async start(): Promise<void> {
    this.hostNs = await this.nets.add('host');
    this.dataDir = await mkdtemp(join(tmpdir(), `${this.nets.prefix}-cni-`));
  }

  private bridgeConfig(): string {
    return JSON.stringify({
      cniVersion: CNI_VERSION,
      name: NETWORK,
      type: 'bridge',
      bridge: 'cni0',
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.89.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: this.dataDir },
    });
  }

  /** Runs one plugin in the host namespace; resolves with its stdout (the result of an ADD). */
  private async plugin(type: 'bridge' | 'portmap', command: 'ADD' | 'DEL', name: string, ns: string, config: string): Promise<string> {
    const env = { ...process.env, CNI_COMMAND: command, CNI_CONTAINERID: name, CNI_NETNS: NetnsSet.path(ns), CNI_IFNAME: 'eth0', CNI_PATH: CNI_DIR };
    const r = await mustRun(['nsenter', `--net=${NetnsSet.path(this.hostNs)}`, join(CNI_DIR, type)], { input: config, env, timeoutMs: OP_TIMEOUT_MS });
    return r.stdout;
  }

  async addSandbox(name: string, ports: PortSet): Promise<void> {
    const ns = await this.nets.add(`s-${name}`);
    const result = JSON.parse(await this.plugin('bridge', 'ADD', name, ns, this.bridgeConfig())) as unknown;
    const portmap = JSON.stringify({
      cniVersion: CNI_VERSION,
      name: NETWORK,
      type: 'portmap',
      capabilities: { portMappings: true },
      snat: true,
      runtimeConfig: { portMappings: portList(ports).map((p) => ({ hostPort: p, containerPort: p, protocol: 'tcp' })) },
      prevResult: result,
    });
    this.sandboxes.set(name, { ns, portmap });
    await this.plugin('portmap', 'ADD', name, ns, portmap);
  }

  async removeSandbox(name: string): Promise<void> {
    const s = this.sandboxes.get(name);
    if (!s) throw new Error(`cni: no sandbox ${name}`);
    await this.plugin('portmap', 'DEL', name, s.ns, s.portmap);
    await this.plugin('bridge', 'DEL', name, s.ns, this.bridgeConfig());
    await this.nets.remove(s.ns);
    this.sandboxes.delete(name);
  }

  iptablesSave(): Promise<string> {
    return iptablesSave(this.hostNs);
  }

  async stop(): Promise<void> {
    await this.nets.cleanup();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}
