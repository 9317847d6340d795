// /berth/trace: why a packet gets through or not, computed by berthd from the
// live rules and routes of the namespace it manages (the CLI may run elsewhere).
//   POST /berth/trace  {From, To, Sport?} -> the trace (src/trace/result.ts)
import { exec } from '../../host/exec.js';
import { kernelTraceHost, type TraceHost } from '../../host/trace-host.js';
import { invalid } from '../../model/errors.js';
import { Fields, json, type Route } from '../http.js';
import { traceFromDaemon, type TraceQuery } from '../trace-world.js';

export function parseTraceBody(body: Record<string, unknown>): TraceQuery {
  const b = new Fields(body);
  const from = b.str('From') ?? '';
  const to = b.str('To') ?? '';
  if (from === '') throw invalid('From is required (host, ext:IP, an address or a container)');
  if (to === '') throw invalid('To is required (ADDRESS:PORT[/PROTO] or CONTAINER:PORT[/PROTO])');
  const sport = b.int('Sport') ?? null;
  if (sport !== null && (sport < 1 || sport > 65535)) throw invalid('Sport must be 1-65535');
  return { from, to, sport };
}

export function traceRoutesOver(kernel: TraceHost): readonly Route[] {
  return [
    {
      method: 'POST',
      path: '/berth/trace',
      handler: async ({ engine, body }) => json(200, await traceFromDaemon(engine, kernel, parseTraceBody(await body()))),
    },
  ];
}

export const traceRoutes = traceRoutesOver(kernelTraceHost(exec));
