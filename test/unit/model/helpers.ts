// Shared assertion for BerthError kind + exact message.
import assert from 'node:assert/strict';

import { BerthError, type ErrorKind } from '../../../src/model/errors.js';

export function expectError(fn: () => unknown, kind: ErrorKind, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected a ${kind} error: ${String(message)}`);
  assert.ok(caught instanceof BerthError, `expected a BerthError, got ${String(caught)}`);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  assert.equal(caught.kind, kind, `kind of "${caught.message}"`);
}
