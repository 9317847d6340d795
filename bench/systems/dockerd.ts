// dockerd 20.10 in a namespace of its own (test/differential/dockerd.ts), driven
// through /usr/bin/docker; sandboxes are busybox containers running sleep.
import { NetnsSet, uniquePrefix } from '../../test/helpers/netns.js';
import { IMAGE, startDockerd, type Dockerd } from '../../test/differential/dockerd.js';
import { publishFlags, type PortSet } from '../ports.js';
import { OP_TIMEOUT_MS, SANDBOX_COMMAND, type NetworkOps, type System } from './system.js';

export class DockerdSystem implements System {
  readonly name = 'dockerd';
  private readonly nets = new NetnsSet(uniquePrefix('bd'));
  private daemon: Dockerd | null = null;
  hostNs = '';

  async start(): Promise<void> {
    this.hostNs = await this.nets.add('host');
    this.daemon = await startDockerd(this.hostNs, { readyTimeoutMs: 60_000 });
  }

  private async docker(args: readonly string[]): Promise<void> {
    if (!this.daemon) throw new Error('dockerd is not started');
    await this.daemon.mustDocker(args, { timeoutMs: OP_TIMEOUT_MS });
  }

  addSandbox(name: string, ports: PortSet): Promise<void> {
    return this.docker(['run', '-d', '--name', name, ...publishFlags(ports), IMAGE, ...SANDBOX_COMMAND]);
  }

  removeSandbox(name: string): Promise<void> {
    return this.docker(['rm', '-f', name]);
  }

  readonly networks: NetworkOps = {
    create: (name) => this.docker(['network', 'create', name]),
    remove: (name) => this.docker(['network', 'rm', name]),
  };

  iptablesSave(): Promise<string> {
    if (!this.daemon) throw new Error('dockerd is not started');
    return this.daemon.iptablesSave();
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    await this.nets.cleanup();
  }
}
