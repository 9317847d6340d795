// Repair instead of restart: when berth's rules are flushed or overwritten behind
// its back, berthd notices and restores exactly what it owns, in place; published
// ports carry traffic again, and what survived of DOCKER-USER and foreign rules is
// left as it is. The time from the damage to the restored ruleset is reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, HOST_IP } from '../helpers/berthd.js';
import { LISTENER, pollUntil } from '../helpers/netns.js';

const h = new BerthHost();

/** The ruleset as iptables-save prints it, without comments and counters. */
async function rules(): Promise<string> {
  return (await h.iptablesSave())
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\s*\[\d+:\d+\]$/, ''))
    .join('\n');
}

async function ipt(argv: string[]): Promise<void> {
  const r = await h.nets.exec(h.host, argv);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
}

/** Damages the rules, then waits until the ruleset satisfies `restored`; returns the ms it took. */
async function timeRepair(damage: () => Promise<void>, restored: (now: string) => boolean): Promise<number> {
  const t0 = performance.now();
  await damage();
  await pollUntil(async () => restored(await rules()), { timeoutMs: 5000, intervalMs: 20, what: 'berth to restore its rules' });
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function publishedPortWorks(): Promise<void> {
  const r = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080);
  assert.equal(r.ok, true, `the published port should carry traffic again: ${r.detail}`);
}

before(async () => {
  await h.start();
  await h.ok(['network', 'create', 'appnet']);
  await h.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'web']);
  await pollUntil(async () => (await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080, 500)).ok, { timeoutMs: 10000, what: 'web published' });
});

after(() => h.stop());

test('flushed Docker chains are restored; DOCKER-USER contents and foreign rules are kept', async (t) => {
  await ipt(['iptables', '-I', 'DOCKER-USER', '-s', '10.9.9.9/32', '-j', 'DROP']);
  await ipt(['iptables', '-A', 'FORWARD', '-s', '10.8.8.8/32', '-j', 'ACCEPT']);
  const healthy = await rules();
  const ms = await timeRepair(
    async () => {
      await ipt(['iptables', '-F', 'DOCKER']);
      await ipt(['iptables', '-t', 'nat', '-F', 'DOCKER']);
      await ipt(['iptables', '-D', 'FORWARD', '-j', 'DOCKER-ISOLATION-STAGE-1']);
    },
    (now) => now === healthy,
  );
  t.diagnostic(`restored in ${ms.toFixed(0)} ms`);
  await publishedPortWorks();
  assert.match(h.log(), /repaired berth's rules/);
});

test('a full flush of filter and nat (-F, -X) is repaired, repeatedly; the median time is reported', async (t) => {
  const healthyWithoutUser = (await rules()).replace(/^-A DOCKER-USER -s 10\.9\.9\.9\/32 -j DROP\n/m, '').replace(/^-A FORWARD -s 10\.8\.8\.8\/32 -j ACCEPT\n/m, '');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    times.push(
      await timeRepair(
        async () => {
          for (const table of ['filter', 'nat']) {
            await ipt(['iptables', '-t', table, '-F']);
            await ipt(['iptables', '-t', table, '-X']);
          }
        },
        (now) => now === healthyWithoutUser,
      ),
    );
    await publishedPortWorks();
  }
  t.diagnostic(`flush -> restored, 5 runs: ${times.map((x) => x.toFixed(0)).join(', ')} ms; median ${median(times).toFixed(0)} ms`);
});

test('restoring an old ruleset file over berth (iptables-restore) is repaired', async () => {
  const healthy = await rules();
  const old = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 10.5.5.5/32 -j ACCEPT\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n';
  const r = await h.nets.exec(h.host, ['iptables-restore'], { input: old });
  assert.equal(r.code, 0, r.stderr);
  // Expected: berth's rules back, and the restored file's own INPUT rule kept (INPUT's rules print first).
  const expected = healthy.replace(/(\*filter\n(?::.*\n)*)/, '$1-A INPUT -s 10.5.5.5/32 -j ACCEPT\n');
  await pollUntil(async () => (await rules()) === expected, {
    timeoutMs: 5000,
    intervalMs: 20,
    what: 'berth to restore its rules after iptables-restore, keeping the restored file\'s own rule',
  });
  await publishedPortWorks();
});
