// berth save FILE: everything berthd owns (its networks, containers, addresses, host
// ports, rules and the firewall helpers' rules) in one file, written atomically:
// a temporary file beside FILE, synced, then renamed over it (mode 0600).
import { writeFileAtomically } from '../../host/atomic-file.js';
import { plural } from '../../model/words.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

interface SavedCounts {
  readonly state?: {
    readonly networks?: readonly { driver?: string; bridge?: { isDefault?: boolean } | null }[];
    readonly containers?: readonly { state?: { status?: string } }[];
  };
  readonly accessRules?: readonly unknown[];
}

/** "2 networks, 3 containers (2 running) and 1 firewall rule". */
export function describeSave(doc: SavedCounts): string {
  const networks = (doc.state?.networks ?? []).filter((x) => x.driver === 'bridge' && !x.bridge?.isDefault).length;
  const containers = doc.state?.containers ?? [];
  const running = containers.filter((c) => c.state?.status === 'running').length;
  return `${plural(networks, 'network')}, ${plural(containers.length, 'container')} (${running} running) and ${plural(doc.accessRules?.length ?? 0, 'firewall rule')}`;
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
