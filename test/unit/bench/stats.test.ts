import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatCount, formatFactor, formatMs, formatRatio, median, percentile, ratio } from '../../../bench/stats.js';
import { floorKind, within } from '../../../bench/targets.js';
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

  it('percentile by nearest rank', () => {
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    assert.equal(percentile(ten, 90), 9);
    assert.equal(percentile(ten, 50), 5);
    assert.equal(percentile(ten, 100), 10);
    assert.equal(percentile([4], 90), 4);
    assert.equal(percentile([], 90), null);
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
    assert.deepEqual(p.systems, ['berth', 'berth-api', 'berth-nft', 'dockerd', 'netavark', 'cni']);
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
    assert.deepEqual(parseArgs(['--only', 'berth-nft,berth-api']).systems, ['berth-api', 'berth-nft']);
  });

  it('rejects unknown systems and arguments', () => {
    assert.throws(() => parseArgs(['--only', 'podman']), /unknown system podman/);
    assert.throws(() => parseArgs(['--reps', '0']), /not a positive integer/);
    assert.throws(() => parseArgs(['--fast']), /unknown argument --fast/);
  });
});

describe('bench targets', () => {
  it('holds each berth system to the floor of its backend', () => {
    assert.equal(floorKind('berth'), 'iptables');
    assert.equal(floorKind('berth-api'), 'iptables');
    assert.equal(floorKind('berth-nft'), 'nft');
  });

  it('a figure is within its bound when at or below it, unknown without one', () => {
    assert.equal(within(2, 2), true);
    assert.equal(within(2.01, 2), false);
    assert.equal(within(null, 2), null);
    assert.equal(within(5, null), null);
  });
});

