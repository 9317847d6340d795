// /_ping, /version, /info and the /events stream.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, hostname, machine, release, totalmem } from 'node:os';
import type { Engine, EngineEvent } from '../../engine/types.js';
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

/** Open /events streams, daemon-wide (Info.NEventsListener). */
let eventListeners = 0;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A 0/1 sysctl of berthd's own namespace, false when absent. */
function sysctlOn(path: string): boolean {
  return readText(path)?.trim() === '1';
}

/** PRETTY_NAME and VERSION_ID of /etc/os-release, as dockerd reports them. */
function osRelease(): { name: string; version: string } {
  const text = readText('/etc/os-release') ?? readText('/usr/lib/os-release') ?? '';
  const field = (k: string): string => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(text);
    return (m?.[1] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2');
  };
  return { name: field('PRETTY_NAME') || 'linux', version: field('VERSION_ID') };
}

function countFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/**
 * GET /info with every field dockerd 20.10 sends, valued for what berth is: no images,
 * no OCI runtime, no cgroup limits, no swarm, no registry. The engine's own keys
 * (counts, IPTables, DataRoot...) are merged over it by the route.
 */
export function infoBody(engine: Engine): Record<string, unknown> {
  const containers = engine.listContainers(true);
  const running = containers.filter((c) => c.state.status === 'running').length;
  const config = engine.daemonConfig();
  const os = osRelease();
  const noCommit = { ID: '', Expected: '' };
  return {
    ID: '',
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: containers.length - running,
    Images: 0,
    Driver: '',
    DriverStatus: null,
    Plugins: { Volume: [], Network: ['bridge', 'host', 'null'], Authorization: null, Log: [] },
    MemoryLimit: false,
    SwapLimit: false,
    KernelMemory: false,
    KernelMemoryTCP: false,
    CpuCfsPeriod: false,
    CpuCfsQuota: false,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: false,
    IPv4Forwarding: sysctlOn('/proc/sys/net/ipv4/ip_forward'),
    BridgeNfIptables: sysctlOn('/proc/sys/net/bridge/bridge-nf-call-iptables'),
    BridgeNfIp6tables: sysctlOn('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
    Debug: process.env['BERTH_DEBUG'] === '1',
    NFd: countFds(),
    OomKillDisable: false,
    NGoroutines: 0, // no goroutines in node; the field is kept for clients that read it
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'none', // sandboxes are host processes: berth manages no cgroups
    CgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
    NEventsListener: eventListeners,
    KernelVersion: release(),
    OperatingSystem: os.name,
    OSVersion: os.version,
    OSType: 'linux',
    Architecture: machine(),
    IndexServerAddress: '',
    RegistryConfig: null,
    NCPU: cpus().length,
    MemTotal: totalmem(),
    GenericResources: null,
    DockerRootDir: config.dataRoot,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: BERTH_VERSION,
    Runtimes: {},
    DefaultRuntime: '',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: config.liveRestore,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: noCommit,
    RuncCommit: noCommit,
    InitCommit: noCommit,
    SecurityOptions: [],
    Warnings: null,
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
    handler: async ({ engine }) => json(200, { ...infoBody(engine), ...engine.info() }),
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
      eventListeners++;
      try {
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
      } finally {
        eventListeners--;
      }
      res.end();
      return undefined;
    },
  },
];
