// /networks: list, inspect, create, remove, connect, disconnect, prune.
import type { Engine, NetworkCreateRequest, NetworkRecord } from '../../engine/types.js';
import { conflict, forbidden, invalid, notFound } from '../../model/errors.js';
import { parseFilters, type Filters } from '../filters.js';
import { Fields, json, noContent, type ApiLog, type Route } from '../http.js';
import { checkStaticIpAllowed } from '../../model/ipam/network.js';
import { isPredefinedNetworkName, networkInspect, networkSummary, type DockerNetwork } from '../shapes.js';
import { takeSnapshot } from '../snapshot.js';

const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];
const PRUNE_FILTERS = ['label', 'label!', 'until'];
/** IPAM drivers dockerd has built in besides "default"; berth has none of them. */
const BUILTIN_IPAM_DRIVERS = ['null', 'windows'];

/** Docker's network list filters (daemon/network/filter.go semantics). */
export function filterNetworks(
  networks: readonly NetworkRecord[],
  f: Filters,
  inUse: (n: NetworkRecord) => boolean,
): NetworkRecord[] {
  f.validate(LIST_FILTERS);
  let out = networks.filter(
    (n) =>
      f.exactMatch('driver', n.driver) &&
      f.match('name', n.name) &&
      f.match('id', n.id) &&
      f.matchKVList('label', n.labels) &&
      f.exactMatch('scope', 'local'),
  );
  const dangling = f.get('dangling');
  if (dangling.length > 1) throw invalid('got more than one value for filter key "dangling"');
  if (dangling.length === 1) {
    const v = dangling[0];
    let danglingOnly: boolean;
    if (v === '1' || v === 'true') danglingOnly = true;
    else if (v === '0' || v === 'false') danglingOnly = false;
    else throw invalid(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
    out = out.filter((n) =>
      danglingOnly ? !isPredefinedNetworkName(n.name) && !inUse(n) : isPredefinedNetworkName(n.name) || inUse(n),
    );
  }
  if (f.has('type')) {
    const typed: NetworkRecord[] = [];
    for (const t of f.get('type')) {
      if (t === 'builtin') typed.push(...out.filter((n) => isPredefinedNetworkName(n.name)));
      else if (t === 'custom') typed.push(...out.filter((n) => !isPredefinedNetworkName(n.name)));
      else throw invalid(`invalid filter: 'type'='${t}'`);
    }
    out = typed;
  }
  return out;
}

/** Docker's NetworkCreateRequest body → the engine's request. */
export function parseNetworkCreate(body: Record<string, unknown>): NetworkCreateRequest {
  const b = new Fields(body);
  const name = b.str('Name') ?? '';
  if (name === '') throw invalid('network name is required');
  if (b.bool('EnableIPv6')) throw invalid('berth does not support IPv6 networks (EnableIPv6)');
  if (b.bool('Ingress')) throw invalid('berth does not support ingress networks');
  if (b.bool('ConfigOnly') || b.obj('ConfigFrom')?.str('Network')) throw invalid('berth does not support config-only networks');
  const scope = b.str('Scope') ?? '';
  // dockerd's answer for swarm scope on a node that is not in a swarm (berth never is).
  if (scope === 'swarm') throw forbidden('cannot create a swarm scoped network when swarm is not active');
  if (scope !== '' && scope !== 'local') throw invalid(`berth networks are local: scope "${scope}" is not supported`);
  const ipam = b.obj('IPAM');
  const ipamDriver = ipam?.str('Driver') ?? '';
  if (ipamDriver !== '' && ipamDriver !== 'default') {
    // dockerd looks any other IPAM driver up as a plugin: 404 `plugin "X" not found`.
    if (BUILTIN_IPAM_DRIVERS.includes(ipamDriver)) throw invalid(`IPAM driver "${ipamDriver}" is not supported by berth`);
    throw notFound(`plugin "${ipamDriver}" not found`);
  }
  const configs = (ipam?.list('Config') ?? []).map((raw, i) => {
    const c = Fields.of(raw, `IPAM.Config[${i}]`) ?? new Fields({}, `IPAM.Config[${i}]`);
    const aux = c.strMap('AuxiliaryAddresses');
    if (aux && Object.keys(aux).length > 0) throw invalid('berth does not support auxiliary addresses');
    const out: { subnet?: string; gateway?: string; ipRange?: string } = {};
    const subnet = c.str('Subnet');
    const gateway = c.str('Gateway');
    const ipRange = c.str('IPRange');
    if (subnet) out.subnet = subnet;
    if (gateway) out.gateway = gateway;
    if (ipRange) out.ipRange = ipRange;
    return out;
  });
  ipam?.strMap('Options');
  const req: { -readonly [K in keyof NetworkCreateRequest]: NetworkCreateRequest[K] } = { name };
  const driver = b.str('Driver');
  if (driver) req.driver = driver;
  const internal = b.bool('Internal');
  if (internal !== undefined) req.internal = internal;
  const attachable = b.bool('Attachable');
  if (attachable !== undefined) req.attachable = attachable;
  const checkDuplicate = b.bool('CheckDuplicate');
  if (checkDuplicate !== undefined) req.checkDuplicate = checkDuplicate;
  const labels = b.strMap('Labels');
  if (labels) req.labels = labels;
  const options = b.strMap('Options');
  if (options) req.options = options;
  if (configs.length > 0) req.ipam = configs;
  return req;
}

const GO_DURATION = /^[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$/;
const GO_UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The `until` prune filter as Docker reads it (in ms since the epoch): a Go duration
 * before now ("24h", "1h30m"), a unix timestamp ("1700000000", "1700000000.5") or an
 * RFC 3339 date/time ("2024-01-02", "2024-01-02T15:04:05Z").
 */
export function parseUntil(value: string, now: number = Date.now()): number {
  const v = value.trim();
  if (GO_DURATION.test(v)) {
    const sign = v.startsWith('-') ? -1 : 1;
    let ms = 0;
    for (const m of v.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
      ms += Number(m[1]) * (GO_UNIT_MS[m[2] ?? 's'] ?? 1000);
    }
    return now - sign * ms;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw invalid(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
}

/** Networks referenced by a container (endpoint or attachment): never pruned. */
function referenced(engine: Engine): Set<string> {
  const used = new Set(engine.endpoints().map((e) => e.networkId));
  for (const c of engine.listContainers(true)) {
    for (const a of c.networks) used.add(a.networkId);
    if (c.networkMode.kind === 'bridge') used.add(c.networkMode.network);
  }
  return used;
}

/**
 * `network prune` with filters (dockerd's rules): custom bridge networks no container
 * references, created before `until`, carrying every `label` and not every `label!`.
 * The engine's pruneNetworks() has no filters, so each match is removed on its own; a
 * network that got an endpoint in between is skipped, as dockerd skips it.
 */
async function pruneMatching(engine: Engine, f: Filters, log: ApiLog): Promise<string[]> {
  const untils = f.get('until');
  if (untils.length > 1) throw invalid('more than one until filter specified');
  const until = untils[0] === undefined ? undefined : parseUntil(untils[0]);
  const used = referenced(engine);
  const matches = engine.listNetworks().filter((n) => {
    if (n.driver !== 'bridge' || n.bridge?.isDefault || isPredefinedNetworkName(n.name) || used.has(n.id)) return false;
    if (until !== undefined && !(Date.parse(n.created) <= until)) return false;
    if (!f.matchKVList('label', n.labels)) return false;
    if (f.has('label!') && f.matchKVList('label!', n.labels)) return false;
    return true;
  });
  const deleted: string[] = [];
  for (const n of matches) {
    try {
      await engine.removeNetwork(n.id);
      deleted.push(n.name);
    } catch (e) {
      log('warn', `network prune: skipping ${n.name}: ${(e as Error).message}`);
    }
  }
  return deleted;
}

const SHARED_NETWORK = 'container sharing network namespace with another container or host cannot be connected to any other network';
const HOST_NETWORK = 'container cannot be disconnected from host network or connected to host network';
const PRIVATE_NETWORK = 'container cannot be connected to multiple networks with one of the networks in private (none) mode';

/** The body's Container, looked up; missing is dockerd's 400. */
function containerOf(engine: Engine, container: string) {
  if (container === '') throw invalid('invalid name or ID supplied: ""');
  return engine.inspectContainer(container);
}

/**
 * The checks dockerd makes before it asks libnetwork for an endpoint, in its order
 * and with its statuses: the container (404), the network (404), the network modes
 * (400), a static address (400). What passes goes to the engine, which answers the
 * rest (already connected: 403) the same way.
 */
export function checkConnect(engine: Engine, network: string, container: string, staticIp: boolean): void {
  const c = containerOf(engine, container);
  const n = engine.inspectNetwork(network);
  const endpointExists = () => forbidden(`endpoint with name ${c.name} already exists in network ${n.name}`);
  switch (c.networkMode.kind) {
    case 'container':
      throw invalid(SHARED_NETWORK);
    case 'host':
      throw n.driver === 'host' ? endpointExists() : invalid(SHARED_NETWORK);
    case 'none':
      if (n.driver === 'null') throw endpointExists();
      throw invalid(n.driver === 'host' ? HOST_NETWORK : PRIVATE_NETWORK);
    case 'bridge':
      if (n.driver === 'host') throw invalid(HOST_NETWORK);
      if (n.driver === 'null') throw invalid(PRIVATE_NETWORK);
  }
  if (staticIp) checkStaticIpAllowed({ name: n.name, userSpecifiedSubnet: n.ipamUserSpecified });
}

/** dockerd's checks before a disconnect: container, network, then the host network's rule. */
export function checkDisconnect(engine: Engine, network: string, container: string): void {
  const c = containerOf(engine, container);
  const n = engine.inspectNetwork(network);
  if (c.networkMode.kind === 'host' && n.driver === 'host') throw invalid(HOST_NETWORK);
  if (c.networkMode.kind === 'host' || n.driver === 'host') throw forbidden(`container ${c.id} is not connected to network ${n.name}`);
}

function inUseBy(engine: Engine): (n: NetworkRecord) => boolean {
  const used = new Set(engine.endpoints().map((e) => e.networkId));
  return (n) => used.has(n.id);
}

export const networkRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/networks',
    handler: async ({ engine, query }) => {
      const f = parseFilters(query.get('filters'));
      const list: DockerNetwork[] = filterNetworks(engine.listNetworks(), f, inUseBy(engine)).map(networkSummary);
      return json(200, list);
    },
  },
  {
    method: 'POST',
    path: '/networks/create',
    handler: async ({ engine, body }) => {
      const req = parseNetworkCreate(await body());
      // Like dockerd's daemon-level duplicate check: a taken name is 409 Conflict (a
      // predefined name is left to the engine, which answers 403 as libnetwork does).
      // berth refuses duplicates whatever CheckDuplicate says, as Docker ≥ 23 (API 1.44) does.
      if (!isPredefinedNetworkName(req.name) && engine.listNetworks().some((n) => n.name === req.name)) {
        throw conflict(`network with name ${req.name} already exists`);
      }
      const { network, warning } = await engine.createNetwork(req);
      return json(201, { Id: network.id, Warning: warning });
    },
  },
  {
    method: 'POST',
    path: '/networks/prune',
    handler: async ({ engine, query, log }) => {
      const f = parseFilters(query.get('filters'));
      f.validate(PRUNE_FILTERS);
      const deleted = f.size === 0 ? await engine.pruneNetworks() : await pruneMatching(engine, f, log);
      return json(200, { NetworksDeleted: deleted.length > 0 ? [...deleted] : null });
    },
  },
  {
    method: 'GET',
    path: '/networks/{id}',
    handler: async ({ engine, params }) => {
      const n = engine.inspectNetwork(params['id'] ?? '');
      return json(200, networkInspect(n, takeSnapshot(engine)));
    },
  },
  {
    method: 'DELETE',
    path: '/networks/{id}',
    handler: async ({ engine, params }) => {
      await engine.removeNetwork(params['id'] ?? '');
      return noContent(204);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/connect',
    handler: async ({ engine, params, body }) => {
      const b = new Fields(await body());
      const container = b.str('Container') ?? '';
      const ep = b.obj('EndpointConfig');
      const ipamConfig = ep?.obj('IPAMConfig');
      const opts: { ipv4?: string; aliases?: readonly string[] } = {};
      const ipv4 = ipamConfig?.str('IPv4Address');
      if (ipv4) opts.ipv4 = ipv4;
      const aliases = ep?.strList('Aliases');
      if (aliases && aliases.length > 0) opts.aliases = aliases;
      checkConnect(engine, params['id'] ?? '', container, opts.ipv4 !== undefined);
      if (ipamConfig?.str('IPv6Address')) throw invalid('berth does not support IPv6 addresses');
      await engine.connect(params['id'] ?? '', container, opts);
      return { status: 200 };
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/disconnect',
    handler: async ({ engine, params, body }) => {
      const b = new Fields(await body());
      const container = b.str('Container') ?? '';
      const force = b.bool('Force') ?? false;
      checkDisconnect(engine, params['id'] ?? '', container);
      await engine.disconnect(params['id'] ?? '', container, force);
      return { status: 200 };
    },
  },
];
