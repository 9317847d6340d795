// berth exec [OPTIONS] CONTAINER [--] COMMAND [ARG...]: runs COMMAND in the container's
// network namespace (nsenter --net=<SandboxKey>), with this terminal's stdio.
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

export const exec = defineCommand({
  name: 'exec',
  usage: '[OPTIONS] CONTAINER [--] COMMAND [ARG...]',
  summary: "Run a command in a running container's network namespace",
  args: { min: 2 },
  interspersed: false,
  options: [
    { name: 'env', short: 'e', type: 'string', repeatable: true, help: 'Set environment variables' },
    { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open (always: stdio is inherited)' },
    { name: 'tty', short: 't', type: 'bool', help: 'Allocate a pseudo-TTY (always: the terminal is inherited)' },
    { name: 'workdir', short: 'w', type: 'string', help: 'Working directory for the command' },
  ] as const,
  async run(ctx, o, [container = '', ...rest]) {
    const cmd = rest[0] === '--' ? rest.slice(1) : rest;
    if (cmd.length === 0) {
      throw new CliError(`"${ctx.path}" requires at least 2 arguments.\nSee '${ctx.path} --help'.`);
    }
    const { value } = await ctx.client.containerInspect(container);
    if (!value.State.Running) throw new CliError(`Error response from daemon: Container ${value.Id} is not running`);
    const key = value.NetworkSettings.SandboxKey;
    if (!key) throw new CliError(`Error: container ${container} has no network namespace to enter`);
    const env: Record<string, string | undefined> = { ...ctx.io.env };
    for (const e of o.env) {
      const eq = e.indexOf('=');
      if (eq < 0) {
        if (ctx.io.env[e] === undefined) delete env[e];
      } else {
        env[e.slice(0, eq)] = e.slice(eq + 1);
      }
    }
    return ctx.io.runInherited(['nsenter', `--net=${key}`, '--', ...cmd], { env, ...(o.workdir ? { cwd: o.workdir } : {}) });
  },
});
