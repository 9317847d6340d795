// Random shared-chain states: foreign rules, stale and duplicated berth rules
// in any order, against random desired lists. After one plan the chain must
// hold exactly the desired rules in order, the foreign rules in their old
// order, and a second plan must be empty.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeIptables } from '../../../src/backend/fake-iptables.js';
import type { DesiredRules } from '../../../src/render/ir.js';
import { planRestore, planRestoreWithResult } from '../../../src/render/iptables/plan.js';
import { rulesetView } from './fixtures.js';

/** mulberry32: a small seeded generator, so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function subset<T>(items: readonly T[], rnd: () => number, p: number): T[] {
  return items.filter(() => rnd() < p);
}

const BERTH = Array.from({ length: 10 }, (_, i) => `-o br${i} -j ACCEPT`);
const FOREIGN = Array.from({ length: 8 }, (_, i) => `-s 10.9.${i}.0/24 -j DROP`);
const JUMP = '-j BERTH-X';

function desiredOf(forward: readonly string[], ownsX: boolean): DesiredRules {
  return {
    tables: [
      {
        name: 'filter',
        chains: ownsX ? [{ name: 'BERTH-X', rules: ['-j RETURN'] }] : [],
        builtinRules: [{ chain: 'FORWARD', rules: forward }],
        seedChains: [],
      },
    ],
  };
}

function forwardOf(f: FakeIptables): readonly string[] {
  return f.save().tables[0]?.chains.find((c) => c.name === 'FORWARD')?.rules ?? [];
}

describe('planRestore on random shared chains', () => {
  it('converges in one plan and keeps foreign rules in order (500 cases)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rnd = random(seed);
      const prevOwnsX = rnd() < 0.4;
      const wantOwnsX = rnd() < 0.4;
      const previousRules = shuffled([...subset(BERTH, rnd, 0.5), ...(prevOwnsX ? [JUMP] : [])], rnd);
      const previous = rnd() < 0.2 ? null : desiredOf(previousRules, prevOwnsX);
      const desiredRules = shuffled([...subset(BERTH, rnd, 0.5), ...(wantOwnsX ? [JUMP] : [])], rnd);
      const desired = desiredOf(desiredRules, wantOwnsX);

      // Kernel: foreign rules, some of berth's old rules (some twice), some desired ones already there.
      const foreign = subset(FOREIGN, rnd, 0.5);
      const berthThere = [...subset(previousRules, rnd, 0.8), ...subset(previousRules, rnd, 0.2), ...subset(desiredRules, rnd, 0.3)].filter(
        (r) => r !== JUMP || prevOwnsX,
      );
      const kernel = shuffled([...foreign, ...berthThere], rnd);
      const f = new FakeIptables({
        tables: [
          {
            name: 'filter',
            chains: [
              { name: 'INPUT', policy: 'ACCEPT', rules: [] },
              { name: 'FORWARD', policy: 'ACCEPT', rules: kernel },
              { name: 'OUTPUT', policy: 'ACCEPT', rules: [] },
              ...(prevOwnsX ? [{ name: 'BERTH-X', policy: null, rules: ['-j RETURN'] }] : []),
            ],
          },
        ],
      });
      const owned = new Set([...desiredRules, ...(previous ? previousRules : [])]);
      const context = `seed ${seed}: kernel ${JSON.stringify(kernel)} desired ${JSON.stringify(desiredRules)}`;

      const planned = planRestoreWithResult(f.save(), desired, previous);
      f.restore(planned.text, { noflush: true });
      assert.deepEqual(rulesetView(planned.after), rulesetView(f.save()), `${context}: the plan's own account of the result`);
      const after = forwardOf(f);
      assert.deepEqual(
        after.filter((r) => owned.has(r)),
        desiredRules,
        context,
      );
      assert.deepEqual(
        after.filter((r) => !owned.has(r)),
        kernel.filter((r) => !owned.has(r)),
        context,
      );
      if (previous && prevOwnsX && !wantOwnsX) {
        assert.equal(f.save().tables[0]?.chains.some((c) => c.name === 'BERTH-X'), false, context);
      }
      assert.equal(planRestore(f.save(), desired, desired), '', context);
      assert.equal(planRestore(f.save(), desired, null), '', context);
    }
  });
});
