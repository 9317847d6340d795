// berth network prune [OPTIONS]
import { defineCommand } from '../command.js';
import { confirm } from './common.js';

const WARNING = `WARNING! This will remove all custom networks not used by at least one container.
Are you sure you want to continue?`;

export const networkPrune = defineCommand({
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  args: { min: 0, max: 0 },
  options: [{ name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' }] as const,
  async run(ctx, o) {
    if (!o.force && !(await confirm(ctx, WARNING))) return 0;
    const r = await ctx.client.networkPrune();
    const deleted = r.NetworksDeleted ?? [];
    if (deleted.length > 0) ctx.out(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    return 0;
  },
});
