// berth network rm NETWORK [NETWORK...]
import { defineCommand } from '../command.js';
import { ExitStatus } from '../errors.js';
import { errorText, rethrowIfFatal } from './errors.js';

export const networkRm = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  args: { min: 1 },
  options: [] as const,
  async run(ctx, _o, names) {
    let status = 0;
    for (const name of names) {
      try {
        await ctx.client.networkRemove(name);
        ctx.out(`${name}\n`);
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
