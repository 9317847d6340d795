// Notices changes to the kernel's rules in berthd's namespace: `nft monitor` prints
// a "# new generation" line per committed transaction (iptables-nft's included), so
// a flush by a firewall reload or `iptables -F` is seen at once. A slow periodic
// check is the safety net (iptables-legacy changes, or nft missing), so nothing
// polls fast while nothing changes. Bursts are coalesced into one callback.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RuleWatch {
  stop(): void;
}

export interface RuleWatchOptions {
  /** Coalescing window after a change (ms). */
  readonly debounceMs?: number;
  /** Safety-net period (ms). */
  readonly periodMs?: number;
  readonly log?: (message: string) => void;
}

export function watchRules(onChange: (reason: string) => void, opts: RuleWatchOptions = {}): RuleWatch {
  const debounceMs = opts.debounceMs ?? 50;
  let pending: NodeJS.Timeout | null = null;
  let stopped = false;
  const fire = (reason: string): void => {
    if (pending || stopped) return;
    pending = setTimeout(() => {
      pending = null;
      onChange(reason);
    }, debounceMs);
  };
  const timer = setInterval(() => fire('periodic check'), opts.periodMs ?? 10_000);
  timer.unref();

  let monitor: ChildProcess | null = null;
  const startMonitor = (): void => {
    const child = spawn('nft', ['monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
    monitor = child;
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      if (lines.some((l) => l.startsWith('# new generation'))) fire('ruleset changed');
    });
    child.on('error', (e) => opts.log?.(`nft monitor unavailable (${e.message}); checking every ${opts.periodMs ?? 10_000} ms`));
    child.on('exit', () => {
      monitor = null;
      if (!stopped) setTimeout(startMonitor, 1000).unref();
    });
  };
  startMonitor();

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      if (pending) clearTimeout(pending);
      monitor?.kill();
    },
  };
}
