// Sysctls. /proc/sys/net shows the network namespace of the process that opens
// the file, so the current namespace's values are plain file reads and writes
// (no process), and another namespace's need a child process inside it:
// `nsenter --net=/var/run/netns/NS cat|tee /proc/sys/...`. (Not `sysctl`, whose
// dotted names cannot carry an interface name with a dot in it, and not
// `ip netns exec`, which also remounts /sys.)
//
// Names: `net.ipv4.ip_forward`, or components for names whose parts contain
// dots (`['net', 'ipv4', 'conf', 'br.10', 'route_localnet']`). No component may
// be empty, `.`, `..`, or contain `/`.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { run, ExecError, type Exec } from './exec.js';
import { BerthError, forbidden, invalid, notFound } from '../model/errors.js';
import { netnsPath } from './netns.js';

export type SysctlName = string | readonly string[];

export const PROC_SYS = '/proc/sys';

/** Components of a sysctl name, validated. */
export function sysctlComponents(name: SysctlName): string[] {
  const parts = typeof name === 'string' ? name.split('.') : [...name];
  if (parts.length === 0) throw invalid('empty sysctl name');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || /[/\0\s]/.test(p)) {
      throw invalid(`invalid sysctl name ${JSON.stringify(typeof name === 'string' ? name : name.join('.'))}`);
    }
  }
  return parts;
}

/** `net.ipv4.ip_forward` → `/proc/sys/net/ipv4/ip_forward`. */
export function sysctlPath(name: SysctlName): string {
  return `${PROC_SYS}/${sysctlComponents(name).join('/')}`;
}

/** Display form: dots between components (and `/` for a dot inside one, as sysctl(8) does). */
export function sysctlKey(name: SysctlName): string {
  return sysctlComponents(name)
    .map((p) => p.replaceAll('.', '/'))
    .join('.');
}

function validateValue(value: string): string {
  if (value.includes('\n') || value.includes('\0')) throw invalid(`invalid sysctl value ${JSON.stringify(value)}`);
  return value;
}

export interface SysctlOptions {
  /** Named namespace; absent: the current one. */
  readonly netns?: string;
}

/** The port the engine uses; `hostSysctls` is the real one, FakeHost has a fake. */
export interface SysctlPort {
  /** The value without its trailing newline (tabs kept: `32768\t60999`); null if the sysctl does not exist. */
  read(name: SysctlName, options?: SysctlOptions): Promise<string | null>;
  /** Not-found if the sysctl does not exist, invalid if the kernel refuses the value. */
  write(name: SysctlName, value: string, options?: SysctlOptions): Promise<void>;
  /**
   * Several writes, in order. In a named namespace, one process per distinct
   * value (`tee` writes one value to many files); a failing file does not stop
   * the others written by the same process.
   */
  writeMany(entries: ReadonlyArray<readonly [SysctlName, string]>, options?: SysctlOptions): Promise<void>;
}

function fsError(e: unknown, key: string, value?: string): BerthError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return notFound(`sysctl ${key} does not exist`, e);
  if (code === 'EINVAL' || code === 'ERANGE') return invalid(`sysctl ${key}: invalid value ${JSON.stringify(value ?? '')}`, e);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return forbidden(`sysctl ${key}: ${code}`, e);
  return new BerthError('system', `sysctl ${key}: ${(e as Error).message}`, { cause: e });
}

/**
 * Reads a sysctl of the current namespace; null if it does not exist (e.g. net.bridge.*
 * without br_netfilter). Read at once: procfs answers from memory, and a read through
 * the thread pool would wait for berthd's thread to come back for it.
 */
export async function readSysctl(name: SysctlName): Promise<string | null> {
  try {
    return readFileSync(sysctlPath(name), 'utf8').replace(/\n$/, '');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(e, sysctlKey(name));
  }
}

