// A Docker SDK (dockerode 4) against berthd and against a real dockerd 20.10, side by
// side in one run: the network lifecycle (listNetworks, createNetwork, inspect,
// connect/disconnect, remove, pruneNetworks), errors (statusCode and json.message),
// /containers/json and /containers/{id}/json of a running sandbox against a running
// container, /_ping, /version, /info, version-prefixed paths, malformed requests, and
// the /events stream. Raw JSON is compared by field set and types, and by values
// where the two must agree (ids masked by name). Differences berth keeps are
// asserted as such, each with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import Docker from 'dockerode';
import { pollUntil } from '../helpers/netns.js';
import { IMAGE } from '../differential/dockerd.js';
import { DaemonPair, emptyToNull, jsonOf, maskPaths, messageOf, shapeDiff, type RawReply, type Side } from '../helpers/docker-compat.js';

const pair = new DaemonPair();
let bd: Docker; // dockerode → berthd
let dd: Docker; // dockerode → dockerd

/** The two clients with their sides, berth first. */
function clients(): [Docker, Side][] {
  return [
    [bd, pair.berth],
    [dd, pair.docker],
  ];
}

/** Runs the same dockerode call against both daemons. */
function both<T>(call: (d: Docker, s: Side) => Promise<T>): Promise<[T, T]> {
  return Promise.all([call(bd, pair.berth), call(dd, pair.docker)]);
}

interface Outcome {
  readonly status: number;
  readonly message: string;
}

/** A dockerode call's HTTP outcome: 2xx, or the error's statusCode and json.message. */
async function outcome(s: Side, call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return { status: 200, message: '' };
  } catch (e) {
    const err = e as { statusCode?: number; json?: { message?: string } | null; message?: string };
    if (typeof err.statusCode !== 'number') throw e;
    return { status: err.statusCode, message: s.mask(err.json?.message ?? String(err.message)) };
  }
}

function rawOutcome(s: Side, r: RawReply): Outcome {
  return { status: r.status, message: s.mask(messageOf(r)) };
}

const CREATED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const checkCreated = (path: string, v: unknown) => assert.match(String(v), CREATED, `${path} is an RFC 3339 time`);
const checkId = (path: string, v: unknown) => assert.match(String(v), /^[0-9a-f]{64}$/, `${path} is a 64-hex id`);

/** Started early, compared late: dockerd spends 15 s looking for plugins it does not have. */
let slowPluginCases: Promise<[[Outcome, Outcome], [Outcome, Outcome]]>;

before(async () => {
  await pair.start(); // berthd without -G: the socket's group is the default one
  bd = new Docker({ socketPath: pair.berth.socket });
  dd = new Docker({ socketPath: pair.docker.socket });
  await pair.berthHost.ok(['run', '-d', '--name', 'c1', '--', 'sleep', '600']);
  const c = await dd.createContainer({ name: 'c1', Image: IMAGE, Cmd: ['sleep', '600'] });
  await c.start();
  await Promise.all(pair.sides.map((s) => s.learnIds()));
  slowPluginCases = Promise.all([
    Promise.all(clients().map(([d, s]) => outcome(s, () => d.createNetwork({ Name: 'nodriver', Driver: 'nosuchdriver' })))) as Promise<[Outcome, Outcome]>,
    Promise.all(clients().map(([d, s]) => outcome(s, () => d.createNetwork({ Name: 'noipam', IPAM: { Driver: 'nosuchipam' } })))) as Promise<[Outcome, Outcome]>,
  ]);
  slowPluginCases.catch(() => undefined);
});

after(() => pair.stop());

