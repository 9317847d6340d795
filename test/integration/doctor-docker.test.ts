// berth doctor --docker against a real dockerd 20.10 in a namespace: it reads
// dockerd's networks and containers through the API, finds what is missing or
// altered in the kernel, and restores dockerd's exact ruleset in place, without
// restarting dockerd; `docker run -p` works again and published ports carry
// traffic through the restored DNAT (the container sees the client's own address,
// not the userland proxy's).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BERTH } from '../helpers/berthd.js';
import { NetnsSet, pollUntil, type Spawned } from '../helpers/netns.js';
import { IMAGE, startDockerd, type Dockerd } from '../differential/dockerd.js';
import type { DoctorReport } from '../../src/doctor/run.js';

const HOST_IP = '10.200.0.1';
const EXT_IP = '10.200.0.2';
const nets = new NetnsSet();
let host = '';
let ext = '';
let d: Dockerd;

/** httpd whose /cgi-bin/peer answers with the address the request came from. */
const WEB = [
  'sh',
  '-c',
  "mkdir -p /www/cgi-bin && { echo '#!/bin/sh'; echo 'echo -e \"Content-Type: text/plain\\r\\n\\r\"'; echo 'echo $REMOTE_ADDR'; } > /www/cgi-bin/peer && busybox chmod 755 /www/cgi-bin/peer && exec httpd -f -p 80 -h /www",
];

interface Run {
  readonly code: number;
  readonly report: DoctorReport;
  readonly stderr: string;
  readonly ms: number;
}

