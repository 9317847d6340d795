// The command table's types: each command declares its options (a typed table), its
// positional arguments and a run function over the context (I/O and the API client).
import type { BerthClient } from './client.js';
import { parseOptions, type OptionSpec, type OptionValues } from './options.js';

export interface RunInheritedOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** Everything a command may touch outside the daemon: streams, environment, programs. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Runs a program with this process's stdio; resolves with its exit code. */
  runInherited(argv: readonly string[], opts?: RunInheritedOptions): Promise<number>;
  /** Subscribes to the user's interrupt (SIGINT/SIGTERM); returns an unsubscribe function. */
  onInterrupt?(handler: () => void): () => void;
}

export interface CommandContext {
  readonly io: CliIO;
  readonly client: BerthClient;
  /** The command path as typed in help and errors: "berth network ls". */
  readonly path: string;
  out(text: string): void;
  err(text: string): void;
}

export interface ArgCount {
  readonly min: number;
  /** Omitted: no upper bound. */
  readonly max?: number;
}

export interface CommandDef<S extends readonly OptionSpec[]> {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** What follows the command path in "Usage:", e.g. "[OPTIONS] NETWORK [NETWORK...]". */
  readonly usage: string;
  readonly summary: string;
  readonly options: S;
  readonly args: ArgCount;
  /** false: the first positional argument ends the options (run, exec). */
  readonly interspersed?: boolean;
  /** Exit code for wrong arguments (docker run/create use 125). */
  readonly usageExitCode?: number;
  run(ctx: CommandContext, values: OptionValues<S>, args: string[]): Promise<number>;
}

/** A command with its option types erased, as the dispatcher holds it. */
export interface Command {
  readonly kind: 'command';
  readonly name: string;
  readonly aliases: readonly string[];
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  readonly args: ArgCount;
  readonly interspersed: boolean;
  readonly usageExitCode: number;
  /** Parses argv with this command's table (throws UsageError). */
  parse(argv: readonly string[]): { values: Record<string, unknown>; args: string[]; help: boolean };
  run(ctx: CommandContext, values: Record<string, unknown>, args: string[]): Promise<number>;
}

/** A management command ("network") grouping subcommands. */
export interface Group {
  readonly kind: 'group';
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly commands: readonly Command[];
}

export type Entry = Command | Group;

export function defineCommand<const S extends readonly OptionSpec[]>(def: CommandDef<S>): Command {
  const interspersed = def.interspersed ?? true;
  return {
    kind: 'command',
    name: def.name,
    aliases: def.aliases ?? [],
    usage: def.usage,
    summary: def.summary,
    options: def.options,
    args: def.args,
    interspersed,
    usageExitCode: def.usageExitCode ?? 1,
    parse(argv) {
      const r = parseOptions(def.options, argv, { interspersed });
      return { values: r.values as Record<string, unknown>, args: r.args, help: r.help };
    },
    run: (ctx, values, args) => def.run(ctx, values as OptionValues<S>, args),
  };
}

export function defineGroup(def: { name: string; aliases?: readonly string[]; summary: string; commands: readonly Command[] }): Group {
  return { kind: 'group', aliases: def.aliases ?? [], ...def };
}
