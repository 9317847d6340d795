// The one port through which berth runs external programs: an argument array in,
// exit code and output out. Never a shell string: names and addresses come from users.
import { spawn } from 'node:child_process';
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

export const exec: Exec = (argv, options = {}) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (file === undefined) {
      reject(new Error('exec: empty argv'));
      return;
    }
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 60_000,
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      const stderr = Buffer.concat(err).toString('utf8');
      if (options.answeredBy?.(stderr)) resolve({ code: ANSWERED, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    child.on('error', (e) => reject(new BerthError('system', `${file}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => undefined); // a program that exits without reading its input
    child.stdin.end(options.input ?? '');
  });

/** Like `exec`, but a non-zero exit becomes an ExecError carrying argv, code and stderr. */
export async function run(execFn: Exec, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  const result = await execFn(argv, options);
  if (result.code !== 0) throw new ExecError(argv, result);
  return result;
}
