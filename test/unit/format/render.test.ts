// Table-driven rendering tests: outputs, parse errors and execution errors
// (cases.ts). Errors must be TemplateError, a BerthError of kind 'invalid'.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemplateError, renderTemplate } from '../../../src/cli/format/index.js';
import { BerthError } from '../../../src/model/errors.js';
import { type Case, execErrors, groups, parseErrors } from './cases.js';

function label(c: Case): string {
  return JSON.stringify(c.t) + (c.berth ? ` [berth: ${c.berth}]` : '');
}

function check(c: Case, phase?: 'parse' | 'exec'): void {
  if (c.err === undefined) {
    assert.equal(renderTemplate(c.t, c.data), c.out, label(c));
    return;
  }
  assert.throws(
    () => renderTemplate(c.t, c.data),
    (e: unknown) => {
      assert.ok(e instanceof TemplateError, `${label(c)}: not a TemplateError: ${String(e)}`);
      assert.ok(e instanceof BerthError && e instanceof Error);
      assert.equal(e.kind, 'invalid');
      assert.equal(e.message, c.err, label(c));
      if (phase) assert.equal(e.phase, phase, label(c));
      return true;
    },
    label(c),
  );
}

for (const [name, cases] of Object.entries(groups)) {
  describe(name, () => {
    cases.forEach((c, i) => test(`${i}: ${label(c)}`, () => check(c)));
  });
}

describe('parse errors', () => {
  parseErrors.forEach((c, i) => test(`${i}: ${label(c)}`, () => check(c, 'parse')));
});

describe('execution errors', () => {
  execErrors.forEach((c, i) => test(`${i}: ${label(c)}`, () => check(c, 'exec')));
});
