// berth run [OPTIONS] [--] COMMAND [ARG...]
import { defineCommand } from '../command.js';
import { errorText } from './errors.js';
import { pipeToStdout } from './common.js';
import { CONTAINER_OPTIONS, containerCreateBody, reportError, startExitCode } from './container-options.js';

export const run = defineCommand({
  name: 'run',
  usage: '[OPTIONS] [--] COMMAND [ARG...]',
  summary: 'Run a command in a new container',
  args: { min: 1 },
  interspersed: false,
  usageExitCode: 125,
  options: [
    { name: 'detach', short: 'd', type: 'bool', help: 'Run container in background and print container ID' },
    ...CONTAINER_OPTIONS,
  ] as const,
  async run(ctx, o, cmd) {
    const body = containerCreateBody('run', o, cmd);
    let created: { Id: string; Warnings: string[] | null };
    try {
      created = await ctx.client.containerCreate(o.name, body);
    } catch (e) {
      throw reportError('run', errorText(e), true, startExitCode(e));
    }
    for (const w of created.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
    const id = created.Id;

    if (o.detach) {
      ctx.out(`${id}\n`);
      try {
        await ctx.client.containerStart(id);
      } catch (e) {
        throw reportError('run', errorText(e), false, startExitCode(e));
      }
      return 0;
    }

    // Arm the wait and the log stream before starting, so a fast exit loses nothing.
    const wait = await ctx.client.containerWait(id, o.rm ? 'removed' : 'next-exit');
    const logs = await ctx.client.containerLogs(id, true);
    try {
      await ctx.client.containerStart(id);
    } catch (e) {
      logs.destroy();
      wait.cancel();
      throw reportError('run', errorText(e), false, startExitCode(e));
    }
    const stopOnInterrupt = ctx.io.onInterrupt?.(() => {
      ctx.client.containerStop(id).catch(() => undefined);
    });
    try {
      await pipeToStdout(ctx, logs);
      const r = await wait.result;
      if (r.Error) {
        ctx.err(`Error waiting for container: ${r.Error.Message}\n`);
        return 125;
      }
      return r.StatusCode;
    } finally {
      stopOnInterrupt?.();
    }
  },
});
