// berth network connect [OPTIONS] NETWORK CONTAINER
import { isIpv4 } from '../../model/ipv4.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

export const networkConnect = defineCommand({
  name: 'connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  args: { min: 2, max: 2 },
  options: [
    { name: 'ip', type: 'string', help: 'IPv4 address (e.g., 172.30.100.104)' },
    { name: 'alias', type: 'string', repeatable: true, valueName: 'strings', csv: true, help: 'Add network-scoped alias for the container' },
  ] as const,
  async run(ctx, o, [network = '', container = '']) {
    if (o.ip !== undefined && o.ip !== '' && !isIpv4(o.ip)) throw new CliError(`invalid IPv4 address: ${o.ip}`);
    const endpoint: Record<string, unknown> = {};
    if (o.ip) endpoint['IPAMConfig'] = { IPv4Address: o.ip };
    if (o.alias.length > 0) endpoint['Aliases'] = o.alias;
    await ctx.client.networkConnect(network, { Container: container, EndpointConfig: endpoint });
    return 0;
  },
});
