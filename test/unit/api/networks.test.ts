import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseUntil } from '../../../src/api/routes/networks.js';
import { call, useHarness } from './harness.js';
import { parsePortSpecs } from '../../../src/model/port-binding.js';

const GOLDEN = fileURLToPath(new URL('../../../../test/golden/dockerd/inspect/', import.meta.url));

type Json = Record<string, unknown>;

/** Keys and value types, recursively (maps keyed by ids are compared by their values' shape). */
function shape(v: unknown, mapKeys: readonly string[] = []): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? '[]' : [shape(v[0], mapKeys)];
  if (typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v as Json)) out[mapKeys.includes(k) ? '<key>' : k] = shape(x, mapKeys);
    return out;
  }
  return typeof v;
}

function golden(name: string): Json[] {
  return JSON.parse(readFileSync(join(GOLDEN, name), 'utf8')) as Json[];
}

describe('networks API', () => {
  const h = useHarness();

  const create = (body: unknown) => call(h.socketPath, 'POST', '/v1.41/networks/create', body);

  it('POST /networks/create → 201 {Id, Warning} and passes the request through', async () => {
    const r = await create({
      Name: 'appnet',
      CheckDuplicate: true,
      Driver: 'bridge',
      Internal: true,
      Attachable: true,
      Labels: { team: 'a' },
      Options: { 'com.docker.network.bridge.name': 'br-app' },
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.20.0.0/24', Gateway: '10.20.0.254', IPRange: '10.20.0.128/25' }], Options: {} },
      Unknown: 'ignored',
    });
    assert.equal(r.status, 201);
    const body = r.json() as Json;
    assert.deepEqual(Object.keys(body), ['Id', 'Warning']);
    assert.match(String(body['Id']), /^[0-9a-f]{64}$/);
    const n = h.engine.inspectNetwork('appnet');
    assert.equal(n.internal, true);
    assert.equal(n.attachable, true);
    assert.deepEqual(n.labels, { team: 'a' });
    assert.deepEqual(n.ipam, [{ subnet: '10.20.0.0/24', gateway: '10.20.0.254', ipRange: '10.20.0.128/25' }]);
    assert.equal(n.bridge?.name, 'br-app');
  });

  it('field names match case-insensitively, as Go’s JSON decoder does', async () => {
    const r = await create({ name: 'lower', internal: true });
    assert.equal(r.status, 201);
    assert.equal(h.engine.inspectNetwork('lower').internal, true);
  });

  it('a duplicate name is 409 with Docker’s message', async () => {
    assert.equal((await create({ Name: 'dup' })).status, 201);
    const r = await create({ Name: 'dup' });
    assert.equal(r.status, 409);
    assert.deepEqual(r.json(), { message: 'network with name dup already exists' });
  });

  it('overlapping pools are 403', async () => {
    const r = await create({ Name: 'over', IPAM: { Config: [{ Subnet: '172.17.5.0/24' }] } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json(), { message: 'Pool overlaps with other one on this address space' });
  });

  it('malformed JSON and wrong types are 400 with clear messages', async () => {
    const bad = await create('{"Name": ');
    assert.equal(bad.status, 400);
    assert.match((bad.json() as Json)['message'] as string, /^invalid JSON: /);
    const arr = await create('[1,2]');
    assert.equal(arr.status, 400);
    assert.deepEqual(arr.json(), { message: 'invalid JSON: expected an object, got array' });
    const typed = await create({ Name: 'x1', Internal: 'yes' });
    assert.equal(typed.status, 400);
    assert.deepEqual(typed.json(), { message: 'invalid type for field "Internal": expected boolean, got string' });
    const nested = await create({ Name: 'x2', IPAM: { Config: [{ Subnet: 5 }] } });
    assert.equal(nested.status, 400);
    assert.deepEqual(nested.json(), { message: 'invalid type for field "IPAM.Config[0].Subnet": expected string, got number' });
    const labels = await create({ Name: 'x3', Labels: { a: 1 } });
    assert.equal(labels.status, 400);
    const noName = await create({});
    assert.equal(noName.status, 400);
    const ctype = await call(h.socketPath, 'POST', '/networks/create', '{"Name":"x4"}', { 'Content-Type': 'text/plain' });
    assert.equal(ctype.status, 400);
    assert.deepEqual(ctype.json(), { message: "Content-Type specified (text/plain) must be 'application/json'" });
    const v6 = await create({ Name: 'x5', EnableIPv6: true });
    assert.equal(v6.status, 400);
  });

  it('GET /networks lists with Docker’s list shape (no Containers)', async () => {
    await create({ Name: 'appnet' });
    const r = await call(h.socketPath, 'GET', '/networks');
    assert.equal(r.status, 200);
    const list = r.json() as Json[];
    assert.deepEqual(list.map((n) => n['Name']), ['bridge', 'host', 'none', 'appnet']);
    for (const n of list) assert.deepEqual(n['Containers'], {});
  });

  const names = async (filters: unknown) => {
    const r = await call(h.socketPath, 'GET', `/networks?filters=${encodeURIComponent(JSON.stringify(filters))}`);
    assert.equal(r.status, 200, r.text);
    return (r.json() as Json[]).map((n) => n['Name']).sort();
  };

  it('filters: name (regexp), id (prefix), driver, label, type, dangling', async () => {
    const a = (await create({ Name: 'front-a', Labels: { tier: 'web', env: 'prod' } })).json() as Json;
    await create({ Name: 'front-b', Labels: { tier: 'web' } });
    await create({ Name: 'back' });
    assert.deepEqual(await names({ name: { front: true } }), ['front-a', 'front-b']);
    assert.deepEqual(await names({ name: ['^b'] }), ['back', 'bridge']);
    assert.deepEqual(await names({ id: { [String(a['Id']).slice(0, 10)]: true } }), ['front-a']);
    assert.deepEqual(await names({ driver: { host: true } }), ['host']);
    assert.deepEqual(await names({ driver: { null: true, host: true } }), ['host', 'none']);
    assert.deepEqual(await names({ label: { tier: true } }), ['front-a', 'front-b']);
    assert.deepEqual(await names({ label: { 'tier=web': true, env: true } }), ['front-a']);
    assert.deepEqual(await names({ type: { builtin: true } }), ['bridge', 'host', 'none']);
    assert.deepEqual(await names({ type: { custom: true } }), ['back', 'front-a', 'front-b']);
    // back is used by a running container: not dangling
    const c = await h.engine.createContainer({ name: 'user', cmd: ['sleep', '1'], networkMode: 'back' });
    await h.engine.startContainer(c.container.id);
    assert.deepEqual(await names({ dangling: { true: true } }), ['front-a', 'front-b']);
    assert.deepEqual(await names({ dangling: ['false'] }), ['back', 'bridge', 'host', 'none']);
    await h.engine.removeContainer(c.container.id, true);
  });

  it('bad filters are 400 with Docker’s messages', async () => {
    const get = (q: string) => call(h.socketPath, 'GET', `/networks?filters=${encodeURIComponent(q)}`);
    assert.deepEqual((await get('{"colour":{"x":true}}')).json(), { message: "Invalid filter 'colour'" });
    assert.deepEqual((await get('{"type":{"weird":true}}')).json(), { message: "invalid filter: 'type'='weird'" });
    assert.deepEqual((await get('{"dangling":{"maybe":true}}')).json(), {
      message: 'invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")',
    });
    const bad = await get('{nope');
    assert.equal(bad.status, 400);
    assert.match((bad.json() as Json)['message'] as string, /^invalid filters: /);
  });

  it('GET /networks/{id} by name, id and id prefix; 404 otherwise', async () => {
    const id = String(((await create({ Name: 'appnet' })).json() as Json)['Id']);
    for (const ref of ['appnet', id, id.slice(0, 12)]) {
      const r = await call(h.socketPath, 'GET', `/networks/${ref}`);
      assert.equal(r.status, 200);
      assert.equal((r.json() as Json)['Id'], id);
    }
    const r = await call(h.socketPath, 'GET', '/networks/nosuch');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), { message: 'network nosuch not found' });
  });

  it('inspect matches dockerd’s captured shapes key for key (user network, default bridge, host/none)', async () => {
    await create({ Name: 'appnet', IPAM: { Driver: 'default', Config: [], Options: {} } });
    const c = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '1'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
    await h.engine.startContainer(c.container.id);
    const c0 = await h.engine.createContainer({ name: 'web0', cmd: ['sleep', '1'] });
    await h.engine.startContainer(c0.container.id);
    const get = async (n: string) => (await call(h.socketPath, 'GET', `/networks/${n}`)).json() as Json;
    const appnet = await get('appnet');
    const bridge = await get('bridge');
    const [gApp, gBridge] = [golden('network-appnet.json')[0], golden('network-bridge.json')[0]];
    const idKeys = ['Containers'].flatMap(() => [c.container.id, c0.container.id, ...Object.keys(gApp?.['Containers'] as Json), ...Object.keys(gBridge?.['Containers'] as Json)]);
    assert.deepEqual(shape(appnet, idKeys), shape(gApp, idKeys));
    assert.deepEqual(Object.keys(appnet), Object.keys(gApp as Json));
    assert.deepEqual(shape(bridge, idKeys), shape(gBridge, idKeys));
    assert.deepEqual(bridge['Options'], gBridge?.['Options']);
    assert.deepEqual(bridge['IPAM'], gBridge?.['IPAM']);
    const ep = (appnet['Containers'] as Json)[c.container.id] as Json;
    assert.equal(ep['Name'], 'web');
    assert.match(String(ep['IPv4Address']), /^172\.18\.0\.2\/16$/);
    const [gHost, gNone] = golden('network-host-none.json');
    const host = await get('host');
    const none = await get('none');
    assert.deepEqual(shape(host), shape(gHost));
    assert.deepEqual(shape(none), shape(gNone));
    assert.deepEqual(host['IPAM'], gHost?.['IPAM']);
    await h.engine.removeContainer(c.container.id, true);
    await h.engine.removeContainer(c0.container.id, true);
  });

  it('DELETE /networks/{id}: 204, 404, 403 for predefined and in-use networks', async () => {
    await create({ Name: 'gone' });
    const ok = await call(h.socketPath, 'DELETE', '/networks/gone');
    assert.equal(ok.status, 204);
    assert.equal(ok.text, '');
    const missing = await call(h.socketPath, 'DELETE', '/networks/gone');
    assert.equal(missing.status, 404);
    const pre = await call(h.socketPath, 'DELETE', '/networks/bridge');
    assert.equal(pre.status, 403);
    assert.deepEqual(pre.json(), { message: 'bridge is a pre-defined network and cannot be removed' });
  });

  it('connect/disconnect: 200, body validated, engine errors mapped', async () => {
    await create({ Name: 'appnet', IPAM: { Config: [{ Subnet: '10.30.0.0/24' }] } });
    const c = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '1'] });
    await h.engine.startContainer(c.container.id);
    const conn = await call(h.socketPath, 'POST', '/networks/appnet/connect', {
      Container: 'web',
      EndpointConfig: { IPAMConfig: { IPv4Address: '10.30.0.9' }, Aliases: ['www'] },
    });
    assert.equal(conn.status, 200);
    assert.equal(conn.text, '');
    const ep = h.engine.endpoints().find((e) => e.containerId === c.container.id && e.ipv4 === '10.30.0.9');
    assert.ok(ep, 'endpoint with the static address');
    assert.deepEqual(h.engine.inspectContainer('web').networks[1]?.aliases, ['www']);
    const again = await call(h.socketPath, 'POST', '/networks/appnet/connect', { Container: 'web' });
    assert.equal(again.status, 403);
    assert.deepEqual(again.json(), { message: 'endpoint with name web already exists in network appnet' });
    const noCtr = await call(h.socketPath, 'POST', '/networks/appnet/connect', { Container: 'nosuch' });
    assert.equal(noCtr.status, 404);
    assert.deepEqual(noCtr.json(), { message: 'No such container: nosuch' });
    const badType = await call(h.socketPath, 'POST', '/networks/appnet/connect', { Container: 7 });
    assert.equal(badType.status, 400);
    const empty = await call(h.socketPath, 'POST', '/networks/appnet/connect');
    assert.equal(empty.status, 400);
    const disc = await call(h.socketPath, 'POST', '/networks/appnet/disconnect', { Container: 'web', Force: false });
    assert.equal(disc.status, 200);
    assert.equal(h.engine.endpoints().filter((e) => e.containerId === c.container.id).length, 1);
    const badForce = await call(h.socketPath, 'POST', '/networks/appnet/disconnect', { Container: 'web', Force: 'yes' });
    assert.equal(badForce.status, 400);
    await h.engine.removeContainer(c.container.id, true);
  });

  it('POST /networks/prune → {NetworksDeleted}: names, or null when none', async () => {
    await create({ Name: 'p1' });
    await create({ Name: 'p2' });
    const r = await call(h.socketPath, 'POST', '/networks/prune');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { NetworksDeleted: ['p1', 'p2'] });
    const none = await call(h.socketPath, 'POST', '/networks/prune');
    assert.deepEqual(none.json(), { NetworksDeleted: null });
  });

  it('POST /networks/prune with label, label! and until filters (dockerd’s rules)', async () => {
    await create({ Name: 'keep1', Labels: { keep: '1' } });
    await create({ Name: 'keep2', Labels: { keep: '2' } });
    await create({ Name: 'other', Labels: { other: '' } });
    await create({ Name: 'bare' });
    const prune = (f: object) => call(h.socketPath, 'POST', `/networks/prune?filters=${encodeURIComponent(JSON.stringify(f))}`);
    assert.deepEqual((await prune({ label: { 'keep=1': true } })).json(), { NetworksDeleted: ['keep1'] });
    assert.deepEqual((await prune({ until: { '2000-01-01T00:00:00Z': true } })).json(), { NetworksDeleted: null });
    assert.deepEqual((await prune({ until: { '1h': true } })).json(), { NetworksDeleted: null });
    assert.deepEqual((await prune({ 'label!': { other: true } })).json(), { NetworksDeleted: ['keep2', 'bare'] });
    const bad = await prune({ until: { zz: true } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { message: 'failed to parse value as time or duration: "zz"' });
    assert.equal((await prune({ until: { '1h': true, '2h': true } })).status, 400);
    assert.deepEqual((await prune({ until: { '-1h': true }, label: { other: true } })).json(), { NetworksDeleted: ['other'] });
  });

  it('parseUntil reads Go durations, unix timestamps and RFC 3339 times', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    assert.equal(parseUntil('1h30m', now), now - 90 * 60_000);
    assert.equal(parseUntil('1.5s', now), now - 1500);
    assert.equal(parseUntil('-10m', now), now + 600_000);
    assert.equal(parseUntil('1700000000', now), 1_700_000_000_000);
    assert.equal(parseUntil('1700000000.25', now), 1_700_000_000_250);
    assert.equal(parseUntil('2024-01-02T03:04:05Z', now), Date.parse('2024-01-02T03:04:05Z'));
    assert.throws(() => parseUntil('yesterday', now), /failed to parse value as time or duration: "yesterday"/);
  });

  it('duplicate names are 409 whatever CheckDuplicate says; swarm scope and plugin IPAM drivers answer as dockerd', async () => {
    assert.equal((await create({ Name: 'twice' })).status, 201);
    const again = await create({ Name: 'twice', CheckDuplicate: false });
    assert.deepEqual([again.status, again.json()], [409, { message: 'network with name twice already exists' }]);
    const swarm = await create({ Name: 'sw', Scope: 'swarm' });
    assert.deepEqual([swarm.status, swarm.json()], [403, { message: 'cannot create a swarm scoped network when swarm is not active' }]);
    const ipam = await create({ Name: 'ip', IPAM: { Driver: 'weird' } });
    assert.deepEqual([ipam.status, ipam.json()], [404, { message: 'plugin "weird" not found' }]);
  });

  it('connect/disconnect check like dockerd first: container, network, network modes, static address', async () => {
    await create({ Name: 'modes' });
    const host = await h.engine.createContainer({ name: 'h1', cmd: ['sleep', '1'], networkMode: 'host' });
    const none = await h.engine.createContainer({ name: 'n1', cmd: ['sleep', '1'], networkMode: 'none' });
    const br = await h.engine.createContainer({ name: 'b1', cmd: ['sleep', '1'] });
    const connect = (net: string, body: object) => call(h.socketPath, 'POST', `/networks/${net}/connect`, body);
    const answer = async (r: Promise<{ status: number; json(): unknown }>) => {
      const x = await r;
      return [x.status, (x.json() as { message: string }).message];
    };
    assert.deepEqual(await answer(connect('nosuch', { Container: 'nosuch' })), [404, 'No such container: nosuch']);
    assert.deepEqual(await answer(connect('modes', {})), [400, 'invalid name or ID supplied: ""']);
    assert.deepEqual(await answer(connect('modes', { Container: 'h1' })), [400, 'container sharing network namespace with another container or host cannot be connected to any other network']);
    assert.deepEqual(await answer(connect('host', { Container: 'h1' })), [403, 'endpoint with name h1 already exists in network host']);
    assert.deepEqual(await answer(connect('modes', { Container: 'n1' })), [400, 'container cannot be connected to multiple networks with one of the networks in private (none) mode']);
    assert.deepEqual(await answer(connect('host', { Container: 'b1' })), [400, 'container cannot be disconnected from host network or connected to host network']);
    assert.deepEqual(await answer(connect('none', { Container: 'b1' })), [400, 'container cannot be connected to multiple networks with one of the networks in private (none) mode']);
    assert.deepEqual(await answer(connect('modes', { Container: 'b1', EndpointConfig: { IPAMConfig: { IPv4Address: '172.30.0.9' } } })), [400, 'user specified IP address is supported only when connecting to networks with user configured subnets']);
    const disc = (net: string, ctr: string) => answer(call(h.socketPath, 'POST', `/networks/${net}/disconnect`, { Container: ctr }));
    assert.deepEqual(await disc('host', 'h1'), [400, 'container cannot be disconnected from host network or connected to host network']);
    assert.deepEqual(await disc('modes', 'h1'), [403, `container ${host.container.id} is not connected to network modes`]);
    for (const c of [host, none, br]) await h.engine.removeContainer(c.container.id, true);
  });

  it('a GET on a name that looks like a sub-route still inspects that network', async () => {
    await create({ Name: 'prune' });
    const r = await call(h.socketPath, 'GET', '/networks/prune');
    assert.equal(r.status, 200);
    assert.equal((r.json() as Json)['Name'], 'prune');
  });
});
