// The shape every timing workload shares: build something up, then take it down,
// each timed on an idle system. A step that repeats one operation also times
// each operation on its own. The floor is measured on the ruleset that the
// iptables Docker-layout system (`floorFrom`: berth, else dockerd) had once
// built up, in its turn after the systems' in each repetition; the down step
// is held to the same floor.
import { settle } from '../procs.js';
import { measureSteps, opTimer, timed, type OpTimer, type RunContext } from '../measure.js';
import type { OpKind, TimingRow } from '../results.js';
import type { System, SystemName } from '../systems/system.js';
import { FloorSamples } from './floor.js';

export interface Step {
  readonly label: string;
  /** The operation the step repeats, when each one is to be timed on its own (through `time`). */
  readonly op?: OpKind;
  run(s: System, time: OpTimer): Promise<void>;
}

export interface UpDown {
  readonly up: Step;
  readonly down: Step;
  /** Ports the sandbox publishes, for publish cases. */
  readonly publishedPorts?: number;
}

type OpSamples = Partial<Record<SystemName, number[]>>;

export async function upAndDown(ctx: RunContext, systems: readonly System[], floorFrom: System | undefined, c: UpDown): Promise<[TimingRow, TimingRow]> {
  let floors: FloorSamples | null = null;
  const upOps: OpSamples = {};
  const downOps: OpSamples = {};
  const [up, down] = await measureSteps(
    ctx,
    systems,
    [c.up.label, c.down.label],
    async (s, rep) => {
      await settle(s.hostNs);
      const built = await timed(() => c.up.run(s, opTimer((upOps[s.name] ??= []))));
      if (s === floorFrom && rep === 0) floors = new FloorSamples(await s.iptablesSave(), c.up.label);
      await settle(s.hostNs);
      return [built, await timed(() => c.down.run(s, opTimer((downOps[s.name] ??= []))))];
    },
    async () => {
      await floors?.sample();
    },
  );
  // Set in a callback, which narrowing does not follow.
  const floor = (floors as FloorSamples | null)?.result();
  const row = (r: TimingRow, step: Step, ops: OpSamples): TimingRow => ({
    ...r,
    ...(floor && { floor }),
    ...(c.publishedPorts !== undefined && { publishedPorts: c.publishedPorts }),
    ...(step.op && { ops: { kind: step.op, ms: ops } }),
  });
  return [row(up!, c.up, upOps), row(down!, c.down, downOps)];
}