test('/_ping, /version and /info: the same fields and types as dockerd', async () => {
  const [bp, dp] = await both((d) => d.ping() as Promise<unknown>);
  assert.equal(String(bp), 'OK');
  assert.equal(String(dp), 'OK');
  const [bh, dh] = await Promise.all(pair.sides.map((s) => s.http('GET', '/_ping')));
  for (const h of ['api-version', 'docker-experimental', 'ostype', 'cache-control', 'pragma', 'content-type']) {
    assert.equal(bh?.headers[h], dh?.headers[h], `/_ping header ${h}`);
  }
  const [bhead, dhead] = await Promise.all(pair.sides.map((s) => s.http('HEAD', '/_ping')));
  assert.deepEqual([bhead?.status, bhead?.text], [dhead?.status, dhead?.text], 'HEAD /_ping');

  const [bv, dv] = (await both((d) => d.version())) as unknown as [Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(shapeDiff(bv, dv), [], '/version: same fields and types');
  for (const k of ['ApiVersion', 'MinAPIVersion', 'Os', 'Arch', 'KernelVersion']) assert.equal(bv[k], dv[k], `/version ${k}`);

  const [bi, di] = (await both((d) => d.info() as Promise<Record<string, unknown>>)) as [Record<string, unknown>, Record<string, unknown>];
  // berth adds a few fields of its own; Go nil and empty lists are alike to clients.
  const extras = ['Networks', 'IPTables', 'IPForward', 'UserlandProxy', 'DataRoot', 'ExecRoot'].map((k) => `$.${k}`);
  assert.deepEqual(shapeDiff(bi, di, { nilMatchesEmpty: true, berthExtras: extras, maps: ['$.Runtimes'] }), [], '/info: same fields and types');
  assert.deepEqual(bi['Runtimes'], {}, 'berth runs host commands: no OCI runtime');
  for (const k of ['Containers', 'ContainersRunning', 'ContainersPaused', 'ContainersStopped', 'OSType', 'OperatingSystem', 'OSVersion', 'Architecture', 'NCPU', 'MemTotal', 'KernelVersion', 'IPv4Forwarding', 'CgroupVersion', 'LoggingDriver', 'Debug', 'Name']) {
    assert.deepEqual(bi[k], di[k], `/info ${k}`);
  }
  assert.deepEqual(bi['Swarm'], di['Swarm'], '/info Swarm (inactive)');
  assert.equal(bi['DockerRootDir'], pair.berthHost.dataRoot);
});

test('version-prefixed and unprefixed paths, and API versions out of range', async () => {
  for (const path of ['/networks', '/v1.41/networks', '/v1.40/networks', '/v1.24/networks']) {
    const [b, d] = await Promise.all(pair.sides.map((s) => s.http('GET', path)));
    assert.equal(b?.status, 200, `berth GET ${path}`);
    assert.equal(d?.status, 200, `dockerd GET ${path}`);
    const names = (r: RawReply | undefined) => (jsonOf(r as RawReply, path) as { Name: string }[]).map((n) => n.Name).sort();
    assert.deepEqual(names(b), names(d), `GET ${path}`);
  }
  const [bn, dn] = await Promise.all(pair.sides.map((s) => new Docker({ socketPath: s.socket, version: 'v1.41' }).listNetworks()));
  assert.deepEqual(bn?.map((n) => n.Name).sort(), dn?.map((n) => n.Name).sort(), 'dockerode with version v1.41');
  for (const path of ['/v1.99/version', '/v1.11/version', '/v1.41/nosuch', '/nosuch']) {
    const [b, d] = await Promise.all(pair.sides.map((s) => s.http('GET', path)));
    assert.deepEqual(rawOutcome(pair.berth, b as RawReply), rawOutcome(pair.docker, d as RawReply), `GET ${path}`);
    assert.doesNotThrow(() => jsonOf(b as RawReply, path), 'berth always answers errors in JSON');
  }
});

test('network lifecycle through dockerode: create with options, list with filters, inspect, connect, disconnect, remove, prune', async () => {
  const spec: Docker.NetworkCreateOptions = {
    Name: 'dnet',
    CheckDuplicate: true,
    Driver: 'bridge',
    Attachable: true,
    Labels: { team: 'a', tier: '' },
    Options: { 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.driver.mtu': '1450' },
    IPAM: { Driver: 'default', Config: [{ Subnet: '10.81.0.0/24', Gateway: '10.81.0.1', IPRange: '10.81.0.128/25' }], Options: {} },
  };
  const [bnet, dnet] = await both((d) => d.createNetwork(spec));
  checkId('berth id', bnet.id);
  checkId('dockerd id', dnet.id);
  // The raw create reply: {Id, Warning}.
  const [br, dr] = await Promise.all(pair.sides.map((s) => s.http('POST', '/networks/create', { Name: 'dnet2', CheckDuplicate: true })));
  assert.deepEqual([br?.status, Object.keys(jsonOf(br as RawReply, 'create') as object)], [dr?.status, Object.keys(jsonOf(dr as RawReply, 'create') as object)]);
  await Promise.all(pair.sides.map((s) => s.learnIds()));

  const inspect = async (d: Docker, s: Side) => s.maskJson(maskPaths(await d.getNetwork('dnet').inspect(), ['Created'], checkCreated));
  const [bi, di] = await both(inspect);
  assert.deepEqual(shapeDiff(bi, di), [], 'inspect: same fields and types');
  assert.deepEqual(bi, di, 'inspect: same values (ids masked)');

  // IPAM.Options: dockerd echoes what the client sent (none: null, {}: {}); berth keeps
  // no IPAM options and shows {} for user networks. Go clients read nil and {} alike.
  const ipamOptionsNil = (nets: unknown) =>
    (nets as { IPAM: { Options: unknown } }[]).map((n) => ({ ...n, IPAM: { ...n.IPAM, Options: emptyToNull(n.IPAM.Options) } }));
  const list = async (d: Docker, s: Side, filters: Record<string, string[]>) =>
    ipamOptionsNil(s.maskJson(maskPaths(await d.listNetworks({ filters }), ['*.Created'], checkCreated)));
  const listFilters: Record<string, string[]>[] = [{ name: ['dnet'] }, { name: ['^dnet$'] }, { label: ['team=a'] }, { driver: ['bridge'] }, { type: ['custom'] }, { type: ['builtin'] }, { dangling: ['true'] }];
  for (const filters of listFilters) {
    const [bl, dl] = await both((d, s) => list(d, s, filters));
    const byName = (xs: unknown) => [...(xs as { Name: string }[])].sort((a, b) => a.Name.localeCompare(b.Name));
    assert.deepEqual(byName(bl), byName(dl), `listNetworks(${JSON.stringify(filters)})`);
  }

  // connect with a static address and an alias; both daemons show the same endpoint.
  await both((d) => d.getNetwork('dnet').connect({ Container: 'c1', EndpointConfig: { IPAMConfig: { IPv4Address: '10.81.0.200' }, Aliases: ['web'] } }));
  const [be, de] = await both(async (d, s) => s.maskJson(maskPaths(((await d.getNetwork('dnet').inspect()) as { Containers: unknown }).Containers, ['*.EndpointID'], checkId)));
  assert.deepEqual(be, de, 'inspect .Containers after connect');
  const [bc, dc] = await both(async (d, s) => s.maskJson(maskPaths((await d.getContainer('c1').inspect()).NetworkSettings.Networks['dnet'], ['EndpointID'], checkId)));
  assert.deepEqual(shapeDiff(bc, dc, { nilMatchesEmpty: true }), [], 'the container’s dnet endpoint: same fields and types');
  assert.deepEqual(emptyToNull(bc), emptyToNull(dc), 'the container’s dnet endpoint: same values (aliases, address, MAC, gateway)');

  const [brm, drm] = await both((d, s) => outcome(s, () => d.getNetwork('dnet').remove()));
  assert.deepEqual(brm, drm, 'removing a network in use');
  assert.equal(brm.status, 403);
  await both((d) => d.getNetwork('dnet').disconnect({ Container: 'c1' }));
  await both((d) => d.getNetwork('dnet').remove());
  const [bgone, dgone] = await both((d, s) => outcome(s, () => d.getNetwork('dnet').inspect()));
  assert.deepEqual(bgone, dgone);
  assert.equal(bgone.status, 404);

  // prune: with a label filter, then everything unused, then nothing left.
  await both((d) => d.createNetwork({ Name: 'p1', Labels: { keep: '1' } }));
  await both((d) => d.createNetwork({ Name: 'p2' }));
  const [bp1, dp1] = await both((d) => d.pruneNetworks({ filters: { label: ['keep=1'] } }));
  assert.deepEqual(bp1, dp1, 'pruneNetworks(label=keep=1)');
  assert.deepEqual(bp1, { NetworksDeleted: ['p1'] });
  const sortDeleted = (r: Docker.PruneNetworksInfo) => ({ NetworksDeleted: r.NetworksDeleted === null ? null : [...r.NetworksDeleted].sort() });
  const [bp2, dp2] = await both((d) => d.pruneNetworks());
  assert.deepEqual(sortDeleted(bp2), sortDeleted(dp2), 'pruneNetworks()');
  assert.deepEqual(sortDeleted(bp2), { NetworksDeleted: ['dnet2', 'p2'] });
  const [bp3, dp3] = await both((d) => d.pruneNetworks());
  assert.deepEqual(bp3, dp3, 'pruneNetworks() with nothing to prune');
  assert.deepEqual(bp3, { NetworksDeleted: null });
});

interface ErrorCase {
  readonly what: string;
  readonly run: (d: Docker, s: Side) => Promise<Outcome>;
  /** 'same': status and message; 'status': the status (Go's and berth's decoder words differ); else each side's answer and why. */
  readonly expect: 'same' | 'status' | { readonly berth: Outcome; readonly dockerd: Outcome; readonly why: string };
}

const raw = (method: string, path: string, body?: string | object) => async (_d: Docker, s: Side) => rawOutcome(s, await s.http(method, path, body));
const call = (f: (d: Docker) => Promise<unknown>) => (d: Docker, s: Side) => outcome(s, () => f(d));
const createRaw = (body: string | object) => raw('POST', '/v1.41/networks/create', body);
const filtersQuery = (f: object) => `/v1.41/networks?filters=${encodeURIComponent(JSON.stringify(f))}`;

const ERROR_CASES: readonly ErrorCase[] = [
  { what: 'duplicate name (CheckDuplicate, as the docker CLI sends)', run: call((d) => d.createNetwork({ Name: 'errnet', CheckDuplicate: true })), expect: 'same' },
  { what: 'overlapping subnet', run: call((d) => d.createNetwork({ Name: 'over', IPAM: { Config: [{ Subnet: '10.82.0.128/25' }] } })), expect: 'same' },
  { what: 'unknown network: inspect', run: call((d) => d.getNetwork('nosuch').inspect()), expect: 'same' },
  { what: 'unknown network: remove', run: call((d) => d.getNetwork('nosuch').remove()), expect: 'same' },
  { what: 'unknown network: connect', run: call((d) => d.getNetwork('nosuch').connect({ Container: 'c1' })), expect: 'same' },
  { what: 'unknown container: connect', run: call((d) => d.getNetwork('errnet').connect({ Container: 'nosuch' })), expect: 'same' },
  { what: 'already connected', run: call((d) => d.getNetwork('errnet').connect({ Container: 'c1' })), expect: 'same' },
  { what: 'removing a network in use', run: call((d) => d.getNetwork('errnet').remove()), expect: 'same' },
  { what: 'creating a predefined network', run: call((d) => d.createNetwork({ Name: 'bridge', CheckDuplicate: true })), expect: 'same' },
  { what: 'removing a predefined network', run: call((d) => d.getNetwork('host').remove()), expect: 'same' },
  { what: 'a static address on the default bridge (checked before "already connected")', run: call((d) => d.getNetwork('bridge').connect({ Container: 'c1', EndpointConfig: { IPAMConfig: { IPv4Address: '172.17.0.99' } } })), expect: 'same' },
  { what: 'a static address on a network without a configured subnet', run: call((d) => d.getNetwork('nosub').connect({ Container: 'c1', EndpointConfig: { IPAMConfig: { IPv4Address: '10.85.0.9' } } })), expect: 'same' },
  { what: 'connect without a container', run: raw('POST', '/v1.41/networks/errnet/connect', {}), expect: 'same' },
  { what: 'disconnect without a container', run: raw('POST', '/v1.41/networks/errnet/disconnect', {}), expect: 'same' },
  { what: 'unknown container and network: the container is looked up first', run: call((d) => d.getNetwork('nosuch').disconnect({ Container: 'nosuch' })), expect: 'same' },
  { what: 'connecting to the host network', run: call((d) => d.getNetwork('host').connect({ Container: 'c1' })), expect: 'same' },
  { what: 'connecting to the none network', run: call((d) => d.getNetwork('none').connect({ Container: 'c1' })), expect: 'same' },
  { what: 'swarm scope', run: call((d) => d.createNetwork({ Name: 'sw', Scope: 'swarm' })), expect: 'same' },
  { what: 'unknown list filter', run: raw('GET', filtersQuery({ bogus: { x: true } })), expect: 'same' },
  { what: 'unknown prune filter', run: raw('POST', `/v1.41/networks/prune?filters=${encodeURIComponent('{"bogus":{"x":true}}')}`), expect: 'same' },
  { what: 'malformed JSON body', run: createRaw('{"Name": "x",'), expect: 'status' },
  { what: 'a JSON array body', run: createRaw('[1, 2]'), expect: 'status' },
  { what: 'a field of the wrong type', run: createRaw({ Name: 5 }), expect: 'status' },
  { what: 'a boolean field given a string', run: createRaw({ Name: 'x', Internal: 'yes' }), expect: 'status' },
  {
    what: 'unknown fields are ignored',
    run: async (d, s) => {
      const o = rawOutcome(s, await s.http('POST', '/v1.41/networks/create', { Name: 'extra', Bogus: 1, IPAM: { Config: [{ Subnet: '10.83.0.0/24', Whatever: 'x' }] } }));
      await d.getNetwork('extra').remove();
      return { status: o.status, message: '' };
    },
    expect: 'same',
  },
  {
    what: 'duplicate name without CheckDuplicate',
    run: async (d, s) => {
      const r = await s.http('POST', '/v1.41/networks/create', { Name: 'errnet' });
      const body = jsonOf(r, 'create') as { Id?: string; Warning?: string; message?: string };
      if (r.status === 201 && body.Id) await d.getNetwork(body.Id).remove(); // dockerd made a second errnet
      return { status: r.status, message: s.mask(body.message ?? body.Warning ?? '') };
    },
    expect: {
      berth: { status: 409, message: 'network with name errnet already exists' },
      dockerd: { status: 201, message: 'Network with name errnet (id : <net:errnet>) already exists' },
      why: 'berth never makes two networks of one name (names would become ambiguous); Docker ≥ 23 (API 1.44) always checks too',
    },
  },
  {
    what: 'bad CIDR',
    run: call((d) => d.createNetwork({ Name: 'bad', IPAM: { Config: [{ Subnet: '10.84.0.0/33' }] } })),
    expect: {
      berth: { status: 400, message: 'Invalid subnet 10.84.0.0/33 : invalid CIDR address: 10.84.0.0/33' },
      dockerd: { status: 500, message: 'Invalid subnet 10.84.0.0/33 : invalid CIDR address: 10.84.0.0/33' },
      why: 'a malformed value is the client’s mistake: 400, where dockerd 20.10 answers 500',
    },
  },
  {
    what: 'empty name',
    run: createRaw({ Name: '' }),
    expect: {
      berth: { status: 400, message: 'network name is required' },
      dockerd: { status: 500, message: 'invalid name: ' },
      why: 'a missing name is the client’s mistake: 400 with a clear message',
    },
  },
  {
    what: 'malformed filters',
    run: raw('GET', '/v1.41/networks?filters=%7Bbad'),
    expect: {
      berth: { status: 400, message: 'invalid filters: Expected property name or \'}\' in JSON at position 1' },
      dockerd: { status: 500, message: "invalid character 'b' looking for beginning of object key string" },
      why: 'malformed input is a 400',
    },
  },
  {
    what: 'a bad value of the type filter',
    run: raw('GET', filtersQuery({ type: { foo: true } })),
    expect: {
      berth: { status: 400, message: "invalid filter: 'type'='foo'" },
      dockerd: { status: 500, message: "invalid filter: 'type'='foo'" },
      why: 'same words; a bad value is a 400',
    },
  },
  {
    what: 'disconnecting a container that is not connected',
    run: call((d) => d.getNetwork('none').disconnect({ Container: 'c1' })),
    expect: {
      berth: { status: 403, message: 'container <ctr:c1> is not connected to network none' },
      dockerd: { status: 500, message: 'container <ctr:c1> is not connected to network none' },
      why: 'same words; not an internal error, so not a 500',
    },
  },
  {
    what: 'a second network on a bridge another one owns',
    run: call((d) => d.createNetwork({ Name: 'samebr', Options: { 'com.docker.network.bridge.name': 'br-errnet' } })),
    expect: {
      berth: { status: 409, message: 'bridge name br-errnet is already used by network errnet' },
      dockerd: { status: 403, message: 'cannot create network <id> (br-errnet): conflicts with network <net:errnet> (br-errnet): networks have same bridge name' },
      why: 'both refuse; the engine words it (and classes it) itself',
    },
  },
  {
    what: 'a method the path does not have',
    run: raw('PUT', '/v1.41/networks'),
    expect: {
      berth: { status: 405, message: 'method not allowed' },
      dockerd: { status: 404, message: 'page not found' },
      why: 'HTTP’s answer for a known path and a wrong method',
    },
  },
];

test('errors through dockerode and raw requests: statusCode and json.message as dockerd (kept differences asserted)', async () => {
  await both((d) => d.createNetwork({ Name: 'errnet', CheckDuplicate: true, Options: { 'com.docker.network.bridge.name': 'br-errnet' }, IPAM: { Config: [{ Subnet: '10.82.0.0/24' }] } }));
  await both((d) => d.getNetwork('errnet').connect({ Container: 'c1' }));
  await both((d) => d.createNetwork({ Name: 'nosub', CheckDuplicate: true }));
  await Promise.all(pair.sides.map((s) => s.learnIds()));
  try {
    for (const c of ERROR_CASES) {
      const [b, d] = await both(c.run);
      if (c.expect === 'same') {
        assert.deepEqual(b, d, `${c.what}: berthd (actual) vs dockerd (expected)`);
      } else if (c.expect === 'status') {
        assert.equal(b.status, d.status, `${c.what}: status (berth said ${JSON.stringify(b.message)}, dockerd ${JSON.stringify(d.message)})`);
        assert.equal(b.status, 400, c.what);
        assert.match(b.message, /^(invalid JSON|invalid type for field)/, `${c.what}: berth names the problem`);
      } else {
        assert.deepEqual(d, c.expect.dockerd, `${c.what}: dockerd 20.10 as recorded`);
        assert.deepEqual(b, c.expect.berth, `${c.what}: berth (${c.expect.why})`);
      }
    }
  } finally {
    await both((d) => d.getNetwork('errnet').disconnect({ Container: 'c1' }).catch(() => undefined));
    await both((d) => d.getNetwork('errnet').remove().catch(() => undefined));
    await both((d) => d.getNetwork('nosub').remove().catch(() => undefined));
  }
});

test('connect and disconnect across network modes (bridge, none, host, container:): dockerd’s checks, order and statuses', async () => {
  const modes = { 'm-none': 'none', 'm-host': 'host', 'm-ctr': 'container:c1' } as const;
  for (const [name, mode] of Object.entries(modes)) {
    await pair.berthHost.ok(['run', '-d', '--name', name, '--network', mode, '--', 'sleep', '600']);
    await (await dd.createContainer({ name, Image: IMAGE, Cmd: ['sleep', '600'], HostConfig: { NetworkMode: mode } })).start();
  }
  await both((d) => d.createNetwork({ Name: 'mnet', CheckDuplicate: true }));
  await Promise.all(pair.sides.map((s) => s.learnIds()));
  try {
    const ctrs = ['c1', ...Object.keys(modes)];
    for (const ctr of ctrs) {
      for (const net of ['mnet', 'none', 'host', 'bridge']) {
        const [b, d] = await both((dk, s) => outcome(s, () => dk.getNetwork(net).connect({ Container: ctr })));
        assert.deepEqual(b, d, `connect ${ctr} to ${net}: berthd (actual) vs dockerd (expected)`);
        if (b.status === 200) await both((dk) => dk.getNetwork(net).disconnect({ Container: ctr }));
      }
    }
    for (const ctr of Object.keys(modes)) {
      for (const net of ['mnet', 'host', 'bridge']) {
        const [b, d] = await both((dk, s) => outcome(s, () => dk.getNetwork(net).disconnect({ Container: ctr })));
        if (d.status === 500 && /is not connected to network/.test(d.message)) {
          // Kept: the same words, but "not connected" is no internal error: 403, not 500.
          assert.deepEqual(b, { status: 403, message: d.message }, `disconnect ${ctr} from ${net}`);
        } else {
          assert.deepEqual(b, d, `disconnect ${ctr} from ${net}: berthd (actual) vs dockerd (expected)`);
        }
      }
    }
    // Kept: dockerd lets a --network none container leave "none" (and then join another
    // network); berth keeps a sandbox's network mode for its life.
    const [b, d] = await both((dk, s) => outcome(s, () => dk.getNetwork('none').disconnect({ Container: 'm-none' })));
    assert.deepEqual(d, { status: 200, message: '' }, 'dockerd 20.10');
    assert.deepEqual(b, { status: 403, message: 'container <ctr:m-none> is not connected to network none' }, 'berth');
  } finally {
    await pair.berthHost.berth(['rm', '-f', ...Object.keys(modes)]);
    for (const name of Object.keys(modes)) await dd.getContainer(name).remove({ force: true }).catch(() => undefined);
    await both((d) => d.getNetwork('mnet').remove().catch(() => undefined));
  }
});

test('/containers/json and /containers/{id}/json: a running sandbox has the fields and types of a running container', async () => {
  const [bl, dl] = await both(async (d, s) => s.maskJson((await d.listContainers({ filters: { name: ['c1'] } })) as unknown[]));
  assert.equal(bl.length, 1, 'berth lists c1');
  assert.equal(dl.length, 1, 'dockerd lists c1');
  assert.deepEqual(shapeDiff(bl[0], dl[0], { nilMatchesEmpty: true }), [], '/containers/json: same fields and types');
  const pick = (c: unknown) => {
    const x = c as { Id: string; Names: string[]; State: string; Status: string; HostConfig: unknown; NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string; IPPrefixLen: number; MacAddress: string }> } };
    const { IPAddress, Gateway, IPPrefixLen, MacAddress } = x.NetworkSettings.Networks['bridge'] ?? { IPAddress: '', Gateway: '', IPPrefixLen: 0, MacAddress: '' };
    return { Id: x.Id, Names: x.Names, State: x.State, Status: x.Status.replace(/^Up .*/, 'Up …'), HostConfig: x.HostConfig, bridge: { IPAddress, Gateway, IPPrefixLen, MacAddress } };
  };
  // The first container on each default bridge: the same address and MAC.
  assert.deepEqual(pick(bl[0]), pick(dl[0]), '/containers/json values');

  const [bi, di] = await both(async (d, s) => s.maskJson((await d.getContainer('c1').inspect()) as unknown));
  assert.deepEqual(shapeDiff(bi, di, { nilMatchesEmpty: true }), [], '/containers/{id}/json: same fields and types');
  const net = (c: unknown) => {
    const x = c as { Name: string; State: { Status: string; Running: boolean }; HostConfig: { NetworkMode: string }; NetworkSettings: Record<string, unknown> };
    const ns = x.NetworkSettings;
    return {
      Name: x.Name,
      Status: x.State.Status,
      Running: x.State.Running,
      NetworkMode: x.HostConfig.NetworkMode,
      legacy: [ns['IPAddress'], ns['IPPrefixLen'], ns['Gateway'], ns['MacAddress']],
      bridge: emptyToNull(maskPaths((ns['Networks'] as Record<string, unknown>)['bridge'], ['EndpointID'])),
    };
  };
  assert.deepEqual(net(bi), net(di), '/containers/{id}/json network values');
  const [bn, dn] = await both((d, s) => outcome(s, () => d.getContainer('nosuch').inspect()));
  assert.deepEqual(bn, dn, 'unknown container');
});

