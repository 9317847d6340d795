// berth: berthd in its host namespace (test/helpers' BerthHost, with the ext
// neighbour the datapath benchmark connects from), driven through the `berth` CLI
// as a user would drive it.
import { BerthHost } from '../../test/helpers/berthd.js';
import { publishFlags, type PortSet } from '../ports.js';
import type { NetworkOps, System } from './system.js';

export class BerthSystem implements System {
  readonly name = 'berth';
  readonly host = new BerthHost();

  get hostNs(): string {
    return this.host.host;
  }

  async start(): Promise<void> {
    await this.host.start({ neighbour: true });
  }

  async addSandbox(name: string, ports: PortSet): Promise<void> {
    await this.host.ok(['run', '-d', '--name', name, ...publishFlags(ports), '--', 'sleep', '3600']);
  }

  async removeSandbox(name: string): Promise<void> {
    await this.host.ok(['rm', '-f', name]);
  }

  readonly networks: NetworkOps = {
    create: async (name) => void (await this.host.ok(['network', 'create', name])),
    remove: async (name) => void (await this.host.ok(['network', 'rm', name])),
  };

  iptablesSave(): Promise<string> {
    return this.host.iptablesSave();
  }

  stop(): Promise<void> {
    return this.host.stop();
  }
}
