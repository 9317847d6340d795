// iptablesBackend ends each input with a block that always fails (END_MARK): the
// report of that line means all before it is committed. A stand-in for
// iptables-restore reports the first line it refuses, as the real one does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iptablesBackend } from '../../../src/engine/firewall.js';
import { ANSWERED, type Exec, type ExecOptions } from '../../../src/host/exec.js';

function restoreStandIn(refuses: RegExp): { exec: Exec; inputs: string[] } {
  const inputs: string[] = [];
  const exec: Exec = async (argv, o: ExecOptions = {}) => {
    assert.deepEqual(argv, ['iptables-restore', '-w', '--noflush']);
    const input = o.input ?? '';
    inputs.push(input);
    const failing = input.split('\n').findIndex((l) => refuses.test(l)) + 1;
    if (failing === 0) return { code: 0, stdout: '', stderr: '' };
    const stderr = `iptables-restore: line ${failing} failed\n`;
    return { code: o.answeredBy?.(stderr) ? ANSWERED : 1, stdout: '', stderr };
  };
  return { exec, inputs };
}

const REFUSED = /^-N INPUT$|NOPE/;

describe('iptablesBackend restore', () => {
  it('appends the end mark and takes its failure as the answer: done', async () => {
    for (const text of ['*nat\n-A DOCKER -j RETURN\nCOMMIT\n', '*nat\n-A DOCKER -j RETURN\nCOMMIT']) {
      const { exec, inputs } = restoreStandIn(REFUSED);
      await iptablesBackend(exec).restore(text);
      assert.deepEqual(inputs, ['*nat\n-A DOCKER -j RETURN\nCOMMIT\n*filter\n-N INPUT\nCOMMIT\n']);
    }
  });

  it('a line of the input that fails names itself, and the end mark is never reached', async () => {
    const { exec } = restoreStandIn(REFUSED);
    await assert.rejects(iptablesBackend(exec).restore('*filter\n-A NOPE -j ACCEPT\nCOMMIT\n'), {
      message: 'iptables-restore failed (input line 2: -A NOPE -j ACCEPT): iptables-restore: line 2 failed',
    });
  });

  it('an iptables-restore that accepts the end mark is not trusted', async () => {
    const { exec } = restoreStandIn(/never/);
    await assert.rejects(iptablesBackend(exec).restore('*filter\nCOMMIT\n'), /created a chain named INPUT/);
  });
});
