// The engine's lock: changes one at a time, in order; whenIdle waits for all of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lock } from '../../../src/engine/lock.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Lock', () => {
  it('runs changes one at a time, in the order asked, a failure not stopping the next', async () => {
    const lock = new Lock();
    const seen: string[] = [];
    const change = (name: string, fail = false) => async (): Promise<string> => {
      seen.push(`${name} in`);
      await tick();
      seen.push(`${name} out`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run(change('a')), lock.run(change('b', true)), lock.run(change('c'))]);
    assert.deepEqual(seen, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  });

  it('whenIdle runs once no change runs or waits, after the last caller had its answer', async () => {
    const lock = new Lock();
    const seen: string[] = [];
    let release = (): void => undefined;
    const first = lock.run(() => new Promise<void>((r) => (release = r))).then(() => seen.push('first answered'));
    const second = lock.run(async () => void seen.push('second ran')).then(() => seen.push('second answered'));
    lock.whenIdle(() => seen.push('idle'));
    await tick();
    assert.equal(seen.length, 0, 'waits while a change runs');
    release();
    await Promise.all([first, second]);
    await tick();
    assert.deepEqual(seen, ['first answered', 'second ran', 'second answered', 'idle']);

    lock.whenIdle(() => seen.push('idle again'));
    await tick();
    assert.equal(seen.at(-1), 'idle again', 'with nothing running, soon');
  });
});
