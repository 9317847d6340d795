// berth firewall ls [--format F] [-q] [--no-trunc]
import type { FirewallRuleJson } from '../../api/routes/firewall.js';
import { defineCommand } from '../command.js';
import { formatList } from '../output.js';

export const FIREWALL_HEADERS: Readonly<Record<string, string>> = {
  ID: 'RULE ID',
  Action: 'ACTION',
  Source: 'SOURCE',
  Port: 'PORT',
  InInterface: 'IN-INTERFACE',
  Created: 'CREATED',
  Description: 'DESCRIPTION',
  Iptables: 'IPTABLES',
};

export const DEFAULT_FIREWALL_FORMAT = 'table {{.ID}}\t{{.Action}}\t{{.Source}}\t{{.Port}}\t{{.InInterface}}';

/** The fields `--format` sees for one rule; an unrestricted port or interface reads "any". */
export function firewallRow(r: FirewallRuleJson): Record<string, unknown> {
  return {
    ID: r.Id,
    Action: r.Action,
    Source: r.Source,
    Port: r.Port || 'any',
    InInterface: r.InInterface || 'any',
    Created: r.Created,
    Description: r.Description,
    Iptables: r.Iptables,
  };
}

export const firewallLs = defineCommand({
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  summary: 'List the access rules berth manages in DOCKER-USER (deny rules are checked before allow rules)',
  args: { min: 0, max: 0 },
  options: [
    { name: 'format', type: 'string', help: 'Pretty-print rules using a Go template' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display rule IDs' },
  ] as const,
  async run(ctx, o) {
    const rules = await ctx.client.json<FirewallRuleJson[]>('GET', '/berth/firewall');
    let format = o.format ?? '';
    if (format === '' || format === 'table') format = o.quiet ? '{{.ID}}' : DEFAULT_FIREWALL_FORMAT;
    ctx.out(formatList(format, rules.map(firewallRow), FIREWALL_HEADERS));
    return 0;
  },
});
