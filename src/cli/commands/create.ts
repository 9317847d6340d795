// berth create [OPTIONS] [--] COMMAND [ARG...]
import { defineCommand } from '../command.js';
import { errorText } from './errors.js';
import { CONTAINER_OPTIONS, containerCreateBody, reportError } from './container-options.js';

export const create = defineCommand({
  name: 'create',
  usage: '[OPTIONS] [--] COMMAND [ARG...]',
  summary: 'Create a new container',
  args: { min: 1 },
  interspersed: false,
  usageExitCode: 125,
  options: CONTAINER_OPTIONS,
  async run(ctx, o, cmd) {
    const body = containerCreateBody('create', o, cmd);
    let created: { Id: string; Warnings: string[] | null };
    try {
      created = await ctx.client.containerCreate(o.name, body);
    } catch (e) {
      throw reportError('create', errorText(e), true);
    }
    for (const w of created.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
    ctx.out(`${created.Id}\n`);
    return 0;
  },
});
