// berthd's userland proxies on a thread of their own (./proxy-worker.ts): binding
// and listening on a thousand ports takes a thread 10-20 ms, mostly in the
// kernel, and closing them half that again. On their own thread they run beside
// the rest of a sandbox's start (its rules, its links, its process) instead of
// after it, and the proxies' traffic never waits for berthd's API or the other
// way round. Still one process: a thread, not a process per port.
import { Worker } from 'node:worker_threads';
import { BerthError, systemError, type ErrorKind } from '../model/errors.js';
import type { ProxyPort } from './proxy-groups.js';
import type { ProxySpec } from './proxy.js';

export type ProxyRequest =
  | { readonly id: number; readonly op: 'start'; readonly owner: string; readonly specs: readonly ProxySpec[] }
  | { readonly id: number; readonly op: 'stop'; readonly owner: string }
  | { readonly id: number; readonly op: 'stopAll' };

export interface ProxyAnswer {
  readonly id: number;
  readonly error?: { readonly kind: ErrorKind; readonly message: string };
}

type Pending = { resolve(): void; reject(e: Error): void };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class ProxyThread implements ProxyPort {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private ids = 0;

  /** `onLost` is told when the thread ended by itself (its proxies are gone; the next request starts a new one). */
  constructor(private readonly onLost: (why: string) => void = () => undefined) {
    this.thread();
  }

  start(owner: string, specs: readonly ProxySpec[]): Promise<void> {
    return this.call({ op: 'start', owner, specs });
  }

  stop(owner: string): Promise<void> {
    return this.call({ op: 'stop', owner });
  }

  stopAll(): Promise<void> {
    return this.call({ op: 'stopAll' });
  }

  /** Stops every proxy and ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return;
    await this.stopAll();
    this.worker = null;
    await worker.terminate();
  }

  private call(request: WithoutId<ProxyRequest>): Promise<void> {
    const id = ++this.ids;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread().postMessage({ ...request, id });
    });
  }

  private thread(): Worker {
    if (this.worker !== null) return this.worker;
    // Node's options of the process are not the thread's (V8's are shared anyway).
    const worker = new Worker(new URL('./proxy-worker.js', import.meta.url), { execArgv: [] });
    worker.on('message', (a: ProxyAnswer) => {
      const p = this.pending.get(a.id);
      this.pending.delete(a.id);
      if (a.error) p?.reject(new BerthError(a.error.kind, a.error.message));
      else p?.resolve();
    });
    const lost = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(systemError(`userland proxy thread ${why}`));
      this.pending.clear();
      this.onLost(why);
    };
    worker.on('error', (e) => lost(`failed: ${e.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    this.worker = worker;
    return worker;
  }
}
