// The userland proxies of every sandbox, by owner (the sandbox's id): the port
// the engine starts and stops a sandbox's proxies through. ProxyGroups runs them
// on the calling thread; berthd runs them on a thread of their own
// (./proxy-thread.ts), with a ProxyGroups inside.
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { startProxy, type Proxy, type ProxySpec } from './proxy.js';

export interface ProxyPort {
  /** Starts `specs` for `owner`; the first port that cannot be bound fails it, and what started stays until `stop`. */
  start(owner: string, specs: readonly ProxySpec[]): Promise<void>;
  /** Stops every proxy of `owner`. */
  stop(owner: string): Promise<void>;
  /** Stops every proxy. */
  stopAll(): Promise<void>;
}

/** Proxies started together between two turns of the event loop (a thousand take a thread 10-20 ms): the I/O waiting is served between. */
const BATCH = 100;

export class ProxyGroups implements ProxyPort {
  private readonly groups = new Map<string, Proxy[]>();

  async start(owner: string, specs: readonly ProxySpec[]): Promise<void> {
    const proxies = this.groups.get(owner) ?? [];
    this.groups.set(owner, proxies);
    for (let i = 0; i < specs.length; i += BATCH) {
      if (i > 0) await yieldToIo();
      const started = await Promise.allSettled(specs.slice(i, i + BATCH).map(startProxy));
      for (const r of started) if (r.status === 'fulfilled' && r.value) proxies.push(r.value);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  async stop(owner: string): Promise<void> {
    const proxies = this.groups.get(owner) ?? [];
    this.groups.delete(owner);
    await Promise.all(proxies.map((p) => p.close()));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.groups.keys()].map((owner) => this.stop(owner)));
  }
}
