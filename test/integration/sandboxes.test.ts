// Sandboxes as containers: network modes (host, none, container:NAME), process
// supervision (exit releases networking, --rm, foreground run), and the userland
// proxy served inside berthd for host-local access to published ports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, HOST_IP } from '../helpers/berthd.js';
import { LISTENER, pollUntil, runCmd } from '../helpers/netns.js';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const h = new BerthHost();

before(() => h.start());
after(() => h.stop());

const links = async (container: string): Promise<string[]> =>
  (await h.ok(['exec', container, '--', 'ip', '-br', 'link'])).split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]!.replace(/@.*/, '')).sort();

test('none mode: a namespace with only lo; host mode: the host namespace itself', async () => {
  await h.ok(['run', '-d', '--name', 'alone', '--network', 'none', '--', 'sleep', '600']);
  assert.deepEqual(await links('alone'), ['lo']);
  const r = await h.berth(['run', '-d', '--name', 'onhost', '--network', 'host', '-p', '8080:80', '--', 'sleep', '600']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARNING: Published ports are discarded when using host network mode/);
  assert.deepEqual(await links('onhost'), ['docker0', 'eth0', 'lo']);
  assert.equal(await h.ok(['port', 'onhost']), '', 'host mode publishes nothing');
});

test('container mode shares the other sandbox namespace', async () => {
  await h.ok(['run', '-d', '--name', 'main', '--', process.execPath, '-e', LISTENER, 'tcp', '127.0.0.1', '7000', 'main']);
  await h.ok(['run', '-d', '--name', 'side', '--network', 'container:main', '--', 'sleep', '600']);
  assert.deepEqual(await links('side'), await links('main'));
  // The listener is bound to 127.0.0.1 inside main: only a process in the same namespace reaches it.
  await pollUntil(async () => (await h.berth(['exec', 'side', '--', process.execPath, '-e', PROBE, '127.0.0.1', '7000'])).code === 0, {
    timeoutMs: 10000,
    what: 'side reaching main over loopback',
  });
});

const PROBE = `
const [host, port] = process.argv.slice(1);
const c = require('net').connect(Number(port), host);
setTimeout(() => process.exit(2), 1000);
c.on('data', () => process.exit(0));
c.on('error', () => process.exit(1));`;

test('an exiting sandbox releases its address, ports, rules and namespace', async () => {
  await h.ok(['run', '-d', '--name', 'brief', '-p', '8085:80', '--', 'sh', '-c', 'sleep 1']);
  assert.match(await h.iptablesSave(), /--dport 8085 -j DNAT/);
  await pollUntil(async () => (await h.ok(['ps', '-a', '--filter', 'name=brief', '--format', '{{.State}}'])).trim() === 'exited', {
    timeoutMs: 10000,
    what: 'brief to exit',
  });
  assert.doesNotMatch(await h.iptablesSave(), /8085/, 'the published port rules are gone');
  const netns = (await h.nets.exec(h.host, ['ip', 'netns', 'list'])).stdout;
  assert.doesNotMatch(netns, new RegExp(`${h.sandbox('brief')}\\b`), 'the namespace is gone');
  assert.match(await h.ok(['ps', '-a', '--filter', 'name=brief', '--format', '{{.Status}}']), /^Exited \(0\)/);
  await h.ok(['start', 'brief']);
  assert.match(await h.iptablesSave(), /--dport 8085 -j DNAT/, 'a restart publishes again');
  await h.ok(['rm', '-f', 'brief']);
});

