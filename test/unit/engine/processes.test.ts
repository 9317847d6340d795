// A sandbox process is alive while /proc shows it and it is no zombie: one that
// ended while berthd was down may wait long to be reaped by whoever adopted it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTimeOf } from '../../../src/engine/processes.js';

const stat = (state: string): string => `4242 (sh -c x) ${state} 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n`;

test('startTimeOf: the start time of a live process; null for a zombie, a dead or a missing one', (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'berth-proc-'));
  t.after(() => rmSync(proc, { recursive: true, force: true }));
  const write = (pid: number, state: string): void => {
    mkdirSync(join(proc, String(pid)));
    writeFileSync(join(proc, String(pid), 'stat'), stat(state));
  };
  write(1, 'S');
  write(2, 'Z');
  write(3, 'X');
  assert.deepEqual([1, 2, 3, 4].map((pid) => startTimeOf(pid, proc)), ['987654', null, null, null]);
  assert.match(startTimeOf(process.pid) ?? '', /^\d+$/, 'this very process');
});
