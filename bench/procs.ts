// What a system costs in processes, memory and CPU, read from /proc: its
// processes are those in its host namespace (daemons, proxies, shims, the
// plugins while they run) plus their descendants (sandbox processes), never the
// clients (docker, berth CLIs) that run outside.
import { readFile } from 'node:fs/promises';
import { NetnsSet, descendants, mustRun } from '../test/helpers/netns.js';
import { SANDBOX_COMMAND } from './systems/system.js';

export interface Usage {
  /** Sum of the processes' resident set sizes (shared pages count once per process). */
  readonly rssBytes: number;
  /** The same without the sandboxes' own command (SANDBOX_COMMAND), which every system runs alike: what the system itself needs. */
  readonly systemRssBytes: number;
  readonly processes: number;
}

interface ProcStat {
  readonly command: string;
  readonly rssPages: number;
  readonly cpuTicks: number; // utime + stime
}

let pageSize: number | null = null;

async function pageBytes(): Promise<number> {
  pageSize ??= Number((await mustRun(['getconf', 'PAGESIZE'])).stdout.trim());
  return pageSize;
}

async function procStat(pid: number): Promise<ProcStat | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, from field 3 (state) on.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuTicks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
  } catch {
    return null; // exited meanwhile
  }
}

/** The processes of the system whose host namespace is `ns`, with their stats. */
async function systemProcs(ns: string): Promise<Map<number, ProcStat>> {
  const inNs = await NetnsSet.pids(ns);
  const all = [...new Set([...inNs, ...(await descendants(inNs))])];
  const out = new Map<number, ProcStat>();
  for (const pid of all) {
    const s = await procStat(pid);
    if (s) out.set(pid, s);
  }
  return out;
}

export async function usage(ns: string): Promise<Usage> {
  const procs = await systemProcs(ns);
  const page = await pageBytes();
  let pages = 0;
  let sandboxPages = 0;
  for (const s of procs.values()) {
    pages += s.rssPages;
    if (s.command === SANDBOX_COMMAND[0]) sandboxPages += s.rssPages;
  }
  return { rssBytes: pages * page, systemRssBytes: (pages - sandboxPages) * page, processes: procs.size };
}

/** The larger of each figure (they may peak at different moments). */
export function maxUsage(a: Usage, b: Usage): Usage {
  return {
    rssBytes: Math.max(a.rssBytes, b.rssBytes),
    systemRssBytes: Math.max(a.systemRssBytes, b.systemRssBytes),
    processes: Math.max(a.processes, b.processes),
  };
}

/** Samples usage(ns) every `intervalMs` until stopped; stop() resolves with the peak. */
export function startPeakSampler(ns: string, intervalMs: number): { stop(): Promise<Usage> } {
  let peak: Usage = { rssBytes: 0, systemRssBytes: 0, processes: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = maxUsage(peak, await usage(ns));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

/**
 * Waits until the system is idle (its processes used under 10% of a CPU over
 * `windowMs`), so that a timed step does not pay for the previous step's
 * background work. Bounded: gives up quietly after `timeoutMs`.
 */
export async function settle(ns: string, windowMs = 300, timeoutMs = 60_000): Promise<void> {
  const clockTicks = 100; // USER_HZ on Linux
  const deadline = Date.now() + timeoutMs;
  let before = await systemProcs(ns);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = await systemProcs(ns);
    let ticks = 0;
    for (const [pid, s] of now) ticks += s.cpuTicks - (before.get(pid)?.cpuTicks ?? 0);
    if (ticks <= (clockTicks * windowMs) / 1000 / 10) return;
    before = now;
  }
}