test('foreground run prints the output and returns the exit code; --rm removes the sandbox', async () => {
  const r = await h.berth(['run', '--rm', '--name', 'once', '--', 'sh', '-c', 'echo hello from $(ip -br link | grep -c eth0) eth0; exit 3']);
  assert.equal(r.code, 3, `exit code: ${r.stderr}`);
  assert.equal(r.stdout, 'hello from 1 eth0\n');
  await pollUntil(async () => !(await h.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').includes('once'), { timeoutMs: 5000, what: 'once removed' });
});

test('the host reaches a published port over loopback through berthd itself (userland proxy)', async () => {
  await h.ok(['run', '-d', '--name', 'svc', '-p', '8086:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'svc']);
  await pollUntil(async () => (await h.nets.probe(h.host, 'tcp', '127.0.0.1', 8086, 800)).ok, { timeoutMs: 10000, what: 'svc via 127.0.0.1:8086' });
  const r = await h.nets.probe(h.host, 'tcp', '127.0.0.1', 8086);
  assert.match(r.detail, /^pong svc from 172\.17\.0\.1$/, 'the proxy connects from the bridge address');
  const viaHostIp = await h.nets.probe(h.host, 'tcp', HOST_IP, 8086);
  assert.equal(viaHostIp.ok, true, `host address from the host: ${viaHostIp.detail}`);
  const pids = (await h.nets.exec(h.host, ['ip', 'netns', 'pids', h.host])).stdout.split('\n').filter(Boolean);
  const cmdlines = await Promise.all(pids.map((p) => h.nets.exec(h.host, ['cat', `/proc/${p}/comm`]).then((x) => x.stdout.trim())));
  assert.equal(cmdlines.filter((c) => /proxy/.test(c)).length, 0, 'no proxy process per port');
});

test('a host port taken by another program fails the start with dockerd\'s error, and the proxies already listening go', async () => {
  const squatter = await h.nets.listen(h.host, 'tcp', 8092, { tag: 'squatter' });
  try {
    const r = await h.berth(['run', '-d', '--name', 'crowded', '-p', '8091:80', '-p', '8092:81', '-p', '8093:82', '--', 'sleep', '600']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /driver failed programming external connectivity on endpoint crowded .*Error starting userland proxy: listen tcp4 0\.0\.0\.0:8092: bind: address already in use/);
  } finally {
    await squatter.kill();
  }
  // Nothing of the failed start holds a port: the host can listen on all three.
  for (const port of [8091, 8092, 8093]) {
    const l = await h.nets.listen(h.host, 'tcp', port, { tag: `free${port}` });
    await l.kill();
  }
  await h.ok(['rm', '-f', 'crowded']);
});

test('live-restore: a sandbox keeps running and serving while berthd is killed and restarted', async () => {
  await h.ok(['run', '-d', '--name', 'survivor', '-p', '8087:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'survivor']);
  await pollUntil(async () => (await h.nets.probe(h.ext, 'tcp', HOST_IP, 8087, 500)).ok, { timeoutMs: 10000, what: 'survivor published' });
  const pid = (await h.ok(['inspect', '-f', '{{.State.Pid}}', 'survivor'])).trim();
  const rulesBefore = await h.iptablesSave();
  await h.stopDaemon('SIGKILL');
  const whileDown = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8087);
  assert.equal(whileDown.ok, true, `the published port works while berthd is down: ${whileDown.detail}`);
  await h.startDaemon();
  assert.equal((await h.ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'survivor'])).trim(), `running ${pid}`);
  const strip = (s: string): string => s.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '');
  assert.equal(strip(await h.iptablesSave()), strip(rulesBefore), 'the rules were never rebuilt');
  const netns = (await h.nets.exec(h.host, ['ip', 'netns', 'list'])).stdout;
  assert.match(netns, new RegExp(`${h.sandbox('survivor')}\\b`));
  const after = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8087);
  assert.equal(after.ok, true, after.detail);
  // The adopted sandbox is still under berthd's control: it stops, and its exit is seen.
  await h.ok(['stop', '-t', '1', 'survivor']);
  assert.match(await h.ok(['ps', '-a', '--filter', 'name=survivor', '--format', '{{.State}}']), /exited/);
  assert.doesNotMatch(await h.iptablesSave(), /8087/);
  await h.ok(['rm', 'survivor']);
});

test('a crash mid-start: the namespace it left is given back at the next start (recorded before it was made); a foreign one with the same prefix stays', async () => {
  // berthd is killed (SIGKILL) right after `ip` made crashme's namespace (`ip netns add`,
  // or the `netns add` line of a batch): its `ip` is a wrapper that runs the real one,
  // then kills its caller. berthd's batch ip is long-lived, so its input is passed on
  // line by line and the kill waits for the namespace's mount, not for the input's end.
  const realIp = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => join(d, 'ip')).find((f) => existsSync(f));
  assert.ok(realIp, 'ip is on PATH');
  const dir = await mkdtemp(join(tmpdir(), 'berth-crash-'));
  const crashNs = h.sandbox('crashme');
  const foreign = h.sandbox('foreign');
  await writeFile(
    join(dir, 'ip'),
    [
      '#!/bin/sh',
      `killer() { n=0; until grep -q " /run/netns/${crashNs} " /proc/self/mountinfo || [ $n -ge 500 ]; do n=$((n + 1)); sleep 0.01; done; kill -KILL "$PPID"; }`,
      `if [ "$1 $2 $3" = "netns add ${crashNs}" ]; then "${realIp}" "$@"; code=$?; killer; exit "$code"; fi`,
      'while IFS= read -r line; do',
      `  printf '%s\\n' "$line"`,
      `  if [ "$line" = "netns add ${crashNs}" ]; then killer & fi`,
      `done | "${realIp}" "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  try {
    await h.stopDaemon();
    await h.startDaemon([], { ...process.env, PATH: `${dir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` });
    const r = await h.berth(['run', '-d', '--name', 'crashme', '--', 'sleep', '600']);
    assert.notEqual(r.code, 0, 'berthd died under the run');
    await h.stopDaemon('SIGKILL');
    const left = (await runCmd(['ip', 'netns', 'list'])).stdout;
    assert.match(left, new RegExp(`^${crashNs}\\b`, 'm'), 'the crash left the namespace behind');
    await runCmd(['ip', 'netns', 'add', foreign]);

    await h.startDaemon();
    const netns = (await runCmd(['ip', 'netns', 'list'])).stdout;
    assert.doesNotMatch(netns, new RegExp(`^${crashNs}\\b`, 'm'), "crashme's namespace is given back");
    assert.match(netns, new RegExp(`^${foreign}\\b`, 'm'), 'a namespace berth never recorded is left alone');
    assert.equal((await h.ok(['inspect', '-f', '{{.State.Status}}', 'crashme'])).trim(), 'created');
    await h.ok(['start', 'crashme']);
    assert.equal((await h.ok(['inspect', '-f', '{{.State.Status}}', 'crashme'])).trim(), 'running');
    await h.ok(['rm', '-f', 'crashme']);
  } finally {
    await runCmd(['ip', 'netns', 'del', foreign]);
    await rm(dir, { recursive: true, force: true });
  }
});

test('the orphan sweep never takes a namespace that is in use or berthd\'s own, whatever its name', async () => {
  // A namespace with berth's sandbox prefix that something runs in is not an orphan.
  const busy = h.sandbox('busy');
  await runCmd(['ip', 'netns', 'add', busy]);
  const sleeper = h.nets.spawn(busy, ['sleep', '600']);
  try {
    await pollUntil(async () => (await runCmd(['ip', 'netns', 'pids', busy])).stdout.trim() !== '', { timeoutMs: 5000, what: 'a process in the namespace' });
    await h.stopDaemon();
    await h.startDaemon();
    const netns = (await h.nets.exec(h.host, ['ip', 'netns', 'list'])).stdout;
    assert.match(netns, new RegExp(`${busy}\\b`), 'a namespace with processes is left alone');
    assert.match(netns, new RegExp(`${h.host}\\b`), "berthd's own namespace keeps its name");
  } finally {
    await sleeper.kill();
    await runCmd(['ip', 'netns', 'del', busy]);
  }
});
