// berth doctor against berthd, in throwaway namespaces: each seeded fault is found
// (and nothing changes without --fix), then --fix clears it and the published
// port still carries traffic. Checked with independent tools (sysctl, ip,
// iptables-save, iptables-legacy-save).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BerthHost, HOST_IP } from '../helpers/berthd.js';
import { LISTENER, descendants, pollUntil, runCmd } from '../helpers/netns.js';
import type { DoctorReport } from '../../src/doctor/run.js';

const h = new BerthHost();

interface Run {
  readonly code: number;
  readonly report: DoctorReport;
  readonly ms: number;
}

async function doctor(...args: string[]): Promise<Run> {
  const t0 = performance.now();
  const r = await h.berth(['doctor', '--json', ...args]);
  const ms = performance.now() - t0;
  assert.ok(r.stdout.startsWith('{'), `berth doctor ${args.join(' ')}: ${r.stdout}${r.stderr}\nberthd:\n${h.log().slice(-2000)}`);
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport, ms };
}

const ids = (r: Run): string[] => r.report.findings.map((f) => `${f.id} ${f.subject}`);

async function inHost(argv: string[]): Promise<string> {
  const r = await h.nets.nsenter(h.host, argv);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** iptables-save without comments and counters. */
async function rules(tool = 'iptables-save'): Promise<string> {
  return (await inHost([tool]))
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\s*\[\d+:\d+\]$/, ''))
    .join('\n');
}

async function publishedPortWorks(): Promise<void> {
  const r = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080);
  assert.equal(r.ok, true, `the published port should carry traffic: ${r.detail}`);
}

before(async () => {
  await h.start();
  await h.ok(['network', 'create', 'appnet']);
  await h.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'web']);
  await pollUntil(async () => (await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080, 500)).ok, { timeoutMs: 10000, what: 'web published' });
});

after(() => h.stop());

test('a healthy host: no findings, exit 0', async (t) => {
  const r = await doctor();
  assert.deepEqual(ids(r), []);
  assert.equal(r.code, 0);
  assert.equal(r.report.healthy, true);
  const text = await h.berth(['doctor']);
  assert.equal(text.stdout, `Healthy: berthd's networking checks out (${r.report.checks.join(', ')}).\n`);
  t.diagnostic(`berth doctor: ${r.ms.toFixed(0)} ms`);
});

