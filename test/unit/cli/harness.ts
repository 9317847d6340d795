// Runs the CLI in-process against the API server (over its unix socket) and the fake engine.
import { Readable, Writable } from 'node:stream';
import type { CliIO, RunInheritedOptions } from '../../../src/cli/command.js';
import { runCli } from '../../../src/cli/main.js';
import type { Harness } from '../api/harness.js';

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly execs: { argv: readonly string[]; opts: RunInheritedOptions | undefined }[];
}

export interface CliOptions {
  readonly stdin?: string;
  readonly env?: Record<string, string | undefined>;
  /** Exit code of programs run by `exec`. */
  readonly execCode?: number;
}

export async function cli(h: Harness | { socketPath: string }, argv: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const execs: CliResult['execs'] = [];
  const io: CliIO = {
    stdout,
    stderr,
    stdin: Readable.from(opts.stdin === undefined ? [] : [opts.stdin]),
    env: { BERTH_HOST: `unix://${h.socketPath}`, ...(opts.env ?? {}) },
    async runInherited(a, o) {
      execs.push({ argv: a, opts: o });
      return opts.execCode ?? 0;
    },
  };
  const code = await runCli(argv, io);
  return { code, out: stdout.text, err: stderr.text, execs };
}
