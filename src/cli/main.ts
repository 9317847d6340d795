// The berth CLI: global options, the command table, dispatch, and the one place where
// outcomes become exit codes (the entry point only sets process.exitCode from it).
import { ApiError, BerthClient, ConnectionError, DEFAULT_HOST } from './client.js';
import type { CliIO, Command, CommandContext, Entry, Group } from './command.js';
import { BERTH_VERSION } from '../api/version.js';
import { CliError, ExitStatus } from './errors.js';
import { argCountError, commandHelp, groupHelp, rootHelp } from './help.js';
import { parseOptions, UsageError, type OptionSpec } from './options.js';
import { create } from './commands/create.js';
import { doctor } from './commands/doctor.js';
import { events } from './commands/events.js';
import { exec } from './commands/exec.js';
import { firewall } from './commands/firewall.js';
import { inspect } from './commands/inspect.js';
import { logs } from './commands/logs.js';
import { network } from './commands/network.js';
import { port } from './commands/port.js';
import { ps } from './commands/ps.js';
import { restart } from './commands/restart.js';
import { restore } from './commands/restore.js';
import { rm } from './commands/rm.js';
import { rules } from './commands/rules.js';
import { run } from './commands/run.js';
import { save } from './commands/save.js';
import { start } from './commands/start.js';
import { stop } from './commands/stop.js';
import { trace } from './commands/trace.js';
import { version } from './commands/version.js';

/**
 * Every top-level command, alphabetical within its kind. berth's own tools (trace,
 * doctor, save, restore) are added here as they land: one file, one line.
 */
export const COMMANDS: readonly Entry[] = [
  firewall,
  network,
  create,
  doctor,
  events,
  exec,
  inspect,
  logs,
  port,
  ps,
  restart,
  restore,
  rm,
  rules,
  run,
  save,
  start,
  stop,
  trace,
  version,
];

export const GLOBAL_OPTIONS = [
  { name: 'host', short: 'H', type: 'string', help: `Daemon socket to connect to (default "${DEFAULT_HOST}", or $BERTH_HOST)` },
  { name: 'version', short: 'v', type: 'bool', help: 'Print version information and quit' },
] as const satisfies readonly OptionSpec[];

function find<T extends { name: string; aliases: readonly string[] }>(list: readonly T[], name: string): T | undefined {
  return list.find((e) => e.name === name || e.aliases.includes(name));
}

function write(stream: NodeJS.WritableStream, text: string): void {
  if (text !== '') stream.write(text);
}

/** Runs the CLI with these arguments (without "node berth"); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIO, entries: readonly Entry[] = COMMANDS): Promise<number> {
  try {
    return await dispatch(argv, io, entries);
  } catch (e) {
    return report(e, io);
  }
}

/** The exit code for an outcome, after printing what Docker prints for it. */
function report(e: unknown, io: CliIO): number {
  if (e instanceof ExitStatus) return e.exitCode;
  if (e instanceof CliError) {
    write(io.stderr, e.message === '' ? '' : `${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof ApiError) {
    write(io.stderr, `${e.display}\n`);
    return 1;
  }
  if (e instanceof ConnectionError) {
    write(io.stderr, `${e.message}\n`);
    return 1;
  }
  write(io.stderr, `berth: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}

async function dispatch(argv: readonly string[], io: CliIO, entries: readonly Entry[]): Promise<number> {
  let global;
  try {
    global = parseOptions(GLOBAL_OPTIONS, argv, { interspersed: false });
  } catch (e) {
    if (e instanceof UsageError) throw new CliError(`${e.message}\nSee 'berth --help'.`, 125);
    throw e;
  }
  if (global.values.version) {
    write(io.stdout, `berth version ${BERTH_VERSION}\n`);
    return 0;
  }
  const [name, ...rest] = global.args;
  if (global.help || name === undefined) {
    write(io.stdout, rootHelp(entries, GLOBAL_OPTIONS));
    return 0;
  }
  if (name === 'help') {
    return dispatch([...rest, '--help'], io, entries);
  }
  const entry = find(entries, name);
  if (!entry) throw new CliError(`berth: '${name}' is not a berth command.\nSee 'berth --help'`);

  const host = global.values.host ?? io.env['BERTH_HOST'] ?? DEFAULT_HOST;
  let clientInstance: BerthClient | undefined;
  const client = (): BerthClient => {
    if (!clientInstance) {
      try {
        clientInstance = new BerthClient(host);
      } catch (e) {
        throw new CliError(`berth: ${(e as Error).message}`);
      }
    }
    return clientInstance;
  };

  if (entry.kind === 'group') return runGroup(`berth ${entry.name}`, entry, rest, io, client);
  return runCommand(`berth ${entry.name}`, entry, rest, io, client);
}

async function runGroup(path: string, group: Group, argv: readonly string[], io: CliIO, client: () => BerthClient): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    write(io.stdout, groupHelp(path, group));
    return 0;
  }
  const cmd = find(group.commands, sub);
  if (!cmd) {
    if (sub.startsWith('-')) throw new CliError(`unknown flag: ${sub}\nSee '${path} --help'.\n${groupHelp(path, group)}`.trimEnd(), 125);
    throw new CliError(groupHelp(path, group).trimEnd());
  }
  return runCommand(`${path} ${cmd.name}`, cmd, rest, io, client);
}

async function runCommand(path: string, cmd: Command, argv: readonly string[], io: CliIO, client: () => BerthClient): Promise<number> {
  let parsed;
  try {
    parsed = cmd.parse(argv);
  } catch (e) {
    // Like the Docker CLI (cobra FlagErrorFunc): flag errors exit 125.
    if (e instanceof UsageError) throw new CliError(`${e.message}\nSee '${path} --help'.`, 125);
    throw e;
  }
  if (parsed.help) {
    write(io.stdout, commandHelp(path, cmd));
    return 0;
  }
  const bad = argCountError(path, cmd, parsed.args.length);
  if (bad !== undefined) throw new CliError(bad, cmd.usageExitCode);
  const ctx: CommandContext = {
    io,
    get client() {
      return client();
    },
    path,
    out: (text) => write(io.stdout, text),
    err: (text) => write(io.stderr, text),
  };
  return cmd.run(ctx, parsed.values, parsed.args);
}
