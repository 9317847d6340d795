// Reads a real dockerd's networks and containers through its Engine API on a unix
// socket. The socket is checked first: `GET /_ping` must answer OK and
// `GET /version` must carry an ApiVersion, or the URL is not a Docker API.
import { request } from 'node:http';
import { API_VERSION, compareApiVersions } from '../api/version.js';
import type { DockerContainerJson, DockerNetworkJson, DockerState } from '../doctor/docker-input.js';
import { forbidden, invalid, unavailable, type BerthError } from '../model/errors.js';

export interface DockerApi {
  readonly url: string;
  /** dockerd's version (`Version`, e.g. 20.10.24) and API version. */
  readonly version: string;
  readonly apiVersion: string;
  /** Its bridge networks and its containers that may hold published ports, read now. */
  state(): Promise<DockerState>;
}

interface Answer {
  readonly status: number;
  readonly server: string;
  readonly body: string;
}

const TIMEOUT_MS = 5000;
/** A container in these states holds no network resources. */
const DOWN = new Set(['exited', 'dead', 'removing']);

/** `unix:///path` (or `/path`) → the socket path. */
function dockerSocketPath(url: string): string {
  const path = url.startsWith('unix://') ? url.slice('unix://'.length) : url;
  if (!path.startsWith('/')) throw invalid(`--docker ${url}: expected a unix socket, unix:///path (e.g. unix:///var/run/docker.sock)`);
  return path;
}

export async function openDockerApi(url: string): Promise<DockerApi> {
  const socketPath = dockerSocketPath(url);
  const notDocker = (why: string): BerthError => invalid(`${url} is not a Docker API: ${why}`);
  const get = (path: string): Promise<Answer> => httpGet(socketPath, path, url);

  const ping = await get('/_ping');
  if (ping.status !== 200 || ping.body.trim() !== 'OK') {
    throw notDocker(`GET /_ping answered ${ping.status}${ping.body.trim() ? ` "${ping.body.trim().slice(0, 80)}"` : ''}, not 200 "OK"`);
  }
  const answer = await get('/version');
  const version = parseJson(answer.body) as { ApiVersion?: unknown; Version?: unknown; Platform?: { Name?: unknown } } | null;
  const apiVersion = typeof version?.ApiVersion === 'string' && /^\d+\.\d+$/.test(version.ApiVersion) ? version.ApiVersion : null;
  if (answer.status !== 200 || apiVersion === null) throw notDocker(`GET /version answered ${answer.status} without an ApiVersion`);
  if (answer.server.startsWith('berth/') || String(version?.Platform?.Name ?? '').startsWith('berth')) {
    throw invalid(`${url} is berthd, not dockerd: run \`berth -H ${url} doctor\` instead`);
  }
  // 1.41 is dockerd 20.10's; an older daemon is read in its own version.
  const prefix = `/v${compareApiVersions(apiVersion, API_VERSION) >= 0 ? API_VERSION : apiVersion}`;
  const getJson = async (path: string): Promise<unknown> => {
    const a = await get(`${prefix}${path}`);
    if (a.status === 404) return null;
    if (a.status !== 200) throw unavailable(`dockerd at ${url}: GET ${path} answered ${a.status}: ${a.body.trim().slice(0, 200)}`);
    return parseJson(a.body);
  };
  return {
    url,
    version: typeof version?.Version === 'string' ? version.Version : '',
    apiVersion,
    async state() {
      const networks = asArray(await getJson('/networks')) as DockerNetworkJson[];
      const list = asArray(await getJson('/containers/json?all=1')) as { Id?: string; State?: string }[];
      // Inspecting a container that is starting waits for its start to finish (dockerd
      // holds the container's lock), so its published ports are never half seen.
      const live = list.filter((c) => typeof c.Id === 'string' && !DOWN.has(c.State ?? ''));
      const inspected = await Promise.all(live.map((c) => getJson(`/containers/${encodeURIComponent(c.Id as string)}/json`)));
      const containers = inspected.filter((c): c is DockerContainerJson => typeof c === 'object' && c !== null);
      return { networks, containers };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function httpGet(socketPath: string, path: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { 'User-Agent': 'berth-doctor' }, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, server: String(res.headers.server ?? ''), body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', (e) => reject(connectionError(e, url)));
    });
    req.on('timeout', () => req.destroy(unavailable(`${url} did not answer GET ${path} within ${TIMEOUT_MS / 1000} s: is it a Docker API?`)));
    req.on('error', (e) => reject(connectionError(e, url)));
    req.end();
  });
}

function connectionError(e: Error & { code?: string }, url: string): Error {
  switch (e.code) {
    case 'ENOENT':
      return unavailable(`cannot connect to ${url}: no such socket. Is dockerd running?`, e);
    case 'ECONNREFUSED':
      return unavailable(`cannot connect to ${url}: connection refused. Is dockerd running?`, e);
    case 'EACCES':
      return forbidden(`cannot connect to ${url}: permission denied`, e);
    case 'ENOTSOCK':
      return invalid(`${url} is not a Docker API: not a socket`, e);
  }
  if (e.code?.startsWith('HPE_') || e.code === 'ECONNRESET') return invalid(`${url} is not a Docker API: it does not answer HTTP (${e.message})`, e);
  return e;
}
