// berthd's long-lived ip (IpSession) against the kernel, in namespaces: a change
// with a part in a sandbox's namespace is one exchange of one process and is in
// the kernel when answered; a failing line, in either part, is named as a
// one-shot batch would name it and leaves what came before it applied; a
// process that remembers a link's old index still applies a change to the link
// someone made again under the same name.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, run } from '../../../src/host/exec.js';
import { IpSession } from '../../../src/host/ip-session.js';
import { netnsPath } from '../../../src/host/netns.js';
import { isAlive } from '../../../src/engine/processes.js';
import { netnsFixture } from './netns-fixture.js';
import { batchError } from '../../helpers/batch-error.js';

const fx = netnsFixture('ipss');
const dir = mkdtempSync(join(tmpdir(), 'berth-ip-session-'));
let host = '';
let sandbox = '';
before(async () => {
  host = await fx.add('host');
  sandbox = await fx.add('sb');
});
after(async () => {
  await fx.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function session(): { s: IpSession; started: number[] } {
  const started: number[] = [];
  const s = new IpSession({ dir, command: ['nsenter', `--net=${netnsPath(host)}`, 'ip', '-batch', '-'], onStart: (pid) => started.push(pid) });
  return { s, started };
}

const ip = async (ns: string, ...args: string[]): Promise<string> => (await run(exec, ['ip', '-n', ns, ...args])).stdout;
const addresses = async (ns: string, dev: string): Promise<string[]> =>
  (JSON.parse(await ip(ns, '-j', '-4', 'addr', 'show', 'dev', dev)) as { addr_info: { local: string; prefixlen: number }[] }[])[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`);

test('a veth with its sandbox side is one change of one process, in the kernel when answered', async () => {
  const { s, started } = session();
  s.warm();
  try {
    await s.batch(['link add name br0 type bridge', 'link set dev br0 up']);
    await s.batch(['link add name v0 master br0 up type veth peer name eth0 netns ' + sandbox], {
      thenIn: { netns: sandbox, lines: ['link set dev lo up', 'addr add 10.44.0.2/24 dev eth0', 'link set dev eth0 up', 'route add default via 10.44.0.1'] },
    });
    assert.deepEqual(await addresses(sandbox, 'eth0'), ['10.44.0.2/24']);
    assert.match(await ip(sandbox, 'route', 'show', 'default'), /^default via 10\.44\.0\.1 dev eth0/);
    assert.match(await ip(host, 'link', 'show', 'dev', 'v0'), /master br0 state UP/);
    await s.batch(['addr add 10.44.1.2/24 dev eth0'], { netns: sandbox });
    assert.deepEqual(await addresses(sandbox, 'eth0'), ['10.44.0.2/24', '10.44.1.2/24']);
    assert.equal(started.length, 1, 'all through the process started ahead');
    assert.equal(isAlive(started[0]!), true, 'which waits for the next change');
  } finally {
    await s.close();
  }
  assert.equal(isAlive(started[0]!), false, 'close ends it');
});

test('a failing line is named in its part; what came before stays applied; the next change gets a fresh process', async () => {
  const { s, started } = session();
  try {
    const inSandbox = await batchError(
      s.batch(['link add name v1 type veth peer name eth1 netns ' + sandbox], {
        thenIn: { netns: sandbox, lines: ['link set dev eth1 up', 'route add 10.45.0.0/24 via 10.99.0.1'] },
      }),
    );
    assert.equal(inSandbox.index, 2);
    assert.equal(inSandbox.netns, sandbox);
    assert.match(inSandbox.message, new RegExp(`^ip -batch in netns ${sandbox} failed at line 2 of 2 "route add 10\\.45\\.0\\.0/24 via 10\\.99\\.0\\.1": .*Nexthop has invalid gateway`));
    assert.match(await ip(sandbox, 'link', 'show', 'dev', 'eth1'), /state (UP|LOWERLAYERDOWN)|,UP/, 'its lines before the failing one ran');

    const onHost = await batchError(s.batch(['link set dev v1 up', 'link add name v1 type veth peer name p1', 'link set dev v1 down']));
    assert.equal(onHost.index, 1);
    assert.equal(onHost.kind, 'conflict');
    assert.equal(onHost.netns, undefined);
    assert.equal(onHost.message.split(':')[0], 'ip -batch failed at line 2 of 3 "link add name v1 type veth peer name p1"');

    const parse = await batchError(s.batch(['link set dev v1 down', 'link set dev v1 mtu notanumber', 'link set dev v1 up']));
    assert.equal(parse.index, 1, 'a parse error ends ip without naming the line: the markers do');

    const gone = await batchError(s.batch(['link set dev v1 up'], { thenIn: { netns: fx.name('nosuch'), lines: ['link set dev lo up'] } }));
    assert.equal(gone.kind, 'not-found');
    assert.equal(gone.index, 1, 'nothing in a namespace that cannot be entered ran');
    assert.match(await ip(host, 'link', 'show', 'dev', 'v1'), /,UP/, 'the host line before it did');

    await s.batch(['link set dev v1 down']);
    assert.equal(started.length, 5, 'each failure ended its process; the next change found a fresh one');
  } finally {
    await s.close();
  }
});

test("a link deleted and made again by someone else is found under its new index", async () => {
  const { s, started } = session();
  try {
    await s.batch(['link add name v2 type veth peer name p2', 'addr add 10.46.0.1/24 dev v2']);
    await run(exec, ['ip', '-n', host, 'link', 'del', 'v2']);
    await run(exec, ['ip', '-n', host, 'link', 'add', 'v2', 'type', 'veth', 'peer', 'name', 'p2']);
    await s.batch(['addr add 10.46.0.2/24 dev v2', 'link set dev v2 up']);
    assert.deepEqual(await addresses(host, 'v2'), ['10.46.0.2/24']);
    assert.equal(started.length, 2, 'the process that remembered the old index was replaced');
    const missing = await batchError(s.batch(['link set dev v2 down', 'link set dev nosuch up']));
    assert.equal(missing.index, 1, 'a link that is really missing still fails, named in the change');
    assert.equal(missing.kind, 'not-found');
  } finally {
    await s.close();
  }
});
