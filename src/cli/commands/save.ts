// berth save FILE: everything berthd owns (its networks, containers, addresses, host
// ports, rules and the firewall helpers' rules) in one file, written atomically:
// a temporary file beside FILE, synced, then renamed over it (mode 0600).
import { basename, dirname, join, resolve } from 'node:path';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

/** Writes `text` to `path` so that a crash leaves the old file or the new one, never part of it. */
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

interface SavedCounts {
  readonly state?: {
    readonly networks?: readonly { driver?: string; bridge?: { isDefault?: boolean } | null }[];
    readonly containers?: readonly { state?: { status?: string } }[];
  };
  readonly accessRules?: readonly unknown[];
}

/** "2 networks, 3 containers (2 running) and 1 firewall rule". */
export function describeSave(doc: SavedCounts): string {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  const networks = (doc.state?.networks ?? []).filter((x) => x.driver === 'bridge' && !x.bridge?.isDefault).length;
  const containers = doc.state?.containers ?? [];
  const running = containers.filter((c) => c.state?.status === 'running').length;
  return `${n(networks, 'network')}, ${n(containers.length, 'container')} (${running} running) and ${n(doc.accessRules?.length ?? 0, 'firewall rule')}`;
}

export const save = defineCommand({
  name: 'save',
  usage: 'FILE',
  summary: 'Save everything berth owns (networks, containers, rules) to a file',
  args: { min: 1, max: 1 },
  options: [] as const,
  async run(ctx, _o, [file = '']) {
    const text = await ctx.client.save();
    try {
      writeFileAtomically(file, text);
    } catch (e) {
      throw new CliError(`berth save: cannot write ${file}: ${(e as Error).message}`);
    }
    ctx.out(`Saved ${describeSave(JSON.parse(text) as SavedCounts)} to ${file}\n`);
    return 0;
  },
});
