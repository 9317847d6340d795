// The real docker client (28.x, /usr/local/bin/docker) against berthd and against a
// real dockerd 20.10, side by side in one run: the same commands must give the same
// exit code, stdout and stderr (ids masked by name), `network inspect` the same field
// set, types and values (ids and times masked). Differences that berth keeps on
// purpose are asserted as such, with the reason. Also here: `docker events` against
// berthd (network lifecycle, sandbox start/die, a repair) and berthd's socket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pollUntil, spawnProcess, type CmdResult, type Spawned } from '../helpers/netns.js';
import { IMAGE } from '../differential/dockerd.js';
import { DaemonPair, DOCKER28, emptyToNull, maskPaths, shapeDiff, sortedLines, type Side } from '../helpers/docker-compat.js';

/** An existing group other than root and docker, for berthd's -G. */
function pickGroup(): { name: string; gid: number } {
  const groups = new Map<string, number>();
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [name, , gid] = line.split(':');
    if (name && gid && /^\d+$/.test(gid)) groups.set(name, Number(gid));
  }
  for (const name of ['adm', 'daemon', 'sys', 'bin']) {
    const gid = groups.get(name);
    if (gid !== undefined && gid !== 0) return { name, gid };
  }
  throw new Error('no usable group (adm, daemon, sys, bin) in /etc/group');
}

const GROUP = pickGroup();
const pair = new DaemonPair();

interface Compared {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function masked(side: Side, r: CmdResult, sort: boolean): Compared {
  const out = side.mask(r.stdout);
  return { code: r.code, stdout: sort ? sortedLines(out) : out, stderr: side.mask(r.stderr) };
}

/**
 * Runs the same docker command against both daemons and asserts the same exit code,
 * stdout and stderr once ids are masked. Returns the two raw results.
 */
async function same(args: readonly string[] | ((s: Side) => readonly string[]), opts: { sortLines?: boolean } = {}): Promise<[CmdResult, CmdResult]> {
  const [b, d] = await pair.both(args);
  await Promise.all(pair.sides.map((s) => s.learnIds()));
  const shown = typeof args === 'function' ? args(pair.berth).join(' ') : args.join(' ');
  assert.deepEqual(masked(pair.berth, b, opts.sortLines ?? false), masked(pair.docker, d, opts.sortLines ?? false), `docker ${shown}: berthd (actual) vs dockerd (expected)`);
  return [b, d];
}

async function inspectJson(side: Side, args: readonly string[]): Promise<unknown> {
  return side.maskJson(JSON.parse(await side.mustDocker(args)) as unknown);
}

const APPNET_OPTS = [
  '--subnet', '10.77.0.0/24',
  '--gateway', '10.77.0.254',
  '--ip-range', '10.77.0.128/25',
  '--internal',
  '--attachable',
  '-o', 'com.docker.network.bridge.enable_icc=false',
  '-o', 'com.docker.network.driver.mtu=1400',
  '--label', 'team=a',
  '--label', 'x',
];

/** Started early, compared in the last test: dockerd spends 15 s looking for a driver plugin. */
let slowDriverCase: Promise<[CmdResult, CmdResult]>;

before(async () => {
  await pair.start({ berthFlags: ['-G', GROUP.name] });
  // A running container on each: a berth sandbox (a host command in its own netns),
  // and a busybox container on dockerd. Both are named c1 and sit on the default bridge.
  await pair.berthHost.ok(['run', '-d', '--name', 'c1', '--', 'sleep', '600']);
  await pair.docker.mustDocker(['run', '-d', '--name', 'c1', IMAGE, 'sleep', '600']);
  await Promise.all(pair.sides.map((s) => s.learnIds()));
  slowDriverCase = pair.both(['network', 'create', '-d', 'nosuchdriver', 'nodriver']);
  slowDriverCase.catch(() => undefined);
});

after(() => pair.stop());

test('the docker 28 client negotiates API 1.41 with both daemons, through -H and through DOCKER_HOST', async () => {
  await same(['version', '--format', '{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}/{{.Server.Arch}}']);
  const [b] = await pair.both(['version', '--format', '{{.Client.APIVersion}}']);
  assert.equal(b.stdout.trim(), '1.41');
  const viaEnv = await Promise.all(pair.sides.map((s) => s.dockerViaEnv(['network', 'ls'])));
  const viaFlag = await pair.both(['network', 'ls']);
  for (const [i, s] of pair.sides.entries()) {
    assert.equal(viaEnv[i]?.code, 0, `${s.name}: DOCKER_HOST=unix://${s.socket} docker network ls: ${viaEnv[i]?.stderr}`);
    assert.equal(viaEnv[i]?.stdout, viaFlag[i]?.stdout, `${s.name}: DOCKER_HOST and -H list the same`);
  }
  await same(['network', 'ls']);
});

test('network create with --subnet/--gateway/--ip-range/--internal/--attachable/-o/--label; inspect has the same fields, types and values', async () => {
  const [b, d] = await same(['network', 'create', ...APPNET_OPTS, 'appnet']);
  assert.match(b.stdout, /^[0-9a-f]{64}\n$/);
  assert.match(d.stdout, /^[0-9a-f]{64}\n$/);
  // No options: both daemons take the next pool of the same default address pools.
  await same(['network', 'create', 'plain']);
  const names = ['appnet', 'plain', 'bridge', 'host', 'none'];
  const [bi, di] = await Promise.all(pair.sides.map((s) => inspectJson(s, ['network', 'inspect', ...names])));
  assert.deepEqual(shapeDiff(bi, di), [], 'network inspect: same field set and JSON types');
  const created = (path: string, v: unknown) => assert.match(String(v), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, `${path} is an RFC 3339 time`);
  // Created differs by nature; everything else, subnets of the unconfigured network included, must agree.
  assert.deepEqual(maskPaths(bi, ['*.Created'], created), maskPaths(di, ['*.Created'], created), 'network inspect values (ids masked)');
  await same(['network', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.Attachable}} {{.EnableIPv6}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}} {{.IPRange}}{{end}} {{json .Labels}} {{json .Options}}', 'appnet', 'plain']);
});

