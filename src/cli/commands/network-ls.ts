// berth network ls [OPTIONS]
import type { DockerNetwork } from '../../api/shapes.js';
import { defineCommand } from '../command.js';
import { fractionNanos, goTimeString, naturalCompare, truncateId } from '../display.js';
import { formatList } from '../output.js';
import { filterOption, filtersQuery } from './common.js';

export const NETWORK_HEADERS: Readonly<Record<string, string>> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

export const DEFAULT_NETWORK_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

function labelsString(labels: Readonly<Record<string, string>> | null): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The fields `--format` sees for one network (Docker's networkContext). */
export function networkRow(n: DockerNetwork, trunc: boolean): Record<string, unknown> {
  const created = Date.parse(n.Created);
  return {
    ID: trunc ? truncateId(n.Id) : n.Id,
    Name: n.Name,
    Driver: n.Driver,
    Scope: n.Scope,
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: labelsString(n.Labels),
    Label: (name: string) => n.Labels?.[name] ?? '',
    CreatedAt: Number.isNaN(created) ? '' : goTimeString(created, fractionNanos(n.Created)),
  };
}

export const networkLs = defineCommand({
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  summary: 'List networks',
  args: { min: 0, max: 0 },
  options: [
    filterOption("Provide filter values (e.g. 'driver=bridge')", 'f'),
    { name: 'format', type: 'string', help: 'Pretty-print networks using a Go template' },
    { name: 'no-trunc', type: 'bool', help: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display network IDs' },
  ] as const,
  async run(ctx, o) {
    const list = await ctx.client.networkList(filtersQuery(o.filter));
    list.sort((a, b) => naturalCompare(a.Name, b.Name));
    let format = o.format ?? '';
    if (format === '' || format === 'table') format = o.quiet ? '{{.ID}}' : DEFAULT_NETWORK_FORMAT;
    const rows = list.map((n) => networkRow(n, !o['no-trunc']));
    ctx.out(formatList(format, rows, NETWORK_HEADERS));
    return 0;
  },
});
