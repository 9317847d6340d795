// Route overlaps, orphan veths and namespaces, stale and lost leases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLeases, checkOrphans, checkRouteOverlaps } from '../../../src/doctor/link-checks.js';
import { expectations, snapshot } from './fixtures.js';

test('a bridge subnet overlapping a route on another device is reported; its own route is not', () => {
  assert.equal(checkRouteOverlaps(snapshot(), expectations()).findings.length, 0);
  const s = snapshot({ routes: [...snapshot().routes, { dst: '172.18.5.0/24', dev: 'eth1' }, { dst: '10.0.0.0/8', dev: 'eth2' }] });
  const r = checkRouteOverlaps(s, expectations());
  assert.deepEqual(r.findings.map((f) => [f.id, f.subject, f.fixable]), [['subnet-overlap', 'appnet', false]]);
  assert.match(r.findings[0]?.summary ?? '', /^Network appnet \(br-appnet, 172\.18\.0\.0\/16\) overlaps the host route 172\.18\.5\.0\/24 on eth1/);
  assert.deepEqual(r.actions, []);
});

test('a veth on a managed bridge that no endpoint owns is an orphan; others are not the manager\'s', () => {
  const s = snapshot({
    links: [
      ...snapshot().links,
      { name: 'vethdead', kind: 'veth', master: 'docker0' },
      { name: 'vethelse', kind: 'veth', master: 'br-other' },
      { name: 'vethfree', kind: 'veth', master: undefined },
    ],
  });
  const r = checkOrphans(s, expectations());
  assert.deepEqual(r.findings.map((f) => [f.id, f.subject, f.severity, f.fixable]), [['orphan-veth', 'vethdead', 'warning', true]]);
  assert.deepEqual(r.actions, [{ kind: 'delete-link', what: 'deleted vethdead', name: 'vethdead' }]);
  assert.equal(checkOrphans(s, expectations({ veths: null })).findings.length, 0, 'a manager that cannot tell its veths');
});

test('a namespace with the sandbox prefix that no record names is reported, never deleted (it is not berth\'s)', () => {
  const s = snapshot({ namespaces: ['berth-web', 'berth-ghost', 'elsewhere'] });
  const r = checkOrphans(s, expectations());
  assert.deepEqual(r.findings.map((f) => [f.id, f.subject, f.fixable]), [['orphan-netns', 'berth-ghost', false]]);
  assert.deepEqual(r.actions, []);
  assert.equal(checkOrphans(s, expectations({ sandboxes: { prefix: '', known: [] } })).findings.length, 0, 'an empty prefix would match everything');
  assert.equal(checkOrphans(s, expectations({ sandboxes: null })).findings.length, 0);
});

test('leases: one held for a stopped sandbox, one whose veth is gone', () => {
  const e = expectations({
    leases: [
      { network: 'appnet', bridge: 'br-appnet', container: 'web', address: '172.18.0.2', hostIf: 'veth1111111', running: true },
      { network: 'appnet', bridge: 'br-appnet', container: 'old', address: '172.18.0.3', hostIf: 'veth2222222', running: false },
      { network: 'bridge', bridge: 'docker0', container: 'cut', address: '172.17.0.2', hostIf: 'veth3333333', running: true },
    ],
  });
  const r = checkLeases(snapshot(), e);
  assert.deepEqual(r.findings.map((f) => [f.id, f.subject, f.severity, f.fixable]), [
    ['stale-lease', 'appnet 172.18.0.3', 'warning', false],
    ['lost-endpoint', 'veth3333333', 'error', false],
  ]);
  assert.match(r.findings[1]?.summary ?? '', /^cut has lost bridge: its host-side veth veth3333333 is gone/);
  assert.equal(checkLeases(snapshot(), expectations({ leases: null })).findings.length, 0);
});