async function doctor(...args: string[]): Promise<Run> {
  const t0 = performance.now();
  const r = await nets.nsenter(host, [process.execPath, BERTH, 'doctor', '--docker', `unix://${d.socket}`, '--json', ...args], { timeoutMs: 60_000 });
  const ms = performance.now() - t0;
  assert.ok(r.stdout.startsWith('{'), `berth doctor ${args.join(' ')} (exit ${r.code}): ${r.stdout}${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport, stderr: r.stderr, ms };
}

const ids = (r: Run): string[] => r.report.findings.map((f) => `${f.id} ${f.subject}`);

async function inHost(argv: string[]): Promise<void> {
  const r = await nets.nsenter(host, argv);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
}

/** iptables-save without comments and counters. */
async function rules(): Promise<string> {
  return (await d.iptablesSave())
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\s*\[\d+:\d+\]$/, ''))
    .join('\n');
}

/** The address the container saw the request from, through the published port. */
async function peerSeenThrough(port: number): Promise<string> {
  const r = await nets.httpGet(ext, `http://${HOST_IP}:${port}/cgi-bin/peer`, 2000);
  assert.equal(r.status, 200, `published port ${port} should answer: ${r.body}`);
  return r.body.trim().replace(/^\[(?:::ffff:)?(.*)\]$/, '$1'); // httpd listens on ::, and shows [::ffff:A.B.C.D]
}

async function dockerdPidfile(): Promise<number> {
  return Number((await readFile(join(d.dir, 'dockerd.pid'), 'utf8')).trim());
}

before(async () => {
  host = await nets.add('dhost');
  ext = await nets.add('ext');
  await nets.veth({ ns: host, ifname: 'eth0', addr: `${HOST_IP}/24` }, { ns: ext, ifname: 'eth0', addr: `${EXT_IP}/24` });
  d = await startDockerd(host);
  await d.mustDocker(['network', 'create', 'appnet']);
  await d.mustDocker(['run', '-d', '--name', 'web1', '-p', '8080:80', IMAGE, ...WEB]);
  await pollUntil(async () => (await nets.httpGet(ext, `http://${HOST_IP}:8080/cgi-bin/peer`, 500)).status === 200, { timeoutMs: 15000, what: 'web1 published' });
});

after(async () => {
  await d?.stop();
  await nets.cleanup();
});

test('a healthy dockerd: the rules berth renders from its API are exactly the kernel\'s', async (t) => {
  const r = await doctor();
  assert.deepEqual(ids(r), []);
  assert.equal(r.code, 0);
  assert.equal(r.report.manager, 'dockerd');
  assert.equal(await peerSeenThrough(8080), EXT_IP, 'DNAT in place: the container sees the client');
  t.diagnostic(`berth doctor --docker: ${r.ms.toFixed(0)} ms`);
});

test('a chain deleted and a rule altered: found, untouched without --fix, dockerd\'s exact ruleset restored by --fix', async () => {
  const healthy = await rules();
  await inHost(['iptables', '-D', 'FORWARD', '-j', 'DOCKER-ISOLATION-STAGE-1']);
  await inHost(['iptables', '-F', 'DOCKER-ISOLATION-STAGE-1']);
  await inHost(['iptables', '-X', 'DOCKER-ISOLATION-STAGE-1']);
  await inHost(['iptables', '-R', 'DOCKER', '1', '-d', '172.17.0.2/32', '!', '-i', 'docker0', '-o', 'docker0', '-p', 'tcp', '-m', 'tcp', '--dport', '81', '-j', 'ACCEPT']);
  const damaged = await rules();
  const found = await doctor();
  assert.deepEqual(ids(found), ['rules filter FORWARD', 'rules filter DOCKER', 'rules filter DOCKER-ISOLATION-STAGE-1']);
  assert.equal(found.code, 1);
  assert.equal(await rules(), damaged, 'doctor alone changes nothing');
  const fixed = await doctor('--fix');
  assert.deepEqual([fixed.code, ids(fixed), fixed.report.applied], [0, [], ["restored dockerd's chains and rules in one iptables-restore --noflush"]]);
  assert.equal(await rules(), healthy);
});

test('the production story: tables flushed, `docker run -p` fails with Docker\'s own error; doctor --fix; `docker run -p` works, both ports carry traffic, dockerd never restarted', async (t) => {
  const pid = d.pid;
  const pidfile = await dockerdPidfile();
  for (const table of ['filter', 'nat']) {
    await inHost(['iptables', '-t', table, '-F']);
    await inHost(['iptables', '-t', table, '-X']);
  }
  assert.equal(await peerSeenThrough(8080), '172.17.0.1', 'without its DNAT, web1 is reached through docker-proxy only');
  const failed = await d.docker(['run', '-d', '--name', 'web2', '-p', '8081:80', IMAGE, ...WEB]);
  assert.notEqual(failed.code, 0, 'docker run -p should fail while the chains are gone');
  assert.match(failed.stderr, /driver failed programming external connectivity on endpoint web2 .*iptables failed: iptables --wait -t nat -A DOCKER .*No chain\/target\/match by that name/s);
  t.diagnostic(`docker run -p before the fix: ${failed.stderr.trim().split('\n')[0]}`);

  const found = await doctor();
  assert.equal(found.code, 1);
  assert.ok(ids(found).includes('rules filter DOCKER') && ids(found).includes('rules nat DOCKER'), ids(found).join(', '));
  const fixed = await doctor('--fix');
  assert.deepEqual([fixed.code, ids(fixed)], [0, []], fixed.stderr);
  t.diagnostic(`berth doctor --docker --fix: ${fixed.ms.toFixed(0)} ms (whole CLI run: read dockerd's API and the kernel, one iptables-restore, read again)`);

  await d.mustDocker(['rm', 'web2']);
  const ran = await d.docker(['run', '-d', '--name', 'web2', '-p', '8081:80', IMAGE, ...WEB]);
  assert.equal(ran.code, 0, `docker run -p after the fix: ${ran.stderr}`);
  await pollUntil(async () => (await nets.httpGet(ext, `http://${HOST_IP}:8081/cgi-bin/peer`, 500)).status === 200, { timeoutMs: 15000, what: 'web2 published' });
  assert.equal(await peerSeenThrough(8080), EXT_IP, 'web1 (published before the flush) through DNAT');
  assert.equal(await peerSeenThrough(8081), EXT_IP, 'web2 (published after the fix) through DNAT');
  assert.equal(d.pid, pid);
  assert.equal(await dockerdPidfile(), pidfile);
  process.kill(pid, 0); // still alive
  const after = await doctor();
  assert.deepEqual([after.code, ids(after)], [0, []], 'and dockerd\'s own new rules agree with berth\'s rendering');
});

test('--watch --fix as a companion service: a flush is repaired as it happens', async (t) => {
  const healthy = await rules();
  const watcher: Spawned = nets.spawn(host, [process.execPath, BERTH, 'doctor', '--docker', `unix://${d.socket}`, '--watch', '--fix']);
  try {
    await pollUntil(() => watcher.output().includes('Healthy'), { timeoutMs: 15000, what: 'the watcher\'s first report' });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await inHost(['iptables', '-t', 'nat', '-F', 'DOCKER']);
      await inHost(['iptables', '-F', 'DOCKER']);
      await pollUntil(async () => (await rules()) === healthy, { timeoutMs: 10000, intervalMs: 20, what: 'the watcher to restore dockerd\'s rules' });
      times.push(performance.now() - t0);
    }
    assert.equal(await peerSeenThrough(8081), EXT_IP);
    t.diagnostic(`flush -> restored by --watch --fix: ${times.map((x) => x.toFixed(0)).join(', ')} ms`);
    assert.match(watcher.output(), /FIXED   restored dockerd's chains and rules/);
  } finally {
    await watcher.kill(5000);
  }
  assert.equal(await watcher.exited, 0, `the watcher exits 0 when interrupted while healthy: ${watcher.output().slice(-500)}`);
});

test('--docker pointed at something that is not a Docker API: a clear error, nothing changed', async (t) => {
  const before = await rules();
  const containerd = join(d.dir, 'exec', 'containerd', 'containerd.sock');
  const r = await nets.nsenter(host, [process.execPath, BERTH, 'doctor', '--docker', `unix://${containerd}`, '--fix']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^berth: unix://${containerd.replace(/[.]/g, '\\.')} is not a Docker API: `));
  assert.equal(r.stdout, '');
  assert.equal(await rules(), before);
  t.diagnostic(r.stderr.trim());
});
