// berthd's HTTP API on a unix socket, following the Docker Engine API (1.41 shapes).
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Engine } from '../engine/types.js';
import { BerthError, conflict, invalid, notFound, systemError } from '../model/errors.js';
import { writeError, httpStatusOf } from './errors.js';
import { readJsonBody, Router, type ApiLog, type Reply, type RouteContext } from './http.js';
import { berthRoutes } from './routes/berth.js';
import { containerRoutes } from './routes/containers.js';
import { doctorRoutes } from './routes/doctor.js';
import { firewallRoutes } from './routes/firewall.js';
import { networkRoutes } from './routes/networks.js';
import { systemRoutes } from './routes/system.js';
import { traceRoutes } from './routes/trace.js';
import { API_VERSION, BERTH_VERSION, compareApiVersions, MIN_API_VERSION } from './version.js';

export interface ApiServerOptions {
  /** Path of the unix socket to listen on. */
  readonly socketPath: string;
  /**
   * Group (by name, from /etc/group) that owns the socket; mode is 0660 either way.
   * Unset: "docker" if that group exists, else root's group (dockerd's default).
   */
  readonly group?: string;
  readonly log?: ApiLog;
}

export interface ApiServer {
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** Every route table the API serves, in match order. */
export const ROUTE_TABLES = [systemRoutes, networkRoutes, containerRoutes, berthRoutes, firewallRoutes, doctorRoutes, traceRoutes] as const;

const DEFAULT_SOCKET_GROUP = 'docker';

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)?$/;

const noLog: ApiLog = () => undefined;

/** Looks a group up by name in /etc/group (or the given file's text). */
export function lookupGroupId(name: string, groupFile?: string): number {
  const text = groupFile ?? readFileSync('/etc/group', 'utf8');
  for (const line of text.split('\n')) {
    const [gname, , gid] = line.split(':');
    if (gname === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw notFound(`group ${name} not found in /etc/group`);
}

/** The socket's group when none is configured: "docker" if it exists (as dockerd does), else none. */
function defaultGroupId(): number | undefined {
  try {
    return lookupGroupId(DEFAULT_SOCKET_GROUP);
  } catch {
    return undefined;
  }
}

function commonHeaders(): Record<string, string> {
  return {
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `berth/${BERTH_VERSION} (linux)`,
  };
}

function sendReply(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...(reply.headers ?? {}) };
  let body: string | undefined;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json) + '\n';
    headers['Content-Type'] = 'application/json';
  } else if (reply.text !== undefined) {
    body = reply.text;
    headers['Content-Type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  }
  if (reply.status === 204 || reply.status === 304) body = undefined;
  headers['Content-Length'] = body === undefined ? 0 : Buffer.byteLength(body);
  res.writeHead(reply.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Is something answering on this unix socket? */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function createApiServer(engine: Engine, opts: ApiServerOptions): ApiServer {
  const log = opts.log ?? noLog;
  const router = new Router(ROUTE_TABLES);
  let server: Server | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(commonHeaders())) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://berth');
    let path = url.pathname;
    let apiVersion = API_VERSION;
    const m = VERSION_PREFIX.exec(path);
    if (m) {
      apiVersion = m[1] ?? API_VERSION;
      path = m[2] ?? '/';
      if (compareApiVersions(apiVersion, API_VERSION) > 0) {
        throw invalid(`client version ${apiVersion} is too new. Maximum supported API version is ${API_VERSION}`);
      }
      if (compareApiVersions(apiVersion, MIN_API_VERSION) < 0) {
        throw invalid(
          `client version ${apiVersion} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
        );
      }
    }
    const found = router.match(req.method ?? 'GET', path);
    if (found.kind === 'not-found') throw new BerthError('not-found', 'page not found');
    if (found.kind === 'method') {
      res.writeHead(405, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'method not allowed' }) + '\n');
      return;
    }
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.on('close', onClose);
    const ctx: RouteContext = {
      engine,
      req,
      res,
      params: found.params,
      query: url.searchParams,
      apiVersion,
      log,
      signal: ac.signal,
      body: () => readJsonBody(req),
    };
    try {
      const reply = await found.route.handler(ctx);
      if (reply) sendReply(req, res, reply);
    } finally {
      res.off('close', onClose);
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    handle(req, res).then(
      () => log('debug', `${req.method} ${req.url} -> ${res.statusCode} (${Date.now() - started} ms)`),
      (err: unknown) => {
        const status = httpStatusOf(err);
        if (status >= 500) log('error', `${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
        else log('debug', `${req.method} ${req.url} -> ${status}: ${(err as Error)?.message ?? String(err)}`);
        writeError(res, err);
      },
    );
  }

  return {
    async listen() {
      if (server) throw conflict('API server is already listening');
      const path = opts.socketPath;
      const gid = opts.group !== undefined ? lookupGroupId(opts.group) : defaultGroupId();
      let existing: ReturnType<typeof lstatSync> | undefined;
      try {
        existing = lstatSync(path);
      } catch {
        existing = undefined;
      }
      if (existing) {
        if (!existing.isSocket()) throw conflict(`${path} exists and is not a socket`);
        if (await socketIsLive(path)) throw conflict(`${path} is in use by another daemon`);
        unlinkSync(path); // stale socket of a daemon that is gone
      } else {
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      }
      const s = createServer(onRequest);
      s.on('clientError', (_err, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        else socket.destroy();
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', (e) => reject(systemError(`listen on ${path}: ${e.message}`, e)));
        // Bind with no access for others, then open it up to 0660: never world-accessible.
        const oldMask = process.umask(0o177);
        try {
          s.listen(path, () => resolve());
        } finally {
          process.umask(oldMask);
        }
      });
      chmodSync(path, 0o660);
      if (gid !== undefined) chownSync(path, -1, gid);
      server = s;
      log('info', `API listening on unix://${path}`);
    },
    async close() {
      const s = server;
      if (!s) return;
      server = undefined;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections(); // event and log streams would otherwise hold it open
      await closed;
      try {
        unlinkSync(opts.socketPath);
      } catch {
        // already gone
      }
    },
  };
}