describe('bench report', () => {
  /** `sandboxMib` of the RSS is the sandboxes' own command. */
  const usage = (processes: number, mib: number, sandboxMib = 0) => ({ processes, rssBytes: mib * 1024 * 1024, systemRssBytes: (mib - sandboxMib) * 1024 * 1024 });
  const floor = { after: 'publish 1000 ports: start', iptablesMs: [90, 91, 92], nftMs: [18, 19, 17], iptablesRules: 3015, nftRules: 9, nftElements: 3000 };
  const report: BenchReport = {
    machine: { cpus: '2 × Test CPU', memory: '4.00 GiB', kernel: '6.1.0', os: 'Debian', versions: { berth: 'abc1234', dockerd: 'Docker version 20.10.24' } },
    command: 'npm run bench',
    startedAt: new Date('2026-01-02T03:04:05Z'),
    durationMs: 90_000,
    load: { start: [0.5, 0.25, 0.125], end: [1, 2, 3] },
    systems: ['berth', 'berth-api', 'berth-nft', 'dockerd', 'netavark'],
    reps: 3,
    datapathMs: 3000,
    timings: [
      {
        label: 'publish 1000 ports: start',
        ms: { berth: [400, 420, 410], 'berth-api': [150, 160, 170], 'berth-nft': [30, 36, 40], dockerd: [32_000], netavark: [66_000] },
        floor,
        publishedPorts: 1000,
      },
      { label: 'publish 1000 ports: remove', ms: { berth: [300, 310, 320], 'berth-api': [180, 181, 182], 'berth-nft': [50, 52, 54], dockerd: [60_000], netavark: [90_000] }, floor, publishedPorts: 1000 },
      {
        label: 'create 20 networks',
        ms: { berth: [100, 110, 120], 'berth-api': [50, 60, 70], 'berth-nft': [40, 45, 50], dockerd: [200, 220, 210] },
        na: { netavark: 'no network objects' },
        ops: { kind: 'network-create', ms: { berth: [5, 6, 7], 'berth-api': [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'berth-nft': [12, 12, 12] } },
      },
    ],
    footprint: [
      { system: 'berth', ports: 1000, idle: usage(3, 70), peak: usage(5, 90, 1.5), after: usage(4, 85, 1.5) },
      { system: 'dockerd', ports: 1000, idle: usage(2, 120), peak: usage(2006, 6758, 1), after: usage(2006, 6758, 1) },
      { system: 'netavark', ports: 1000, idle: usage(0, 0), peak: usage(2, 11.5), after: usage(0, 0) },
    ],
    datapath: [
      { backend: 'iptables', published: 10, position: 'first', hostPort: 20009, rules: 45, rates: [15_000, 16_000, 15_500] },
      { backend: 'iptables', published: 10_000, position: 'first', hostPort: 29999, rules: 30_015, rates: [3700, 3800, 3750] },
      { backend: 'nftables', published: 10, position: null, hostPort: 20000, rules: 30, elements: 25, rates: [12_000, 12_500, 13_000] },
      { backend: 'nftables', published: 10_000, position: null, hostPort: 20000, rules: 30, elements: 20_005, rates: [12_100, 12_200, 12_900] },
    ],
  };
  const text = renderReport(report);

  it('has the machine, the command and one row per timed step with medians and ratios', () => {
    assert.match(text, /- CPU: 2 × Test CPU/);
    assert.match(text, /- Load average \(1, 5, 15 min\): 0.50, 0.25, 0.13 at the start, 1.00, 2.00, 3.00 at the end of the run/);
    assert.match(text, /```\nnpm run bench\n```/);
    assert.match(text, /\| workload \| berth \| berth, API only \| berth nftables, API only \| dockerd 20.10 \| netavark 1.4 \| berth ÷ dockerd 20.10 \| berth ÷ netavark 1.4 \| floor: one iptables-restore \| floor: one nft -f \|/);
    assert.match(text, /\| publish 1000 ports: start \| 410 ms \| 160 ms \| 36.0 ms \| 32.0 s \(n=1\) \| 66.0 s \(n=1\) \| 0.0128 \(78.0× faster\) \| 0.00621 \(161× faster\) \| 91.0 ms \| 18.0 ms \|/);
    // The remove step shows no floor of its own in the time table.
    assert.match(text, /\| publish 1000 ports: remove \| 310 ms \| 181 ms \| 52.0 ms \| 60.0 s \(n=1\) \| 90.0 s \(n=1\) \| 0.00517 \(194× faster\) \| 0.00344 \(290× faster\) \|  \|  \|/);
    assert.match(text, /\| create 20 networks \| 110 ms \| 60.0 ms \| 45.0 ms \| 210 ms \| n\/a \| 0.524 \(1.91× faster\) \| — \|/);
    assert.match(text, /n\/a for netavark 1.4: no network objects\./);
  });

  it('holds each berth system to its backend floor, the remove step to the start step floor', () => {
    assert.match(text, /\| publish 1000 ports: start \| 3,015 \| 9 \| 3,000 \|/);
    assert.doesNotMatch(text, /\| publish 1000 ports: remove \| 3,015 \|/);
    assert.match(text, /\| workload \| berth ÷ iptables-restore floor \| berth, API only ÷ iptables-restore floor \| berth nftables, API only ÷ nft -f floor \|/);
    assert.match(text, /\| publish 1000 ports: start \| 4.51 \(4.51× slower\) \| 1.76 \(1.76× slower\) \| 2.00 \(2.00× slower\) \|/);
    assert.match(text, /\| publish 1000 ports: remove \| 3.41 \(3.41× slower\) \| 1.99 \(1.99× slower\) \| 2.89 \(2.89× slower\) \|/);
  });

  it('judges the targets: 1000 ports within 2x the floor, single operations within their medians', () => {
    assert.match(text, /## Targets/);
    assert.match(text, /\| berth, API only \| publish 1000 ports: start \| 160 ms \| 91.0 ms \| 1.76× \| met \|/);
    assert.match(text, /\| berth nftables, API only \| publish 1000 ports: start \| 36.0 ms \| 18.0 ms \| 2.00× \| met \|/);
    assert.match(text, /\| berth nftables, API only \| publish 1000 ports: remove \| 52.0 ms \| 18.0 ms \| 2.89× \| not met \|/);
    assert.match(text, /\| berth \| publish 1000 ports: start \| 410 ms \| 91.0 ms \| 4.51× \| not met \|/);
    assert.doesNotMatch(text, /smoke figure/);
    // Single operations: API systems only (the CLI's figures are left out), median and p90 of all operations.
    assert.match(text, /\| create one network \| berth, API only \| 10 \| 6.50 ms \| 10.0 ms \| ≤ 10.0 ms \| met \|/);
    assert.match(text, /\| create one network \| berth nftables, API only \| 3 \| 12.0 ms \| 12.0 ms \| ≤ 10.0 ms \| not met \|/);
    assert.doesNotMatch(text, /\| create one network \| berth \|/);
  });

  it('has the footprint and the datapath of both backends, with the nftables verdict', () => {
    assert.match(text, /## Processes and memory for 1,000 published ports/);
    assert.match(text, /\| dockerd 20.10 \| 2 \| 120 MiB \| 2,006 \| 6.60 GiB \| 2,006 \| 6.60 GiB \| 6.48 GiB \|/);
    assert.match(text, /\| berth \| 3 \| 70.0 MiB \| 5 \| 90.0 MiB \| 4 \| 85.0 MiB \| 18.5 MiB \|/, 'peak over idle without the sandbox\'s sleep');
    assert.match(text, /\| netavark 1.4 \| 0 \| 0 B \| 2 \| 11.5 MiB \| 0 \| 0 B \| 11.5 MiB \|/);
    assert.match(text, /\| iptables \| 10,000 \| 30,015 rules \| 29999 \(DNAT rule first\) \| 3,750 \| 3,700–3,800 \| 0.242× \| yes \|/);
    assert.match(text, /\| nftables \| 10,000 \| 30 rules, 20,005 set and map elements \| 20000 \(map element\) \| 12,200 \| 12,100–12,900 \| 0.976× \| no \|/);
    assert.match(text, /nftables backend: with 10,000 published ports a port takes 12,200 new connections\/s, with 10 ports 12,500: 0.976× \(median over median\)\. Falls measurably: no\. .*\(here 12,100–12,900 against 12,000–13,000 connections\/s\)/);
  });
});
