// berth firewall rm RULE [RULE...]
import { defineCommand } from '../command.js';
import { forEachTarget } from './each-container.js';

export const firewallRm = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'RULE [RULE...]',
  summary: 'Remove one or more access rules (by ID or unique ID prefix)',
  args: { min: 1 },
  options: [] as const,
  run: (ctx, _o, ids) =>
    forEachTarget(ids, ctx.out, (id) =>
      ctx.client.request('DELETE', `/berth/firewall/${encodeURIComponent(id)}`, { notFound: { object: 'firewall rule', id } }),
    ),
});
