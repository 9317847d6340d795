// Renders a run's measurements as markdown (docs/benchmarks.md): pure, so it is
// unit-tested; writing the file is the caller's one line.
import type { BenchReport, DatapathRow, Floor, FootprintRow, TimingRow } from './results.js';
import { BERTH_VARIANTS, SANDBOX_COMMAND, SYSTEM_TITLES, isBerth, type BerthName, type SystemName } from './systems/system.js';
import { formatBytes, formatCount, formatFactor, formatMs, formatRatio, median, percentile, ratio } from './stats.js';
import { FLOOR_TARGET, OP_TARGETS, floorKind, within, type FloorKind } from './targets.js';
import { LONG_RUN_MS } from './measure.js';

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Median of the samples, with their count when it is below the planned repetitions. */
function timeCell(samples: readonly number[] | undefined, reps: number): string {
  const m = median(samples ?? []);
  if (m === null) return '—';
  return samples!.length < reps ? `${formatMs(m)} (n=${samples!.length})` : formatMs(m);
}

function ratioCell(r: number | null): string {
  return r === null ? '—' : formatRatio(r);
}

/** The berth systems of the run, in its order. */
function berthsOf(report: BenchReport): BerthName[] {
  return report.systems.filter(isBerth);
}

const FLOOR_TITLES: Readonly<Record<FloorKind, string>> = { iptables: 'iptables-restore floor', nft: 'nft -f floor' };

function floorMs(floor: Floor, kind: FloorKind): readonly number[] {
  return kind === 'nft' ? floor.nftMs : floor.iptablesMs;
}

/** The floor a row shows in the time table: only the step whose final ruleset it is. */
function ownFloor(row: TimingRow): Floor | undefined {
  return row.floor?.after === row.label ? row.floor : undefined;
}

function timingSection(report: BenchReport): string {
  const others = report.systems.filter((s) => !isBerth(s));
  const withBerth = report.systems.includes('berth');
  const head = [
    'workload',
    ...report.systems.map((s) => SYSTEM_TITLES[s]),
    ...(withBerth ? others.map((s) => `berth ÷ ${SYSTEM_TITLES[s]}`) : []),
    'floor: one iptables-restore',
    'floor: one nft -f',
  ];
  const reasons = new Map<string, Set<SystemName>>();
  const rows = report.timings.map((row: TimingRow) => {
    const m = (s: SystemName) => median(row.ms[s] ?? []);
    for (const s of report.systems) {
      const why = row.na?.[s];
      if (why) reasons.set(why, (reasons.get(why) ?? new Set<SystemName>()).add(s));
    }
    const floor = ownFloor(row);
    return [
      row.label,
      ...report.systems.map((s) => (row.na?.[s] ? 'n/a' : timeCell(row.ms[s], report.reps))),
      ...(withBerth ? others.map((s) => ratioCell(ratio(m('berth'), m(s)))) : []),
      floor ? timeCell(floor.iptablesMs, report.reps) : '',
      floor ? timeCell(floor.nftMs, report.reps) : '',
    ];
  });
  const notes = [...reasons].map(([why, systems]) => `n/a for ${[...systems].map((s) => SYSTEM_TITLES[s]).join(' and ')}: ${why}.`);
  return [
    '## Time per workload',
    '',
    `Wall-clock time, median of ${report.reps} run${report.reps === 1 ? '' : 's'} unless marked (n=…): a case whose first run took over ${LONG_RUN_MS / 1000} s was run once for that system. Ratios are berth's median over the other's, from the same run: below 1, berth is faster.`,
    '',
    table(head, rows),
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
    floorSection(report),
  ].join('\n');
}

