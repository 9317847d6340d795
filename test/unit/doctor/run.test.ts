// One doctor run over fake ports: reading only without --fix; with it, every fix
// in order, failures reported and passed over, a second reading for what is left;
// orphans re-checked after a grace period; expectations read around the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConsistent, runDoctor, type DoctorPorts, type Reading } from '../../../src/doctor/run.js';
import type { Expectations, FixAction, HostSnapshot } from '../../../src/doctor/types.js';
import { expectations, snapshot } from './fixtures.js';

/** Ports over a mutable snapshot; `apply` runs `effect` for each action and records it. */
function fakePorts(state: { s: HostSnapshot; e: Expectations }, effect: (a: FixAction) => void = () => undefined) {
  const applied: FixAction[] = [];
  let reads = 0;
  const ports: DoctorPorts = {
    read: async (): Promise<Reading> => {
      reads++;
      return { snapshot: state.s, expected: state.e };
    },
    apply: async (a) => {
      applied.push(a);
      effect(a);
    },
  };
  return { ports, applied, reads: () => reads };
}

const broken = () => snapshot({ ipForward: '0', links: [...snapshot().links, { name: 'vethdead', kind: 'veth', master: 'docker0' }] });

test('without --fix nothing is applied and the findings are reported', async () => {
  const f = fakePorts({ s: broken(), e: expectations() });
  const r = await runDoctor(f.ports, { fix: false });
  assert.equal(f.applied.length, 0);
  assert.equal(f.reads(), 1);
  assert.equal(r.healthy, false);
  assert.deepEqual(r.findings.map((x) => x.id), ['ip-forward', 'orphan-veth']);
  assert.deepEqual([r.fixed, r.applied, r.failures], [[], [], []]);
  assert.equal(r.manager, 'berthd');
  assert.deepEqual(r.checks, ['ip-forward', 'bridge-nf-call-iptables', 'iptables-split', 'rules', 'forward-policy', 'subnet-overlap', 'orphans', 'leases']);
});

test('with --fix every fix is applied in order, then the host is read again', async () => {
  const state = { s: broken(), e: expectations() };
  const f = fakePorts(state, (a) => {
    if (a.kind === 'sysctl') state.s = { ...state.s, ipForward: '1' };
    if (a.kind === 'delete-link') state.s = { ...state.s, links: state.s.links.filter((l) => l.name !== a.name) };
  });
  const r = await runDoctor(f.ports, { fix: true });
  assert.deepEqual(f.applied.map((a) => a.kind), ['sysctl', 'delete-link']);
  assert.equal(r.healthy, true);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.fixed.map((x) => x.id), ['ip-forward', 'orphan-veth']);
  assert.deepEqual(r.applied, ['set net.ipv4.ip_forward = 1', 'deleted vethdead']);
});

test('a failed fix is reported and the others still run; the run is not healthy', async () => {
  const state = { s: broken(), e: expectations() };
  const f = fakePorts(state, (a) => {
    if (a.kind === 'sysctl') throw new Error('read-only file system');
    if (a.kind === 'delete-link') state.s = { ...state.s, links: state.s.links.filter((l) => l.name !== a.name) };
  });
  const r = await runDoctor(f.ports, { fix: true });
  assert.deepEqual(r.failures, ['set net.ipv4.ip_forward = 1: read-only file system']);
  assert.deepEqual(r.applied, ['deleted vethdead']);
  assert.deepEqual(r.findings.map((x) => x.id), ['ip-forward']);
  assert.equal(r.healthy, false);
});

test('an orphan that the manager claims during the grace period is left alone', async () => {
  const state = { s: broken(), e: expectations() };
  const f = fakePorts(state);
  const reads: number[] = [];
  const ports: DoctorPorts = {
    ...f.ports,
    read: async () => {
      reads.push(Date.now());
      const r = await f.ports.read();
      // Second reading: the sandbox being wired is now recorded.
      if (reads.length === 1) state.e = { ...state.e, veths: ['veth1111111', 'vethdead'] };
      return r;
    },
  };
  const r = await runDoctor(ports, { fix: true, orphanGraceMs: 30 });
  assert.deepEqual(f.applied.map((a) => a.kind), ['sysctl'], 'the veth is not deleted');
  assert.ok((reads[1] ?? 0) - (reads[0] ?? 0) >= 25, 'the second reading waited');
  assert.deepEqual(r.applied, ['set net.ipv4.ip_forward = 1']);
});

test('expectations are read around the host, again while they change', async () => {
  let calls = 0;
  let observed = 0;
  const reading = await readConsistent(
    async () => {
      observed++;
      return snapshot();
    },
    // A network appears between the first and the second reading, then stays.
    async () => expectations({ manager: calls++ === 0 ? 'before' : 'after' }),
  );
  assert.equal(reading.state.manager, 'after');
  assert.equal(observed, 2, 'the host was read again');
});
