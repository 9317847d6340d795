// berth version [OPTIONS]
import { API_VERSION, BERTH_VERSION, goArch } from '../../api/version.js';
import { defineCommand } from '../command.js';
import { tabwrite } from '../format/tabwriter.js';
import { compile } from '../output.js';

export function clientVersion(): Record<string, string> {
  return {
    Version: BERTH_VERSION,
    ApiVersion: API_VERSION,
    NodeVersion: process.version,
    Os: 'linux',
    Arch: goArch(),
  };
}

export const version = defineCommand({
  name: 'version',
  usage: '[OPTIONS]',
  summary: 'Show the berth version information',
  args: { min: 0, max: 0 },
  options: [{ name: 'format', short: 'f', type: 'string', help: 'Format the output using the given Go template' }] as const,
  async run(ctx, o) {
    const client = clientVersion();
    let server: Record<string, unknown> | null = null;
    let failure: unknown;
    try {
      server = await ctx.client.version();
    } catch (e) {
      failure = e;
    }
    if (o.format) {
      ctx.out(`${compile(o.format)({ Client: client, Server: server })}\n`);
    } else {
      let text =
        `Client: berth\n` +
        ` Version:\t${client['Version']}\n` +
        ` API version:\t${client['ApiVersion']}\n` +
        ` Node version:\t${client['NodeVersion']}\n` +
        ` OS/Arch:\t${client['Os']}/${client['Arch']}\n`;
      if (server) {
        const s = (k: string) => String(server?.[k] ?? '');
        text +=
          `\nServer: berth\n` +
          ` Engine:\n` +
          `  Version:\t${s('Version')}\n` +
          `  API version:\t${s('ApiVersion')} (minimum version ${s('MinAPIVersion')})\n` +
          `  Node version:\t${s('GoVersion')}\n` +
          `  OS/Arch:\t${s('Os')}/${s('Arch')}\n` +
          `  Kernel version:\t${s('KernelVersion')}\n`;
      }
      ctx.out(tabwrite(text, { minWidth: 20, padding: 1 }));
    }
    if (failure !== undefined) throw failure;
    return 0;
  },
});
