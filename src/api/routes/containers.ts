// /containers: list, create, start, stop, restart, wait, remove, inspect, logs.
import { once } from 'node:events';
import { closeSync, openSync, read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import type { ContainerCreateRequest, ContainerRecord, Engine, EngineEvent } from '../../engine/types.js';
import { invalid } from '../../model/errors.js';
import { parseApiPorts, type ApiPortBinding } from '../../model/port-binding.js';
import { parseFilters, type Filters } from '../filters.js';
import { Fields, json, noContent, queryBool, queryInt, type Route } from '../http.js';
import { containerInspect, containerSummary } from '../shapes.js';
import { takeSnapshot } from '../snapshot.js';

const readAsync = promisify(read);

// ------------------------------------------------------------------ create body

/** Docker's PortBindings with their fields type-checked. */
function apiBindings(raw: Readonly<Record<string, unknown>>, field: string): Record<string, ApiPortBinding[] | null> {
  const out: Record<string, ApiPortBinding[] | null> = {};
  const keys = Object.keys(raw);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const list = raw[key];
    if (list === null || list === undefined) out[key] = null;
    else if (!Array.isArray(list)) throw invalid(`invalid type for field "${field}.${key}": expected array`);
    else out[key] = list.map((b: unknown, j) => {
      const f = Fields.of(b, `${field}.${key}[${j}]`) ?? new Fields({});
      return { HostIp: f.str('HostIp') ?? '', HostPort: f.str('HostPort') ?? '' };
    });
  }
  return out;
}

/**
 * Docker's container create body (Config + HostConfig + NetworkingConfig) → the engine's
 * request: the command is Entrypoint + Cmd; ExposedPorts and PortBindings are
 * validated as dockerd does (`invalid port specification: "X"`).
 */
export function parseContainerCreate(name: string, body: Record<string, unknown>): ContainerCreateRequest {
  const b = new Fields(body);
  const cmd = [...(b.strOrList('Entrypoint') ?? []), ...(b.strOrList('Cmd') ?? [])];
  if (cmd.length === 0) throw invalid('No command specified');
  const host = b.obj('HostConfig');
  const ports = parseApiPorts(Object.keys(b.record('ExposedPorts') ?? {}), apiBindings(host?.record('PortBindings') ?? {}, 'HostConfig.PortBindings'));

  let networkMode = host?.str('NetworkMode') ?? '';
  const endpoints = b.obj('NetworkingConfig')?.entries('EndpointsConfig') ?? [];
  if (endpoints.length > 1) {
    throw invalid(`Container cannot be connected to network endpoints: ${endpoints.map(([k]) => k).join(', ')}`);
  }
  let ipv4: string | undefined;
  const first = endpoints[0];
  if (first) {
    const [netName, raw] = first;
    if (networkMode === '' || networkMode === 'default') networkMode = netName;
    const ep = Fields.of(raw, `NetworkingConfig.EndpointsConfig.${netName}`);
    const ipam = ep?.obj('IPAMConfig');
    if (ipam?.str('IPv6Address')) throw invalid('berth does not support IPv6 addresses');
    ipv4 = ipam?.str('IPv4Address') || undefined;
  }
  if (networkMode === 'default') networkMode = 'bridge';

  const req: { -readonly [K in keyof ContainerCreateRequest]: ContainerCreateRequest[K] } = { cmd };
  if (name !== '') req.name = name;
  if (networkMode !== '') req.networkMode = networkMode;
  if (ipv4) req.ipv4 = ipv4;
  if (ports.bindings.length > 0 || ports.exposed.length > 0) req.ports = ports;
  const publishAll = host?.bool('PublishAllPorts');
  if (publishAll !== undefined) req.publishAll = publishAll;
  const autoRemove = host?.bool('AutoRemove');
  if (autoRemove !== undefined) req.autoRemove = autoRemove;
  return req;
}

// ------------------------------------------------------------------ list filters

