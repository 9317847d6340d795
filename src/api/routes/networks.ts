// /networks: list, inspect, create, remove, connect, disconnect, prune.
import type { Engine, NetworkCreateRequest, NetworkRecord } from '../../engine/types.js';
import { invalid } from '../../model/errors.js';
import { parseFilters, type Filters } from '../filters.js';
import { Fields, json, noContent, type Route } from '../http.js';
import { isPredefinedNetworkName, networkInspect, networkSummary, type DockerNetwork } from '../shapes.js';
import { takeSnapshot } from '../snapshot.js';

const LIST_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];

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
      else throw invalid(`Invalid filter: 'type'='${t}'`);
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
  if (b.str('Scope') && b.str('Scope') !== 'local') throw invalid(`berth networks are local: scope "${b.str('Scope')}" is not supported`);
  const ipam = b.obj('IPAM');
  const ipamDriver = ipam?.str('Driver') ?? '';
  if (ipamDriver !== '' && ipamDriver !== 'default') throw invalid(`IPAM driver "${ipamDriver}" is not supported by berth`);
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
      const { network, warning } = await engine.createNetwork(req);
      return json(201, { Id: network.id, Warning: warning });
    },
  },
  {
    method: 'POST',
    path: '/networks/prune',
    handler: async ({ engine, query }) => {
      const f = parseFilters(query.get('filters'));
      f.validate(['label', 'label!', 'until']);
      if (f.size > 0) throw invalid('berth does not support filters on network prune yet');
      const deleted = await engine.pruneNetworks();
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
      if (container === '') throw invalid('container is required (Container)');
      const ep = b.obj('EndpointConfig');
      const ipamConfig = ep?.obj('IPAMConfig');
      if (ipamConfig?.str('IPv6Address')) throw invalid('berth does not support IPv6 addresses');
      const opts: { ipv4?: string; aliases?: readonly string[] } = {};
      const ipv4 = ipamConfig?.str('IPv4Address');
      if (ipv4) opts.ipv4 = ipv4;
      const aliases = ep?.strList('Aliases');
      if (aliases && aliases.length > 0) opts.aliases = aliases;
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
      if (container === '') throw invalid('container is required (Container)');
      await engine.disconnect(params['id'] ?? '', container, b.bool('Force') ?? false);
      return { status: 200 };
    },
  },
];
