// berth port CONTAINER [PRIVATE_PORT[/PROTO]]
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

function keyOrder(a: string, b: string): number {
  const [pa = '0', ta = ''] = a.split('/');
  const [pb = '0', tb = ''] = b.split('/');
  return Number(pa) - Number(pb) || (ta < tb ? -1 : ta > tb ? 1 : 0);
}

export const port = defineCommand({
  name: 'port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  args: { min: 1, max: 2 },
  options: [] as const,
  async run(ctx, _o, [container = '', wanted]) {
    const { value } = await ctx.client.containerInspect(container);
    const ports = value.NetworkSettings.Ports ?? {};
    if (wanted !== undefined) {
      const slash = wanted.indexOf('/');
      const num = slash < 0 ? wanted : wanted.slice(0, slash);
      const proto = slash < 0 || wanted.slice(slash + 1) === '' ? 'tcp' : wanted.slice(slash + 1);
      const key = `${num}/${proto}`;
      const bindings = ports[key];
      if (bindings) {
        ctx.out(bindings.map((b) => `${b.HostIp}:${b.HostPort}\n`).join(''));
        return 0;
      }
      throw new CliError(`Error: No public port '${key}' published for ${container}`);
    }
    for (const key of Object.keys(ports).sort(keyOrder)) {
      for (const b of ports[key] ?? []) ctx.out(`${key} -> ${b.HostIp}:${b.HostPort}\n`);
    }
    return 0;
  },
});
