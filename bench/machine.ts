// The machine and the software versions a run measured, for the report.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { runCmd } from '../test/helpers/netns.js';
import { DOCKERD } from '../test/differential/dockerd.js';
import { NETAVARK } from './systems/netavark.js';
import type { MachineInfo } from './results.js';
import { formatBytes } from './stats.js';

/** First line of a program's output, or "unavailable". */
async function firstLine(argv: readonly string[]): Promise<string> {
  const r = await runCmd(argv, { timeoutMs: 10_000 }).catch(() => null);
  const line = r?.code === 0 ? (r.stdout.trim().split('\n')[0] ?? '') : '';
  return line || 'unavailable';
}

async function osName(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? os.type();
}

/** berth's commit, marked when the work tree has uncommitted changes. */
async function berthRevision(root: string): Promise<string> {
  const commit = await firstLine(['git', '-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = await runCmd(['git', '-C', root, 'status', '--porcelain'], { timeoutMs: 10_000 });
  return dirty.code === 0 && dirty.stdout.trim() !== '' ? `${commit} (with uncommitted changes)` : commit;
}

export async function describeMachine(root: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    memory: formatBytes(os.totalmem()),
    kernel: os.release(),
    os: await osName(),
    versions: {
      berth: await berthRevision(root),
      node: process.version,
      dockerd: await firstLine([DOCKERD, '--version']),
      netavark: await firstLine([NETAVARK, '--version']),
      'CNI plugins': await firstLine(['dpkg-query', '-W', '-f', '${Version}', 'containernetworking-plugins']),
      iptables: await firstLine(['iptables', '--version']),
      nft: await firstLine(['nft', '--version']),
    },
  };
}
