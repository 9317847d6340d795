// berth trace --from SOURCE --to DEST:PORT[/PROTO] [--sport N] [--json] [--verbose]
// Asks berthd (which runs in the namespace it manages) to walk a connection
// through the live rules. Exit status: 0 when the connection gets through, 1 when not.
import type { TraceResult } from '../../trace/result.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

const validatePort = (v: string): string | undefined => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : 'expected a port 1-65535');

export const trace = defineCommand({
  name: 'trace',
  usage: '--from SOURCE --to DESTINATION [OPTIONS]',
  summary: 'Explain why a packet gets through or not, rule by rule',
  args: { min: 0, max: 0 },
  options: [
    { name: 'from', type: 'string', valueName: 'SOURCE', help: 'Who sends: host, ext:IP (an outside machine), an address, or a container' },
    {
      name: 'to',
      type: 'string',
      valueName: 'DESTINATION',
      help: 'Where to: ADDRESS:PORT or CONTAINER:PORT, then /tcp (default), /udp or /sctp; ADDRESS/icmp for a ping',
    },
    { name: 'sport', type: 'int', valueName: 'PORT', help: "The client's source port (default: unknown, as an ephemeral port is)", validate: validatePort },
    { name: 'json', type: 'bool', help: 'Print the trace as JSON' },
    { name: 'verbose', type: 'bool', help: 'Also list the rules that did not match' },
  ] as const,
  async run(ctx, o) {
    const missing = o.from === undefined ? 'from' : o.to === undefined ? 'to' : null;
    if (missing !== null) throw new CliError(`required flag --${missing} not set\nSee '${ctx.path} --help'.`, 125);
    const result = await ctx.client.json<TraceResult>('POST', '/berth/trace', {
      body: { From: o.from, To: o.to, ...(o.sport === undefined ? {} : { Sport: o.sport }) },
    });
    if (o.json) ctx.out(`${JSON.stringify(result, null, 2)}\n`);
    else ctx.out((await import('../../trace/print.js')).printTrace(result, o.verbose)); // loaded when asked for
    return result.verdict === 'ACCEPT' ? 0 : 1;
  },
});
