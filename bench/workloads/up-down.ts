// The shape every timing workload shares: build something up, then take it down,
// each timed on an idle system. The floor is measured on the ruleset that the
// Docker-layout system (`floorFrom`: berth, else dockerd) had once built up.
import { settle } from '../procs.js';
import { measureSteps, timed, type RunContext } from '../measure.js';
import type { TimingRow } from '../results.js';
import type { System } from '../systems/system.js';
import { measureFloor } from './floor.js';

export interface UpDown {
  readonly up: { readonly label: string; run(s: System): Promise<void> };
  readonly down: { readonly label: string; run(s: System): Promise<void> };
}

export async function upAndDown(ctx: RunContext, systems: readonly System[], floorFrom: System | undefined, c: UpDown): Promise<[TimingRow, TimingRow]> {
  let ruleset = '';
  const [up, down] = await measureSteps(ctx, systems, [c.up.label, c.down.label], async (s, rep) => {
    await settle(s.hostNs);
    const built = await timed(() => c.up.run(s));
    if (s === floorFrom && rep === 0) ruleset = await s.iptablesSave();
    await settle(s.hostNs);
    return [built, await timed(() => c.down.run(s))];
  });
  return [{ ...up!, floor: ruleset ? await measureFloor(ruleset, ctx.reps) : undefined }, down!];
}
