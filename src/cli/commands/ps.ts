// berth ps [OPTIONS]
import type { DockerContainerSummary } from '../../api/shapes.js';
import { humanDuration } from '../../api/units.js';
import { defineCommand } from '../command.js';
import { displayablePorts, ellipsis, goTimeString, truncateId } from '../display.js';
import { goQuote } from '../../model/go-quote.js';
import { formatList } from '../output.js';
import { filterOption, filtersQuery } from './common.js';

export const CONTAINER_HEADERS: Readonly<Record<string, string>> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
};

export const DEFAULT_PS_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** The fields `--format` sees for one container (Docker's ContainerContext). */
export function containerRow(c: DockerContainerSummary, trunc: boolean, now: number = Date.now()): Record<string, unknown> {
  let names = c.Names.map((n) => (n.startsWith('/') ? n.slice(1) : n));
  if (trunc) {
    const plain = names.find((n) => !n.includes('/'));
    if (plain !== undefined) names = [plain];
  }
  const labels = c.Labels ?? {};
  return {
    ID: trunc ? truncateId(c.Id) : c.Id,
    Image: c.Image || '-',
    Command: goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTimeString(c.Created * 1000),
    RunningFor: `${humanDuration(now - c.Created * 1000)} ago`,
    Ports: displayablePorts(c.Ports),
    State: c.State,
    Status: c.Status,
    Size: '',
    Names: names.join(','),
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Label: (name: string) => labels[name] ?? '',
    Mounts: '',
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {})
      .sort()
      .join(','),
  };
}

export const ps = defineCommand({
  name: 'ps',
  usage: '[OPTIONS]',
  summary: 'List containers',
  args: { min: 0, max: 0 },
  options: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all containers (default shows just running)' },
    filterOption('Filter output based on conditions provided', 'f'),
    { name: 'format', type: 'string', help: 'Pretty-print containers using a Go template' },
    { name: 'last', short: 'n', type: 'int', default: -1, help: 'Show n last created containers (includes all states)' },
    { name: 'latest', short: 'l', type: 'bool', help: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only display container IDs' },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes' },
  ] as const,
  async run(ctx, o) {
    const limit = o.latest ? 1 : o.last > 0 ? o.last : undefined;
    const filters = filtersQuery(o.filter);
    const list = await ctx.client.containerList({
      all: o.all || limit !== undefined,
      ...(limit !== undefined ? { limit } : {}),
      ...(filters !== undefined ? { filters } : {}),
    });
    let format = o.format ?? '';
    if (format === '' || format === 'table') format = o.quiet ? '{{.ID}}' : DEFAULT_PS_FORMAT;
    const now = Date.now();
    ctx.out(formatList(format, list.map((c) => containerRow(c, !o['no-trunc'], now)), CONTAINER_HEADERS));
    return 0;
  },
});