/** Writes a sysctl of the current namespace. */
export async function writeSysctl(name: SysctlName, value: string): Promise<void> {
  const path = sysctlPath(name);
  try {
    await writeFile(path, validateValue(value)); // procfs cannot create: a missing name is ENOENT
  } catch (e) {
    throw fsError(e, sysctlKey(name), value);
  }
}

function execError(e: ExecError, key: string, value?: string): BerthError {
  const err = e.result.stderr;
  if (/No such file or directory/.test(err)) return notFound(`sysctl ${key} does not exist`, e);
  if (/Invalid argument|Numerical result out of range/.test(err)) return invalid(`sysctl ${key}: invalid value ${JSON.stringify(value ?? '')}`, e);
  if (/Permission denied|Operation not permitted|Read-only/.test(err)) return forbidden(`sysctl ${key}: ${err.trim()}`, e);
  return e;
}

/** Reads a sysctl of a named namespace (one child process). */
export async function readSysctlIn(execFn: Exec, netns: string, name: SysctlName): Promise<string | null> {
  const argv = ['nsenter', `--net=${netnsPath(netns)}`, 'cat', sysctlPath(name)];
  try {
    return (await run(execFn, argv)).stdout.replace(/\n$/, '');
  } catch (e) {
    if (e instanceof ExecError) {
      if (/nsenter: .*No such file or directory/.test(e.result.stderr)) throw notFound(`network namespace ${netns} not found`, e);
      if (/No such file or directory/.test(e.result.stderr)) return null;
      throw execError(e, sysctlKey(name));
    }
    throw e;
  }
}

/** Writes a sysctl of a named namespace (one child process; the value goes through stdin). */
export async function writeSysctlIn(execFn: Exec, netns: string, name: SysctlName, value: string): Promise<void> {
  const argv = ['nsenter', `--net=${netnsPath(netns)}`, 'tee', sysctlPath(name)];
  try {
    await run(execFn, argv, { input: validateValue(value) });
  } catch (e) {
    if (e instanceof ExecError) {
      if (/nsenter: .*No such file or directory/.test(e.result.stderr)) throw notFound(`network namespace ${netns} not found`, e);
      throw execError(e, sysctlKey(name), value);
    }
    throw e;
  }
}

/**
 * Writes several sysctls of a named namespace: one `nsenter ... tee FILE...`
 * per distinct value, in order of first appearance (e.g. Docker's sandbox:
 * disable_ipv6=1 for all, default and lo in one process).
 */
export async function writeSysctlsIn(execFn: Exec, netns: string, entries: ReadonlyArray<readonly [SysctlName, string]>): Promise<void> {
  const byValue = new Map<string, SysctlName[]>();
  for (const [name, value] of entries) {
    validateValue(value);
    sysctlComponents(name);
    byValue.set(value, [...(byValue.get(value) ?? []), name]);
  }
  for (const [value, names] of byValue) {
    const argv = ['nsenter', `--net=${netnsPath(netns)}`, 'tee', ...names.map(sysctlPath)];
    try {
      await run(execFn, argv, { input: value });
    } catch (e) {
      if (e instanceof ExecError) {
        if (/nsenter: .*No such file or directory/.test(e.result.stderr)) throw notFound(`network namespace ${netns} not found`, e);
        throw execError(e, names.map(sysctlKey).join(', '), value);
      }
      throw e;
    }
  }
}

export function hostSysctls(execFn: Exec): SysctlPort {
  return {
    read: (name, o) => (o?.netns !== undefined ? readSysctlIn(execFn, o.netns, name) : readSysctl(name)),
    write: (name, value, o) => (o?.netns !== undefined ? writeSysctlIn(execFn, o.netns, name, value) : writeSysctl(name, value)),
    async writeMany(entries, o) {
      if (o?.netns !== undefined) return writeSysctlsIn(execFn, o.netns, entries);
      for (const [name, value] of entries) await writeSysctl(name, value);
    },
  };
}
