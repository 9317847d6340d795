import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { afterBurst } from '../../../src/engine/after-burst.js';

describe('afterBurst', () => {
  it('runs once the burst is quiet, with the last value; a steady stream waits at most maxWait', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const calls: string[] = [];
      const b = afterBurst((v: string) => calls.push(v), 100, 250);
      b.poke('a');
      mock.timers.tick(60);
      b.poke('b');
      mock.timers.tick(99);
      assert.deepEqual(calls, [], 'quiet time restarts at each event');
      mock.timers.tick(1);
      assert.deepEqual(calls, ['b']);
      for (let t = 0; t < 300; t += 50) {
        b.poke(`s${t}`);
        mock.timers.tick(50);
      }
      assert.deepEqual(calls, ['b', 's200'], 'a steady stream is cut at maxWait after its first event');
    } finally {
      mock.timers.reset();
    }
  });

  it('flush runs a waiting callback now (and nothing when none waits); cancel drops it', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      let runs = 0;
      const b = afterBurst(() => runs++, 100, 1000);
      b.flush();
      assert.equal(runs, 0);
      b.poke(undefined);
      b.flush();
      assert.equal(runs, 1);
      mock.timers.tick(200);
      assert.equal(runs, 1, 'the flushed wait does not run again');
      b.poke(undefined);
      b.cancel();
      mock.timers.tick(200);
      assert.equal(runs, 1);
    } finally {
      mock.timers.reset();
    }
  });
});
