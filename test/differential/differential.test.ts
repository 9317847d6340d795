// The differential suite: in one run, real dockerd 20.10 and berthd, each in its own
// fresh host namespace, go through the same scenarios; after the daemon start and
// after every step their normalized iptables-save output must be equal, and a step
// must fail on one exactly when it fails on the other.
//
// BERTH_SCENARIOS=name,name limits the run (for development).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsSet, mustRun, pollUntil, uniquePrefix } from '../helpers/netns.js';
import { BerthHost } from '../helpers/berthd.js';
import { startDockerd, type Dockerd } from './dockerd.js';
import { normalizeIptablesSave } from './normalize.js';
import { SCENARIOS, berthArgv, dockerArgv, scenarioSysctls, stepText, type Scenario, type Step } from './scenarios.js';

interface Outcome {
  readonly header: string;
  readonly failed: boolean;
  readonly output: string;
  readonly rules: string;
}

/** One daemon under test, seen through what both have in common. */
interface Side {
  run(step: Step): Promise<{ code: number; output: string }>;
  iptablesSave(): Promise<string>;
  /** Network id -> name, to name bridges `br-<name>` in both dumps. */
  networks(): Promise<Map<string, string>>;
}

function parseIdNames(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [id, name] = line.split('\t');
    if (id && name) m.set(id.slice(0, 12), name);
  }
  return m;
}

/** Reads until two dumps 100 ms apart agree: a daemon may still be settling after a step. */
async function settled(side: Side): Promise<string> {
  const strip = (s: string): string => s.replace(/\[\d+:\d+\]/g, '').replace(/^#.*$/gm, '');
  let prev = await side.iptablesSave();
  return pollUntil(
    async () => {
      await new Promise((r) => setTimeout(r, 100));
      const cur = await side.iptablesSave();
      const same = strip(cur) === strip(prev);
      prev = cur;
      return same ? cur : false;
    },
    { timeoutMs: 5000, intervalMs: 0, what: 'iptables to settle' },
  );
}

async function drive(sc: Scenario, side: Side): Promise<Outcome[]> {
  const snapshot = async (header: string, failed: boolean, output: string): Promise<Outcome> => ({
    header,
    failed,
    output,
    rules: normalizeIptablesSave(await settled(side), { bridgeNames: await side.networks() }),
  });
  const out = [await snapshot('daemon start', false, '')];
  for (const step of sc.steps) {
    const r = await side.run(step);
    out.push(await snapshot(stepText(step), r.code !== 0, r.output));
  }
  return out;
}

/** busybox applets the docker image has as commands are `busybox APPLET` on the host. */
function hostCommand(step: Step): Step {
  if (!('run' in step)) return step;
  const [cmd, ...args] = step.run.cmd;
  if (cmd === 'httpd' || cmd === 'nc') return { ...step, run: { ...step.run, cmd: ['busybox', cmd, ...args] } };
  return step;
}

async function onDockerd(sc: Scenario): Promise<Outcome[]> {
  const set = new NetnsSet(uniquePrefix('bd'));
  let d: Dockerd | undefined;
  try {
    const ns = await set.add('host');
    for (const [k, v] of Object.entries(scenarioSysctls(sc))) await mustRun(['nsenter', `--net=${NetnsSet.path(ns)}`, 'sysctl', '-qw', `${k}=${v}`]);
    d = await startDockerd(ns, { flags: sc.daemonFlags, daemonJson: { ...(sc.daemonJson ?? {}) } });
    const dockerd = d;
    return await drive(sc, {
      run: async (step) => {
        const r = await dockerd.docker(dockerArgv(step));
        return { code: r.code, output: r.stdout + r.stderr };
      },
      iptablesSave: () => dockerd.iptablesSave(),
      networks: async () => parseIdNames((await dockerd.docker(['network', 'ls', '--no-trunc', '--format', '{{.ID}}\t{{.Name}}'])).stdout),
    });
  } finally {
    await d?.stop();
    await set.cleanup();
  }
}

async function onBerthd(sc: Scenario): Promise<Outcome[]> {
  const h = new BerthHost();
  try {
    if (sc.daemonJson) await h.daemonJson({ ...sc.daemonJson });
    await h.start({ flags: sc.daemonFlags, sysctls: scenarioSysctls(sc), neighbour: false });
    return await drive(sc, {
      run: async (step) => {
        const r = await h.berth(berthArgv(hostCommand(step)));
        return { code: r.code, output: r.stdout + r.stderr };
      },
      iptablesSave: () => h.iptablesSave(),
      networks: async () => parseIdNames(await h.ok(['network', 'ls', '--no-trunc', '--format', '{{.ID}}\t{{.Name}}'])),
    });
  } finally {
    await h.stop();
  }
}

const only = process.env.BERTH_SCENARIOS?.split(',').filter(Boolean);
const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));

for (const sc of scenarios) {
  test(`dockerd 20.10 and berthd agree: ${sc.name}`, { timeout: 180_000 }, async () => {
    const [docker, berth] = await Promise.all([onDockerd(sc), onBerthd(sc)]);
    assert.equal(berth.length, docker.length);
    for (const [i, d] of docker.entries()) {
      const b = berth[i]!;
      assert.equal(b.failed, d.failed, `after "${d.header}": dockerd ${d.failed ? 'failed' : 'succeeded'}, berth ${b.failed ? 'failed' : 'succeeded'}\ndockerd said: ${d.output}\nberth said: ${b.output}`);
      assert.equal(b.rules, d.rules, `iptables after "${d.header}" differ (actual: berth, expected: dockerd)`);
    }
  });
}
