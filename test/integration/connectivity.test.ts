// Real packets through berth's networks: what must pass and what must be blocked,
// between a neighbour (ext), the host and sandboxes, as on a Docker host; on each
// firewall backend (BERTH_FIREWALL_BACKEND narrows the run to one).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, EXT_IP, HOST_IP, firewallBackends } from '../helpers/berthd.js';
import { LISTENER, pollUntil } from '../helpers/netns.js';

/** Starts a sandbox whose command answers "pong TAG from PEER" on TCP `port`. */
async function server(h: BerthHost, name: string, network: string, port: number, extra: string[] = []): Promise<string> {
  await h.ok(['run', '-d', '--name', name, '--network', network, ...extra, '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', String(port), name]);
  const ip = await h.ip(name);
  // Ready when the host itself (no FORWARD on the way) gets an answer.
  await pollUntil(async () => (await h.nets.probe(h.host, 'tcp', ip, port, 500)).ok, { timeoutMs: 10000, what: `${name} listening on ${ip}:${port}` });
  return ip;
}

/** Probes from inside a sandbox with the CLI's exec (nsenter into its namespace). */
async function probeFrom(h: BerthHost, container: string, host: string, port: number): Promise<{ ok: boolean; detail: string }> {
  const r = await h.berth(['exec', container, '--', process.execPath, '-e', PROBE, host, String(port)]);
  return { ok: r.code === 0, detail: (r.stdout + r.stderr).trim() };
}

const PROBE = `
const [host, port] = process.argv.slice(1);
const t = setTimeout(() => { console.error('timeout'); process.exit(2); }, 1500);
let got = '';
const c = require('net').connect(Number(port), host);
c.on('data', (d) => (got += d));
c.on('end', () => { process.stdout.write(got); clearTimeout(t); process.exit(got ? 0 : 1); });
c.on('error', (e) => { console.error(e.message); process.exit(1); });`;

