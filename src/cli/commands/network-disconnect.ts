// berth network disconnect [OPTIONS] NETWORK CONTAINER
import { defineCommand } from '../command.js';

export const networkDisconnect = defineCommand({
  name: 'disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  args: { min: 2, max: 2 },
  options: [{ name: 'force', short: 'f', type: 'bool', help: 'Force the container to disconnect from a network' }] as const,
  async run(ctx, o, [network = '', container = '']) {
    await ctx.client.networkDisconnect(network, container, o.force);
    return 0;
  },
});
