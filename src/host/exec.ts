// The one port through which berth runs external programs: an argument array in,
// exit code and output out. Never a shell string: names and addresses come from users.
import { spawn, type ChildProcess } from 'node:child_process';
import { BerthError } from '../model/errors.js';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Written to the program's standard input, then closed. */
  readonly input?: string;
  /** Kill the program after this many milliseconds (default 60 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Told the program's pid once it runs (the rule watch tells berthd's own commits from others' by pid). */
  readonly onSpawn?: (pid: number) => void;
  /**
   * True once the program's standard error says its work is done: the result
   * comes then, with code ANSWERED, and the program is left to exit (and be
   * reaped) on its own. For programs whose exit is slow after their work.
   */
  readonly answeredBy?: (stderr: string) => boolean;
}

/** The code of a result that came from `answeredBy`, before the program exited. */
export const ANSWERED = -1;

/** Runs argv[0] with the rest as arguments; resolves with the result whatever the exit code. */
export type Exec = (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export class ExecError extends BerthError {
  readonly argv: readonly string[];
  readonly result: ExecResult;
  constructor(argv: readonly string[], result: ExecResult) {
    const detail = result.stderr.trim() || result.stdout.trim();
    super('system', `${argv.join(' ')}: exit status ${result.code}${detail ? `: ${detail}` : ''}`);
    this.argv = argv;
    this.result = result;
    this.name = 'ExecError';
  }
}

/** A program started with its input still open; its output is gathered from the start, and `feed` gives it its input once. */
class Started {
  private readonly child: ChildProcess;
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  private ended: ExecResult | Error | null = null;
  private waiter: { readonly options: ExecOptions; settle(r: ExecResult | Error): void } | null = null;

  constructor(argv: readonly string[], env: NodeJS.ProcessEnv | undefined) {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('exec: empty argv');
    this.child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    this.child.stdout?.on('data', (b: Buffer) => this.out.push(b));
    this.child.stderr?.on('data', (b: Buffer) => {
      this.err.push(b);
      const answeredBy = this.waiter?.options.answeredBy;
      if (answeredBy?.(this.text(this.err))) this.waiter?.settle({ code: ANSWERED, stdout: this.text(this.out), stderr: this.text(this.err) });
    });
    this.child.on('error', (e) => this.end(new BerthError('system', `${file}: ${e.message}`, { cause: e })));
    this.child.on('close', (code, signal) => this.end({ code: code ?? (signal ? 128 : 1), stdout: this.text(this.out), stderr: this.text(this.err) }));
    this.child.stdin?.on('error', () => undefined); // a program that exits without reading its input
  }

  /** Writes the input and closes it; resolves like `exec`. The timeout counts from here. */
  feed(options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.child.kill(), options.timeoutMs ?? 60_000);
      this.waiter = {
        options,
        settle: (r) => {
          clearTimeout(timer);
          this.waiter = null;
          if (r instanceof Error) reject(r);
          else resolve(r);
        },
      };
      if (this.ended !== null) {
        this.waiter.settle(this.ended);
        return;
      }
      if (this.child.pid !== undefined) options.onSpawn?.(this.child.pid);
      this.child.stdin?.end(options.input ?? '');
    });
  }

  private end(r: ExecResult | Error): void {
    this.ended ??= r;
    this.waiter?.settle(r);
  }

  private text(chunks: readonly Buffer[]): string {
    return Buffer.concat(chunks).toString('utf8');
  }
}

export const exec: Exec = async (argv, options = {}) => new Started(argv, options.env).feed(options);

/** Like `exec`, but a non-zero exit becomes an ExecError carrying argv, code and stderr. */
export async function run(execFn: Exec, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  const result = await execFn(argv, options);
  if (result.code !== 0) throw new ExecError(argv, result);
  return result;
}
