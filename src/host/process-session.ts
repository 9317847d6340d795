// A long-lived program berthd hands its rule changes to, one exchange at a time,
// instead of starting one process per change: berthd writes a change to its
// input and waits until what the program printed answers it, or it exits.
//
// Why: a process that deleted anything from nf_tables waits, when it closes its
// netlink socket at exit, for the kernel to free what it deleted (one RCU grace
// period, 10-25 ms here) while holding nf_tables' commit lock, so the next
// change waits too; and every process costs a spawn besides. A program that
// stays open pays neither. The nft and iptables sessions are built on this.
import { spawn, type ChildProcess } from 'node:child_process';
import { BerthError } from '../model/errors.js';

export interface ProcessSessionOptions {
  /** The program and its arguments. */
  readonly command: readonly [string, ...string[]];
  /** The program's name in messages. */
  readonly name: string;
  /** Told the pid of each process the session starts (its commits are berthd's own). */
  readonly onStart?: (pid: number) => void;
  /** Told when that process has ended. */
  readonly onEnd?: (pid: number) => void;
  /** An exchange that takes longer ends the process, and fails (default 120 s). */
  readonly timeoutMs?: number;
  /** Exchanges one process serves before it is replaced (default 10,000). */
  readonly renewAfter?: number;
}

/** A change the program refused, or the session failed while it ran; `stderr` is what the program printed for it. */
export class SessionError extends BerthError {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super('system', message);
    this.name = 'SessionError';
  }
}

/** What the current process printed and has not been consumed; an answer takes what belongs to its exchange. */
export interface Heard {
  stdout: string;
  stderr: string;
  /** Lines written to this process before this exchange's input (programs number their input lines from their start). */
  readonly linesBefore: number;
  readonly exited: boolean;
}

interface Running {
  readonly child: ChildProcess;
  /** What the process printed, the lines written to it before the current exchange, whether it exited. */
  readonly heard: { -readonly [K in keyof Heard]: Heard[K] };
  /** Reaped: known to have ended, though its output may still be draining (then `heard.exited`). */
  gone: boolean;
  lines: number;
  exchanges: number;
  /** Called when the output grows or the process exits. */
  wake: (() => void) | null;
}

export class ProcessSession {
  private running: Running | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ProcessSessionOptions) {}

  /**
   * Writes `input()` (called when the exchange's turn comes) and resolves with what
   * `answer` returns once it returns something: it is asked each time the program
   * prints or exits, and may throw. A process that exits unanswered fails the
   * exchange; the next one starts a fresh process. Exchanges run one at a time, in order.
   */
  exchange<T>(input: () => string, answer: (heard: Heard) => T | undefined): Promise<T> {
    const done = this.queue.then(() => this.run(input(), answer));
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** Starts a process now, if none runs, so that the next exchange finds it waiting. */
  warm(): void {
    if (this.running === null || this.running.gone) this.start();
  }

  /** Ends the process once the exchanges queued have run. */
  async close(): Promise<void> {
    await this.queue;
    await this.end();
  }

  private async run<T>(input: string, answer: (heard: Heard) => T | undefined): Promise<T> {
    const r = this.running && !this.running.gone ? this.running : this.start();
    r.heard.linesBefore = r.lines;
    r.lines += lineBreaks(input);
    r.child.stdin?.write(input);
    let result: T;
    try {
      result = await this.answered(r, answer);
    } catch (e) {
      await this.end();
      throw e;
    }
    r.exchanges++;
    if (r.exchanges >= (this.opts.renewAfter ?? 10_000)) await this.end();
    return result;
  }

  private answered<T>(r: Running, answer: (heard: Heard) => T | undefined): Promise<T> {
    const { name } = this.opts;
    const timeoutMs = this.opts.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new SessionError(`${name} gave no answer within ${timeoutMs} ms`, r.heard.stderr)), timeoutMs);
      const finish = (result: { value: T } | Error): void => {
        clearTimeout(timer);
        r.wake = null;
        if (result instanceof Error) reject(result);
        else resolve(result.value);
      };
      const check = (): void => {
        let value: T | undefined;
        try {
          value = answer(r.heard);
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (value !== undefined) finish({ value });
        else if (r.heard.exited) finish(new SessionError(`${name} exited while committing${r.heard.stderr.trim() ? `: ${firstError(r.heard.stderr)}` : ''}`, r.heard.stderr));
      };
      r.wake = check;
      check();
    });
  }

  private start(): Running {
    const [file, ...args] = this.opts.command;
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const r: Running = { child, heard: { stdout: '', stderr: '', linesBefore: 0, exited: false }, gone: false, lines: 0, exchanges: 0, wake: null };
    this.running = r;
    const pid = child.pid;
    if (pid !== undefined) this.opts.onStart?.(pid);
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (s: string) => {
        r.heard[stream] += s;
        r.wake?.();
      });
    }
    child.stdin?.on('error', () => undefined); // it exited; the exit tells
    const exited = (): void => {
      if (r.heard.exited) return;
      r.gone = true;
      r.heard.exited = true;
      if (pid !== undefined) this.opts.onEnd?.(pid);
      r.wake?.();
    };
    child.on('error', (e) => {
      r.heard.stderr += `${file}: ${e.message}\n`;
      exited();
    });
    child.on('exit', () => (r.gone = true));
    child.on('close', exited);
    return r;
  }

  /** Ends the current process (the end of its input ends it; a kill if it does not go). */
  private async end(): Promise<void> {
    const r = this.running;
    this.running = null;
    if (r === null || r.heard.exited) return;
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

/** How many lines `text` ends (counted without splitting it: a change with 1,000 ports is 3,000 lines). */
function lineBreaks(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/** The first error line of a program's output, for a message. */
export function firstError(output: string): string {
  return (output.split('\n').find((l) => /Error: |failed/.test(l)) ?? output.trim().split('\n')[0] ?? '').trim();
}
