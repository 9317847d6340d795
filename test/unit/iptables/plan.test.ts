import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDesiredToEmpty, FakeIptables, RestoreError } from '../../../src/backend/fake-iptables.js';
import type { DesiredRules, DesiredTable } from '../../../src/render/ir.js';
import { planRestore } from '../../../src/render/iptables/plan.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { DESIRED_DOCKER0, DESIRED_TWO_BRIDGES, DOCKER_1809_CANONICAL, FOREIGN_HOST } from './fixtures.js';

const NONE: DesiredRules = { tables: [] };

function host(text: string): FakeIptables {
  return new FakeIptables(parseSave(text));
}

function text(f: FakeIptables): string {
  return printSave(f.save());
}

/** Plans against the fake, applies the plan with --noflush and returns it. */
function apply(f: FakeIptables, desired: DesiredRules, previous: DesiredRules | null): string {
  const plan = planRestore(f.save(), desired, previous);
  f.restore(plan, { noflush: true });
  return plan;
}

/** Runs iptables commands as a user would, one restore call. */
function user(f: FakeIptables, table: string, ...commands: string[]): void {
  f.restore([`*${table}`, ...commands, 'COMMIT', ''].join('\n'), { noflush: true });
}

/** Replaces one table of a desired set. */
function withTable(desired: DesiredRules, table: DesiredTable): DesiredRules {
  return { tables: desired.tables.map((t) => (t.name === table.name ? table : t)) };
}

const filterOf = (d: DesiredRules): DesiredTable => d.tables.find((t) => t.name === 'filter') as DesiredTable;

/** DESIRED_DOCKER0 with no DOCKER-USER seed and no jump to it. */
const DOCKER0_NO_SEED = withTable(DESIRED_DOCKER0, {
  ...filterOf(DESIRED_DOCKER0),
  seedChains: [],
  builtinRules: [{ chain: 'FORWARD', rules: filterOf(DESIRED_DOCKER0).builtinRules[0]?.rules.slice(1) ?? [] }],
});

