// Replays the iptables-save snapshots recorded from dockerd (test/golden/dockerd):
// each snapshot parses and prints back unchanged, and planning from one snapshot
// to the next (treating every non-built-in chain except DOCKER-USER as owned, and
// every rule in a built-in chain as berth's) reproduces the next one exactly.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FakeIptables } from '../../../src/backend/fake-iptables.js';
import { isBuiltinChain, type DesiredRules, type Ruleset } from '../../../src/render/ir.js';
import { planRestore, planRestoreWithResult } from '../../../src/render/iptables/plan.js';
import { rulesetView } from './fixtures.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { printSave } from '../../../src/render/iptables/save-print.js';

const GOLDEN = new URL('../../../../test/golden/dockerd/', import.meta.url);

function snapshots(file: string): { step: string; text: string }[] {
  return readFileSync(new URL(file, GOLDEN), 'utf8')
    .split(/^### after: /m)
    .slice(1)
    .map((section) => {
      const newline = section.indexOf('\n');
      return { step: section.slice(0, newline), text: section.slice(newline + 1).trim() };
    });
}

/** The desired set that, owned by berth, amounts to `rs`. */
function desiredOf(rs: Ruleset): DesiredRules {
  return {
    tables: rs.tables.map((t) => ({
      name: t.name,
      chains: t.chains.filter((c) => !isBuiltinChain(t.name, c.name) && c.name !== 'DOCKER-USER'),
      builtinRules: t.chains.filter((c) => isBuiltinChain(t.name, c.name) && c.rules.length > 0).map((c) => ({ chain: c.name, rules: c.rules })),
      seedChains: t.chains.filter((c) => c.name === 'DOCKER-USER'),
    })),
  };
}

/** `rs` with no rules and no user chains: the host before dockerd started. */
function bare(rs: Ruleset): Ruleset {
  return {
    tables: rs.tables.map((t) => ({ name: t.name, chains: t.chains.filter((c) => isBuiltinChain(t.name, c.name)).map((c) => ({ ...c, rules: [] })) })),
  };
}

/** printSave of the golden text, which has no counters on chain declarations. */
function canonical(text: string): string {
  return text === '' ? '' : `${text.replace(/^(:\S+ \S+)$/gm, '$1 [0:0]')}\n`;
}

const files = readdirSync(GOLDEN).filter((f) => f.endsWith('.txt'));

describe('dockerd golden snapshots', () => {
  it('are there', () => assert.ok(files.length > 0));

  for (const file of files) {
    it(`${file}: round-trips and replays step by step`, () => {
      const steps = snapshots(file);
      const first = steps[0];
      assert.ok(first, 'no snapshot');
      for (const { step, text } of steps) assert.equal(printSave(parseSave(text)), canonical(text), `${file} ${step}`);

      const fake = new FakeIptables(bare(parseSave(first.text)));
      let previous: DesiredRules | null = null;
      for (const { step, text } of steps) {
        const desired = desiredOf(parseSave(text));
        const planned = planRestoreWithResult(fake.save(), desired, previous);
        fake.restore(planned.text, { noflush: true });
        assert.equal(printSave(fake.save()), canonical(text), `${file} after ${step}`);
        assert.deepEqual(rulesetView(planned.after), rulesetView(fake.save()), `${file}: the plan's own account after ${step}`);
        assert.equal(planRestore(fake.save(), desired, desired), '', `${file} re-plan after ${step}`);
        previous = desired;
      }
    });
  }
});
