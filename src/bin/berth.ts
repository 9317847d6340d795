#!/usr/bin/env node
// Entry point of the berth CLI: real stdio, environment and signals; sets the exit code.
import { spawn } from 'node:child_process';
import type { CliIO } from '../cli/command.js';
import { runCli } from '../cli/main.js';

const io: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  runInherited(argv, opts = {}) {
    return new Promise((resolve) => {
      const [file, ...args] = argv;
      if (file === undefined) {
        resolve(127);
        return;
      }
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined) env[k] = v;
      const child = spawn(file, args, { stdio: 'inherit', env, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
      // The child gets the terminal's signals itself; berth just waits for it.
      const ignore = () => undefined;
      process.on('SIGINT', ignore);
      process.on('SIGTERM', ignore);
      const done = (code: number) => {
        process.off('SIGINT', ignore);
        process.off('SIGTERM', ignore);
        resolve(code);
      };
      child.on('error', (e: NodeJS.ErrnoException) => {
        process.stderr.write(`berth: exec: ${file}: ${e.code === 'ENOENT' ? 'executable file not found in $PATH' : e.message}\n`);
        done(e.code === 'ENOENT' ? 127 : 126);
      });
      child.on('exit', (code, signal) => done(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1)));
    });
  },
  onInterrupt(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
};

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return map[signal];
}

// EPIPE on stdout (e.g. `berth ps | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`berth: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