describe('planRestore', () => {
  it('on a fresh host writes dockerd 18.09 layout', () => {
    const plan = planRestore(new FakeIptables().save(), DESIRED_DOCKER0, null);
    assert.equal(
      plan,
      `*filter
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-I FORWARD 1 -j DOCKER-USER
-I FORWARD 2 -j DOCKER-ISOLATION-STAGE-1
-I FORWARD 3 -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-I FORWARD 4 -o docker0 -j DOCKER
-I FORWARD 5 -i docker0 ! -o docker0 -j ACCEPT
-I FORWARD 6 -i docker0 -o docker0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
COMMIT
*nat
:DOCKER - [0:0]
-I PREROUTING 1 -m addrtype --dst-type LOCAL -j DOCKER
-I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-I POSTROUTING 1 -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
COMMIT
`,
    );
    assert.equal(printSave(applyDesiredToEmpty(DESIRED_DOCKER0)), DOCKER_1809_CANONICAL);
  });

  it('plans nothing when the kernel is already right, with or without a previous set', () => {
    const f = host(DOCKER_1809_CANONICAL);
    assert.equal(planRestore(f.save(), DESIRED_DOCKER0, DESIRED_DOCKER0), '');
    assert.equal(planRestore(f.save(), DESIRED_DOCKER0, null), '');
    assert.equal(planRestore(f.save(), NONE, null), '');
  });

  it('plans nothing on re-apply when desired rules are written with other spacing or needless quotes', () => {
    const desired = withTable(DESIRED_DOCKER0, {
      ...filterOf(DESIRED_DOCKER0),
      chains: [{ name: 'DOCKER', rules: ['-m comment  --comment "berth"  -j RETURN'] }, ...filterOf(DESIRED_DOCKER0).chains.slice(1)],
    });
    const f = new FakeIptables();
    apply(f, desired, null);
    assert.equal(planRestore(f.save(), desired, desired), '');
  });

  it('keeps foreign rules before, between and after berth rules in place', () => {
    const f = host(DOCKER_1809_CANONICAL);
    user(f, 'filter', '-I FORWARD -s 10.1.0.0/16 -j DROP', '-I FORWARD 5 -i eth0 -j ACCEPT', '-A FORWARD -j LOG');
    assert.equal(apply(f, DESIRED_DOCKER0, DESIRED_DOCKER0), '');
    apply(f, DESIRED_TWO_BRIDGES, DESIRED_DOCKER0);
    assert.deepEqual(f.save().tables[0]?.chains[1]?.rules, [
      '-s 10.1.0.0/16 -j DROP',
      '-j DOCKER-USER',
      '-j DOCKER-ISOLATION-STAGE-1',
      '-o br-one -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-o br-one -j DOCKER',
      '-i br-one ! -o br-one -j ACCEPT',
      '-i br-one -o br-one -j ACCEPT',
      '-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-i eth0 -j ACCEPT',
      '-o docker0 -j DOCKER',
      '-i docker0 ! -o docker0 -j ACCEPT',
      '-i docker0 -o docker0 -j ACCEPT',
      '-j LOG',
    ]);
    assert.equal(planRestore(f.save(), DESIRED_TWO_BRIDGES, DESIRED_TWO_BRIDGES), '');
  });

  it('inserts a rule added in the middle of the desired list right after its predecessor', () => {
    const f = host(DOCKER_1809_CANONICAL);
    const rules = filterOf(DESIRED_DOCKER0).builtinRules[0]?.rules ?? [];
    const desired = withTable(DESIRED_DOCKER0, {
      ...filterOf(DESIRED_DOCKER0),
      builtinRules: [{ chain: 'FORWARD', rules: [...rules.slice(0, 3), '-o docker0 -j LOG', ...rules.slice(3)] }],
    });
    assert.equal(apply(f, desired, DESIRED_DOCKER0), '*filter\n-I FORWARD 4 -o docker0 -j LOG\nCOMMIT\n');
  });

  it('removes rules and chain contents no longer desired, leaving the rest as it was', () => {
    const f = host(FOREIGN_HOST);
    apply(f, DESIRED_TWO_BRIDGES, null);
    const plan = apply(f, DESIRED_DOCKER0, DESIRED_TWO_BRIDGES);
    assert.match(plan, /^-D FORWARD -o br-one -j DOCKER$/m);
    assert.match(plan, /^-D POSTROUTING -s 172.18.0.2\/32 -d 172.18.0.2\/32 -p tcp -m tcp --dport 80 -j MASQUERADE$/m);
    assert.doesNotMatch(plan, /^-I /m);
    const expected = host(FOREIGN_HOST);
    apply(expected, DESIRED_DOCKER0, null);
    assert.equal(text(f), text(expected));
  });

  it('repairs an owned chain a user flushed', () => {
    const f = host(DOCKER_1809_CANONICAL);
    user(f, 'nat', '-F DOCKER');
    assert.equal(apply(f, DESIRED_DOCKER0, DESIRED_DOCKER0), '*nat\n:DOCKER - [0:0]\n-A DOCKER -i docker0 -j RETURN\nCOMMIT\n');
    assert.equal(text(f), DOCKER_1809_CANONICAL);
  });

  it('repairs owned chains a user deleted together with the jumps to them', () => {
    const f = host(DOCKER_1809_CANONICAL);
    user(f, 'filter', '-D FORWARD -o docker0 -j DOCKER', '-X DOCKER', '-F DOCKER-ISOLATION-STAGE-1', '-F DOCKER-ISOLATION-STAGE-2', '-X DOCKER-ISOLATION-STAGE-2');
    user(f, 'nat', '-F', '-X');
    apply(f, DESIRED_DOCKER0, DESIRED_DOCKER0);
    assert.equal(text(f), DOCKER_1809_CANONICAL);
  });

  it('leaves an existing DOCKER-USER alone, whatever a user put in it', () => {
    const f = host(DOCKER_1809_CANONICAL);
    user(f, 'filter', '-I DOCKER-USER -s 10.0.0.0/8 -m comment --comment "berth allow 10.0.0.0/8" -j ACCEPT', '-D DOCKER-USER -j RETURN');
    const before = f.save().tables[0]?.chains.find((c) => c.name === 'DOCKER-USER');
    assert.equal(apply(f, DESIRED_DOCKER0, DESIRED_DOCKER0), '');
    apply(f, DESIRED_TWO_BRIDGES, DESIRED_DOCKER0);
    assert.deepEqual(f.save().tables[0]?.chains.find((c) => c.name === 'DOCKER-USER'), before);
    assert.deepEqual(before?.rules, ['-s 10.0.0.0/8 -m comment --comment "berth allow 10.0.0.0/8" -j ACCEPT']);
  });

  it('puts back the jump to DOCKER-USER without touching the chain', () => {
    const f = host(DOCKER_1809_CANONICAL);
    user(f, 'filter', '-D FORWARD -j DOCKER-USER', '-A DOCKER-USER -j DROP');
    assert.equal(apply(f, DESIRED_DOCKER0, DESIRED_DOCKER0), '*filter\n-I FORWARD 1 -j DOCKER-USER\nCOMMIT\n');
  });

  it('removes copies of berth rules a user added', () => {
    const f = host(DOCKER_1809_CANONICAL);
    user(f, 'filter', '-I FORWARD -j DOCKER-USER', '-A FORWARD -o docker0 -j DOCKER', '-I FORWARD 4 -i docker0 -o docker0 -j ACCEPT');
    user(f, 'nat', '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
    apply(f, DESIRED_DOCKER0, DESIRED_DOCKER0);
    assert.equal(text(f), DOCKER_1809_CANONICAL);
  });

  it('fixes berth rules in the wrong order with one delete and one insert', () => {
    const f = host(DOCKER_1809_CANONICAL);
    user(f, 'filter', '-D FORWARD -j DOCKER-ISOLATION-STAGE-1', '-A FORWARD -j DOCKER-ISOLATION-STAGE-1', '-I FORWARD 2 -j LOG');
    assert.equal(
      apply(f, DESIRED_DOCKER0, DESIRED_DOCKER0),
      '*filter\n-D FORWARD -j DOCKER-ISOLATION-STAGE-1\n-I FORWARD 2 -j DOCKER-ISOLATION-STAGE-1\nCOMMIT\n',
    );
    assert.deepEqual(f.save().tables[0]?.chains[1]?.rules.slice(0, 3), ['-j DOCKER-USER', '-j DOCKER-ISOLATION-STAGE-1', '-j LOG']);
  });

  it('flushes and deletes owned chains berth no longer wants, after dropping the jumps to them', () => {
    const old = withTable(DESIRED_DOCKER0, {
      ...filterOf(DESIRED_DOCKER0),
      chains: [...filterOf(DESIRED_DOCKER0).chains, { name: 'BERTH-A', rules: ['-j BERTH-B'] }, { name: 'BERTH-B', rules: ['-j RETURN'] }],
      builtinRules: [{ chain: 'FORWARD', rules: ['-j BERTH-A', ...(filterOf(DESIRED_DOCKER0).builtinRules[0]?.rules ?? [])] }],
    });
    const f = host(FOREIGN_HOST);
    apply(f, old, null);
    assert.equal(
      apply(f, DESIRED_DOCKER0, old),
      '*filter\n-F BERTH-A\n-F BERTH-B\n-D FORWARD -j BERTH-A\n-X BERTH-A\n-X BERTH-B\nCOMMIT\n',
    );
    const expected = host(FOREIGN_HOST);
    apply(expected, DESIRED_DOCKER0, null);
    assert.equal(text(f), text(expected));
  });

  it('keeps, emptied, an owned chain berth no longer wants when a foreign rule still jumps to it', () => {
    const old = withTable(DESIRED_DOCKER0, {
      ...filterOf(DESIRED_DOCKER0),
      chains: [...filterOf(DESIRED_DOCKER0).chains, { name: 'BERTH-A', rules: ['-j RETURN'] }],
    });
    const f = host(FOREIGN_HOST);
    apply(f, old, null);
    user(f, 'filter', '-A INPUT -j BERTH-A');
    assert.equal(apply(f, DESIRED_DOCKER0, old), '*filter\n-F BERTH-A\nCOMMIT\n');
  });

  it('tears down to exactly the foreign rules', () => {
    const f = host(FOREIGN_HOST);
    apply(f, DOCKER0_NO_SEED, null);
    user(f, 'filter', '-A FORWARD -j LOG');
    apply(f, withoutSeed(DESIRED_TWO_BRIDGES), DOCKER0_NO_SEED);
    apply(f, NONE, withoutSeed(DESIRED_TWO_BRIDGES));
    assert.equal(text(f), FOREIGN_HOST.replace('-j ACCEPT\n-A LIBVIRT_FWO', '-j ACCEPT\n-A FORWARD -j LOG\n-A LIBVIRT_FWO'));
    assert.equal(planRestore(f.save(), NONE, null), '');
  });

  it('tears down but keeps DOCKER-USER, which belongs to the user once created', () => {
    const f = host(FOREIGN_HOST);
    apply(f, DESIRED_DOCKER0, null);
    apply(f, NONE, DESIRED_DOCKER0);
    assert.equal(
      text(f),
      FOREIGN_HOST.replace(':LIBVIRT_FWO', ':DOCKER-USER - [0:0]\n:LIBVIRT_FWO').replace(
        '-A LIBVIRT_FWO',
        '-A DOCKER-USER -j RETURN\n-A LIBVIRT_FWO',
      ),
    );
  });

  it('creates a table the kernel does not show yet', () => {
    const f = new FakeIptables({ tables: [] });
    apply(f, DESIRED_DOCKER0, null);
    assert.equal(text(f), DOCKER_1809_CANONICAL);
  });

  it('yields input the fake rejects when a desired jump targets an undeclared chain', () => {
    const broken = withTable(DESIRED_DOCKER0, {
      ...filterOf(DESIRED_DOCKER0),
      chains: filterOf(DESIRED_DOCKER0).chains.filter((c) => c.name !== 'DOCKER-ISOLATION-STAGE-2'),
    });
    assert.throws(
      () => applyDesiredToEmpty(broken),
      (err: unknown) =>
        err instanceof RestoreError &&
        err.text === '-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2' &&
        /Couldn't load target/.test(err.reason),
    );
  });

  it('rejects desired sets it cannot plan', () => {
    const current = new FakeIptables().save();
    const table = (t: Partial<DesiredTable>): DesiredRules => ({
      tables: [{ name: 'filter', chains: [], builtinRules: [], seedChains: [], ...t }],
    });
    assert.throws(() => planRestore(current, table({ builtinRules: [{ chain: 'FORWARD', rules: ['-j A', '-j  A'] }] }), null), /listed twice/);
    assert.throws(() => planRestore(current, table({ builtinRules: [{ chain: 'DOCKER', rules: [] }] }), null), /not a built-in chain/);
    assert.throws(() => planRestore(current, table({ chains: [{ name: 'FORWARD', rules: [] }] }), null), /built-in chain/);
    assert.throws(
      () => planRestore(current, table({ chains: [{ name: 'X', rules: [] }], seedChains: [{ name: 'X', rules: [] }] }), null),
      /listed twice/,
    );
  });
});

function withoutSeed(desired: DesiredRules): DesiredRules {
  const filter = filterOf(desired);
  return withTable(desired, {
    ...filter,
    seedChains: [],
    builtinRules: filter.builtinRules.map((b) => ({ chain: b.chain, rules: b.rules.filter((r) => r !== '-j DOCKER-USER') })),
  });
}
