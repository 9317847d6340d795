import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnCommits } from '../../../src/engine/own-commits.js';

describe('OwnCommits', () => {
  it('owns the pids it noted, for ten seconds', () => {
    let now = 1000;
    const own = new OwnCommits(() => now);
    own.note(42);
    assert.equal(own.owns(42), true);
    assert.equal(own.owns(43), false);
    now += 10_001;
    assert.equal(own.owns(42), false, 'a pid may be reused by then');
  });

  it('owns a kept pid for as long as it runs, and ten seconds after its release', () => {
    let now = 1000;
    const own = new OwnCommits(() => now);
    own.keep(7);
    now += 60_000;
    assert.equal(own.owns(7), true, 'a long-lived writer is not forgotten');
    own.release(7);
    assert.equal(own.owns(7), true, 'its last commits may still be reported');
    now += 10_001;
    assert.equal(own.owns(7), false);
    own.release(8);
    assert.equal(own.owns(8), false, 'releasing what was not kept records nothing');
  });
});
