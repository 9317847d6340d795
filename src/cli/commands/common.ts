// Helpers shared by commands: filter flags, confirmation prompts, streaming output.
import type { IncomingMessage } from 'node:http';
import { encodeFilters } from '../../api/filters.js';
import type { CommandContext } from '../command.js';
import type { OptionSpec } from '../options.js';

/** `--filter key=value` (repeatable), validated like Docker's FilterOpt. */
export function filterOption(
  help: string,
  short?: string,
): OptionSpec & { readonly name: 'filter'; readonly type: 'string'; readonly repeatable: true } {
  return {
    name: 'filter',
    ...(short ? { short } : {}),
    type: 'string',
    repeatable: true,
    valueName: 'filter',
    help,
    validate: (v) => (v.includes('=') ? undefined : 'bad format of filter (expected name=value)'),
  };
}

/** The filters query parameter for `--filter` values, or undefined when none. */
export function filtersQuery(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  return encodeFilters(
    values.map((v) => {
      const eq = v.indexOf('=');
      return [v.slice(0, eq).trim().toLowerCase(), v.slice(eq + 1).trim()] as const;
    }),
  );
}

/** Docker's `key=value` list → map (a key without "=" maps to ""). */
export function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** Reads one line from stdin (or '' at end of input). */
export async function readLine(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (line: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = () => done(buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    stdin.resume();
  });
}

/** Docker's PromptForConfirmation: "<message> [y/N] " on stdout; true only for y/Y. */
export async function confirm(ctx: CommandContext, message: string): Promise<boolean> {
  ctx.out(`${message} [y/N] `);
  const answer = (await readLine(ctx.io.stdin)).trim();
  return answer === 'y' || answer === 'Y';
}

/** Copies a response stream to stdout, honouring back-pressure; resolves at its end. */
export async function pipeToStdout(ctx: CommandContext, res: IncomingMessage): Promise<void> {
  const out = ctx.io.stdout;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
}
