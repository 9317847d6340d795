// Files replaced whole: a crash leaves the old content or the new, never part of it.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Writes `text` to a temporary file beside `path` (mode 0600), syncs it, renames it over `path`, syncs the directory. */
export function writeFileAtomically(path: string, text: string): void {
  const dir = dirname(resolve(path));
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const d = openSync(dir, 'r'); // the rename itself reaches the disk with the directory
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}
