// Starts and stops sandbox processes. A process runs in its sandbox's named network
// namespace through nsenter (which setns()es and execs: the pid we get is the
// command's own), in a session of its own so signals aimed at berthd do not reach
// it, with stdout and stderr appended to its log file.
import { spawn } from 'node:child_process';
import { accessSync, constants, openSync, closeSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { invalid } from '../model/errors.js';

export interface Supervised {
  readonly pid: number;
  /** Resolves with the exit code (128 + signal number when killed by a signal). */
  readonly exited: Promise<number>;
}

/** Docker's check and message for a command that cannot be run. */
export function checkCommand(cmd: readonly string[], path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): void {
  const file = cmd[0];
  if (file === undefined || file === '') throw invalid('No command specified');
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (file.includes('/')) {
    if (!executable(file)) throw invalid(`exec: "${file}": stat ${file}: no such file or directory`);
    return;
  }
  if (!path.split(delimiter).some((dir) => dir !== '' && executable(join(dir, file)))) {
    throw invalid(`exec: "${file}": executable file not found in $PATH`);
  }
}

export function startProcess(opts: { cmd: readonly string[]; netnsPath: string | null; logFile: string }): Promise<Supervised> {
  checkCommand(opts.cmd);
  const argv = opts.netnsPath ? ['nsenter', `--net=${opts.netnsPath}`, '--', ...opts.cmd] : [...opts.cmd];
  const log = openSync(opts.logFile, 'a', 0o600);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    const exited = new Promise<number>((done) => {
      child.on('exit', (code, signal) => done(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
    });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve({ pid: child.pid as number, exited });
    });
  });
}

/** Signals the whole process group of a sandbox process; false when it is gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); null when gone. */
export function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
