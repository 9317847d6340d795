// The planner's in-place edits of owned chains (-D by number from the bottom up,
// -I at a number, -A) mean on the kernel's iptables-restore what they mean on
// the fake: random kernel/desired pairs, applied for real in a namespace.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DesiredRules } from '../../../src/render/ir.js';
import { planRestore } from '../../../src/render/iptables/plan.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { NetnsSet } from '../../helpers/netns.js';

const nets = new NetnsSet();
let ns = '';
before(async () => {
  ns = await nets.add('plan');
});
after(() => nets.cleanup());

const rule = (i: number): string => `-d 172.17.0.${i}/32 -p tcp -m tcp --dport ${8000 + i} -j ACCEPT`;
const owns = (rules: readonly string[]): DesiredRules => ({
  tables: [{ name: 'filter', chains: [{ name: 'DOCKER', rules }], builtinRules: [], seedChains: [] }],
});

async function ipt(argv: string[], input?: string): Promise<string> {
  const r = await nets.exec(ns, argv, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}\n${input ?? ''}`);
  return r.stdout;
}

test('in-place edits of an owned chain reach the desired rules on the kernel', async () => {
  let seed = 11;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = (): string[] => Array.from({ length: Math.floor(rnd() * 10) }, () => rule(1 + Math.floor(rnd() * 5)));
  for (let n = 0; n < 40; n++) {
    const initial = pick();
    const desired = pick();
    await ipt(['iptables-restore'], ['*filter', ':DOCKER - [0:0]', ...initial.map((r) => `-A DOCKER ${r}`), 'COMMIT', ''].join('\n'));
    const plan = planRestore(parseSave(await ipt(['iptables-save'])), owns(desired), owns(initial));
    if (plan !== '') await ipt(['iptables-restore', '--noflush'], plan);
    const got = (await ipt(['iptables-save', '-t', 'filter'])).split('\n').filter((l) => l.startsWith('-A DOCKER ')).map((l) => l.slice('-A DOCKER '.length));
    assert.deepEqual(got, desired, `from ${JSON.stringify(initial)}\nplan:\n${plan}`);
  }
});
