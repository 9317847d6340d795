// berth inspect [OPTIONS] NAME|ID [NAME|ID...] — containers and networks, like docker inspect.
import { ApiError } from '../client.js';
import { defineCommand, type CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { formatEach, indentedJson } from '../output.js';
import { errorText, rethrowIfFatal } from './errors.js';

/**
 * The Docker CLI runs inspect templates over typed Go structs, where a field the daemon
 * omitted (`omitempty`) is still there with its zero value: `{{.Gateway}}` of the default
 * bridge prints "", not "<no value>". Restore those fields before templating.
 */
export function withZeroValues(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  const ipam = o['IPAM'] as { Config?: unknown } | undefined;
  if (ipam && Array.isArray(ipam.Config)) {
    ipam.Config = ipam.Config.map((c: unknown) =>
      c !== null && typeof c === 'object' ? { Subnet: '', IPRange: '', Gateway: '', ...(c as object) } : c,
    );
  }
  const config = o['Config'] as Record<string, unknown> | undefined;
  if (config && typeof config === 'object' && !('ExposedPorts' in config)) config['ExposedPorts'] = {};
  return o;
}

/**
 * Docker's inspect.Inspect: fetch each object's raw JSON, print them (indented array or
 * a template per object), then report every failure together with exit status 1.
 */
export async function inspectEach(
  ctx: CommandContext,
  names: readonly string[],
  format: string,
  get: (name: string) => Promise<string>,
): Promise<number> {
  const raws: string[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      raws.push(await get(name));
    } catch (e) {
      rethrowIfFatal(e);
      errors.push(errorText(e));
    }
  }
  if (format === '') {
    ctx.out(indentedJson(raws));
  } else {
    let text = '';
    for (const raw of raws) {
      try {
        text += formatEach(format, [withZeroValues(JSON.parse(raw))]);
      } catch (e) {
        errors.push(errorText(e));
      }
    }
    ctx.out(text);
  }
  if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
  return 0;
}

const isNotFound = (e: unknown) => e instanceof ApiError && e.status === 404;

export const inspect = defineCommand({
  name: 'inspect',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on containers and networks',
  args: { min: 1 },
  options: [
    { name: 'format', short: 'f', type: 'string', help: 'Format the output using the given Go template' },
    { name: 'size', short: 's', type: 'bool', help: 'Display total file sizes if the type is container' },
    { name: 'type', type: 'string', help: 'Return JSON for specified type' },
  ] as const,
  async run(ctx, o, names) {
    const type = o.type ?? '';
    if (type !== '' && type !== 'container' && type !== 'network') {
      throw new CliError(`${JSON.stringify(type)} is not a valid value for --type`);
    }
    return inspectEach(ctx, names, o.format ?? '', async (name) => {
      if (type === 'container') return (await ctx.client.containerInspect(name)).raw;
      if (type === 'network') return (await ctx.client.networkInspect(name)).raw;
      try {
        return (await ctx.client.containerInspect(name)).raw;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      try {
        return (await ctx.client.networkInspect(name)).raw;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      throw new CliError(`Error: No such object: ${name}`);
    });
  },
});
