// Named network namespaces: the files `ip netns add` bind-mounts under
// /var/run/netns. They live in the mount namespace, so berthd (which shares the
// machine's mount namespace and only has its own network namespace) sees and
// creates them machine-wide. berthd never enters one itself: the work inside is
// done by child processes (`ip -n NS`, `nsenter --net=PATH`).
//
// Semantics worth knowing:
// - `ip netns del` unmounts and unlinks the file; the namespace itself (its
//   links, addresses, routes) is destroyed only when no process and no mount
//   holds it any more. Destroying it deletes its veths, and so their peers.
// - The directory lists names, like `ip netns list`; a file whose bind mount was
//   lost (e.g. created under `ip -n`) is still listed but is no namespace:
//   `isMounted` tells the difference.
import { readdir, stat } from 'node:fs/promises';
import { run, ExecError, type Exec } from './exec.js';
import { conflict, invalid, notFound } from '../model/errors.js';

export const NETNS_DIR = '/var/run/netns';

/** A named network namespace: a plain file name, safe as one word of an ip batch line. */
export function validateNetnsName(name: string): string {
  if (name === '' || name === '.' || name === '..' || Buffer.byteLength(name) > 255 || /[/\s"'\\#\0]/.test(name)) {
    throw invalid(`invalid network namespace name ${JSON.stringify(name)}`);
  }
  return name;
}

/** `/var/run/netns/NAME`, for `nsenter --net=`. */
export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${validateNetnsName(name)}`;
}

/** `ip netns add NAME`; conflict if the name exists. */
export async function addNetns(execFn: Exec, name: string): Promise<void> {
  try {
    await run(execFn, ['ip', 'netns', 'add', validateNetnsName(name)]);
  } catch (e) {
    if (e instanceof ExecError && /File exists/.test(e.result.stderr)) throw conflict(`network namespace ${name} already exists`, e);
    throw e;
  }
}

/** `ip netns del NAME`; not-found if there is no such name. */
export async function deleteNetns(execFn: Exec, name: string): Promise<void> {
  try {
    await run(execFn, ['ip', 'netns', 'del', validateNetnsName(name)]);
  } catch (e) {
    if (e instanceof ExecError && /No such file or directory/.test(e.result.stderr)) throw notFound(`network namespace ${name} not found`, e);
    throw e;
  }
}

/** Names under /var/run/netns, sorted (no process). */
export async function listNetns(dir: string = NETNS_DIR): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function netnsExists(name: string, dir: string = NETNS_DIR): Promise<boolean> {
  try {
    await stat(`${dir}/${validateNetnsName(name)}`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** True if the name is a live namespace (an nsfs bind mount), not a dead leftover file. */
export async function isMounted(name: string, dir: string = NETNS_DIR): Promise<boolean> {
  try {
    const [file, own] = await Promise.all([stat(`${dir}/${validateNetnsName(name)}`), stat('/proc/self/ns/net')]);
    return file.dev === own.dev; // every namespace file lives on nsfs
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Pids of the processes whose network namespace is NAME (what `ip netns pids`
 * prints), found by comparing /proc/PID/ns/net with the namespace file; no process.
 */
export async function pidsIn(name: string, options: { readonly dir?: string; readonly proc?: string } = {}): Promise<number[]> {
  const dir = options.dir ?? NETNS_DIR;
  const proc = options.proc ?? '/proc';
  let target;
  try {
    target = await stat(`${dir}/${validateNetnsName(name)}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`network namespace ${name} not found`, e);
    throw e;
  }
  const pids = (await readdir(proc)).filter((n) => /^\d+$/.test(n)).map(Number);
  const found = await Promise.all(
    pids.map(async (pid) => {
      try {
        const s = await stat(`${proc}/${pid}/ns/net`);
        return s.dev === target.dev && s.ino === target.ino ? pid : undefined;
      } catch {
        return undefined; // exited meanwhile, or a kernel thread
      }
    }),
  );
  return found.filter((p): p is number => p !== undefined).sort((a, b) => a - b);
}

/** The port the engine uses; `ipNetns` is the real one, FakeHost has a fake. */
export interface NetnsPort {
  add(name: string): Promise<void>;
  delete(name: string): Promise<void>;
  list(): Promise<string[]>;
  exists(name: string): Promise<boolean>;
  pids(name: string): Promise<number[]>;
}

export function ipNetns(execFn: Exec): NetnsPort {
  return {
    add: (name) => addNetns(execFn, name),
    delete: (name) => deleteNetns(execFn, name),
    list: () => listNetns(),
    exists: (name) => netnsExists(name),
    pids: (name) => pidsIn(name),
  };
}
