// berth network rm NETWORK [NETWORK...]
import { defineCommand } from '../command.js';
import { forEachTarget } from './each-container.js';

export const networkRm = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  args: { min: 1 },
  options: [] as const,
  run: (ctx, _o, names) => forEachTarget(names, ctx.out, (name) => ctx.client.networkRemove(name)),
});
