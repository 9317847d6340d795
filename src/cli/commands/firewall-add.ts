// berth firewall allow|deny --from SOURCE [--port PORT[/PROTO]] [--in-interface IFACE] [--dry-run] [-q]
import type { FirewallChangeJson } from '../../api/routes/firewall.js';
import { defineCommand, type Command } from '../command.js';
import { CliError } from '../errors.js';

/** The change as the user reads it: what the rule does, then the iptables lines it adds and removes. */
export function changeText(c: FirewallChangeJson): string {
  const section = (title: string, lines: readonly string[]): string =>
    lines.length === 0 ? '' : `${title} (filter table):\n${lines.map((l) => `  ${l}\n`).join('')}`;
  return (
    `${c.Rule.Description}\n` +
    section(c.Written ? 'iptables rules added' : 'iptables rules it would add', c.Added) +
    section(c.Written ? 'iptables rules removed' : 'iptables rules it would remove', c.Removed) +
    (c.Written ? `${c.Rule.Id}\n` : 'dry run: nothing was written\n')
  );
}

function addCommand(action: 'allow' | 'deny', summary: string): Command {
  return defineCommand({
    name: action,
    usage: '--from SOURCE [OPTIONS]',
    summary,
    args: { min: 0, max: 0 },
    options: [
      { name: 'from', type: 'string', valueName: 'SOURCE', help: 'Source address, CIDR (10.200.0.0/24) or range (10.200.0.2-10.200.0.9)' },
      { name: 'port', type: 'string', valueName: 'PORT[/PROTO]', help: 'Only connections to this published host port (or to a container port reached directly); tcp unless given' },
      { name: 'in-interface', type: 'string', valueName: 'IFACE', help: 'Only connections arriving on this interface (a trailing + matches a prefix)' },
      { name: 'dry-run', type: 'bool', help: 'Print what the rule would do and the iptables rules, write nothing' },
      { name: 'quiet', short: 'q', type: 'bool', help: 'Only print the rule ID' },
    ] as const,
    async run(ctx, o) {
      if (o.from === undefined) throw new CliError(`required flag(s) "from" not set\nSee '${ctx.path} --help'.`, 125);
      const body = { Action: action, Source: o.from, Port: o.port ?? '', InInterface: o['in-interface'] ?? '', DryRun: o['dry-run'] };
      const change = await ctx.client.json<FirewallChangeJson>('POST', '/berth/firewall', { body });
      for (const w of change.Warnings) ctx.err(`WARNING: ${w}\n`);
      ctx.out(o.quiet ? (change.Written ? `${change.Rule.Id}\n` : '') : changeText(change));
      return 0;
    },
  });
}

export const firewallAllow = addCommand('allow', 'Let a source open new connections to the containers; others in the same scope are refused');
export const firewallDeny = addCommand('deny', 'Refuse new connections from a source to the containers');