test('network ls: table, --no-trunc, -q, --format and the name/driver/type/label/id/dangling filters', async () => {
  const cases: (readonly string[] | ((s: Side) => readonly string[]))[] = [
    ['network', 'ls'],
    ['network', 'ls', '--no-trunc'],
    ['network', 'ls', '-q'],
    ['network', 'ls', '-q', '--no-trunc'],
    // (not {{.Labels}}: the client joins a Go map, in random order; compared sorted below)
    ['network', 'ls', '--format', '{{.ID}} {{.Name}}\t{{.Driver}}\t{{.Scope}}\t{{.Internal}}\t{{.IPv6}}\t{{.Label "team"}}\t{{.Label "x"}}'],
    ['network', 'ls', '--format', 'table {{.Name}}\t{{.Driver}}'],
    ['network', 'ls', '--filter', 'name=app'],
    ['network', 'ls', '--filter', 'name=^pl.*n$', '-q'],
    ['network', 'ls', '--filter', 'name=appnet', '--filter', 'name=none', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'driver=bridge', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'driver=null', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'type=builtin', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'label=x', '--filter', 'label=team', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'label=team=b', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'scope=local', '-q'],
    // No container is on appnet or plain yet, so they are dangling on both daemons.
    ['network', 'ls', '--filter', 'dangling=true', '--format', '{{.Name}}'],
    ['network', 'ls', '--filter', 'dangling=false', '--format', '{{.Name}}'],
    (s) => ['network', 'ls', '--filter', `id=${[...s.ids].find(([, l]) => l === 'net:appnet')?.[0].slice(0, 6) ?? 'missing'}`, '--format', '{{.Name}}'],
  ];
  for (const args of cases) await same(args);
  // --format json: the same keys and values, but CreatedAt (dockerd has ns, berth ms
  // precision) and the order inside Labels (a Go map, joined in random order).
  const [b, d] = await pair.both(['network', 'ls', '--format', 'json']);
  const rows = (s: Side, text: string) =>
    text
      .trim()
      .split('\n')
      .map((l) => {
        const row = s.maskJson(JSON.parse(l) as Record<string, unknown>);
        row['Labels'] = String(row['Labels']).split(',').sort().join(',');
        return maskPaths(row, ['CreatedAt'], (_p, v) => assert.match(String(v), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \w+$/));
      });
  assert.deepEqual(rows(pair.berth, b.stdout), rows(pair.docker, d.stdout), 'network ls --format json');
});

