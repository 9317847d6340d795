// berth network inspect [OPTIONS] NETWORK [NETWORK...]
import { defineCommand } from '../command.js';
import { inspectEach } from './inspect.js';

export const networkInspect = defineCommand({
  name: 'inspect',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  args: { min: 1 },
  options: [
    { name: 'format', short: 'f', type: 'string', help: 'Format the output using the given Go template' },
    { name: 'verbose', short: 'v', type: 'bool', help: 'Verbose output for diagnostics' },
  ] as const,
  async run(ctx, o, names) {
    return inspectEach(ctx, names, o.format ?? '', async (name) => (await ctx.client.networkInspect(name)).raw);
  },
});
