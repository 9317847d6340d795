// Help and usage text in the Docker CLI's layout.
import type { Command, Entry, Group } from './command.js';
import { formatOptionsHelp, type OptionSpec } from './options.js';

const MIN_NAME_PADDING = 11; // cobra's minimum

function commandList(entries: readonly Entry[]): string {
  const pad = Math.max(MIN_NAME_PADDING, ...entries.map((e) => e.name.length));
  return entries.map((e) => `  ${e.name.padEnd(pad)} ${e.summary}`).join('\n');
}

export function usageLine(path: string, cmd: Command): string {
  return cmd.usage ? `${path} ${cmd.usage}` : path;
}

/** `berth <cmd> --help`. */
export function commandHelp(path: string, cmd: Command): string {
  let text = `\nUsage:  ${usageLine(path, cmd)}\n\n${cmd.summary}\n`;
  if (cmd.aliases.length > 0) text += `\nAliases:\n  ${[cmd.name, ...cmd.aliases].join(', ')}\n`;
  const opts = formatOptionsHelp(cmd.options);
  if (opts) text += `\nOptions:\n${opts}\n`;
  return text;
}

/** `berth network --help`. */
export function groupHelp(path: string, group: Group): string {
  return (
    `\nUsage:  ${path} COMMAND\n\n${group.summary}\n\nCommands:\n${commandList(group.commands)}\n\n` +
    `Run '${path} COMMAND --help' for more information on a command.\n`
  );
}

/** `berth --help`. */
export function rootHelp(entries: readonly Entry[], globalOptions: readonly OptionSpec[]): string {
  const groups = entries.filter((e) => e.kind === 'group');
  const commands = entries.filter((e) => e.kind === 'command');
  let text =
    `\nUsage:  berth [OPTIONS] COMMAND\n\n` +
    `Docker's container networking for host commands: networks, published ports and\n` +
    `the iptables rules behind them, managed by berthd.\n\n` +
    `Options:\n${formatOptionsHelp(globalOptions)}\n`;
  if (groups.length > 0) text += `\nManagement Commands:\n${commandList(groups)}\n`;
  text += `\nCommands:\n${commandList(commands)}\n\nRun 'berth COMMAND --help' for more information on a command.\n`;
  return text;
}

/** Docker's message for a wrong number of positional arguments. */
export function argCountError(path: string, cmd: Command, got: number): string | undefined {
  const { min, max } = cmd.args;
  if (got >= min && (max === undefined || got <= max)) return undefined;
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  let what: string;
  if (max === 0) what = `"${path}" accepts no arguments.`;
  else if (max === min) what = `"${path}" requires exactly ${min} ${plural(min)}.`;
  else if (max === undefined) what = `"${path}" requires at least ${min} ${plural(min)}.`;
  else if (got < min) what = `"${path}" requires at least ${min} and at most ${max} ${plural(max)}.`;
  else what = `"${path}" requires at most ${max} ${plural(max)}.`;
  return `${what}\nSee '${path} --help'.\n\nUsage:  ${usageLine(path, cmd)}\n\n${cmd.summary}`;
}
