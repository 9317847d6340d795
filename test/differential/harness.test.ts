// Self-tests of the namespace helper and the dockerd driver (root only).
// Skipped when not root or when dockerd is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { NetnsSet, leftoverNamespaces, pollUntil } from '../helpers/netns.js';
import { startDockerd, DOCKERD } from './dockerd.js';
import { normalizeIptablesSave } from './normalize.js';

const isRoot = process.getuid?.() === 0;

test('netns helper: veth, TCP and UDP probes, blocked port, cleanup', { skip: !isRoot && 'needs root' }, async () => {
  const set = new NetnsSet();
  try {
    const a = await set.add('a');
    const b = await set.add('b');
    await set.veth({ ns: a, ifname: 'eth0', addr: '10.200.0.1/24' }, { ns: b, ifname: 'eth0', addr: '10.200.0.2/24' });
    await set.listen(a, 'tcp', 7000, { tag: 'a' });
    await set.listen(a, 'udp', 7001, { tag: 'a' });
    const tcp = await set.probe(b, 'tcp', '10.200.0.1', 7000);
    assert.ok(tcp.ok, `tcp 10.200.0.1:7000 from b: expected pong, saw ${tcp.detail}`);
    assert.equal(tcp.detail, 'pong a from 10.200.0.2');
    const udp = await set.probe(b, 'udp', '10.200.0.1', 7001);
    assert.ok(udp.ok, `udp 10.200.0.1:7001 from b: expected pong, saw ${udp.detail}`);
    const closed = await set.probe(b, 'tcp', '10.200.0.1', 7002, 500);
    assert.ok(!closed.ok, `tcp 7002 has no listener, yet probe saw ${closed.detail}`);
  } finally {
    await set.cleanup();
  }
  assert.deepEqual(await leftoverNamespaces(set.prefix), []);
});

test('dockerd driver: -p 8080:80 is reachable from a neighbour and leaves the expected DNAT', { skip: (!isRoot || !existsSync(DOCKERD)) && 'needs root and dockerd' }, async () => {
  const set = new NetnsSet();
  try {
    const host = await set.add('host');
    const ext = await set.add('ext');
    await set.veth({ ns: host, ifname: 'eth0', addr: '10.200.0.1/24' }, { ns: ext, ifname: 'eth0', addr: '10.200.0.2/24' });
    const d = await startDockerd(host);
    try {
      await d.mustDocker(['run', '-d', '--name', 'web', '-p', '8080:80', 'bb:latest', 'httpd', '-f', '-p', '80', '-h', '/www']);
      // docker run -d returns before httpd has bound: poll (bounded) for the answer.
      const r = await pollUntil(async () => {
        const g = await set.httpGet(ext, 'http://10.200.0.1:8080/index.html', 1000);
        return g.status === 200 ? g : false;
      }, { timeoutMs: 10_000, what: 'HTTP 200 from 10.200.0.1:8080 (DNAT to web) seen from ext' });
      assert.equal(r.body, 'hello from bb\n');
      const rules = normalizeIptablesSave(await d.iptablesSave());
      assert.match(rules, /^-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172\.17\.0\.2:80$/m);
    } finally {
      await d.stop();
    }
  } finally {
    await set.cleanup();
  }
  assert.deepEqual(await leftoverNamespaces(set.prefix), []);
});