test('network connect/disconnect of a running container: same endpoint data and container view', async () => {
  await same(['network', 'connect', 'appnet', 'c1']);
  const endpoints = async (s: Side) => {
    const v = JSON.parse(await s.mustDocker(['network', 'inspect', 'appnet', '--format', '{{json .Containers}}'])) as Record<string, Record<string, unknown>>;
    return s.maskJson(maskPaths(v, ['*.EndpointID'], (p, x) => assert.match(String(x), /^[0-9a-f]{64}$/, p)));
  };
  const [be, de] = await Promise.all(pair.sides.map(endpoints));
  // Name, MAC (02:42 + the address) and the first address of --ip-range: all equal.
  assert.deepEqual(be, de, 'network inspect .Containers after connect');
  const epOf = async (s: Side) =>
    s.maskJson(
      maskPaths(JSON.parse(await s.mustDocker(['container', 'inspect', 'c1', '--format', '{{json .NetworkSettings.Networks.appnet}}'])) as unknown, ['EndpointID'], (p, x) =>
        assert.match(String(x), /^[0-9a-f]{64}$/, p),
      ),
    );
  const [bn, dn] = await Promise.all(pair.sides.map(epOf));
  // DriverOpts and IPAMConfig: dockerd keeps the empty {} the client sent, berth has
  // nothing there (null); Go clients read nil and empty alike.
  assert.deepEqual(shapeDiff(bn, dn, { nilMatchesEmpty: true }), [], 'container inspect: the appnet endpoint has the same fields and types');
  assert.deepEqual(emptyToNull(bn), emptyToNull(dn), 'container inspect: the appnet endpoint values (aliases: the short id)');

  await same(['network', 'connect', 'appnet', 'c1']); // already connected
  await same(['network', 'disconnect', 'appnet', 'c1']);
  await same(['network', 'disconnect', 'appnet', 'c1']); // not connected any more
  await same(['network', 'inspect', 'appnet', '--format', '{{json .Containers}}']);
  await same(['network', 'connect', '--ip', '10.77.0.200', '--alias', 'web', 'appnet', 'c1']);
  await same(['network', 'inspect', 'appnet', '--format', '{{range .Containers}}{{.Name}} {{.IPv4Address}} {{.MacAddress}}{{end}}']);
  await same(['container', 'inspect', 'c1', '--format', '{{with .NetworkSettings.Networks.appnet}}{{.IPAddress}}/{{.IPPrefixLen}} gw {{.Gateway}} {{.Aliases}} {{.IPAMConfig.IPv4Address}}{{end}}']);
});

test('errors: duplicate, unknown, overlapping subnet, network in use, bad CIDR... same exit code and messages', async () => {
  await same(['network', 'create', 'rmme']);
  const cases: (readonly string[])[] = [
    ['network', 'create', 'appnet'], // duplicate name
    ['network', 'create', '--subnet', '10.77.0.0/25', 'other'], // overlaps appnet
    ['network', 'create', '--subnet', '10.77.0.0/33', 'bad'],
    ['network', 'create', '--subnet', 'nonsense', 'bad'],
    ['network', 'create', '--subnet', '10.78.0.0/24', '--gateway', '10.79.0.1', 'bad'],
    ['network', 'create', '--subnet', '10.78.0.0/24', '--ip-range', '10.79.0.0/25', 'bad'],
    ['network', 'create', 'bridge'],
    ['network', 'create', 'host'],
    ['network', 'inspect', 'nosuch'],
    ['network', 'inspect', '--format', '{{.Name}}', 'plain', 'nosuch'],
    ['network', 'rm', 'nosuch'],
    ['network', 'rm', 'appnet'], // in use by c1
    ['network', 'rm', 'bridge'],
    ['network', 'rm', 'none'],
    ['network', 'rm', 'rmme', 'nosuch'], // the first goes, the second fails
    ['network', 'connect', 'nosuch', 'c1'],
    ['network', 'connect', 'appnet', 'nosuch'],
    ['network', 'connect', 'host', 'c1'],
    ['network', 'connect', '--ip', '10.99.0.5', 'plain', 'c1'],
    ['network', 'disconnect', 'nosuch', 'c1'],
    ['network', 'ls', '--filter', 'bogus=1'],
    ['network', 'ls', '--filter', 'type=foo'],
    ['network', 'ls', '--filter', 'dangling=maybe'],
  ];
  for (const args of cases) {
    const [b] = await same(args);
    if (!(args[1] === 'rm' && args[2] === 'rmme')) assert.notEqual(b.code, 0, `docker ${args.join(' ')} must fail`);
  }
});

