// berth trace and berth rules --explain in the CLI, against a stand-in daemon that
// answers with the tracer's result on a hand-built world.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIpv4 } from '../../../src/model/ipv4.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { traceConnection } from '../../../src/trace/trace.js';
import type { TraceResult } from '../../../src/trace/result.js';
import { dockerWorld } from '../trace/fixtures.js';
import { cli } from './harness.js';

const OWNED = printSave({
  tables: [{ name: 'filter', chains: [{ name: 'FORWARD', policy: null, rules: ['-j DOCKER-USER', '-i br-quiet -o br-quiet -j DROP'] }, { name: 'DOCKER-USER', policy: null, rules: [] }] }],
});

function answer(from: string): TraceResult {
  const world = dockerWorld();
  return from === 'web'
    ? traceConnection(world, { from: { kind: 'sandbox', name: 'web' }, fromText: 'web', toText: 'old:80', proto: 'tcp', src: null, dst: parseIpv4('172.17.0.2'), sport: null, dport: 80 })
    : traceConnection(world, { from: { kind: 'outside', iface: 'eth0' }, fromText: from, toText: '10.200.0.1:8080', proto: 'tcp', src: parseIpv4('10.200.0.2'), dst: parseIpv4('10.200.0.1'), sport: 41000, dport: 8080 });
}

describe('berth trace and rules --explain', () => {
  let dir: string;
  let server: Server;
  const bodies: unknown[] = [];
  const daemon = () => ({ socketPath: join(dir, 'berth.sock') });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-cli-trace-'));
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        if (req.method === 'GET' && req.url?.endsWith('/berth/rules')) {
          res.end(OWNED);
          return;
        }
        const body = JSON.parse(raw) as { From: string };
        bodies.push(body);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(answer(body.From)));
      });
    });
    await new Promise<void>((resolve) => server.listen(daemon().socketPath, resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends both ends and the source port; prints the verdict first, then the way; exit 0 when it gets through', async () => {
    const r = await cli(daemon(), ['trace', '--from', 'ext:10.200.0.2', '--to', '10.200.0.1:8080', '--sport', '41000']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(bodies.at(-1), { From: 'ext:10.200.0.2', To: '10.200.0.1:8080', Sport: 41000 });
    const lines = r.out.split('\n');
    assert.deepEqual(lines.slice(0, 2), [
      'trace ext:10.200.0.2 -> 10.200.0.1:8080: ACCEPT',
      '  delivered to sandbox web; the far end sees tcp 10.200.0.2:41000 -> 172.18.0.2:80',
    ]);
    assert.ok(lines.includes('    nat DOCKER #4  ! -i br-front -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80  => DNAT destination 10.200.0.1:8080 -> 172.18.0.2:80'), r.out);
    assert.ok(lines.includes('  FORWARD (in eth0, out br-front)'), r.out);
    assert.ok(lines.includes('answer (conntrack ESTABLISHED): tcp 172.18.0.2:80 -> 10.200.0.2:41000'), r.out);
    assert.ok(lines.includes('    conntrack: reply of a NATed connection: source 172.18.0.2:80 -> 10.200.0.1:8080'), r.out);
    assert.ok(!r.out.includes('(no match)'), 'rules that did not match are left out');
    const verbose = await cli(daemon(), ['trace', '--from', 'ext:10.200.0.2', '--to', '10.200.0.1:8080', '--verbose']);
    assert.ok(verbose.out.includes('      nat DOCKER #1  -i br-quiet -j RETURN  (no match)'), verbose.out);
  });

  it('--json prints the trace as data; exit 1 when it does not get through', async () => {
    const r = await cli(daemon(), ['trace', '--from', 'web', '--to', 'old:80', '--json']);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.out), JSON.parse(JSON.stringify(answer('web'))));
    assert.deepEqual(bodies.at(-1), { From: 'web', To: 'old:80' });
  });

  it('both ends are required; the source port is a port', async () => {
    assert.deepEqual(await cli(daemon(), ['trace', '--to', 'web:80']).then((r) => [r.code, r.err]), [125, "required flag --from not set\nSee 'berth trace --help'.\n"]);
    assert.equal((await cli(daemon(), ['trace', '--from', 'web'])).code, 125);
    const bad = await cli(daemon(), ['trace', '--from', 'web', '--to', 'x:1', '--sport', '0']);
    assert.deepEqual([bad.code, bad.err], [125, 'invalid argument "0" for "--sport" flag: expected a port 1-65535\nSee \'berth trace --help\'.\n']);
  });

  it('rules --explain comments each rule, in the locale\'s language', async () => {
    const en = await cli(daemon(), ['rules', '--explain'], { env: { LANG: 'en_US.UTF-8' } });
    assert.equal(
      en.out,
      [
        '*filter',
        ':FORWARD - [0:0]',
        ':DOCKER-USER - [0:0]',
        "# Every forwarded packet first goes through DOCKER-USER, where the administrator's own rules go (berth never changes them).",
        '-A FORWARD -j DOCKER-USER',
        '# Blocks traffic between containers on br-quiet (inter-container communication off).',
        '-A FORWARD -i br-quiet -o br-quiet -j DROP',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const zh = await cli(daemon(), ['rules', '--explain'], { env: { LC_ALL: 'zh_CN.UTF-8' } });
    assert.match(zh.out, /^# 阻止 br-quiet 上的容器互相通信（icc 关闭）。\n-A FORWARD -i br-quiet -o br-quiet -j DROP$/m);
    assert.equal((await cli(daemon(), ['rules'])).out, OWNED);
  });
});
