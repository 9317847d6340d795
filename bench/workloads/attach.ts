// Attach N sandboxes one after another, one published port each, then tear them
// all down one after another; each sandbox's create + start and removal is also
// timed on its own.
import type { RunContext } from '../measure.js';
import type { TimingRow } from '../results.js';
import type { System } from '../systems/system.js';
import { upAndDown } from './up-down.js';

const FIRST_PORT = 20000;

export function attach(ctx: RunContext, systems: readonly System[], floorFrom: System | undefined, count: number): Promise<TimingRow[]> {
  const names = Array.from({ length: count }, (_, i) => `att${i}`);
  return upAndDown(ctx, systems, floorFrom, {
    up: {
      label: `attach ${count} sandboxes, 1 published port each, one after another`,
      op: 'attach',
      run: async (s, time) => {
        for (const [i, name] of names.entries()) await time(() => s.addSandbox(name, { first: FIRST_PORT + i, count: 1, form: 'separate' }));
      },
    },
    down: {
      label: `tear down: remove the ${count} sandboxes, one after another`,
      op: 'detach',
      run: async (s, time) => {
        for (const name of names) await time(() => s.removeSandbox(name));
      },
    },
  });
}