function floorSection(report: BenchReport): string {
  const withFloor = report.timings.filter((r): r is TimingRow & { floor: Floor } => r.floor !== undefined);
  if (withFloor.length === 0) return '';
  const berths = berthsOf(report);
  const parts = [
    'The floor loads the final ruleset of the Docker layout (as berth, else dockerd, left it after the step, with the iptables backend) with one `iptables-restore` into an empty namespace, and its map-based nftables equivalent (one DNAT map and two sets per protocol instead of three rules per port) with one `nft -f` into another:',
    '',
    table(
      ['ruleset after', 'iptables rules', 'nft rules', 'nft map and set elements'],
      withFloor.filter((r) => ownFloor(r)).map((r) => [r.label, formatCount(r.floor.iptablesRules), formatCount(r.floor.nftRules), formatCount(r.floor.nftElements)]),
    ),
  ];
  if (berths.length === 0) return parts.join('\n');
  return [
    ...parts,
    '',
    "Each berth system against the floor of its own firewall backend (its median over the floor's): the iptables ones against one `iptables-restore`, berth nftables against one `nft -f`. A remove step is held to the floor of its start step, the load of the ruleset the start step left: removing takes that ruleset back out.",
    '',
    table(
      ['workload', ...berths.map((b) => `${SYSTEM_TITLES[b]} ÷ ${FLOOR_TITLES[floorKind(b)]}`)],
      withFloor.map((r) => [r.label, ...berths.map((b) => ratioCell(ratio(median(r.ms[b] ?? []), median(floorMs(r.floor, floorKind(b))))))]),
    ),
  ].join('\n');
}

function verdict(ok: boolean | null): string {
  return ok === null ? '—' : ok ? 'met' : 'not met';
}

function floorTargets(report: BenchReport, berths: readonly BerthName[]): string[] {
  const cases = report.timings.filter((r): r is TimingRow & { floor: Floor; publishedPorts: number } => r.floor !== undefined && r.publishedPorts !== undefined);
  const largest = Math.max(0, ...cases.map((r) => r.publishedPorts));
  const rows = berths.flatMap((b) =>
    cases
      .filter((r) => r.publishedPorts === largest)
      .map((r) => {
        const ms = median(r.ms[b] ?? []);
        const floor = median(floorMs(r.floor, floorKind(b)));
        const x = ratio(ms, floor);
        return [SYSTEM_TITLES[b], r.label, ms === null ? '—' : formatMs(ms), floor === null ? '—' : formatMs(floor), x === null ? '—' : formatFactor(x), verdict(within(x, FLOOR_TARGET.factor))];
      }),
  );
  const smaller = largest !== FLOOR_TARGET.ports ? ` This run's largest case publishes ${formatCount(largest)} ports, not ${formatCount(FLOOR_TARGET.ports)}: a smoke figure, not the target's case.` : '';
  return [
    `Publishing and removing ${formatCount(FLOOR_TARGET.ports)} ports on one sandbox: within ${FLOOR_TARGET.factor}× the floor of the backend (the iptables backend: one \`iptables-restore\`; the nftables backend: one \`nft -f\`), medians. Removing is held to the floor of the start step (loading the ruleset that publishing left). "berth" goes through the CLI, so its figure includes starting one node process per command.${smaller}`,
    '',
    rows.length === 0
      ? 'No floor was measured (it needs berth with the iptables backend, or dockerd, in the run).'
      : table(['system', 'step', 'time', 'floor', 'time ÷ floor', `target: ≤ ${FLOOR_TARGET.factor}×`], rows),
  ];
}

function latencyTargets(report: BenchReport, berths: readonly BerthName[]): string[] {
  const api = berths.filter((b) => BERTH_VARIANTS[b].via === 'api');
  const rows = report.timings.flatMap((r) => {
    if (!r.ops) return [];
    const target = OP_TARGETS[r.ops.kind];
    return api.map((b) => {
      const samples = r.ops!.ms[b] ?? [];
      const m = median(samples);
      const p90 = percentile(samples, 90);
      const cell = (x: number | null) => (x === null ? '—' : formatMs(x));
      return [target.what, SYSTEM_TITLES[b], formatCount(samples.length), cell(m), cell(p90), target.medianMs === null ? '—' : `≤ ${formatMs(target.medianMs)}`, verdict(within(m, target.medianMs))];
    });
  });
  if (rows.length === 0) return [];
  return [
    '',
    "Single operations through berthd's API socket (no CLI process), each timed on its own within the attach and network workloads above (one after another, all runs together): median and 90th percentile against the median targets. A sandbox's create + start includes starting its process (`sleep`), so that figure is an upper bound of the time until its networking is done.",
    '',
    table(['operation', 'system', 'operations', 'median', 'p90', 'target (median)', 'target'], rows),
  ];
}