interface RawEvent {
  readonly Type: string;
  readonly Action: string;
  readonly Actor: { readonly ID: string; readonly Attributes: Record<string, string> };
}

test('/events through dockerode: network create/connect/disconnect/destroy with dockerd’s JSON', async () => {
  const streams = await both((d) => d.getEvents({ filters: { type: ['network'] } }));
  const texts = ['', ''];
  streams.forEach((st, i) => st.on('data', (chunk: Buffer) => (texts[i] += chunk.toString('utf8'))));
  /** Complete lines only: every event ends with a newline, a chunk may end mid-event. */
  const linesOf = (i: number) => (texts[i] ?? '').split('\n').slice(0, -1).filter((l) => l.trim() !== '');
  const events = (i: number) => linesOf(i).map((l) => JSON.parse(l) as RawEvent);
  try {
    await Promise.all(
      clients().map(([d, s], i) =>
        pollUntil(
          async () => {
            await d.createNetwork({ Name: 'evready' });
            await d.getNetwork('evready').remove();
            return events(i).some((e) => e.Actor.Attributes['name'] === 'evready' && e.Action === 'destroy');
          },
          { timeoutMs: 15_000, intervalMs: 100, what: `/events of ${s.name} to stream` },
        ),
      ),
    );
    await both(async (d) => {
      await d.createNetwork({ Name: 'evnet' });
      await d.getNetwork('evnet').connect({ Container: 'c1' });
      await d.getNetwork('evnet').disconnect({ Container: 'c1' });
      await d.getNetwork('evnet').remove();
    });
    const actions = ['create', 'connect', 'disconnect', 'destroy'];
    const pickRaw = (i: number) => actions.map((a) => linesOf(i).find((l) => (JSON.parse(l) as RawEvent).Action === a && l.includes('"evnet"')));
    const [bRaw, dRaw] = await Promise.all(
      [0, 1].map((i) => pollUntil(() => (pickRaw(i).every((l) => l !== undefined) ? (pickRaw(i) as string[]) : false), { what: `evnet events on ${pair.sides[i]?.name}` })),
    );
    for (const [k, action] of actions.entries()) {
      const b = JSON.parse(bRaw?.[k] ?? '') as Record<string, unknown>;
      const d = JSON.parse(dRaw?.[k] ?? '') as Record<string, unknown>;
      assert.deepEqual(Object.keys(b), Object.keys(d), `network ${action}: the same fields in the same order`);
      assert.deepEqual(shapeDiff(b, d), [], `network ${action}: the same JSON types`);
      const masked = (s: Side, e: Record<string, unknown>) => s.maskJson(maskPaths(e, ['time', 'timeNano']));
      assert.deepEqual(masked(pair.berth, b), masked(pair.docker, d), `network ${action}: the same values (ids masked)`);
    }
  } finally {
    for (const st of streams) (st as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
});

test('a driver or IPAM driver that is neither built in nor a plugin: 404 plugin not found (dockerd looks for 15 s first)', async () => {
  const [driver, ipam] = await slowPluginCases;
  assert.deepEqual(driver[0], driver[1], 'unknown driver');
  assert.deepEqual(driver[0], { status: 404, message: 'plugin "nosuchdriver" not found' });
  assert.deepEqual(ipam[0], ipam[1], 'unknown IPAM driver');
  assert.deepEqual(ipam[0], { status: 404, message: 'plugin "nosuchipam" not found' });
});

test('the socket: 0660, root, and by default the docker group if it exists (as dockerd)', async () => {
  const docker = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === 'docker');
  const st = await stat(pair.berth.socket);
  assert.equal((st.mode & 0o777).toString(8), '660');
  assert.equal(st.uid, 0);
  assert.equal(st.gid, docker ? Number(docker[2]) : 0, docker ? 'the docker group' : 'root (no docker group here)');
  const dst = await stat(pair.docker.socket);
  assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [dst.mode & 0o777, dst.uid, dst.gid], 'as dockerd’s socket');
});
