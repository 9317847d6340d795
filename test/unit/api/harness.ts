// Starts the API over a real unix socket in a temp dir, against the fake engine.
import { after, before, beforeEach } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer, type ApiServer } from '../../../src/api/server.js';
import { FakeEngine } from '../../helpers/fake-engine.js';

export interface Harness {
  readonly engine: FakeEngine;
  readonly server: ApiServer;
  readonly socketPath: string;
  readonly dir: string;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-api-'));
  const engine = new FakeEngine({ logDir: dir });
  const socketPath = join(dir, 'berth.sock');
  const logs: string[] = [];
  const server = createApiServer(engine, { socketPath, log: (level, msg) => logs.push(`${level} ${msg}`) });
  await server.listen();
  return {
    engine,
    server,
    socketPath,
    dir,
    logs,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json(): unknown;
}

/** One HTTP request over the socket; `body` is sent as-is if a string, else as JSON. */
export function call(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: {
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as unknown,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface OpenStream {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the server ends the response; with the full text. */
  readonly ended: Promise<string>;
  /** Resolves once the received text satisfies `pred` (rejects after `ms`). */
  waitFor(pred: (text: string) => boolean, ms?: number): Promise<string>;
  close(): void;
}

/** Opens a streaming request and resolves once the response headers have arrived. */
export function openStream(socketPath: string, method: string, path: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let buf = '';
      const waiters: (() => void)[] = [];
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        for (const w of [...waiters]) w();
      });
      const ended = new Promise<string>((r) => {
        res.on('end', () => r(buf));
        res.on('close', () => r(buf));
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => buf,
        ended,
        waitFor(pred, ms = 2000) {
          return new Promise((ok, fail) => {
            const check = () => {
              if (pred(buf)) {
                clearTimeout(t);
                waiters.splice(waiters.indexOf(check), 1);
                ok(buf);
              }
            };
            const t = setTimeout(() => {
              waiters.splice(waiters.indexOf(check), 1);
              fail(new Error(`timed out waiting; received so far: ${JSON.stringify(buf)}`));
            }, ms);
            waiters.push(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET') reject(e);
    });
    req.end();
  });
}

/** Polls until `pred` holds (bounded), for state changed by timers in the fake. */
export async function until(pred: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * One server for a describe block and a clean engine before each of its tests:
 * registers the hooks and returns the live harness.
 */
export function useHarness(): Harness {
  let live: Harness | undefined;
  before(async () => {
    live = await startHarness();
  });
  after(async () => {
    await live?.close();
  });
  beforeEach(async () => {
    const engine = (live as Harness).engine;
    for (const c of engine.listContainers(true)) await engine.removeContainer(c.id, true);
    for (const n of engine.listNetworks()) {
      if (!['bridge', 'host', 'none'].includes(n.name)) await engine.removeNetwork(n.id).catch(() => undefined);
    }
  });
  return new Proxy({} as Harness, { get: (_target, key) => Reflect.get(live as Harness, key) });
}
