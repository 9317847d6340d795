// The doctor's surfaces without a kernel: the API routes over a fake host and the
// fake engine, and the CLI command against a canned daemon and bad --docker URLs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { doctorRoutesOver } from '../../../src/api/routes/doctor.js';
import type { RouteContext } from '../../../src/api/http.js';
import type { CliIO } from '../../../src/cli/command.js';
import { runCli } from '../../../src/cli/main.js';
import type { DoctorHost } from '../../../src/host/doctor-host.js';
import type { DoctorReport } from '../../../src/doctor/run.js';
import type { HostAction } from '../../../src/doctor/types.js';
import { FakeEngine } from '../../helpers/fake-engine.js';
import { Capture } from '../cli/harness.js';
import { DESIRED, snapshot } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-doctor-'));
const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

class RulesEngine extends FakeEngine {
  repairs: string[] = [];
  override desiredRules() {
    return DESIRED;
  }
  override async repairRules(reason?: string): Promise<boolean> {
    this.repairs.push(reason ?? '');
    return true;
  }
}

function fakeHost(): DoctorHost & { applied: HostAction[] } {
  const applied: HostAction[] = [];
  return {
    applied,
    observe: async () => snapshot({ ipForward: applied.some((a) => a.kind === 'sysctl') ? '1' : '0', rulesets: { nft: { tables: [] }, legacy: null }, links: [], namespaces: [] }),
    apply: async (a) => {
      applied.push(a);
    },
  };
}

async function call(method: 'GET' | 'POST', engine: FakeEngine, host: DoctorHost): Promise<DoctorReport> {
  const route = doctorRoutesOver(host).find((r) => r.method === method);
  const reply = await route?.handler({ engine } as unknown as RouteContext);
  assert.equal(reply?.status, 200);
  return reply?.json as DoctorReport;
}

test('GET /berth/doctor reports and changes nothing', async () => {
  const engine = new RulesEngine({ logDir: dir });
  const host = fakeHost();
  const r = await call('GET', engine, host);
  assert.equal(r.healthy, false);
  assert.equal(r.manager, 'berthd');
  assert.ok(r.findings.some((f) => f.id === 'ip-forward'));
  assert.ok(r.findings.some((f) => f.id === 'rules' && f.subject === 'filter DOCKER'));
  assert.deepEqual([host.applied, engine.repairs], [[], []]);
});

test('POST /berth/doctor/fix: host fixes through the host, berth\'s rules through the engine', async () => {
  const engine = new RulesEngine({ logDir: dir });
  const host = fakeHost();
  const r = await call('POST', engine, host);
  assert.deepEqual(host.applied.map((a) => a.what), ['set net.ipv4.ip_forward = 1', 'set the FORWARD policy to DROP (iptables-nft)']);
  assert.deepEqual(engine.repairs, ['berth doctor --fix']);
  assert.ok(r.applied.includes('set net.ipv4.ip_forward = 1'));
  assert.ok(r.fixed.some((f) => f.id === 'ip-forward'));
});

function io(): CliIO & { out: Capture; err: Capture } {
  const out = new Capture();
  const err = new Capture();
  return { stdout: out, stderr: err, out, err, stdin: Readable.from([]), env: {}, runInherited: async () => 0 };
}

async function berth(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const i = io();
  const code = await runCli(argv, i);
  return { code, out: i.out.text, err: i.err.text };
}

test('berth doctor prints the daemon\'s report and exits 1 while problems are left, 0 when healthy', async () => {
  const report = (healthy: boolean): DoctorReport => ({
    healthy,
    manager: 'berthd',
    checks: ['ip-forward'],
    findings: healthy ? [] : [{ id: 'ip-forward', subject: 'net.ipv4.ip_forward', severity: 'error', summary: 'Forwarding is off.', fix: 'Turn it on.', fixable: true }],
    fixed: [],
    applied: healthy ? ['set net.ipv4.ip_forward = 1'] : [],
    failures: [],
  });
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(report(req.method === 'POST')));
  });
  servers.push(server);
  const sock = join(dir, 'berth.sock');
  await new Promise<void>((r) => server.listen(sock, r));
  const plain = await berth(['-H', `unix://${sock}`, 'doctor']);
  assert.equal(plain.code, 1);
  assert.equal(plain.out, 'ERROR   Forwarding is off.\n        fix: Turn it on.\n1 problem found; berth doctor --fix fixes it.\n');
  const fixed = await berth(['-H', `unix://${sock}`, 'doctor', '--fix', '--json']);
  assert.equal(fixed.code, 0);
  assert.equal((JSON.parse(fixed.out) as DoctorReport).healthy, true);
  assert.deepEqual(seen, ['GET /v1.41/berth/doctor', 'POST /v1.41/berth/doctor/fix']);
});

test('--watch and --userland-proxy go with --docker; a --docker URL that is not a Docker API is a clear error', async () => {
  const watch = await berth(['doctor', '--watch']);
  assert.equal(watch.code, 125);
  assert.equal(watch.err, "--watch goes with --docker (berthd keeps its own rules repaired)\nSee 'berth doctor --help'.\n");
  const proxy = await berth(['doctor', '--docker', 'unix:///x.sock', '--userland-proxy', 'maybe']);
  assert.equal(proxy.code, 125);
  assert.match(proxy.err, /invalid argument "maybe" for "--userland-proxy" flag: expected true or false/);
  const missing = await berth(['doctor', '--docker', `unix://${dir}/nope.sock`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, `berth: cannot connect to unix://${dir}/nope.sock: no such socket. Is dockerd running?\n`);
});
