// A long-lived `nft -i` that berthd writes its nftables transactions to, instead
// of running one `nft -f` per change. Why: a process that deleted anything from
// nf_tables waits, when it closes its netlink socket at exit, for the kernel to
// free what it deleted (one RCU grace period, 10-25 ms here), and every `nft -f`
// costs a spawn besides. A session that stays open pays neither.
//
// A transaction is written to a file and run with one line, `include "<file>"`:
// nft parses the file and commits it as one batch, as `nft -f <file>` does.
// nft -i prints nothing for a commit and its errors on stderr, and goes on
// reading. After each transaction berthd asks for a table that does not exist,
// named with a fresh token: the error that names the token ends the
// transaction's output, so whatever nft printed before it belongs to the
// transaction. Both go to stderr, in order.
//
// nft -i keeps a history of its input lines, so after `renewAfter` transactions
// the process is ended and the next transaction starts a fresh one.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../model/errors.js';

export interface NftSessionOptions {
  /** Directory of the transaction file (berthd's exec root). */
  readonly dir: string;
  /** The interactive nft (default `nft -i`). */
  readonly command?: readonly [string, ...string[]];
  /** Told the pid of each nft process the session starts (its commits are berthd's own). */
  readonly onStart?: (pid: number) => void;
  /** Told when that process has ended. */
  readonly onEnd?: (pid: number) => void;
  /** A transaction that takes longer ends the process, and fails (default 120 s). */
  readonly timeoutMs?: number;
  /** Transactions one process runs before it is replaced (default 10,000). */
  readonly renewAfter?: number;
}

/** A transaction nft refused (nothing of it was committed), or the session failed while it ran. */
export class NftSessionError extends BerthError {
  constructor(
    message: string,
    /** What nft printed for the transaction. */
    readonly stderr: string,
  ) {
    super('system', message);
    this.name = 'NftSessionError';
  }
}

/** What the include of a path says; a path nft's quoted strings cannot hold gets no session. */
export function includeLine(path: string): string | null {
  return /["\n\r]/.test(path) ? null : `include "${path}"`;
}

interface Running {
  readonly child: ChildProcess;
  stderr: string;
  transactions: number;
  exited: boolean;
  /** Called when stderr grows or the process exits. */
  wake: (() => void) | null;
}

export class NftSession {
  private running: Running | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private tokens = 0;
  private readonly file: string;
  private readonly include: string;

  constructor(private readonly opts: NftSessionOptions) {
    this.file = join(opts.dir, 'nft-transaction.nft');
    const include = includeLine(this.file);
    if (include === null) throw new BerthError('invalid', `${this.file}: nft cannot include a path with quotes or line breaks`);
    this.include = include;
  }

  /** Commits `script` as one transaction; rejects with nft's errors when it refuses it. Transactions run one at a time, in order. */
  load(script: string): Promise<void> {
    const done = this.queue.then(() => this.run(script));
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** Ends the nft process once the transactions queued have run. */
  async close(): Promise<void> {
    await this.queue;
    await this.end();
  }

  private async run(script: string): Promise<void> {
    // Written at once, not through the thread pool: nft starts on the transaction
    // while berthd's thread goes on (starting a sandbox's proxies, say), instead of
    // waiting for that thread to take the write's completion.
    writeFileSync(this.file, script, { mode: 0o600 });
    const r = this.running && !this.running.exited ? this.running : this.start();
    const token = `berth_sync_${++this.tokens}`;
    const marker = `list table ip ${token}`;
    r.child.stdin?.write(`${this.include}\n${marker}\n`);
    let output: string;
    try {
      output = await this.outputUntil(r, marker);
    } catch (e) {
      await this.end();
      throw e;
    }
    r.transactions++;
    if (r.transactions >= (this.opts.renewAfter ?? 10_000)) await this.end();
    if (/^(?:\S+: )?Error: /m.test(output)) throw new NftSessionError(`nft: ${firstError(output)}`, output);
  }

  /** nft's output for the transaction: what stderr holds before the marker's error, which is consumed with it. */
  private outputUntil(r: Running, marker: string): Promise<string> {
    const timeoutMs = this.opts.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new NftSessionError(`nft gave no answer within ${timeoutMs} ms`, r.stderr)), timeoutMs);
      const finish = (result: string | Error): void => {
        clearTimeout(timer);
        r.wake = null;
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const check = (): void => {
        // The marker's error: "Error: ...\n<marker>\n<carets>\n".
        const at = r.stderr.indexOf(`\n${marker}\n`);
        const end = at < 0 ? -1 : r.stderr.indexOf('\n', at + marker.length + 2);
        if (end >= 0) {
          const errorLine = r.stderr.lastIndexOf('\n', at - 1) + 1;
          const output = r.stderr.slice(0, errorLine);
          r.stderr = r.stderr.slice(end + 1);
          finish(output);
        } else if (r.exited) {
          finish(new NftSessionError(`nft exited while committing${r.stderr.trim() ? `: ${firstError(r.stderr)}` : ''}`, r.stderr));
        }
      };
      r.wake = check;
      check();
    });
  }

  private start(): Running {
    const [file, ...args] = this.opts.command ?? ['nft', '-i'];
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const r: Running = { child, stderr: '', transactions: 0, exited: false, wake: null };
    this.running = r;
    const pid = child.pid;
    if (pid !== undefined) this.opts.onStart?.(pid);
    child.stdout?.resume(); // nothing berth asks prints there; never let it fill
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      r.stderr += s;
      r.wake?.();
    });
    child.stdin?.on('error', () => undefined); // it exited; the exit tells
    const exited = (): void => {
      if (r.exited) return;
      r.exited = true;
      if (pid !== undefined) this.opts.onEnd?.(pid);
      r.wake?.();
    };
    child.on('error', (e) => {
      r.stderr += `${file}: ${e.message}\n`;
      exited();
    });
    child.on('close', exited);
    return r;
  }

  /** Ends the current process (EOF ends nft -i; a kill if it does not go). */
  private async end(): Promise<void> {
    const r = this.running;
    this.running = null;
    if (r === null || r.exited) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => r.child.kill('SIGKILL'), 2000);
      r.child.once('close', () => {
        clearTimeout(kill);
        resolve();
      });
      r.child.stdin?.end();
    });
  }
}

/** The first error line of nft's output, for a message. */
function firstError(output: string): string {
  return (output.split('\n').find((l) => /Error: /.test(l)) ?? output.trim().split('\n')[0] ?? '').trim();
}
