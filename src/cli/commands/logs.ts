// berth logs [OPTIONS] CONTAINER
import { defineCommand } from '../command.js';
import { pipeToStdout } from './common.js';

export const logs = defineCommand({
  name: 'logs',
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  args: { min: 1, max: 1 },
  options: [{ name: 'follow', short: 'f', type: 'bool', help: 'Follow log output' }] as const,
  async run(ctx, o, [container = '']) {
    await pipeToStdout(ctx, await ctx.client.containerLogs(container, o.follow));
    return 0;
  },
});
