// Chain traversal on hand-written rule sets: jumps and returns, goto, policies,
// marks, and how rules berth cannot evaluate affect the certainty of the verdict.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../../src/model/ipv4.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { firstPacket } from '../../../src/trace/packet.js';
import { compileRuleset } from '../../../src/trace/ruleset.js';
import { newLegState, type LegState } from '../../../src/trace/state.js';
import { walkTable, type HookEnv, type TableVerdict } from '../../../src/trace/walk.js';
import { runHook } from '../../../src/trace/hooks.js';
import type { Step } from '../../../src/trace/result.js';

const env: HookEnv = { hook: 'FORWARD', inIface: 'eth0', outIface: 'br-front', addrType: () => 'UNICAST', natAddress: () => null };

function walk(save: string, opts: { src?: string; table?: 'filter' | 'mangle' | 'raw' } = {}): { verdict: TableVerdict; st: LegState } {
  const rs = compileRuleset(parseSave(save));
  const st = newLegState(firstPacket('tcp', parseIpv4(opts.src ?? '10.200.0.2'), parseIpv4('172.18.0.2'), 40000, 80), 'ORIGINAL');
  const table = rs.get(opts.table ?? 'filter');
  assert.ok(table);
  return { verdict: walkTable(table, opts.table ?? 'filter', env, st), st };
}

/** The steps, short: `CHAIN#N matched ACTION`, `policy P`, `return CHAIN->CALLER`. */
function trail(steps: readonly Step[]): string[] {
  return steps.flatMap((s) => {
    if (s.kind === 'rule') return [`${s.chain}#${s.index} ${s.result}${s.action === null ? '' : ` ${s.action}`}`];
    if (s.kind === 'policy') return [`policy ${s.policy}`];
    if (s.kind === 'return') return [`return ${s.chain}->${s.to}`];
    return [];
  });
}

const filter = (chains: string, rules: string, forward = 'ACCEPT'): string =>
  `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ${forward} [0:0]\n:OUTPUT ACCEPT [0:0]\n${chains}${rules}COMMIT\n`;

describe('chain traversal', () => {
  it('jumps, RETURN and the end of a user chain go back to the caller', () => {
    const { verdict, st } = walk(
      filter(':A - [0:0]\n:B - [0:0]\n', '-A FORWARD -j A\n-A FORWARD -j B\n-A A -s 10.9.9.9/32 -j DROP\n-A A -j RETURN\n-A A -j DROP\n-A B -s 10.200.0.2/32 -j ACCEPT\n'),
    );
    assert.deepEqual(verdict, { kind: 'accept' });
    assert.deepEqual(trail(st.steps), ['FORWARD#1 matched jump A', 'A#1 not-matched', 'A#2 matched RETURN', 'FORWARD#2 matched jump B', 'B#1 matched ACCEPT']);
    const fell = walk(filter(':A - [0:0]\n', '-A FORWARD -j A\n-A FORWARD -j DROP\n-A A -s 10.9.9.9/32 -j ACCEPT\n'));
    assert.deepEqual(fell.verdict, { kind: 'drop' });
    assert.deepEqual(trail(fell.st.steps), ['FORWARD#1 matched jump A', 'A#1 not-matched', 'return A->FORWARD', 'FORWARD#2 matched DROP']);
  });

  it('goto does not come back: the end of the chain returns to the last jump, or to the policy', () => {
    const fromBase = walk(filter(':A - [0:0]\n', '-A FORWARD -g A\n-A FORWARD -j ACCEPT\n-A A -s 10.9.9.9/32 -j ACCEPT\n', 'DROP'));
    assert.deepEqual(fromBase.verdict, { kind: 'drop' });
    assert.deepEqual(trail(fromBase.st.steps), ['FORWARD#1 matched goto A', 'A#1 not-matched', 'policy DROP']);
    const nested = walk(filter(':A - [0:0]\n:B - [0:0]\n', '-A FORWARD -j A\n-A FORWARD -j DROP\n-A A -g B\n-A A -j ACCEPT\n-A B -j RETURN\n'));
    assert.deepEqual(nested.verdict, { kind: 'drop' });
    assert.deepEqual(trail(nested.st.steps), ['FORWARD#1 matched jump A', 'A#1 matched goto B', 'B#1 matched RETURN', 'FORWARD#2 matched DROP']);
  });

  it('RETURN in a built-in chain and the end of it apply the policy', () => {
    assert.deepEqual(walk(filter('', '-A FORWARD -j RETURN\n-A FORWARD -j ACCEPT\n', 'DROP')).verdict, { kind: 'drop' });
    assert.deepEqual(walk(filter('', '-A FORWARD -s 10.9.9.9/32 -j DROP\n', 'ACCEPT')).verdict, { kind: 'accept' });
  });

  it('REJECT carries its type; a rule without a target only counts', () => {
    const { verdict, st } = walk(filter('', '-A FORWARD -s 10.200.0.2/32\n-A FORWARD -p tcp -j REJECT --reject-with tcp-reset\n'));
    assert.deepEqual(verdict, { kind: 'reject', with: 'tcp-reset' });
    assert.deepEqual(trail(st.steps), ['FORWARD#1 matched count, go on', 'FORWARD#2 matched REJECT (tcp-reset)']);
  });

  it('MARK changes the mark the following rules see', () => {
    const save = '*mangle\n:PREROUTING ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j MARK --set-xmark 0x10/0xffffffff\n-A FORWARD -j MARK --set-xmark 0x1/0x1\n-A FORWARD -m mark --mark 0x11 -j DROP\nCOMMIT\n';
    const { verdict, st } = walk(save, { table: 'mangle' });
    assert.deepEqual(verdict, { kind: 'drop' });
    assert.equal(st.mark, 0x11);
  });

  it('an unknown match is assumed not to match and makes the verdict uncertain', () => {
    const { verdict, st } = walk(filter('', '-A FORWARD -m set --match-set blocked src -j DROP\n-A FORWARD -j ACCEPT\n'));
    assert.deepEqual(verdict, { kind: 'accept' });
    assert.equal(st.certain, false);
    const step = st.steps[0];
    assert.ok(step?.kind === 'rule');
    assert.equal(step.result, 'unknown');
    assert.equal(step.action, 'DROP');
    assert.deepEqual(step.reasons, ['-m set --match-set blocked src: match -m set is not evaluated by berth', 'assumed not to match']);
  });

  it('an unknown match in front of a target that changes nothing keeps the verdict certain', () => {
    const { st } = walk(filter('', '-A FORWARD -m limit --limit 3/min -j LOG --log-prefix "x: "\n-A FORWARD -j ACCEPT\n'));
    assert.equal(st.certain, true);
  });

  it('unknown targets go on, uncertain; NOTRACK marks the packet untracked', () => {
    const q = walk(filter('', '-A FORWARD -j NFQUEUE --queue-num 1\n-A FORWARD -j ACCEPT\n'));
    assert.deepEqual([q.verdict, q.st.certain], [{ kind: 'accept' }, false]);
    const raw = walk('*raw\n:PREROUTING ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j CT --notrack\nCOMMIT\n', { table: 'raw' });
    assert.equal(raw.st.ct, 'UNTRACKED');
  });
});

