// Starts and stops sandbox processes. A process runs in its sandbox's named network
// namespace through nsenter (which setns()es and execs: the pid we get is the
// command's own), in a session of its own so signals aimed at berthd do not reach
// it, with stdout and stderr appended to its log file.
import { spawn } from 'node:child_process';
import { accessSync, constants, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * The shim every sandbox command runs under: it forwards TERM and INT to the
 * command and writes the command's exit code to a file, so the code is known even
 * when the command ends while berthd is down (berthd then is not its parent).
 */
const SHIM = [
  'exitfile=$1; shift',
  '"$@" & child=$!',
  'trap \'kill -TERM "$child" 2>/dev/null\' TERM',
  'trap \'kill -INT "$child" 2>/dev/null\' INT',
  'while :; do wait "$child"; code=$?; kill -0 "$child" 2>/dev/null || break; done',
  'echo "$code" > "$exitfile"',
  'exit "$code"',
].join('\n');

export interface StartOptions {
  readonly cmd: readonly string[];
  readonly netnsPath: string | null;
  readonly logFile: string;
  /** Where the shim records the exit code. */
  readonly exitFile: string;
}

export function startProcess(opts: StartOptions): Promise<Supervised> {
  checkCommand(opts.cmd);
  rmSync(opts.exitFile, { force: true });
  const shim = ['/bin/sh', '-c', SHIM, 'berth-shim', opts.exitFile, ...opts.cmd];
  const argv = opts.netnsPath ? ['nsenter', `--net=${opts.netnsPath}`, '--', ...shim] : shim;
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

/**
 * Follows a sandbox process berthd did not start (it was adopted after a restart):
 * polls until the pid no longer belongs to it, then reads the code its shim wrote
 * (137, as for a kill, when there is none: the shim itself was killed).
 */
export function watchProcess(pid: number, startTime: string, exitFile: string, intervalMs = 500): Promise<number> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (startTimeOf(pid) === startTime) return;
      clearInterval(timer);
      resolve(recordedExitCode(exitFile));
    }, intervalMs);
    timer.unref();
  });
}

/** The code the shim wrote; 137, as for a kill, when it wrote none (it was killed too). */
export function recordedExitCode(exitFile: string): number {
  try {
    const text = readFileSync(exitFile, 'utf8').trim();
    if (/^\d+$/.test(text)) return Number(text);
  } catch {
    // no exit file
  }
  return 137;
}

/**
 * Field 22 of /proc/PID/stat (start time in clock ticks since boot); null when gone.
 * A zombie is gone too: a sandbox that ended while berthd was down is a child of
 * whatever adopted it, which may be slow to reap it (or never does).
 */
export function startTimeOf(pid: number, proc = '/proc'): string | null {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
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