function targetsSection(report: BenchReport): string {
  const berths = berthsOf(report);
  if (berths.length === 0) return '';
  return ['## Targets', '', ...floorTargets(report, berths), ...latencyTargets(report, berths)].join('\n');
}

function footprintSection(rows: readonly FootprintRow[]): string {
  if (rows.length === 0) return '';
  const ports = rows[0]!.ports;
  const u = (x: { processes: number; rssBytes: number }) => [formatCount(x.processes), formatBytes(x.rssBytes)];
  const growth = (r: FootprintRow) => {
    const bytes = r.peak.systemRssBytes - r.idle.systemRssBytes;
    return `${bytes < 0 ? '−' : ''}${formatBytes(Math.abs(bytes))}`;
  };
  return [
    `## Processes and memory for ${formatCount(ports)} published ports`,
    '',
    `One sandbox publishing ${formatCount(ports)} ports as separate mappings, in a run of its own. Processes: those in the system's host namespace and their descendants (daemons, proxies, shims, sandbox processes, plugins and the iptables they run), not the CLI clients. Memory: the sum of their resident set sizes (pages shared between processes count once per process). Peak: the largest figures sampled (every 50 ms, or as fast as /proc can be read) while the sandbox starts. The last column is what the ports cost the system itself: its peak over idle without the sandbox's own command (\`${SANDBOX_COMMAND.join(' ')}\`, which berth and dockerd run alike); berth's shim and dockerd's containerd-shim count as the system's.`,
    '',
    table(
      ['system', 'idle: processes', 'idle: RSS', 'peak: processes', 'peak: RSS', 'up: processes', 'up: RSS', "peak over idle, the system's own"],
      rows.map((r) => [SYSTEM_TITLES[r.system], ...u(r.idle), ...u(r.peak), ...u(r.after), growth(r)]),
    ),
  ].join('\n');
}

/** Rows of the same series (backend and port position) as `r`. */
function sameSeries(a: DatapathRow, b: DatapathRow): boolean {
  return a.backend === b.backend && a.position === b.position;
}

/** Whether the rate fell measurably from `base` to `r`: every run of r below every run of base, and the median more than 5% lower. */
function fellMeasurably(base: DatapathRow, r: DatapathRow): string {
  if (base.rates.length < 3 || r.rates.length < 3) return 'too few runs to tell';
  const lower = Math.max(...r.rates) < Math.min(...base.rates) && (ratio(median(r.rates), median(base.rates)) ?? 1) < 0.95;
  return lower ? 'yes' : 'no';
}

/** "7,102–7,800": the slowest and the fastest run. */
function spread(rates: readonly number[]): string {
  return rates.length === 0 ? '—' : `${formatCount(Math.min(...rates))}–${formatCount(Math.max(...rates))}`;
}

function rulesetCell(r: DatapathRow): string {
  const rules = `${formatCount(r.rules)} rules`;
  return r.elements === undefined ? rules : `${rules}, ${formatCount(r.elements)} set and map elements`;
}

function portCell(r: DatapathRow): string {
  return r.position === null ? `${r.hostPort} (map element)` : `${r.hostPort} (DNAT rule ${r.position})`;
}

