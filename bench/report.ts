// Renders a run's measurements as markdown (docs/benchmarks.md): pure, so it is
// unit-tested; writing the file is the caller's one line.
import type { BenchReport, DatapathRow, Floor, FootprintRow, TimingRow } from './results.js';
import { SYSTEM_TITLES, type SystemName } from './systems/system.js';
import { formatBytes, formatCount, formatFactor, formatMs, formatRatio, median, ratio } from './stats.js';
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

function timingSection(report: BenchReport): string {
  const others = report.systems.filter((s) => s !== 'berth' && s !== 'berth-api');
  const withBerth = report.systems.includes('berth');
  const head = [
    'workload',
    ...report.systems.map((s) => SYSTEM_TITLES[s]),
    ...(withBerth ? others.map((s) => `berth ÷ ${SYSTEM_TITLES[s]}`) : []),
    'floor: one iptables-restore',
    'floor: one nft -f',
    ...(withBerth ? ['berth ÷ iptables-restore floor'] : []),
  ];
  const reasons = new Map<string, Set<SystemName>>();
  const rows = report.timings.map((row: TimingRow) => {
    const m = (s: SystemName) => median(row.ms[s] ?? []);
    for (const s of report.systems) {
      const why = row.na?.[s];
      if (why) reasons.set(why, (reasons.get(why) ?? new Set<SystemName>()).add(s));
    }
    const floorIpt = row.floor ? median(row.floor.iptablesMs) : null;
    return [
      row.label,
      ...report.systems.map((s) => (row.na?.[s] ? 'n/a' : timeCell(row.ms[s], report.reps))),
      ...(withBerth ? others.map((s) => ratioCell(ratio(m('berth'), m(s)))) : []),
      row.floor ? timeCell(row.floor.iptablesMs, report.reps) : '',
      row.floor ? timeCell(row.floor.nftMs, report.reps) : '',
      ...(withBerth ? [row.floor ? ratioCell(ratio(m('berth'), floorIpt)) : ''] : []),
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
    floorSection(report.timings),
  ].join('\n');
}

function floorSection(rows: readonly TimingRow[]): string {
  const withFloor = rows.filter((r): r is TimingRow & { floor: Floor } => r.floor !== undefined);
  if (withFloor.length === 0) return '';
  return [
    'The floor loads the final ruleset of the Docker layout (as berth, else dockerd, left it after the step) with one `iptables-restore` into an empty namespace, and its map-based nftables equivalent (one DNAT map and two sets per protocol instead of three rules per port) with one `nft -f` into another:',
    '',
    table(
      ['ruleset after', 'iptables rules', 'nft rules', 'nft map and set elements'],
      withFloor.map((r) => [r.label, formatCount(r.floor.iptablesRules), formatCount(r.floor.nftRules), formatCount(r.floor.nftElements)]),
    ),
  ].join('\n');
}

function footprintSection(rows: readonly FootprintRow[]): string {
  if (rows.length === 0) return '';
  const ports = rows[0]!.ports;
  const u = (x: { processes: number; rssBytes: number }) => [formatCount(x.processes), formatBytes(x.rssBytes)];
  return [
    `## Processes and memory for ${formatCount(ports)} published ports`,
    '',
    `One sandbox publishing ${formatCount(ports)} ports as separate mappings, in a run of its own. Processes: those in the system's host namespace and their descendants (daemons, proxies, shims, sandbox processes, plugins and the iptables they run), not the CLI clients. Memory: the sum of their resident set sizes (pages shared between processes count once per process). Peak: the largest figures sampled (every 50 ms, or as fast as /proc can be read) while the sandbox starts.`,
    '',
    table(
      ['system', 'idle: processes', 'idle: RSS', 'peak: processes', 'peak: RSS', 'up: processes', 'up: RSS'],
      rows.map((r) => [SYSTEM_TITLES[r.system], ...u(r.idle), ...u(r.peak), ...u(r.after)]),
    ),
  ].join('\n');
}

function datapathSection(rows: readonly DatapathRow[], ms: number, reps: number): string {
  if (rows.length === 0) return '';
  const fewest = Math.min(...rows.map((r) => r.published));
  const rate = (r: DatapathRow | undefined) => (r ? median(r.rates) : null);
  return [
    '## Datapath: new TCP connections per second through a published port (berth, iptables backend)',
    '',
    `From the neighbour namespace to the host's address, DNAT to a node server in the sandbox that answers and closes; a node client keeps 32 connections in flight for ${ms / 1000} s. Median of ${reps} run${reps === 1 ? '' : 's'}. Each new connection walks the per-port rules up to its own DNAT rule, all the per-port ACCEPT and hairpin MASQUERADE rules; "first" and "last" name the position of the port's DNAT rule in nat DOCKER.`,
    '',
    table(
      ['published ports', 'rules in the ruleset', 'port (DNAT rule position)', 'connections/s', `relative to ${formatCount(fewest)} ports`],
      rows.map((r) => {
        const m = rate(r);
        const base = ratio(m, rate(rows.find((b) => b.published === fewest && b.position === r.position)));
        return [formatCount(r.published), formatCount(r.rules), `${r.hostPort} (${r.position})`, m === null ? '—' : formatCount(m), base === null ? '—' : formatFactor(base)];
      }),
    ),
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
    `Every system runs in network namespaces of its own, created for the run and removed after it. The systems take turns within each repetition; before each timed step the benchmark waits until the system's processes are idle. Times are end to end as a user sees them: \`berth\` and \`docker\` CLI calls (and, as "berth, API only", the same requests sent to berthd's socket from the benchmark process, without starting a CLI process per command), one \`netavark setup\`/\`teardown\` per sandbox, and \`bridge\` then \`portmap\` per sandbox for CNI; for these two, creating and deleting the sandbox's namespace with \`ip\` counts too (dockerd and berth create theirs themselves). CNI's portmap has no port ranges: a range is passed as its single ports.`,
    '',
    timingSection(report),
    '',
    footprintSection(report.footprint),
    '',
    datapathSection(report.datapath, report.datapathMs, report.reps),
    '',
  ].join('\n');
}
