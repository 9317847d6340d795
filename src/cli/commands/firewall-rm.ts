// berth firewall rm RULE [RULE...]
import { defineCommand } from '../command.js';
import { ExitStatus } from '../errors.js';
import { errorText, rethrowIfFatal } from './errors.js';

export const firewallRm = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'RULE [RULE...]',
  summary: 'Remove one or more access rules (by ID or unique ID prefix)',
  args: { min: 1 },
  options: [] as const,
  async run(ctx, _o, ids) {
    let status = 0;
    for (const id of ids) {
      try {
        await ctx.client.request('DELETE', `/berth/firewall/${encodeURIComponent(id)}`, { notFound: { object: 'firewall rule', id } });
        ctx.out(`${id}\n`);
      } catch (e) {
        rethrowIfFatal(e);
        ctx.err(`${errorText(e)}\n`);
        status = 1;
      }
    }
    if (status !== 0) throw new ExitStatus(status);
    return 0;
  },
});
