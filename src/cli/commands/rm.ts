// berth rm [OPTIONS] CONTAINER [CONTAINER...]
import { defineCommand } from '../command.js';
import { forEachTarget } from './each-container.js';

export const rm = defineCommand({
  name: 'rm',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  args: { min: 1 },
  options: [
    { name: 'force', short: 'f', type: 'bool', help: 'Force the removal of a running container' },
    { name: 'volumes', short: 'v', type: 'bool', help: 'Remove anonymous volumes associated with the container (berth has none)' },
  ] as const,
  run: (ctx, o, names) => forEachTarget(names, ctx.out, (n) => ctx.client.containerRemove(n, o.force)),
});