for (const backend of firewallBackends()) {
  describe(`on ${backend}`, () => {
    const h = new BerthHost(backend);

    before(async () => {
      await h.start();
      await h.ok(['network', 'create', 'appnet']);
      await h.ok(['network', 'create', 'othernet']);
      await h.ok(['network', 'create', '--internal', 'sealed']);
      await h.ok(['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', 'noicc']);
      // The neighbour can route to the sandboxes' subnets through the host, as a machine on the LAN could.
      await h.nets.exec(h.ext, ['ip', 'route', 'add', '172.16.0.0/12', 'via', HOST_IP]);
    });

    after(() => h.stop());

    test('a neighbour reaches a published port; the sandbox sees the neighbour itself', async () => {
      await server(h, 'web', 'appnet', 80, ['-p', '8080:80']);
      const r = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080);
      assert.equal(r.ok, true, `expected ${HOST_IP}:8080 to answer: ${r.detail}`);
      assert.equal(r.detail, `pong web from ${EXT_IP}`, 'inbound DNAT keeps the client address (no SNAT), as Docker');
    });

    test('a range published to the same container ports: a port inside it answers through the host and directly, until the sandbox goes', async () => {
      const ip = await server(h, 'ranged', 'appnet', 8091, ['-p', '8090-8092:8090-8092']);
      const viaHost = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8091);
      assert.equal(viaHost.detail, `pong ranged from ${EXT_IP}`, `${HOST_IP}:8091 (DNAT keeping the port): ${viaHost.detail}`);
      const direct = await h.nets.probe(h.ext, 'tcp', ip, 8091);
      assert.equal(direct.detail, `pong ranged from ${EXT_IP}`, `the container port itself is forwarded: ${direct.detail}`);
      await h.ok(['rm', '-f', 'ranged']);
      const gone = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8091, 800);
      assert.equal(gone.ok, false, `expected ${HOST_IP}:8091 closed once the sandbox is gone, got: ${gone.detail}`);
    });

    test('ports that are not published are unreachable from the neighbour', async () => {
      const ip = await server(h, 'hidden', 'appnet', 81);
      const viaHost = await h.nets.probe(h.ext, 'tcp', HOST_IP, 81, 800);
      assert.equal(viaHost.ok, false, `expected ${HOST_IP}:81 to be closed, got: ${viaHost.detail}`);
      const direct = await h.nets.probe(h.ext, 'tcp', ip, 81, 800);
      assert.equal(direct.ok, false, `expected the sandbox ${ip}:81 to be unreachable from outside, got: ${direct.detail}`);
      const published = await h.nets.probe(h.ext, 'tcp', await h.ip('web'), 80, 1500);
      assert.equal(published.ok, true, `the published container port is forwarded (filter DOCKER ACCEPT): ${published.detail}`);
    });

    test('sandboxes on one network talk; across networks they cannot', async () => {
      const webIp = await h.ip('web');
      await h.ok(['run', '-d', '--name', 'client', '--network', 'appnet', '--', 'sleep', '600']);
      const same = await probeFrom(h, 'client', webIp, 80);
      assert.equal(same.ok, true, `same network: ${same.detail}`);
      await h.ok(['run', '-d', '--name', 'stranger', '--network', 'othernet', '--', 'sleep', '600']);
      const across = await probeFrom(h, 'stranger', webIp, 80);
      assert.equal(across.ok, false, `expected isolation between othernet and appnet, got: ${across.detail}`);
    });

    test('outbound traffic is masqueraded to the host address', async () => {
      const l = await h.nets.listen(h.ext, 'tcp', 9090, { tag: 'ext' });
      try {
        const r = await probeFrom(h, 'client', EXT_IP, 9090);
        assert.equal(r.ok, true, `client should reach the neighbour: ${r.detail}`);
        assert.equal(r.detail, `pong ext from ${HOST_IP}`, 'the neighbour sees the host address, not the sandbox');
      } finally {
        await l.kill();
      }
    });

    test('an internal network has no way out, but its members talk', async () => {
      const ip = await server(h, 'inner', 'sealed', 80);
      await h.ok(['run', '-d', '--name', 'inner2', '--network', 'sealed', '--', 'sleep', '600']);
      const l = await h.nets.listen(h.ext, 'tcp', 9091, { tag: 'ext' });
      try {
        const out = await probeFrom(h, 'inner2', EXT_IP, 9091);
        assert.equal(out.ok, false, `expected no way out of an internal network, got: ${out.detail}`);
      } finally {
        await l.kill();
      }
      const inside = await probeFrom(h, 'inner2', ip, 80);
      assert.equal(inside.ok, true, `members of an internal network talk: ${inside.detail}`);
    });

    test('icc off blocks traffic between sandboxes on the same bridge', async () => {
      const ip = await server(h, 'quiet', 'noicc', 80);
      await h.ok(['run', '-d', '--name', 'quiet2', '--network', 'noicc', '--', 'sleep', '600']);
      const r = await probeFrom(h, 'quiet2', ip, 80);
      assert.equal(r.ok, false, `expected icc=false to block same-bridge traffic, got: ${r.detail}`);
    });

    test('network rm frees the bridge name and the route at once; the bridge itself is deleted in the background', async () => {
      const linkNames = async (): Promise<string[]> =>
        (await h.nets.exec(h.host, ['ip', '-br', 'link'])).stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]!.replace(/@.*/, ''));
      const subnet = async (n: string): Promise<string> => (await h.ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', n])).trim();
      await h.ok(['network', 'create', '-o', 'com.docker.network.bridge.name=br-again', 'again1']);
      const first = await subnet('again1');
      await h.ok(['network', 'rm', 'again1']);
      assert.ok(!(await linkNames()).includes('br-again'), 'the name is free as soon as network rm returns');
      const routes = (await h.nets.exec(h.host, ['ip', '-4', 'route', 'show'])).stdout;
      assert.ok(!routes.includes(first), `no route to ${first} is left:\n${routes}`);
      await h.ok(['network', 'create', '-o', 'com.docker.network.bridge.name=br-again', 'again2']);
      await h.ok(['network', 'rm', 'again2']);
      await pollUntil(async () => !(await linkNames()).some((l) => l === 'br-again' || l.startsWith('berth-rm-')), { timeoutMs: 5000, what: 'retired bridges deleted' });
    });

    test('teardown leaves the host namespace as before the sandboxes existed', async () => {
      for (const c of ['web', 'hidden', 'client', 'stranger', 'inner', 'inner2', 'quiet', 'quiet2']) await h.ok(['rm', '-f', c]);
      for (const n of ['appnet', 'othernet', 'sealed', 'noicc']) await h.ok(['network', 'rm', n]);
      const rules = await h.rulesetDump();
      const pristine = new BerthHost(backend);
      try {
        await pristine.start({ neighbour: false });
        const strip = (s: string): string => s.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n');
        assert.equal(strip(rules), strip(await pristine.rulesetDump()), 'rules after teardown equal a fresh daemon start');
      } finally {
        await pristine.stop();
      }
      // network rm deletes bridges in the background: wait for them.
      await pollUntil(async () => !(await h.nets.exec(h.host, ['ip', '-br', 'link'])).stdout.includes('berth-rm-'), { timeoutMs: 5000, what: 'retired bridges deleted' });
      const links = await h.nets.exec(h.host, ['ip', '-br', 'link']);
      assert.deepEqual(
        links.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]?.replace(/@.*/, '')).sort(),
        ['docker0', 'eth0', 'lo'],
        `only lo, eth0 and docker0 remain:\n${links.stdout}`,
      );
      const sandboxes = (await h.nets.exec(h.host, ['ip', 'netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(`${h.nets.prefix}-c-`));
      assert.deepEqual(sandboxes, [], 'no sandbox namespace is left');
    });
  });
}

// Hairpin mode (--userland-proxy=false): no proxy serves the sandboxes, the NAT rules
// carry a sandbox to its own published port and back (dockerd's per-port MASQUERADE
// of address to itself; berth's nftables table keys it by address pair).
for (const backend of firewallBackends()) {
  describe(`on ${backend}, hairpin mode`, () => {
    const h = new BerthHost(backend);

    before(() => h.start({ flags: ['--userland-proxy=false'] }));

    after(() => h.stop());

    test('a sandbox reaches itself through its published port, masqueraded to its gateway', async () => {
      await server(h, 'self', 'bridge', 80, ['-p', '8082:80']);
      const r = await probeFrom(h, 'self', HOST_IP, 8082);
      assert.equal(r.ok, true, `expected ${HOST_IP}:8082 to answer the sandbox itself: ${r.detail}`);
      assert.equal(r.detail, 'pong self from 172.17.0.1', 'seen from its bridge gateway, as with dockerd');
    });
  });
}