function datapathSection(rows: readonly DatapathRow[], ms: number, reps: number): string {
  if (rows.length === 0) return '';
  const fewest = Math.min(...rows.map((r) => r.published));
  const most = Math.max(...rows.map((r) => r.published));
  const baseOf = (r: DatapathRow) => rows.find((b) => b.published === fewest && sameSeries(b, r));
  const factor = (r: DatapathRow) => ratio(median(r.rates), median(baseOf(r)?.rates ?? []));
  const nftMost = rows.find((r) => r.backend === 'nftables' && r.published === most);
  const nftBase = nftMost && baseOf(nftMost);
  const nftFactor = nftMost ? factor(nftMost) : null;
  const nftSentence =
    nftMost && nftBase && nftFactor !== null && most !== fewest
      ? [
          '',
          `nftables backend: with ${formatCount(most)} published ports a port takes ${formatCount(median(nftMost.rates)!)} new connections/s, with ${formatCount(fewest)} ports ${formatCount(median(nftBase.rates)!)}: ${formatFactor(nftFactor)} (median over median). Falls measurably: ${fellMeasurably(nftBase, nftMost)}. Measurably means every run with ${formatCount(most)} ports slower than every run with ${formatCount(fewest)} (here ${spread(nftMost.rates)} against ${spread(nftBase.rates)} connections/s), and the median more than 5% lower.`,
        ]
      : [];
  return [
    '## Datapath: new TCP connections per second through a published port',
    '',
    `From the neighbour namespace to the host's address, DNAT to a node server in the sandbox that answers and closes; a node client keeps 32 connections in flight for ${ms / 1000} s. Median of ${reps} run${reps === 1 ? '' : 's'}; one berthd per firewall backend. iptables: each new connection walks the per-port rules up to its own DNAT rule, all the per-port ACCEPT and hairpin MASQUERADE rules; "first" and "last" name the position of the port's DNAT rule in nat DOCKER. nftables: the same few rules whatever the number of ports, which look the port up in a map and sets.`,
    '',
    table(
      ['backend', 'published ports', 'ruleset', 'port', 'connections/s', 'runs: slowest–fastest', `relative to ${formatCount(fewest)} ports`, 'falls measurably'],
      rows.map((r) => {
        const m = median(r.rates);
        const base = baseOf(r);
        const f = factor(r);
        return [
          r.backend,
          formatCount(r.published),
          rulesetCell(r),
          portCell(r),
          m === null ? '—' : formatCount(m),
          spread(r.rates),
          f === null ? '—' : formatFactor(f),
          base && base !== r ? fellMeasurably(base, r) : '',
        ];
      }),
    ),
    ...nftSentence,
  ].join('\n');
}

function loadText(load: readonly number[]): string {
  return load.map((x) => x.toFixed(2)).join(', ');
}

export function renderReport(report: BenchReport): string {
  const { machine } = report;
  const minutes = (report.durationMs / 60_000).toFixed(1);
  return [
    '# Benchmarks',
    '',
    `Generated by the benchmark script (\`bench/\`) on ${report.startedAt.toISOString().slice(0, 10)}; the run took ${minutes} min. Rerun it rather than editing this file.`,
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpus}`,
    `- Memory: ${machine.memory}`,
    `- Kernel: ${machine.kernel} (${machine.os})`,
    ...Object.entries(machine.versions).map(([k, v]) => `- ${k}: ${v}`),
    `- Load average (1, 5, 15 min): ${loadText(report.load.start)} at the start, ${loadText(report.load.end)} at the end of the run`,
    '',
    '## Command',
    '',
    '```',
    report.command,
    '```',
    '',
    `Every system runs in network namespaces of its own, created for the run and removed after it. The systems take turns within each repetition, and the floor (below) takes its turn after them; before each timed step the benchmark waits until the system's processes are idle. Times are end to end as a user sees them: \`berth\` and \`docker\` CLI calls (and, as "berth, API only", the same requests sent to berthd's socket from the benchmark process, without starting a CLI process per command; these two berthds have the default iptables firewall backend, and "berth nftables, API only" sends the same requests to a berthd started with \`--firewall-backend nftables\`), one \`netavark setup\`/\`teardown\` per sandbox, and \`bridge\` then \`portmap\` per sandbox for CNI; for these two, creating and deleting the sandbox's namespace with \`ip\` counts too (dockerd and berth create theirs themselves). CNI's portmap has no port ranges: a range is passed as its single ports.`,
    '',
    timingSection(report),
    '',
    targetsSection(report),
    '',
    footprintSection(report.footprint),
    '',
    datapathSection(report.datapath, report.datapathMs, report.reps),
    '',
  ].join('\n');
}
