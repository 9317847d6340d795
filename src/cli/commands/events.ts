// berth events [OPTIONS]
import type { DockerEvent } from '../../api/shapes.js';
import { formatEventTime } from '../../api/units.js';
import { defineCommand } from '../command.js';
import { compile } from '../output.js';
import { filterOption, filtersQuery } from './common.js';

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Docker's GetTimestamp for --since/--until: a unix timestamp as is; a Go duration
 * ("10m", "1h30m") means that long ago; an RFC 3339 date its instant.
 */
export function eventTimestamp(value: string | undefined, now: number = Date.now()): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(value) ? value.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g) : null;
  if (parts) {
    const ms = parts.reduce((sum, p) => {
      const m = /^(\d+(?:\.\d+)?)(.+)$/.exec(p);
      return sum + Number(m?.[1] ?? 0) * (UNIT_MS[m?.[2] ?? ''] ?? 0);
    }, 0);
    return String(Math.floor((now - ms) / 1000));
  }
  const t = Date.parse(value);
  if (!Number.isNaN(t)) return String(t / 1000);
  return value; // let the daemon reject it with its message
}

/** Docker's default event line: time type action id (k=v, ...). */
export function formatEvent(e: DockerEvent): string {
  let line = '';
  if (e.timeNano) line += `${formatEventTime(Math.floor(e.timeNano / 1e9), e.timeNano % 1e9)} `;
  else if (e.time) line += `${formatEventTime(e.time, 0)} `;
  line += `${e.Type} ${e.Action} ${e.Actor.ID}`;
  const attrs = Object.keys(e.Actor.Attributes ?? {}).sort();
  if (attrs.length > 0) line += ` (${attrs.map((k) => `${k}=${e.Actor.Attributes[k] ?? ''}`).join(', ')})`;
  return `${line}\n`;
}

export const events = defineCommand({
  name: 'events',
  usage: '[OPTIONS]',
  summary: 'Get real time events from the daemon',
  args: { min: 0, max: 0 },
  options: [
    filterOption('Filter output based on conditions provided', 'f'),
    { name: 'format', type: 'string', help: 'Format the output using the given Go template' },
    { name: 'since', type: 'string', help: 'Show all events created since timestamp' },
    { name: 'until', type: 'string', help: 'Stream events until this timestamp' },
  ] as const,
  async run(ctx, o) {
    const render = o.format ? compile(o.format) : null;
    const res = await ctx.client.events({ filters: filtersQuery(o.filter), since: eventTimestamp(o.since), until: eventTimestamp(o.until) });
    let buf = '';
    for await (const chunk of res as AsyncIterable<Buffer>) {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        const e = JSON.parse(line) as DockerEvent;
        ctx.out(render ? `${render(e)}\n` : formatEvent(e));
      }
    }
    return 0;
  },
});
