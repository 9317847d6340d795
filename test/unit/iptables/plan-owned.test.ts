// Owned chains are edited in place: a change that only adds rules never empties
// a chain (on nf_tables any removal waits for an RCU grace period), and the
// restore input follows what changed, not the chain's length.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeIptables } from '../../../src/backend/fake-iptables.js';
import type { DesiredRules } from '../../../src/render/ir.js';
import { planOwnedChain } from '../../../src/render/iptables/plan-owned.js';
import { planRestore } from '../../../src/render/iptables/plan.js';

const rule = (i: number): string => `-d 172.17.0.${i}/32 -p tcp -m tcp --dport ${8000 + i} -j ACCEPT`;
const rules = (...ids: number[]): string[] => ids.map(rule);

function ownsDocker(chainRules: readonly string[]): DesiredRules {
  return { tables: [{ name: 'filter', chains: [{ name: 'DOCKER', rules: chainRules }], builtinRules: [], seedChains: [] }] };
}

/** A fake kernel holding DOCKER with `initial`; applies the plan to `desired` and returns plan and result. */
function applyTo(initial: readonly string[], desired: readonly string[]): { plan: string; after: readonly string[] } {
  const f = new FakeIptables();
  f.restore(['*filter', ':DOCKER - [0:0]', ...initial.map((r) => `-A DOCKER ${r}`), 'COMMIT', ''].join('\n'), { noflush: true });
  const plan = planRestore(f.save(), ownsDocker(desired), ownsDocker(initial));
  f.restore(plan, { noflush: true });
  const chain = f.save().tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'DOCKER');
  return { plan, after: chain?.rules ?? [] };
}

describe('planOwnedChain', () => {
  it('only appends when rules are added at the end: no declaration, so no flush', () => {
    const { plan, after } = applyTo(rules(1, 2, 3), rules(1, 2, 3, 4));
    assert.equal(plan, `*filter\n-A DOCKER ${rule(4)}\nCOMMIT\n`);
    assert.deepEqual(after, rules(1, 2, 3, 4));
  });

  it('inserts at the rule number a rule takes in the middle', () => {
    const { plan, after } = applyTo(rules(1, 2, 4), rules(1, 2, 3, 4));
    assert.equal(plan, `*filter\n-I DOCKER 3 ${rule(3)}\nCOMMIT\n`);
    assert.deepEqual(after, rules(1, 2, 3, 4));
  });

  it('deletes one rule by its number', () => {
    const { plan, after } = applyTo(rules(1, 2, 3, 4), rules(1, 3, 4));
    assert.equal(plan, '*filter\n-D DOCKER 2\nCOMMIT\n');
    assert.deepEqual(after, rules(1, 3, 4));
  });

  it('deletes from the bottom up, so earlier numbers stay valid', () => {
    assert.deepEqual(planOwnedChain('DOCKER', rules(1, 2, 3, 4, 5, 6), rules(1, 3, 5, 6)), ['-D DOCKER 4', '-D DOCKER 2']);
  });

  it('tells duplicate rules apart by position', () => {
    const a = '-i docker0 -j RETURN';
    const b = '-j DROP';
    const { after } = applyTo([a, b, a, b, b], [a, b, b]);
    assert.deepEqual(after, [a, b, b]);
  });

  it('empties and refills a chain when most of it goes, and creates a missing chain', () => {
    assert.equal(planOwnedChain('DOCKER', rules(1, 2, 3, 4, 5), rules(5, 6)), null);
    assert.equal(planOwnedChain('DOCKER', rules(1, 2), rules(3)), null);
    const { plan, after } = applyTo(rules(1, 2, 3, 4, 5), rules(5, 6));
    assert.match(plan, /^:DOCKER - \[0:0\]$/m);
    assert.deepEqual(after, rules(5, 6));
  });

  it('costs lines in proportion to the change, not to the chain: one port among 1,000', () => {
    const many = Array.from({ length: 1000 }, (_, i) => i + 1);
    const plan = planOwnedChain('DOCKER', rules(...many), rules(...many.filter((i) => i !== 500)));
    assert.deepEqual(plan, ['-D DOCKER 500']);
  });

  it('reaches any desired list from any kernel list (random cases against the fake)', () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = (): string[] => Array.from({ length: Math.floor(rnd() * 12) }, () => rule(1 + Math.floor(rnd() * 6)));
    for (let n = 0; n < 500; n++) {
      const initial = pick();
      const desired = pick();
      assert.deepEqual(applyTo(initial, desired).after, desired, `from ${JSON.stringify(initial)} to ${JSON.stringify(desired)}`);
    }
  });
});
