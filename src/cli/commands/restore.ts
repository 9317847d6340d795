// berth restore FILE: sends a `berth save` file to berthd, which checks it whole
// (truncated, another version, changed by hand, inconsistent, made under other
// daemon options, berthd not fresh: refused before anything changes) and then
// brings back its networks, rules and running sandboxes, all or nothing.
import { readFileSync } from 'node:fs';
import { plural } from '../../model/words.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

export const restore = defineCommand({
  name: 'restore',
  usage: 'FILE',
  summary: 'Restore what `berth save` saved onto a fresh berthd',
  args: { min: 1, max: 1 },
  options: [] as const,
  async run(ctx, _o, [file = '']) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      throw new CliError(`berth restore: cannot read ${file}: ${(e as Error).message}`);
    }
    const r = await ctx.client.restore(data, file);
    const networks = r.Networks.length > 0 ? ` (${r.Networks.join(', ')})` : '';
    const running = r.Running.length > 0 ? `: ${r.Running.join(', ')}` : '';
    ctx.out(
      `Restored ${plural(r.Networks.length, 'network')}${networks}, ${plural(r.Containers, 'container')} (${r.Running.length} running${running}) ` +
        `and ${plural(r.AccessRules, 'firewall rule')} from ${file} in ${r.DurationMs} ms\n`,
    );
    return 0;
  },
});
