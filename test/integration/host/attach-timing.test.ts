// How long it takes to create a sandbox namespace, a veth into it and configure
// both sides, by strategy. A measurement, not an assertion: skipped unless
// BERTH_BENCH=1 (`BERTH_BENCH=1 node --test dist/test/integration/host/attach-timing.test.js`).
// Runs are interleaved across strategies; medians are printed as diagnostics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { exec, run, type Exec } from '../../../src/host/exec.js';
import { applyBatch, planAddBridge, planAttach } from '../../../src/host/ip-batch.js';
import { kernelHostNet } from '../../../src/host/host-net.js';
import { netnsPath } from '../../../src/host/netns.js';
import { netnsFixture } from './netns-fixture.js';

const RUNS = Number(process.env['BERTH_BENCH_RUNS'] ?? 20);
const fx = netnsFixture('tm');
const HOST = fx.name('host');
const hostExec = fx.execIn(HOST);

/** Runs in a namespace the way berthd's children do: nsenter execs the program (one process). */
const inNs =
  (base: Exec, ns: string): Exec =>
  (argv, o) =>
    base(['nsenter', `--net=${netnsPath(ns)}`, ...argv], o);

function plan(ns: string, i: number) {
  return planAttach({
    netns: ns,
    createNetns: true,
    bridge: 'br0',
    hostName: `vt${i}`,
    ifName: 'eth0',
    mtu: 1500,
    mac: mac(i),
    addresses: [`10.66.0.${2 + (i % 200)}/16`],
    gateway: '10.66.0.1',
  });
}
const mac = (i: number): string => `02:42:0a:42:00:${(2 + (i % 200)).toString(16).padStart(2, '0')}`;

/** A strategy runs every process through `base`, so the processes can be counted. */
type Strategy = (ns: string, i: number, base: Exec) => Promise<void>;

const strategies: Record<string, Strategy> = {
  // berth's way: host batch (netns add + veth) and sandbox batch (ip -n).
  'two batches (ip -n for the sandbox)': async (ns, i, base) => {
    const p = plan(ns, i);
    await applyBatch(inNs(base, HOST), p.host);
    await applyBatch(base, p.sandbox, { netns: ns });
  },
  // Same, sandbox batch via nsenter: no mount-namespace unshare nor /sys remount.
  'two batches (nsenter for the sandbox)': async (ns, i, base) => {
    const p = plan(ns, i);
    await applyBatch(inNs(base, HOST), p.host);
    await applyBatch(inNs(base, ns), p.sandbox);
  },
  // Without the markers applyBatch adds (raw ip -batch).
  'two batches, no markers': async (ns, i, base) => {
    const p = plan(ns, i);
    await run(inNs(base, HOST), ['ip', '-batch', '-'], { input: p.host.map((l) => `${l}\n`).join('') });
    await run(base, ['ip', '-n', ns, '-batch', '-'], { input: p.sandbox.map((l) => `${l}\n`).join('') });
  },
  // The engine's HostNet: createSandbox (ip netns add + lo up) then attach.
  'hostNet createSandbox + attach': async (ns, i, base) => {
    const net = kernelHostNet(inNs(base, HOST));
    await net.createSandbox(ns);
    await net.attach({ netns: ns, hostIf: `vt${i}`, ifName: 'eth0', bridge: 'br0', mtu: 1500, address: `10.66.0.${2 + (i % 200)}/16`, mac: mac(i), gateway: '10.66.0.1' });
  },
  // One process per command.
  'one ip per command': async (ns, i, base) => {
    const p = plan(ns, i);
    for (const l of p.host) await run(inNs(base, HOST), ['ip', ...l.split(' ')]);
    for (const l of p.sandbox) await run(base, ['ip', '-n', ns, ...l.split(' ')]);
  },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

before(async () => {
  if (process.env['BERTH_BENCH'] !== '1') return;
  await fx.add('host');
  await applyBatch(hostExec, planAddBridge({ name: 'br0', mtu: 1500, addresses: ['10.66.0.1/16'] }));
});

after(async () => {
  await fx.cleanup();
  assert.deepEqual((await readdir('/var/run/netns')).filter((n) => n.startsWith(fx.prefix)), []);
});

test('attach timing by strategy', { skip: process.env['BERTH_BENCH'] !== '1' ? 'set BERTH_BENCH=1' : false }, async (t) => {
  const times = new Map<string, number[]>(Object.keys(strategies).map((k) => [k, []]));
  const procs = new Map<string, number>();
  let i = 0;
  for (let r = 0; r < RUNS; r++) {
    for (const [name, strategy] of Object.entries(strategies)) {
      i += 1;
      const ns = fx.name(`s${i}`);
      let n = 0;
      const counted: Exec = (argv, o) => ((n += 1), exec(argv, o));
      const start = process.hrtime.bigint();
      await strategy(ns, i, counted);
      times.get(name)?.push(Number(process.hrtime.bigint() - start) / 1e6);
      procs.set(name, n);
      // Check it worked, then tear down (untimed).
      const routes = JSON.parse((await run(exec, ['ip', '-n', ns, '-j', 'route', 'show'])).stdout) as Array<{ dst: string; gateway?: string }>;
      assert.equal(routes[0]?.gateway, '10.66.0.1', `${name}: default route in ${ns}`);
      await applyBatch(hostExec, [`link del dev vt${i}`, `netns del ${ns}`]);
    }
  }
  for (const [name, xs] of times) {
    t.diagnostic(`${name}: median ${median(xs).toFixed(2)} ms, min ${Math.min(...xs).toFixed(2)} ms over ${xs.length} runs; ${procs.get(name) ?? '?'} processes`);
  }
});
