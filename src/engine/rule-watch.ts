// Notices changes to the kernel's rules in berthd's namespace: `nft monitor` prints
// a "# new generation" line per committed transaction (iptables-nft's included), so
// a flush by a firewall reload or `iptables -F` is seen at once. A slow periodic
// check is the safety net (iptables-legacy changes, or nft missing), so nothing
// polls fast while nothing changes. A burst of changes gives one callback, once
// it is over. Commits by berthd's own processes (`owns`) give none: berthd knows
// what it wrote.
//
// `nft monitor` keeps every set element it was told of in its cache (nft 1.0.6:
// some 4 MB more for each 1,000 ports published and removed), so after
// `renewAfterLines` lines a fresh one is started, and the old one is stopped
// only once the new one is live: no commit goes unseen meanwhile. The fresh one
// starts once the lines pause (`renewQuietMs`), not in the middle of a big
// change: it reads the whole ruleset as it starts, and two monitors would hold
// the change's rules at once; after twice as many lines it starts anyway.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterBurst } from './after-burst.js';
import { MonitorCommits } from './monitor-commits.js';

export interface RuleWatch {
  stop(): void;
}

export interface RuleWatchOptions {
  /** Quiet time after the last change before the callback runs (ms). */
  readonly quietMs?: number;
  /** Longest wait after the first change of a burst, so repair is never postponed for long (ms). */
  readonly maxWaitMs?: number;
  /** Safety-net period (ms). */
  readonly periodMs?: number;
  readonly log?: (message: string) => void;
  /** Whether a pid is one of berthd's own rule writers. */
  readonly owns?: (pid: number) => boolean;
  /** Called at once for every commit by another process (before the quiet window), with the lines `nft monitor` printed of it. */
  readonly onForeignCommit?: (lines: readonly string[]) => void;
  /** Called when `nft monitor` starts (true) or ends (false): while it runs, every commit is seen. */
  readonly onMonitor?: (live: boolean) => void;
  /** Lines one monitor prints before it is replaced (default 20,000). */
  readonly renewAfterLines?: number;
  /** How long the lines must pause before the renewal (ms). */
  readonly renewQuietMs?: number;
  /** The monitor's command (default `nft monitor`). */
  readonly command?: readonly [string, ...string[]];
}

export function watchRules(onChange: (reason: string) => void, opts: RuleWatchOptions = {}): RuleWatch {
  // Repair waits for the burst to end: a script that runs `iptables -F`, then
  // `iptables -X`, must not find berth's chains back (and busy) between its steps.
  const quietMs = opts.quietMs ?? 250;
  const maxWaitMs = opts.maxWaitMs ?? 800;
  const burst = afterBurst(onChange, quietMs, maxWaitMs);
  let stopped = false;
  const fire = (reason: string): void => {
    if (!stopped) burst.poke(reason);
  };
  const timer = setInterval(() => fire('periodic check'), opts.periodMs ?? 10_000);
  timer.unref();

  const [file, ...args] = opts.command ?? ['nft', 'monitor'];
  const renewAfterLines = opts.renewAfterLines ?? 20_000;
  const renewQuietMs = opts.renewQuietMs ?? 1000;
  let monitor: ChildProcess | null = null; // the one that counts; during a renewal the old one runs on until the new one is live
  const running = new Set<ChildProcess>();
  const retired = new Set<ChildProcess>();
  const startMonitor = (previous: ChildProcess | null = null): void => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    // nft says on stderr when it lost events (a netlink overrun): anything may have changed.
    child.stderr?.on('data', (chunk: Buffer) => {
      opts.onForeignCommit?.(['ruleset', chunk.toString('utf8').trim()]);
      fire('events lost');
    });
    const commits = new MonitorCommits();
    let renewal: NodeJS.Timeout | undefined;
    const renew = (): void => {
      clearTimeout(renewal);
      if (monitor !== child || stopped) return;
      opts.log?.(`nft monitor printed ${commits.lines} lines: starting a fresh one`);
      startMonitor(child);
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      let foreign = false;
      commits.push(chunk, (pid, lines) => {
        if (pid > 0 && opts.owns?.(pid)) return;
        foreign = true;
        opts.onForeignCommit?.(lines());
      });
      if (foreign) fire('ruleset changed');
      if (commits.lines >= 2 * renewAfterLines) renew();
      else if (commits.lines >= renewAfterLines) {
        clearTimeout(renewal);
        renewal = setTimeout(renew, renewQuietMs).unref();
      }
    });
    // Live once it has surely subscribed: a commit in between would go unseen.
    child.on('spawn', () =>
      setTimeout(() => {
        if (monitor !== child) return;
        if (previous !== null && previous.exitCode === null && previous.signalCode === null) {
          retired.add(previous); // it saw everything until now: its successor takes over
          previous.kill();
        } else {
          opts.onMonitor?.(true);
        }
      }, 200).unref(),
    );
    child.on('error', (e) => opts.log?.(`nft monitor unavailable (${e.message}); checking every ${opts.periodMs ?? 10_000} ms`));
    child.on('exit', () => {
      running.delete(child);
      if (retired.delete(child)) return;
      if (monitor === child) monitor = null;
      opts.onMonitor?.(false);
      if (!stopped && monitor === null) setTimeout(startMonitor, 1000).unref();
    });
    monitor = child;
  };
  startMonitor();

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      burst.cancel();
      for (const child of running) child.kill();
    },
  };
}