const LIST_FILTERS = ['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'name', 'network', 'publish', 'since', 'status', 'volume'];
const SUPPORTED = new Set(['exited', 'id', 'label', 'name', 'network', 'status']);
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export function filterContainers(engine: Engine, list: readonly ContainerRecord[], f: Filters): ContainerRecord[] {
  f.validate(LIST_FILTERS);
  for (const k of f.keys()) if (!SUPPORTED.has(k)) throw invalid(`berth does not support the container filter '${k}'`);
  for (const s of f.get('status')) if (!STATUSES.includes(s)) throw invalid(`Unrecognised filter value for status: ${s}`);
  const exited = f.get('exited').map((v) => {
    if (!/^-?\d+$/.test(v)) throw invalid(`invalid filter 'exited=${v}'`);
    return Number(v);
  });
  const networks = f.has('network') ? engine.listNetworks() : [];
  return list.filter((c) => {
    if (!f.match('id', c.id)) return false;
    if (!f.match('name', `/${c.name}`)) return false;
    if (!f.exactMatch('status', c.state.status)) return false;
    if (exited.length > 0 && !(c.state.status === 'exited' && exited.includes(c.state.exitCode))) return false;
    if (!f.matchKVList('label', {})) return false;
    if (f.has('network')) {
      const ids = new Set<string>(c.networks.map((n) => n.networkId));
      if (c.networkMode.kind === 'bridge') ids.add(c.networkMode.network);
      const mine = networks.filter((n) => ids.has(n.id));
      if (!mine.some((n) => f.get('network').some((v) => v === n.name || n.id.startsWith(v)))) return false;
    }
    return true;
  });
}

// ------------------------------------------------------------------ wait

type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface WaitResult {
  code: number;
  error?: string;
}

function exitCodeOf(e: EngineEvent): number | undefined {
  const v = e.attributes['exitCode'];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/** Waits for a container condition; subscribes synchronously so no exit is missed. */
export function waitForContainer(engine: Engine, c: ContainerRecord, condition: WaitCondition, signal: AbortSignal): Promise<WaitResult> {
  const id = c.id;
  if (condition === 'not-running' && c.state.status !== 'running') return Promise.resolve({ code: c.state.exitCode });
  return new Promise<WaitResult>((resolve) => {
    let lastCode: number | undefined;
    let done = false;
    const settle = (r: WaitResult) => {
      if (done) return;
      done = true;
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = () => settle({ code: -1, error: 'client went away' });
    const currentCode = (): number | undefined => {
      try {
        return engine.inspectContainer(id).state.exitCode;
      } catch {
        return undefined;
      }
    };
    const exited = (code: number) => {
      lastCode = code;
      if (condition !== 'removed') settle({ code });
    };
    const watchRun = () => {
      engine.waitContainer(id).then(exited, () => undefined);
    };
    const unsubscribe = engine.onEvent((e) => {
      if (e.type !== 'container' || e.id !== id) return;
      if (e.action === 'start') watchRun();
      else if (e.action === 'die') exited(exitCodeOf(e) ?? currentCode() ?? 0);
      else if (e.action === 'destroy') settle({ code: lastCode ?? exitCodeOf(e) ?? 0 });
    });
    signal.addEventListener('abort', onAbort);
    if (c.state.status === 'running') watchRun();
    else if (condition === 'not-running') settle({ code: c.state.exitCode });
  });
}

// ------------------------------------------------------------------ logs

async function writeChunk(res: ServerResponse, chunk: Buffer, signal: AbortSignal): Promise<void> {
  if (res.write(chunk) || signal.aborted) return;
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal.addEventListener('abort', stop);
  try {
    await once(res, 'drain', { signal: ac.signal });
  } catch {
    // client went away
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

const LOG_POLL_MS = 50;

/**
 * Streams the container's log file. With follow, keeps streaming until the container
 * stops; a container that has not started yet is followed through its next run (this
 * is what lets `berth run` attach before starting, without losing output).
 */
async function streamLogs(engine: Engine, c: ContainerRecord, follow: boolean, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const id = c.id;
  let path: string | null = null;
  let fd: number | null = null;
  const tryOpen = () => {
    if (fd !== null) return;
    try {
      path ??= engine.logPath(id);
      fd = openSync(path, 'r');
    } catch {
      // no log file (yet)
    }
  };
  let started = c.state.status !== 'created';
  let ended = false;
  const unsubscribe = follow
    ? engine.onEvent((e) => {
        if (e.type !== 'container' || e.id !== id) return;
        // Opening synchronously here keeps the file readable even if it is removed right after.
        if (e.action === 'start') {
          started = true;
          tryOpen();
        } else if (e.action === 'die' || e.action === 'destroy') {
          tryOpen();
          if (started) ended = true;
        }
      })
    : () => undefined;
  tryOpen();
  res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
  res.flushHeaders();
  let pos = 0;
  const buf = Buffer.alloc(64 * 1024);
  const drain = async () => {
    while (fd !== null && !signal.aborted) {
      const { bytesRead } = await readAsync(fd, buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      await writeChunk(res, Buffer.from(buf.subarray(0, bytesRead)), signal);
    }
  };
  const running = () => {
    try {
      return engine.inspectContainer(id).state.status === 'running';
    } catch {
      return false;
    }
  };
  try {
    await drain();
    while (follow && !signal.aborted && !ended && !(started && !running())) {
      await sleep(LOG_POLL_MS, signal);
      tryOpen();
      await drain();
    }
    tryOpen();
    await drain();
  } finally {
    unsubscribe();
    if (fd !== null) closeSync(fd);
  }
  res.end();
}

// ------------------------------------------------------------------ routes

function byCreatedDesc(a: ContainerRecord, b: ContainerRecord): number {
  return (Date.parse(b.created) || 0) - (Date.parse(a.created) || 0);
}

export const containerRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/containers/json',
    handler: async ({ engine, query }) => {
      const limit = queryInt(query, 'limit');
      const all = queryBool(query, 'all') || (limit !== undefined && limit > 0);
      const f = parseFilters(query.get('filters'));
      let list = filterContainers(engine, [...engine.listContainers(all)].sort(byCreatedDesc), f);
      if (limit !== undefined && limit > 0) list = list.slice(0, limit);
      const snap = takeSnapshot(engine);
      return json(200, list.map((c) => containerSummary(c, snap)));
    },
  },
  {
    method: 'POST',
    path: '/containers/create',
    handler: async ({ engine, query, body }) => {
      const req = parseContainerCreate(query.get('name') ?? '', await body());
      const { container, warnings } = await engine.createContainer(req);
      return json(201, { Id: container.id, Warnings: [...warnings] });
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/json',
    handler: async ({ engine, params }) => {
      const c = engine.inspectContainer(params['id'] ?? '');
      let logPath = '';
      try {
        logPath = engine.logPath(c.id);
      } catch {
        // no log file yet
      }
      return json(200, containerInspect(c, takeSnapshot(engine), logPath));
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/start',
    handler: async ({ engine, params }) => {
      const c = engine.inspectContainer(params['id'] ?? '');
      if (c.state.status === 'running') return noContent(304);
      await engine.startContainer(c.id);
      return noContent(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/stop',
    handler: async ({ engine, params, query }) => {
      const t = queryInt(query, 't');
      const c = engine.inspectContainer(params['id'] ?? '');
      if (c.state.status !== 'running') return noContent(304);
      await engine.stopContainer(c.id, t);
      return noContent(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/restart',
    handler: async ({ engine, params, query }) => {
      const t = queryInt(query, 't');
      await engine.restartContainer(params['id'] ?? '', t);
      return noContent(204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/wait',
    handler: async ({ engine, params, query, res, signal }) => {
      const raw = query.get('condition') ?? '';
      const condition: WaitCondition =
        raw === '' || raw === 'not-running' ? 'not-running' : raw === 'next-exit' ? 'next-exit' : raw === 'removed' ? 'removed' : (() => {
          throw invalid(`invalid condition: ${JSON.stringify(raw)}`);
        })();
      const c = engine.inspectContainer(params['id'] ?? '');
      const result = waitForContainer(engine, c, condition, signal);
      // Like dockerd (API ≥ 1.30): headers first, so the client knows the wait is armed.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      const r = await result;
      res.end(JSON.stringify({ StatusCode: r.code, Error: r.error ? { Message: r.error } : null }) + '\n');
      return undefined;
    },
  },
  {
    method: 'DELETE',
    path: '/containers/{id}',
    handler: async ({ engine, params, query }) => {
      await engine.removeContainer(params['id'] ?? '', queryBool(query, 'force'));
      return noContent(204);
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/logs',
    handler: async ({ engine, params, query, res, signal }) => {
      const c = engine.inspectContainer(params['id'] ?? '');
      await streamLogs(engine, c, queryBool(query, 'follow'), res, signal);
      return undefined;
    },
  },
];
