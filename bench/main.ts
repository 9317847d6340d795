// `npm run bench`: measures berth against dockerd 20.10, netavark 1.4 and the CNI
// bridge+portmap plugins on the same work, each inside namespaces of its own
// created for the run, and writes the report to docs/benchmarks.md (and stdout).
// Needs root; never touches the root network namespace; Ctrl-C cleans up.
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { cleanUpOnSignals, guarded } from './cleanup.js';
import { describeMachine } from './machine.js';
import type { RunContext } from './measure.js';
import { parseArgs, USAGE, type Plan } from './options.js';
import { renderReport } from './report.js';
import type { BenchReport, DatapathRow, TimingRow } from './results.js';
import { BerthSystem } from './systems/berth.js';
import { createSystem } from './systems/index.js';
import type { System } from './systems/system.js';
import { attach } from './workloads/attach.js';
import { datapath } from './workloads/datapath.js';
import { footprint } from './workloads/footprint.js';
import { networks } from './workloads/networks.js';
import { publish } from './workloads/publish.js';

const PUBLISH_FIRST_PORT = 10000;

/** The checkout: where package.json really lives (an isolated build links to it). */
function checkoutRoot(): string {
  const dist = fileURLToPath(new URL('..', import.meta.url));
  return dirname(realpathSync(join(dist, '..', 'package.json')));
}

function commandLine(args: readonly string[]): string {
  const rest = args.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${rest ? ` -- ${rest}` : ''}`;
  return `node dist/bench/main.js${rest ? ` ${rest}` : ''}   # npm run bench = npm run build && node dist/bench/main.js`;
}

/** Starts each system (registered for cleanup first, so a failed start is cleaned too), runs body, stops them all. */
function withSystems<T>(ctx: RunContext, systems: readonly System[], body: () => Promise<T>): Promise<T> {
  const [first, ...rest] = systems;
  if (!first) return body();
  return guarded(
    () => first.stop(),
    async () => {
      ctx.log(`starting ${first.name}`);
      await first.start();
      ctx.log(`${first.name} runs in namespace ${first.hostNs}`);
      return withSystems(ctx, rest, body);
    },
  );
}

/** One berth system per firewall backend (the first of the run's), for the datapath. */
function berthPerBackend(systems: readonly System[]): BerthSystem[] {
  const berths = systems.filter((s): s is BerthSystem => s instanceof BerthSystem);
  return berths.filter((b, i) => berths.findIndex((o) => o.backend === b.backend) === i);
}

async function runWorkloads(ctx: RunContext, plan: Plan, systems: readonly System[]): Promise<Pick<BenchReport, 'timings' | 'footprint' | 'datapath'>> {
  // The floor needs the Docker layout in iptables: an iptables berth, else dockerd.
  const floorFrom = systems.find((s) => s instanceof BerthSystem && s.backend === 'iptables') ?? systems.find((s) => s.name === 'dockerd');
  const timings: TimingRow[] = [];
  for (const count of plan.publishCounts) {
    for (const form of count === 1 ? (['separate'] as const) : (['range', 'separate'] as const)) {
      timings.push(...(await publish(ctx, systems, floorFrom, { first: PUBLISH_FIRST_PORT, count, form })));
    }
  }
  timings.push(...(await attach(ctx, systems, floorFrom, plan.attachCount)));
  timings.push(...(await networks(ctx, systems, floorFrom, plan.networkCount)));
  const footprintRows = await footprint(ctx, systems, plan.footprintPorts);
  const datapathRows: DatapathRow[] = [];
  for (const berth of berthPerBackend(systems)) datapathRows.push(...(await datapath(ctx, berth, plan.datapathCounts, plan.datapathMs)));
  return { timings, footprint: footprintRows, datapath: datapathRows };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const plan = parseArgs(args);
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root: it creates network namespaces and runs daemons in them');
  cleanUpOnSignals();
  const root = checkoutRoot();
  const out = plan.out ? resolve(plan.out) : join(root, 'docs', 'benchmarks.md');
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const t0 = performance.now();
  const ctx: RunContext = {
    reps: plan.reps,
    log: (line) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`),
  };
  const machine = await describeMachine(root);
  const systems = plan.systems.map(createSystem);
  const results = await withSystems(ctx, systems, () => runWorkloads(ctx, plan, systems));
  const text = renderReport({
    machine,
    command: commandLine(args),
    startedAt,
    durationMs: performance.now() - t0,
    load: { start: loadAtStart, end: os.loadavg() },
    systems: plan.systems,
    reps: plan.reps,
    datapathMs: plan.datapathMs,
    ...results,
  });
  await writeFile(out, text);
  process.stdout.write(text);
  ctx.log(`report written to ${out}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
