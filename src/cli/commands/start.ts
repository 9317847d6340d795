// berth start CONTAINER [CONTAINER...]
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { errorText, rethrowIfFatal } from './errors.js';

export const start = defineCommand({
  name: 'start',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  args: { min: 1 },
  options: [] as const,
  async run(ctx, _o, names) {
    // Docker reports each failure at once, then names the ones that failed.
    const failed: string[] = [];
    for (const name of names) {
      try {
        await ctx.client.containerStart(name);
        ctx.out(`${name}\n`);
      } catch (e) {
        rethrowIfFatal(e);
        ctx.err(`${errorText(e)}\n`);
        failed.push(name);
      }
    }
    if (failed.length > 0) throw new CliError(`Error: failed to start containers: ${failed.join(', ')}`);
    return 0;
  },
});
