// The BatchError a batch that should fail fails with (the test fails otherwise).
import assert from 'node:assert/strict';
import { BatchError } from '../../src/host/ip-batch.js';

export async function batchError(p: Promise<unknown>): Promise<BatchError> {
  const e = await p.then(
    () => assert.fail('expected the batch to fail'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof BatchError, String(e));
  return e;
}
