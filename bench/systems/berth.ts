// berth: berthd in its host namespace (test/helpers' BerthHost, with the ext
// neighbour the datapath benchmark connects from), with the firewall backend of
// its variant, driven either through the `berth` CLI as a user would (one node
// process per command, like one docker process per command for dockerd), or
// through berthd's API socket from this process, which shows what berthd itself
// takes.
import { BerthHost, type FirewallBackendName } from '../../test/helpers/berthd.js';
import { BerthClient } from '../../src/cli/client.js';
import { portList, publishFlags, type PortSet } from '../ports.js';
import { BERTH_VARIANTS, SANDBOX_COMMAND, type BerthName, type NetworkOps, type System } from './system.js';

/** The Engine API create body for a sandbox publishing `ports` (the docker CLI too sends ranges as single ports). */
function createBody(ports: PortSet): Record<string, unknown> {
  const keys = portList(ports).map((p) => [`${p}/tcp`, p] as const);
  return {
    Cmd: SANDBOX_COMMAND,
    ExposedPorts: Object.fromEntries(keys.map(([k]) => [k, {}])),
    HostConfig: { PortBindings: Object.fromEntries(keys.map(([k, p]) => [k, [{ HostIp: '', HostPort: String(p) }]])) },
  };
}

export class BerthSystem implements System {
  readonly host: BerthHost;
  private readonly via: 'cli' | 'api';

  constructor(readonly name: BerthName) {
    this.via = BERTH_VARIANTS[name].via;
    this.host = new BerthHost(BERTH_VARIANTS[name].backend);
  }

  get backend(): FirewallBackendName {
    return this.host.backend;
  }

  get hostNs(): string {
    return this.host.host;
  }

  private get client(): BerthClient {
    return new BerthClient(`unix://${this.host.socket}`);
  }

  async start(): Promise<void> {
    await this.host.start({ neighbour: true });
  }

  async addSandbox(name: string, ports: PortSet): Promise<void> {
    if (this.via === 'cli') {
      await this.host.ok(['run', '-d', '--name', name, ...publishFlags(ports), '--', ...SANDBOX_COMMAND]);
      return;
    }
    const { Id } = await this.client.containerCreate(name, createBody(ports));
    await this.client.containerStart(Id);
  }

  async removeSandbox(name: string): Promise<void> {
    if (this.via === 'cli') await this.host.ok(['rm', '-f', name]);
    else await this.client.containerRemove(name, true);
  }

  readonly networks: NetworkOps = {
    create: async (name) => {
      if (this.via === 'cli') await this.host.ok(['network', 'create', name]);
      else await this.client.networkCreate({ Name: name, Driver: 'bridge' });
    },
    remove: async (name) => {
      if (this.via === 'cli') await this.host.ok(['network', 'rm', name]);
      else await this.client.networkRemove(name);
    },
  };

  iptablesSave(): Promise<string> {
    return this.host.iptablesSave();
  }

  stop(): Promise<void> {
    return this.host.stop();
  }
}