test('ip_forward off: found, untouched without --fix, turned on by --fix', async (t) => {
  await inHost(['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
  const found = await doctor();
  assert.deepEqual(ids(found), ['ip-forward net.ipv4.ip_forward']);
  assert.equal(found.code, 1);
  assert.equal((await inHost(['cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '0', 'doctor alone changes nothing');
  const fixed = await doctor('--fix');
  assert.deepEqual([fixed.code, ids(fixed), fixed.report.applied], [0, [], ['set net.ipv4.ip_forward = 1']]);
  assert.equal((await inHost(['cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '1');
  await publishedPortWorks();
  t.diagnostic(`berth doctor --fix: ${fixed.ms.toFixed(0)} ms`);
});

test('icc=false without bridge-nf-call-iptables: found, turned on by --fix', async () => {
  await h.ok(['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', 'quiet']);
  try {
    await inHost(['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0']);
    const found = await doctor();
    assert.deepEqual(ids(found), ['bridge-nf-call-iptables net.bridge.bridge-nf-call-iptables']);
    const fixed = await doctor('--fix');
    assert.deepEqual([fixed.code, ids(fixed), fixed.report.applied], [0, [], ['set net.bridge.bridge-nf-call-iptables = 1']]);
    assert.equal((await inHost(['cat', '/proc/sys/net/bridge/bridge-nf-call-iptables'])).trim(), '1');
  } finally {
    await h.ok(['network', 'rm', 'quiet']);
  }
});

test('an orphan veth on a berth bridge: found, deleted by --fix', async () => {
  await inHost(['ip', 'link', 'add', 'vethorph0', 'type', 'veth', 'peer', 'name', 'vethorph1']);
  await inHost(['ip', 'link', 'set', 'vethorph0', 'master', 'docker0']);
  const found = await doctor();
  assert.deepEqual(ids(found), ['orphan-veth vethorph0']);
  assert.equal((await h.nets.nsenter(h.host, ['ip', 'link', 'show', 'vethorph0'])).code, 0, 'still there without --fix');
  const fixed = await doctor('--fix');
  assert.deepEqual([fixed.code, ids(fixed), fixed.report.applied], [0, [], ['deleted vethorph0']]);
  assert.notEqual((await h.nets.nsenter(h.host, ['ip', 'link', 'show', 'vethorph1'])).code, 0, 'its peer went with it');
  await publishedPortWorks();
});

test('a namespace with the sandbox prefix that no record names: reported, and left alone by --fix (it is not berth\'s)', async () => {
  const ghost = h.sandbox('ghost');
  assert.equal((await runCmd(['ip', 'netns', 'add', ghost])).code, 0);
  try {
    const found = await doctor();
    assert.deepEqual(ids(found), [`orphan-netns ${ghost}`]);
    const fixed = await doctor('--fix');
    assert.deepEqual(fixed.report.applied, []);
    assert.ok((await runCmd(['ip', 'netns', 'list'])).stdout.includes(ghost), 'still there');
  } finally {
    await runCmd(['ip', 'netns', 'del', ghost]);
  }
});

test('a rule added with iptables-legacy: the split is found, --fix moves it into iptables-nft and empties legacy', async () => {
  await inHost(['iptables-legacy', '-A', 'FORWARD', '-s', '10.9.9.9/32', '-j', 'DROP']);
  const found = await doctor();
  assert.deepEqual(ids(found), ['iptables-split iptables-legacy']);
  assert.deepEqual(found.report.findings[0]?.detail, ['move filter: -A FORWARD -s 10.9.9.9/32 -j DROP']);
  const fixed = await doctor('--fix');
  assert.deepEqual([fixed.code, ids(fixed)], [0, []]);
  assert.doesNotMatch(await rules('iptables-legacy-save'), /^-A /m, 'iptables-legacy holds no rule');
  assert.match(await rules(), /^-A FORWARD -s 10\.9\.9\.9\/32 -j DROP$/m, 'the rule now lives in iptables-nft');
  await inHost(['iptables', '-D', 'FORWARD', '-s', '10.9.9.9/32', '-j', 'DROP']);
  await publishedPortWorks();
});

test('a host route overlapping a berth network: found, and left to the operator (--fix cannot renumber)', async () => {
  const subnet = (await h.ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'appnet'])).trim();
  const inside = subnet.replace(/\.0\.0\/16$/, '.200.1/24');
  await inHost(['ip', 'link', 'add', 'vethovl0', 'type', 'veth', 'peer', 'name', 'vethovl1']);
  try {
    await inHost(['ip', 'addr', 'add', inside, 'dev', 'vethovl0']);
    await inHost(['ip', 'link', 'set', 'vethovl0', 'up']);
    const found = await doctor();
    assert.deepEqual(ids(found), ['subnet-overlap appnet']);
    assert.equal(found.report.findings[0]?.fixable, false);
    const fixed = await doctor('--fix');
    assert.deepEqual([fixed.code, ids(fixed), fixed.report.applied], [1, ['subnet-overlap appnet'], []]);
  } finally {
    await inHost(['ip', 'link', 'del', 'vethovl0']);
  }
});

/** berthd's `nft monitor` processes, so that its repair can be held off while doctor looks. */
async function ruleMonitors(): Promise<number[]> {
  const berthd = (await runCmd(['pgrep', '-f', h.socket])).stdout.split('\n').filter(Boolean).map(Number);
  const monitors: number[] = [];
  for (const pid of await descendants(berthd)) {
    if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) === 'nft\0monitor\0') monitors.push(pid);
  }
  assert.ok(monitors.length > 0, `no nft monitor under berthd (${berthd.join(' ')})`);
  return monitors;
}

test('berth\'s own rules altered: reported before berthd\'s watcher repairs them, restored by --fix', async (t) => {
  const healthy = await rules();
  const monitors = await ruleMonitors();
  for (const pid of monitors) process.kill(pid, 'SIGSTOP'); // berthd's periodic check (every 10 s) may still repair: then try again
  try {
    let found: Run | undefined;
    for (let attempt = 0; attempt < 3 && found === undefined; attempt++) {
      const repairsBefore = h.log().split("repaired berth's rules").length;
      await inHost(['iptables', '-D', 'FORWARD', '-j', 'DOCKER-ISOLATION-STAGE-1']);
      await inHost(['iptables', '-F', 'DOCKER-ISOLATION-STAGE-1']);
      await inHost(['iptables', '-X', 'DOCKER-ISOLATION-STAGE-1']);
      await inHost(['iptables', '-t', 'nat', '-R', 'DOCKER', '3', '!', '-i', 'br-x', '-p', 'tcp', '-m', 'tcp', '--dport', '9999', '-j', 'DNAT', '--to-destination', '10.1.1.1:1']);
      const damaged = await rules();
      const r = await doctor();
      if (h.log().split("repaired berth's rules").length !== repairsBefore) continue;
      assert.equal(await rules(), damaged, 'doctor alone changes nothing');
      found = r;
    }
    assert.ok(found, 'berthd repaired before doctor could look, three times in a row');
    assert.deepEqual(ids(found), ['rules filter FORWARD', 'rules filter DOCKER-ISOLATION-STAGE-1', 'rules nat DOCKER']);
    assert.equal(found.code, 1);
    const fixed = await doctor('--fix');
    assert.deepEqual([fixed.code, ids(fixed), fixed.report.applied], [0, [], ["restored berthd's chains and rules in one iptables-restore --noflush"]]);
    assert.equal(await rules(), healthy);
    await publishedPortWorks();
    t.diagnostic(`berth doctor --fix (rules): ${fixed.ms.toFixed(0)} ms`);
  } finally {
    for (const pid of monitors) process.kill(pid, 'SIGCONT');
  }
});
