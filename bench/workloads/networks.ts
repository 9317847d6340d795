// Create N networks one after another, then remove them, each create and rm also
// timed on its own. Only systems with
// network objects take part: for netavark and the CNI plugins a network is a
// config file, and nothing reaches the kernel until a sandbox joins it.
import type { RunContext } from '../measure.js';
import type { TimingRow } from '../results.js';
import type { NetworkOps, System, SystemName } from '../systems/system.js';
import { upAndDown } from './up-down.js';

const NA = 'no network objects: a network is configuration only until a sandbox joins it';

function ops(s: System): NetworkOps {
  if (!s.networks) throw new Error(`${s.name} has no network objects`);
  return s.networks;
}

export async function networks(ctx: RunContext, systems: readonly System[], floorFrom: System | undefined, count: number): Promise<TimingRow[]> {
  const names = Array.from({ length: count }, (_, i) => `net${i}`);
  const na: Partial<Record<SystemName, string>> = Object.fromEntries(systems.filter((s) => s.networks === null).map((s) => [s.name, NA]));
  const rows = await upAndDown(ctx, systems.filter((s) => s.networks !== null), floorFrom, {
    up: {
      label: `create ${count} networks, one after another`,
      op: 'network-create',
      run: async (s, time) => {
        for (const n of names) await time(() => ops(s).create(n));
      },
    },
    down: {
      label: `remove the ${count} networks, one after another`,
      op: 'network-rm',
      run: async (s, time) => {
        for (const n of names) await time(() => ops(s).remove(n));
      },
    },
  });
  return rows.map((r) => ({ ...r, na }));
}
