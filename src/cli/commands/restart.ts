// berth restart [OPTIONS] CONTAINER [CONTAINER...]
import { defineCommand } from '../command.js';
import { forEachTarget, TIME_OPTION } from './each-container.js';

export const restart = defineCommand({
  name: 'restart',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  args: { min: 1 },
  options: [TIME_OPTION] as const,
  run: (ctx, o, names) => forEachTarget(names, ctx.out, (n) => ctx.client.containerRestart(n, o.time)),
});
