// exec's answeredBy: a program's result taken from what it says, before it exits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANSWERED, exec } from '../../../src/host/exec.js';
import { isAlive } from '../../../src/engine/processes.js';

describe('exec answeredBy', () => {
  it('resolves once stderr says the work is done, while the program still runs', async () => {
    let pid = 0;
    const r = await exec([process.execPath, '-e', "process.stderr.write('line 7 '); setTimeout(() => process.stderr.write('failed\\n'), 50); setTimeout(() => {}, 30000)"], {
      answeredBy: (stderr) => /line 7 failed/.test(stderr),
      onSpawn: (p) => (pid = p),
    });
    assert.deepEqual(r, { code: ANSWERED, stdout: '', stderr: 'line 7 failed\n' }, 'stderr read in pieces is seen whole');
    assert.equal(isAlive(pid), true, 'the program was not waited for');
    process.kill(pid, 'SIGKILL');
  });

  it('without the answer, the exit gives the result', async () => {
    const r = await exec([process.execPath, '-e', "process.stderr.write('line 3 failed\\n'); process.exit(2)"], {
      answeredBy: (stderr) => /line 9 failed/.test(stderr),
    });
    assert.deepEqual(r, { code: 2, stdout: '', stderr: 'line 3 failed\n' });
  });
});
