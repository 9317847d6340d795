// The report as printed: each finding with its fix, what --fix did, a closing line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, renderReport } from '../../../src/doctor/format.js';
import type { DoctorReport } from '../../../src/doctor/run.js';
import type { Finding } from '../../../src/doctor/types.js';

const base: DoctorReport = { healthy: true, manager: 'dockerd', checks: ['ip-forward', 'rules'], findings: [], fixed: [], applied: [], failures: [] };
const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'rules',
  subject: 'filter DOCKER',
  severity: 'error',
  summary: 'filter chain DOCKER is missing.',
  fix: 'Restore it.',
  fixable: true,
  detail: ['+:DOCKER -'],
  ...over,
});
const FIX = 'berth doctor --fix';

test('healthy', () => {
  assert.equal(formatReport(base, FIX), "Healthy: dockerd's networking checks out (ip-forward, rules).\n");
});

test('findings with their fixes, details, and what --fix would do', () => {
  const r = { ...base, healthy: false, findings: [finding(), finding({ severity: 'warning', summary: 'Overlap.', fix: 'Renumber.', fixable: false, detail: [] })] };
  assert.equal(
    formatReport(r, FIX),
    [
      'ERROR   filter chain DOCKER is missing.',
      '        fix: Restore it.',
      '          +:DOCKER -',
      'WARNING Overlap.',
      '        fix: Renumber. (not applied by --fix)',
      '2 problems found; berth doctor --fix fixes 1 of them.',
      '',
    ].join('\n'),
  );
  assert.match(formatReport({ ...r, findings: [finding()] }, FIX), /1 problem found; berth doctor --fix fixes it\.\n$/);
  assert.match(formatReport({ ...r, findings: [finding({ fixable: false })] }, FIX), /\n1 problem found\.\n$/);
});

test('after --fix: what was done, what failed, what is left', () => {
  const healed = { ...base, fixed: [finding()], applied: ['restored the rules'] };
  assert.equal(formatReport(healed, FIX), "FIXED   restored the rules\nHealthy: 1 problem fixed; dockerd's networking checks out.\n");
  const partly = { ...base, healthy: false, findings: [finding({ fixable: false, detail: [] })], applied: ['restored the rules'], failures: ['set x: denied'] };
  assert.equal(
    formatReport(partly, FIX),
    'FIXED   restored the rules\nFAILED  set x: denied\nERROR   filter chain DOCKER is missing.\n        fix: Restore it. (not applied by --fix)\n1 problem left.\n',
  );
});

test('--json prints the report itself', () => {
  assert.deepEqual(JSON.parse(renderReport(base, true, FIX)), base);
});
