// berth doctor [--fix] [--json] [--docker URL [--watch] [--userland-proxy BOOL]]
// Checks berthd's host (through berthd, which runs in it) or, with --docker, a real
// dockerd's host (from this process, which must run in dockerd's namespace).
// Exit status: 0 healthy, 1 problems left.
import { renderReport } from '../../doctor/format.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';

const BOOLS: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };
const validateBool = (v: string): string | undefined => (v in BOOLS ? undefined : 'expected true or false');

export const doctor = defineCommand({
  name: 'doctor',
  usage: '[OPTIONS]',
  summary: "Check the host's container networking, and fix it",
  args: { min: 0, max: 0 },
  options: [
    { name: 'fix', type: 'bool', help: 'Apply the fixes (without it nothing is changed)' },
    { name: 'json', type: 'bool', help: 'Print the report as JSON' },
    {
      name: 'docker',
      type: 'string',
      valueName: 'URL',
      help: "Check a real dockerd through its API (unix:///var/run/docker.sock); run berth in dockerd's network namespace",
    },
    { name: 'watch', type: 'bool', help: 'With --docker: check again whenever the rules change (with --fix, repair them), until interrupted' },
    {
      name: 'userland-proxy',
      type: 'string',
      valueName: 'BOOL',
      help: "With --docker: dockerd's --userland-proxy setting (default: as its rules show, else true)",
      validate: validateBool,
    },
  ] as const,
  async run(ctx, o) {
    const needsDocker = o.watch ? 'watch' : o['userland-proxy'] !== undefined ? 'userland-proxy' : null;
    if (needsDocker !== null && o.docker === undefined) {
      throw new CliError(`--${needsDocker} goes with --docker (berthd keeps its own rules repaired)\nSee '${ctx.path} --help'.`, 125);
    }
    if (o.docker !== undefined) {
      const proxy = o['userland-proxy'];
      // Loaded when asked for: it brings the host's checks, the rule watch and the docker client.
      const { doctorDocker } = await import('./doctor-docker.js');
      return doctorDocker(ctx, { url: o.docker, fix: o.fix, json: o.json, watch: o.watch, userlandProxy: proxy === undefined ? undefined : BOOLS[proxy] });
    }
    const report = await ctx.client.doctor(o.fix);
    ctx.out(renderReport(report, o.json, 'berth doctor --fix'));
    return report.healthy ? 0 : 1;
  },
});

