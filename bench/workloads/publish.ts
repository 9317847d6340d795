// Publish N ports on one sandbox: the time to start it with its ports published,
// and the time to remove it again.
import { describePorts, type PortSet } from '../ports.js';
import type { RunContext } from '../measure.js';
import type { TimingRow } from '../results.js';
import type { System } from '../systems/system.js';
import { upAndDown } from './up-down.js';

export function publish(ctx: RunContext, systems: readonly System[], floorFrom: System | undefined, ports: PortSet): Promise<TimingRow[]> {
  const what = `publish ${describePorts(ports)} on one sandbox`;
  return upAndDown(ctx, systems, floorFrom, {
    publishedPorts: ports.count,
    up: { label: `${what}: start`, run: (s) => s.addSandbox('pub', ports) },
    down: { label: `${what}: remove`, run: (s) => s.removeSandbox('pub') },
  });
}
