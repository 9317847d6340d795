// berth doctor --docker URL: the doctor for a real dockerd, run from this process
// in dockerd's network namespace. dockerd's networks and containers come from its
// API; the rules it should have come from berth's renderer; its rules are
// restored with one iptables-restore --noflush, dockerd itself is never touched.
// With --watch it runs again after every change to the ruleset (nft monitor, and
// a slow periodic check), until interrupted.
import { renderReport } from '../../doctor/format.js';
import { dockerExpectations, inferHairpin } from '../../doctor/docker-input.js';
import { readConsistent, runDoctor, type DoctorPorts, type DoctorReport } from '../../doctor/run.js';
import { activeRuleset } from '../../doctor/types.js';
import { openDockerApi } from '../../docker/api.js';
import { Firewall, iptablesBackend } from '../../engine/firewall.js';
import { watchRules } from '../../engine/rule-watch.js';
import { kernelDoctorHost } from '../../host/doctor-host.js';
import { exec } from '../../host/exec.js';
import type { CommandContext } from '../command.js';

export interface DockerDoctorOptions {
  readonly url: string;
  readonly fix: boolean;
  readonly json: boolean;
  readonly watch: boolean;
  /** dockerd's --userland-proxy; undefined: as its rules show, else true. */
  readonly userlandProxy: boolean | undefined;
}

export async function doctorDocker(ctx: CommandContext, o: DockerDoctorOptions): Promise<number> {
  const api = await openDockerApi(o.url);
  const host = kernelDoctorHost(exec);
  const hairpin = o.userlandProxy !== undefined ? !o.userlandProxy : (inferHairpin(activeRuleset(await host.observe())) ?? false);
  const ports: DoctorPorts = {
    async read() {
      const { snapshot, state } = await readConsistent(() => host.observe(), () => api.state());
      return { snapshot, expected: dockerExpectations(state, { hairpin, rules: activeRuleset(snapshot) }) };
    },
    async apply(action, expected) {
      // A fresh Firewall has applied nothing: it plans against dockerd's layout alone.
      if (action.kind === 'restore-rules') await new Firewall(iptablesBackend(exec), null).apply(expected.desired);
      else await host.apply(action);
    },
  };
  const fixCommand = `berth doctor --docker ${o.url} --fix`;
  if (!o.watch) {
    const report = await runDoctor(ports, { fix: o.fix });
    ctx.out(renderReport(report, o.json, fixCommand));
    return report.healthy ? 0 : 1;
  }
  return watch(ctx, ports, o, fixCommand);
}

/** Runs the doctor now and after each change, one run at a time; prints only what is new. */
async function watch(ctx: CommandContext, ports: DoctorPorts, o: DockerDoctorOptions, fixCommand: string): Promise<number> {
  let shown = '';
  let healthy = false;
  const once = async (reason: string): Promise<void> => {
    let report: DoctorReport;
    try {
      report = await runDoctor(ports, { fix: o.fix });
    } catch (e) {
      ctx.err(`berth doctor: ${e instanceof Error ? e.message : String(e)} (trying again on the next change)\n`);
      return;
    }
    healthy = report.healthy;
    const state = JSON.stringify([report.findings.map((f) => [f.id, f.subject, f.summary]), report.failures]);
    if (report.applied.length === 0 && state === shown) return;
    shown = state;
    const time = new Date().toISOString();
    ctx.out(o.json ? `${JSON.stringify({ time, reason, ...report })}\n` : `[${time}] ${reason}\n${renderReport(report, false, fixCommand)}`);
  };
  let running: Promise<void> | null = null;
  let pending: string | null = null;
  const trigger = (reason: string): void => {
    if (running) {
      pending = reason;
      return;
    }
    running = (async () => {
      for (let next: string | null = reason; next !== null; next = pending, pending = null) await once(next);
      running = null;
    })();
  };
  trigger('start');
  const watcher = watchRules(trigger, { log: (m) => ctx.err(`berth doctor: ${m}\n`) });
  await new Promise<void>((resolve) => {
    const off = ctx.io.onInterrupt?.(() => {
      off?.();
      resolve();
    });
    if (off === undefined) resolve();
  });
  watcher.stop();
  await running;
  return healthy ? 0 : 1;
}