describe('hooks', () => {
  const save = `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j DNAT --to-destination 172.18.0.9:8000\nCOMMIT\n${filter('', '-A FORWARD -d 172.18.0.9/32 -j ACCEPT\n', 'DROP')}`;

  it('nat rules run once per connection; filter sees the rewritten packet', () => {
    const rs = compileRuleset(parseSave(save));
    const st = newLegState(firstPacket('tcp', parseIpv4('10.200.0.2'), parseIpv4('10.200.0.1'), 40000, 80), 'ORIGINAL');
    assert.deepEqual(runHook(rs, { ...env, hook: 'PREROUTING', outIface: null }, st), { kind: 'accept' });
    assert.deepEqual(st.nat.map((n) => `${n.target} ${n.from} -> ${n.to}`), ['DNAT 10.200.0.1:80 -> 172.18.0.9:8000']);
    assert.deepEqual(runHook(rs, env, st), { kind: 'accept' });
    const again = runHook(rs, { ...env, hook: 'PREROUTING', outIface: null }, st);
    assert.deepEqual(again, { kind: 'accept' });
    assert.equal(st.nat.length, 1, 'a second pass through PREROUTING (loopback) does not NAT again');
    assert.ok(st.steps.some((s) => s.kind === 'conntrack' && /already settled/.test(s.text)));
  });

  it('a reply skips the nat rules and gets the connection NAT undone', () => {
    const rs = compileRuleset(parseSave(save));
    const st = newLegState(firstPacket('tcp', parseIpv4('172.18.0.9'), parseIpv4('10.200.0.2'), 8000, 40000), 'REPLY', {
      dst: null,
      src: { address: parseIpv4('10.200.0.1'), port: 80 },
    });
    runHook(rs, { ...env, hook: 'PREROUTING', outIface: null }, st);
    assert.equal(st.nat.length, 0);
    runHook(rs, { ...env, hook: 'POSTROUTING', inIface: null, outIface: 'eth0' }, st);
    assert.deepEqual(st.nat.map((n) => `${n.target} ${n.field} ${n.from} -> ${n.to}`), ['conntrack source 172.18.0.9:8000 -> 10.200.0.1:80']);
  });
});