test('dangling=true while a network is in use: berth follows the documented meaning, dockerd 20.10 does not', async () => {
  // dockerd 20.10 lists networks for API ≥ 1.28 without their containers and then
  // filters on that empty list, so every custom network counts as dangling, even
  // appnet, which c1 is connected to (and `network rm` would refuse). berth answers
  // what the filter documents: networks no container uses.
  const [b, d] = await pair.both(['network', 'ls', '--filter', 'dangling=true', '--format', '{{.Name}}']);
  assert.equal(d.stdout, 'appnet\nplain\n', 'dockerd 20.10 (documented here as its bug)');
  assert.equal(b.stdout, 'plain\n', 'berth: appnet is in use by c1');
  const [b2, d2] = await pair.both(['network', 'ls', '--filter', 'dangling=false', '--format', '{{.Name}}']);
  assert.equal(d2.stdout, 'bridge\nhost\nnone\n');
  assert.equal(b2.stdout, 'appnet\nbridge\nhost\nnone\n');
});

test('network prune -f, with label, label! and until filters', async () => {
  for (const args of [
    ['--label', 'keep=1', 'p-keep'],
    ['--label', 'other', 'p-other'],
    ['p-plain'],
  ]) {
    await same(['network', 'create', ...args]);
  }
  await same(['network', 'prune', '-f', '--filter', 'label=keep=1']);
  await same(['network', 'prune', '-f', '--filter', 'until=2000-01-01T00:00:00Z']); // all are newer
  await same(['network', 'prune', '-f', '--filter', 'until=1h']); // all are newer
  await same(['network', 'prune', '-f', '--filter', 'until=zz']);
  await same(['network', 'prune', '-f', '--filter', 'bogus=1']);
  await same(['network', 'prune', '-f', '--filter', 'label!=other'], { sortLines: true }); // plain, p-plain; appnet is in use
  await same(['network', 'ls', '--format', '{{.Name}}']);
  await same(['network', 'prune', '-f'], { sortLines: true }); // p-other
  await same(['network', 'prune', '-f']); // nothing left to prune
  await same(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
});

test('disconnect and remove: back to the predefined networks', async () => {
  await same(['network', 'disconnect', 'appnet', 'c1']);
  await same(['network', 'rm', 'appnet']);
  await same(['network', 'ls']);
  await same(['network', 'inspect', 'bridge', '--format', '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}']);
});

test('the socket is 0660, owned by root and the configured group; berthd listens on no TCP port', async () => {
  const st = await stat(pair.berth.socket);
  assert.ok(st.isSocket(), `${pair.berth.socket} is a socket`);
  assert.equal((st.mode & 0o777).toString(8), '660', 'socket mode');
  assert.equal(st.uid, 0, 'socket owner root');
  assert.equal(st.gid, GROUP.gid, `socket group ${GROUP.name} (-G ${GROUP.name})`);
  const ss = await pair.berthHost.nets.nsenter(pair.berthHost.host, ['ss', '-H', '-l', '-t', '-n']);
  assert.equal(ss.code, 0, ss.stderr);
  assert.equal(ss.stdout.trim(), '', 'no TCP listener in berthd\'s namespace');
  const mine = await pair.berthHost.nets.nsenter(pair.berthHost.host, ['ss', '-H', '-l', '-x', '-p']);
  assert.match(mine.stdout, new RegExp(pair.berth.socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'berthd listens on its unix socket');
});

interface EventLine {
  readonly Type: string;
  readonly Action: string;
  readonly Actor: { readonly ID: string; readonly Attributes: Record<string, string> };
  readonly [k: string]: unknown;
}

function eventsOf(p: Spawned): EventLine[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EventLine);
}

/** Starts `docker events --format '{{json .}}'` and waits until it sees events (a probe network). */
async function watchEvents(s: Side): Promise<Spawned> {
  const p = spawnProcess([DOCKER28, '-H', `unix://${s.socket}`, 'events', '--format', '{{json .}}'], s.env());
  await pollUntil(
    async () => {
      if (p.child.exitCode !== null) throw new Error(`docker events exited: ${p.output()}`);
      await s.mustDocker(['network', 'create', 'evready']);
      await s.mustDocker(['network', 'rm', 'evready']);
      return eventsOf(p).some((e) => e.Actor.Attributes['name'] === 'evready' && e.Action === 'destroy');
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `docker events against ${s.name} to stream` },
  );
  return p;
}

test('docker events against berthd: network create/connect/disconnect/destroy, sandbox start/die, repair; same event JSON as dockerd', async (t) => {
  const watchers = await Promise.all(pair.sides.map(watchEvents));
  try {
    for (const s of pair.sides) {
      await s.mustDocker(['network', 'create', 'evnet']);
      await s.mustDocker(['network', 'connect', 'evnet', 'c1']);
      await s.mustDocker(['network', 'disconnect', 'evnet', 'c1']);
      await s.mustDocker(['network', 'rm', 'evnet']);
    }
    await pair.berthHost.ok(['run', '-d', '--name', 'c2', '--', 'sh', '-c', 'exit 3']);
    await pair.docker.mustDocker(['run', '-d', '--name', 'c2', IMAGE, 'sh', '-c', 'exit 3']);
    const want: [string, string, (e: EventLine) => boolean][] = [
      ['network', 'create', (e) => e.Actor.Attributes['name'] === 'evnet'],
      ['network', 'connect', (e) => e.Actor.Attributes['name'] === 'evnet'],
      ['network', 'disconnect', (e) => e.Actor.Attributes['name'] === 'evnet'],
      ['network', 'destroy', (e) => e.Actor.Attributes['name'] === 'evnet'],
      ['container', 'start', (e) => e.Actor.Attributes['name'] === 'c2'],
      ['container', 'die', (e) => e.Actor.Attributes['name'] === 'c2' && e.Actor.Attributes['exitCode'] === '3'],
    ];
    const find = (p: Spawned, [type, action, pred]: (typeof want)[number]) => eventsOf(p).find((e) => e.Type === type && e.Action === action && pred(e));
    const seen = await Promise.all(
      watchers.map((p, i) =>
        pollUntil(() => (want.every((w) => find(p, w)) ? want.map((w) => find(p, w) as EventLine) : false), {
          timeoutMs: 10_000,
          what: `${pair.sides[i]?.name}: events ${want.map(([ty, a]) => `${ty} ${a}`).join(', ')}; got ${p.output().slice(-2000)}`,
        }),
      ),
    );
    const [bEvents, dEvents] = seen as [EventLine[], EventLine[]];
    for (const [i, [type, action]] of want.entries()) {
      const b = bEvents[i] as EventLine;
      const d = dEvents[i] as EventLine;
      assert.deepEqual(shapeDiff(b, d), [], `${type} ${action}: the same event JSON fields and types`);
      assert.deepEqual(Object.keys(b.Actor.Attributes), Object.keys(d.Actor.Attributes), `${type} ${action}: the same attributes`);
      if (type === 'network') {
        const ctr = pair.berth.mask(b.Actor.Attributes['container'] ?? '');
        assert.equal(ctr, pair.docker.mask(d.Actor.Attributes['container'] ?? ''), `${type} ${action}: the container attribute`);
        assert.equal(b.Actor.Attributes['type'], d.Actor.Attributes['type']);
      }
    }
    // A repair: flush berth's DOCKER chain behind its back; berthd restores it and says so.
    await pair.berthHost.ok(['run', '-d', '--name', 'web', '-p', '8080:80', '--', 'sleep', '600']);
    const chain = async () => (await pair.berthHost.nets.exec(pair.berthHost.host, ['iptables', '-S', 'DOCKER'])).stdout;
    const healthy = await pollUntil(async () => ((await chain()).includes('--dport 80') ? chain() : false), { what: 'the DOCKER rule for web' });
    const t0 = performance.now();
    const flush = await pair.berthHost.nets.exec(pair.berthHost.host, ['iptables', '-F', 'DOCKER']);
    assert.equal(flush.code, 0, flush.stderr);
    const repair = await pollUntil(() => eventsOf(watchers[0] as Spawned).find((e) => e.Type === 'daemon' && e.Action === 'repair'), {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'a repair event from berthd',
    });
    t.diagnostic(`repair event ${(performance.now() - t0).toFixed(0)} ms after iptables -F DOCKER: ${JSON.stringify(repair)}`);
    await pollUntil(async () => (await chain()) === healthy, { timeoutMs: 2000, what: `the DOCKER chain restored to:\n${healthy}` });
  } finally {
    await Promise.all(watchers.map((p) => p.kill(500)));
    await pair.berthHost.berth(['rm', '-f', 'c2', 'web']);
    await pair.docker.docker(['rm', '-f', 'c2']);
  }
});

test('kept differences: berth refuses what dockerd 20.10 accepts and then breaks on', async () => {
  // Names with whitespace or shell metacharacters: dockerd only asks for non-blank names.
  const [b2, d2] = await pair.both(['network', 'create', 'two words']);
  if (d2.code === 0) await pair.docker.docker(['network', 'rm', 'two words']);
  assert.equal(d2.code, 0);
  assert.deepEqual([b2.code, b2.stderr.trim()], [1, 'Error response from daemon: invalid network name "two words": whitespace is not allowed']);
  // IPv6, auxiliary addresses and config-only networks are not implemented by berth;
  // overlay is another driver (dockerd: "not a swarm manager"; berth: no such plugin).
  for (const args of [
    ['--ipv6', '--subnet', 'fd00:77::/64', 'v6'],
    ['--subnet', '10.88.0.0/24', '--aux-address', 'a=10.88.0.5', 'aux'],
    ['--config-only', 'co'],
  ]) {
    const [bb, dd] = await pair.both(['network', 'create', ...args]);
    if (dd.code === 0) await pair.docker.docker(['network', 'rm', args[args.length - 1] as string]);
    assert.equal(dd.code, 0, `dockerd: network create ${args.join(' ')}`);
    assert.equal(bb.code, 1, `berth refuses network create ${args.join(' ')}`);
    assert.match(bb.stderr, /^Error response from daemon: berth does not support /);
  }
  const [bo] = await pair.both(['network', 'create', '-d', 'overlay', 'ov']);
  assert.deepEqual([bo.code, bo.stderr.trim()], [1, 'Error response from daemon: plugin "overlay" not found']);
  // Two networks on one bridge. Both refuse it between user networks (with their own
  // words: dockerd "cannot create network ID (br-base): conflicts with network ID
  // (br-base): networks have same bridge name", berth below).
  await same(['network', 'create', '-o', 'com.docker.network.bridge.name=br-base', 'base']);
  const [bb] = await pair.both(['network', 'create', '-o', 'com.docker.network.bridge.name=br-base', 'br1']);
  assert.deepEqual([bb.code, bb.stderr.trim()], [1, 'Error response from daemon: bridge name br-base is already used by network base']);
  await same(['network', 'rm', 'base']);
  // On docker0 dockerd 20.10 accepts it, and from then on cannot start a container on the
  // default network. berth refuses. This is last: dockerd is broken afterwards.
  const [b, d] = await pair.both(['network', 'create', '-o', 'com.docker.network.bridge.name=docker0', 'br0']);
  assert.deepEqual([b.code, b.stderr.trim()], [1, 'Error response from daemon: bridge name docker0 is already used by network bridge']);
  assert.equal(d.code, 0, 'dockerd 20.10 accepts a second network on docker0');
  const broken = await pair.docker.docker(['run', '--rm', IMAGE, 'true']);
  assert.match(broken.stderr, /failed to create endpoint .* on network bridge: network [0-9a-f]{64} does not exist/, 'dockerd lost its default network');
});

test('an unknown network driver: the same error (dockerd looks for a plugin for 15 s first)', async () => {
  const [b, d] = await slowDriverCase;
  assert.deepEqual(masked(pair.berth, b, false), masked(pair.docker, d, false));
  assert.equal(b.stderr.trim(), 'Error response from daemon: plugin "nosuchdriver" not found');
});
