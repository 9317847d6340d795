import assert from 'node:assert/strict';
import { it } from 'node:test';
import { measureSteps } from '../../../bench/measure.js';
import type { System } from '../../../bench/systems/system.js';

it('systems take turns in each repetition, and what comes after them takes its turn after each', async () => {
  const turns: string[] = [];
  const systems = ['berth', 'dockerd'].map((name) => ({ name }) as unknown as System);
  const rows = await measureSteps(
    { reps: 3, log: () => undefined },
    systems,
    ['up', 'down'],
    async (s, rep) => {
      turns.push(`${s.name}${rep}`);
      return [rep, 10 + rep];
    },
    async () => {
      turns.push('floor');
    },
  );
  assert.deepEqual(turns, ['berth0', 'dockerd0', 'floor', 'berth1', 'dockerd1', 'floor', 'berth2', 'dockerd2', 'floor']);
  assert.deepEqual(rows, [
    { label: 'up', ms: { berth: [0, 1, 2], dockerd: [0, 1, 2] } },
    { label: 'down', ms: { berth: [10, 11, 12], dockerd: [10, 11, 12] } },
  ]);
});
