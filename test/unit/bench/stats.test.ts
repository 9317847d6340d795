import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatCount, formatFactor, formatMs, formatRatio, median, ratio } from '../../../bench/stats.js';
import { renderReport } from '../../../bench/report.js';
import { parseArgs } from '../../../bench/options.js';
import type { BenchReport } from '../../../bench/results.js';

describe('bench stats', () => {
  it('median of odd, even, unsorted and empty samples', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.equal(median([]), null);
  });

  it('ratio is berth over the other, null when undefined', () => {
    assert.equal(ratio(50, 200), 0.25);
    assert.equal(ratio(null, 200), null);
    assert.equal(ratio(50, null), null);
    assert.equal(ratio(50, 0), null);
  });

  it('formats durations, ratios, sizes and counts', () => {
    assert.equal(formatMs(0.4213), '0.421 ms');
    assert.equal(formatMs(12.34), '12.3 ms');
    assert.equal(formatMs(845.2), '845 ms');
    assert.equal(formatMs(1234), '1.23 s');
    assert.equal(formatMs(74_120), '74.1 s');
    assert.equal(formatRatio(0.0132), '0.0132 (75.8× faster)');
    assert.equal(formatRatio(2.1), '2.10 (2.10× slower)');
    assert.equal(formatRatio(1.01), '1.01');
    assert.equal(formatFactor(0.25), '0.250×');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(6.6 * 1024 ** 3), '6.60 GiB');
    assert.equal(formatCount(3015.4), '3,015');
  });
});

describe('bench options', () => {
  it('defaults to every system, 5 repetitions and the full sizes', () => {
    const p = parseArgs([]);
    assert.deepEqual(p.systems, ['berth', 'berth-api', 'dockerd', 'netavark', 'cni']);
    assert.equal(p.reps, 5);
    assert.deepEqual(p.publishCounts, [1, 100, 1000]);
    assert.equal(p.footprintPorts, 1000);
    assert.deepEqual(p.datapathCounts, [10, 10_000]);
  });

  it('--quick shrinks sizes and repetitions; --only and --reps apply', () => {
    const p = parseArgs(['--quick', '--only', 'cni,berth', '--reps', '2']);
    assert.deepEqual(p.systems, ['berth', 'cni']);
    assert.equal(p.reps, 2);
    assert.equal(p.attachCount, 3);
  });

  it('rejects unknown systems and arguments', () => {
    assert.throws(() => parseArgs(['--only', 'podman']), /unknown system podman/);
    assert.throws(() => parseArgs(['--reps', '0']), /not a positive integer/);
    assert.throws(() => parseArgs(['--fast']), /unknown argument --fast/);
  });
});

describe('bench report', () => {
  const usage = (processes: number, mib: number) => ({ processes, rssBytes: mib * 1024 * 1024 });
  const report: BenchReport = {
    machine: { cpus: '2 × Test CPU', memory: '4.00 GiB', kernel: '6.1.0', os: 'Debian', versions: { berth: 'abc1234', dockerd: 'Docker version 20.10.24' } },
    command: 'npm run bench',
    startedAt: new Date('2026-01-02T03:04:05Z'),
    durationMs: 90_000,
    load: { start: [0.5, 0.25, 0.125], end: [1, 2, 3] },
    systems: ['berth', 'dockerd', 'netavark'],
    reps: 3,
    datapathMs: 3000,
    timings: [
      {
        label: 'publish 1000 ports: start',
        ms: { berth: [400, 420, 410], dockerd: [32_000], netavark: [66_000] },
        floor: { iptablesMs: [90, 91, 92], nftMs: [18, 19, 17], iptablesRules: 3015, nftRules: 9, nftElements: 3000 },
      },
      { label: 'create 20 networks', ms: { berth: [100, 110, 120], dockerd: [200, 220, 210] }, na: { netavark: 'no network objects' } },
    ],
    footprint: [
      { system: 'berth', ports: 1000, idle: usage(3, 70), peak: usage(5, 90), after: usage(4, 85) },
      { system: 'dockerd', ports: 1000, idle: usage(2, 120), peak: usage(2006, 6758), after: usage(2006, 6758) },
    ],
    datapath: [
      { published: 10, position: 'first', hostPort: 20009, rules: 45, rates: [15_000, 16_000, 15_500] },
      { published: 10_000, position: 'first', hostPort: 29999, rules: 30_015, rates: [3700, 3800, 3750] },
    ],
  };
  const text = renderReport(report);

  it('has the machine, the command and one row per timed step with medians and ratios', () => {
    assert.match(text, /- CPU: 2 × Test CPU/);
    assert.match(text, /- Load average \(1, 5, 15 min\): 0.50, 0.25, 0.13 at the start, 1.00, 2.00, 3.00 at the end of the run/);
    assert.match(text, /```\nnpm run bench\n```/);
    assert.match(text, /\| publish 1000 ports: start \| 410 ms \| 32.0 s \(n=1\) \| 66.0 s \(n=1\) \| 0.0128 \(78.0× faster\) \| 0.00621 \(161× faster\) \| 91.0 ms \| 18.0 ms \| 4.51 \(4.51× slower\) \|/);
    assert.match(text, /\| create 20 networks \| 110 ms \| 210 ms \| n\/a \| 0.524 \(1.91× faster\) \| — \|/);
    assert.match(text, /n\/a for netavark 1.4: no network objects\./);
  });

  it('has the floor rulesets, the footprint and the datapath', () => {
    assert.match(text, /\| publish 1000 ports: start \| 3,015 \| 9 \| 3,000 \|/);
    assert.match(text, /## Processes and memory for 1,000 published ports/);
    assert.match(text, /\| dockerd 20.10 \| 2 \| 120 MiB \| 2,006 \| 6.60 GiB \| 2,006 \| 6.60 GiB \|/);
    assert.match(text, /\| 10,000 \| 30,015 \| 29999 \(first\) \| 3,750 \| 0.242× \|/);
  });
});
