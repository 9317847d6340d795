// /_ping, /version, /info and the /events stream.
import { cpus, hostname, machine, release, totalmem } from 'node:os';
import type { EngineEvent } from '../../engine/types.js';
import { invalid } from '../../model/errors.js';
import { parseFilters, type Filters } from '../filters.js';
import { json, type Route } from '../http.js';
import { eventMessage } from '../shapes.js';
import { API_VERSION, BERTH_VERSION, goArch, MIN_API_VERSION } from '../version.js';

export function versionBody(): Record<string, unknown> {
  const details = {
    ApiVersion: API_VERSION,
    Arch: goArch(),
    BuildTime: '',
    Experimental: 'false',
    GitCommit: '',
    GoVersion: process.version,
    KernelVersion: release(),
    MinAPIVersion: MIN_API_VERSION,
    Os: 'linux',
  };
  return {
    Platform: { Name: 'berth' },
    Components: [{ Name: 'Engine', Version: BERTH_VERSION, Details: details }],
    Version: BERTH_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: process.version,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    BuildTime: '',
  };
}

const EVENT_FILTERS = ['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume'];

/** Docker's events filter: every given key must match (type, event, container, network...). */
export function eventMatches(f: Filters, e: EngineEvent): boolean {
  if (!f.exactMatch('type', e.type)) return false;
  if (!f.exactMatch('event', e.action)) return false;
  if (!f.exactMatch('scope', 'local')) return false;
  for (const key of ['container', 'network'] as const) {
    if (!f.has(key)) continue;
    if (e.type !== key) return false;
    if (!f.fuzzyMatch(key, e.id) && !f.fuzzyMatch(key, e.attributes['name'] ?? '')) return false;
  }
  if (f.has('daemon') && e.type !== 'daemon') return false;
  for (const k of ['image', 'plugin', 'volume', 'node', 'service', 'secret', 'config']) if (f.has(k)) return false;
  if (!f.matchKVList('label', e.attributes)) return false;
  return true;
}

function parseUnixTime(v: string | null, key: string): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw invalid(`invalid value for ${key}: ${JSON.stringify(v)}: expected a unix timestamp`);
  return Number.parseFloat(v) * 1000;
}

export const systemRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/_ping',
    handler: async ({ req }) => ({
      status: 200,
      text: req.method === 'HEAD' ? '' : 'OK',
      contentType: 'text/plain; charset=utf-8',
      headers: { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' },
    }),
  },
  { method: 'GET', path: '/version', handler: async () => json(200, versionBody()) },
  {
    method: 'GET',
    path: '/info',
    handler: async ({ engine }) => {
      const containers = engine.listContainers(true);
      const running = containers.filter((c) => c.state.status === 'running').length;
      const base: Record<string, unknown> = {
        ID: '',
        Containers: containers.length,
        ContainersRunning: running,
        ContainersPaused: 0,
        ContainersStopped: containers.length - running,
        Images: 0,
        Driver: '',
        Plugins: { Volume: [], Network: ['bridge', 'host', 'null'], Authorization: null, Log: [] },
        KernelVersion: release(),
        OperatingSystem: 'linux',
        OSType: 'linux',
        Architecture: machine(),
        NCPU: cpus().length,
        MemTotal: totalmem(),
        Name: hostname(),
        ServerVersion: BERTH_VERSION,
        Warnings: [],
      };
      return json(200, { ...base, ...engine.info() });
    },
  },
  {
    method: 'GET',
    path: '/events',
    handler: async ({ engine, query, res, signal }) => {
      const filters = parseFilters(query.get('filters'));
      filters.validate(EVENT_FILTERS);
      parseUnixTime(query.get('since'), 'since'); // accepted; berth keeps no event history
      const until = parseUnixTime(query.get('until'), 'until');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const finish = () => {
          unsubscribe();
          if (timer) clearTimeout(timer);
          signal.removeEventListener('abort', finish);
          resolve();
        };
        const unsubscribe = engine.onEvent((e) => {
          if (!eventMatches(filters, e)) return;
          res.write(JSON.stringify(eventMessage(e)) + '\n');
        });
        signal.addEventListener('abort', finish);
        if (signal.aborted) finish();
        if (until !== undefined) timer = setTimeout(finish, Math.max(0, until - Date.now()));
      });
      res.end();
      return undefined;
    },
  },
];
