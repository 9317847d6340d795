// A berthd over fakes (the engine harness) with something to save: a user network,
// a published sandbox and a second one on it, a sandbox on the default bridge with
// an ephemeral port, a stopped one, and an access rule; and a fresh one to restore to.
import { BerthEngine } from '../../../src/engine/engine.js';
import { AccessFirewall } from '../../../src/firewall/service.js';
import { memoryAccessStore, type AccessStore } from '../../../src/firewall/store.js';
import { fakeFirewallBackend } from '../../../src/backend/fake-iptables.js';
import { SaveRestore } from '../../../src/save/service.js';
import { parseSource } from '../../../src/firewall/model.js';
import { makeHarness, type Harness, type HarnessOptions } from '../engine/harness.js';
import { parsePortSpecs, parsePublishOptions } from '../../../src/model/port-binding.js';

export const BERTH = '0.1.0';
export const CREATED = new Date('2024-05-06T07:08:09.000Z');

export interface Host {
  readonly h: Harness;
  readonly engine: BerthEngine;
  readonly access: AccessFirewall;
  /** Where the access rules are stored (tests may break it). */
  readonly accessStore: AccessStore;
  readonly service: SaveRestore;
  readonly logs: string[];
}

/** A berthd over fakes, with its access rules' service and save/restore. */
export function host(options: HarnessOptions = {}, engine?: BerthEngine, h: Harness = makeHarness(withBackend(options))): Host {
  const e = engine ?? h.engine;
  const logs: string[] = [];
  const accessStore = memoryAccessStore();
  const access = new AccessFirewall({ engine: e, backend: fakeFirewallBackend(h.iptables), store: accessStore, log: (_l, m) => logs.push(m), now: () => CREATED });
  return { h, engine: e, access, accessStore, logs, service: new SaveRestore({ engine: e, access, berth: BERTH, now: () => CREATED }) };
}

/** The configuration names the backend the harness programs. */
function withBackend(options: HarnessOptions): HarnessOptions {
  return options.nft ? { ...options, config: { firewallBackend: 'nftables', ...options.config } } : options;
}

/** The host to save: started, with networks, sandboxes and (iptables) an access rule. */
export async function populated(options: HarnessOptions = {}): Promise<Host> {
  // No userland proxy: it would bind real ports in the test process.
  const x = host({ ...options, config: { userlandProxy: false, ...options.config } });
  const { engine } = x;
  await engine.start();
  await engine.createNetwork({ name: 'appnet' });
  await engine.createContainer({ name: 'web', cmd: ['httpd', '-f', '-p', '80'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  await engine.startContainer('web');
  await engine.createContainer({ name: 'db', cmd: ['sleep', '600'], networkMode: 'appnet' });
  await engine.startContainer('db');
  await engine.createContainer({ name: 'eph', cmd: ['sleep', '600'], publishAll: true, ports: parsePublishOptions({ publish: [], expose: ['5000'] }) });
  await engine.startContainer('eph');
  await engine.createContainer({ name: 'side', cmd: ['sleep', '600'], networkMode: 'container:db' });
  await engine.startContainer('side');
  await engine.createContainer({ name: 'idle', cmd: ['sleep', '600'], networkMode: 'appnet' });
  if (!options.nft) await x.access.add({ action: 'allow', source: parseSource('10.200.0.2'), port: { port: 8080, proto: 'tcp' }, inInterface: null });
  return x;
}
