// What each system needs, in processes and memory, for one sandbox with N
// published ports (separate mappings): idle before, the peak while the sandbox
// starts (sampled from /proc every 200 ms), and the steady state once it is up.
// A run of its own, so that sampling never perturbs the timings.
import { maxUsage, settle, startPeakSampler, usage, type Usage } from '../procs.js';
import type { RunContext } from '../measure.js';
import type { FootprintRow } from '../results.js';
import type { System } from '../systems/system.js';

const FIRST_PORT = 10000;

export async function footprint(ctx: RunContext, systems: readonly System[], ports: number): Promise<FootprintRow[]> {
  const rows: FootprintRow[] = [];
  for (const s of systems) {
    ctx.log(`footprint of ${ports} published ports: ${s.name}`);
    await settle(s.hostNs);
    const idle = await usage(s.hostNs);
    const sampler = startPeakSampler(s.hostNs, 50);
    let peak: Usage;
    try {
      await s.addSandbox('fp', { first: FIRST_PORT, count: ports, form: 'separate' });
    } finally {
      peak = await sampler.stop();
    }
    const after = await usage(s.hostNs);
    rows.push({ system: s.name, ports, idle, peak: maxUsage(peak, after), after });
    await s.removeSandbox('fp');
  }
  return rows;
}
