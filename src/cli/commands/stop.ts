// berth stop [OPTIONS] CONTAINER [CONTAINER...]
import { defineCommand } from '../command.js';
import { forEachTarget, TIME_OPTION } from './each-container.js';

export const stop = defineCommand({
  name: 'stop',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  args: { min: 1 },
  options: [TIME_OPTION] as const,
  run: (ctx, o, names) => forEachTarget(names, ctx.out, (n) => ctx.client.containerStop(n, o.time)),
});
