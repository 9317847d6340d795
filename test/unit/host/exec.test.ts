// exec's answeredBy (a program's result taken from what it says, before it exits),
// and prestarted (each run fed to a process started ahead).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSWERED, exec, prestarted, prestarting, type Exec } from '../../../src/host/exec.js';
import { pollUntil } from '../../helpers/netns.js';
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

describe('prestarted', () => {
  // Records its pid and start time in a file named for its pid, then echoes its input with them.
  const dir = mkdtempSync(join(tmpdir(), 'berth-prestarted-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const PROGRAM = `
const fs = require('node:fs');
const started = Date.now();
fs.writeFileSync(${JSON.stringify(dir)} + '/' + process.pid, String(started));
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => process.stdout.write(JSON.stringify({ pid: process.pid, started, input })));
`;
  const waiting = (known: readonly number[]): number[] => readdirSync(dir).map(Number).filter((p) => !known.includes(p) && isAlive(p));

  it('each run is fed to a process started before it, and close ends the one left waiting', async () => {
    const p = prestarted([process.execPath, '-e', PROGRAM]);
    const first = JSON.parse((await p.run({ input: 'a' })).stdout) as { pid: number; started: number; input: string };
    assert.equal(first.input, 'a');
    await pollUntil(() => waiting([first.pid]).length === 1, { what: 'the next process waiting' });
    const [next] = waiting([first.pid]);
    const calledAt = Date.now();
    let noted = 0;
    const second = JSON.parse((await p.run({ input: 'b', onSpawn: (pid) => (noted = pid) })).stdout) as { pid: number; started: number; input: string };
    assert.deepEqual([second.pid, second.input, noted], [next, 'b', next], 'the waiting process ran it, and its pid was told when the run began');
    assert.ok(second.started <= calledAt, 'it had started before the run was asked for (same millisecond at most)');
    await pollUntil(() => waiting([first.pid, second.pid]).length === 1, { what: 'another process waiting' });
    const [left] = waiting([first.pid, second.pid]);
    p.close();
    await pollUntil(() => !isAlive(left!), { what: 'the waiting process ended by close' });
  });

  it('a process that died while waiting is replaced by a fresh one for the run', async () => {
    const p = prestarted([process.execPath, '-e', PROGRAM]);
    const first = JSON.parse((await p.run({ input: 'a' })).stdout) as { pid: number };
    await pollUntil(() => waiting([first.pid]).length === 1, { what: 'the next process waiting' });
    const [next] = waiting([first.pid]);
    process.kill(next!, 'SIGKILL');
    // Gone from the kernel means reaped by node, which tells the child's 'exit' in the same callback.
    await pollUntil(() => !isAlive(next!), { what: 'the waiting process gone' });
    const second = JSON.parse((await p.run({ input: 'b' })).stdout) as { pid: number; input: string };
    assert.notEqual(second.pid, next);
    assert.equal(second.input, 'b');
    p.close();
  });

  it('prestarting sends runs of exactly the argv given to processes started ahead, everything else to exec', async () => {
    const argv = [process.execPath, '-e', PROGRAM];
    const seen: string[] = [];
    const fallback: Exec = async (a, o = {}) => (seen.push(`${a.length} ${o.input ?? ''}`), { code: 0, stdout: 'fallback', stderr: '' });
    const ahead = prestarting(fallback, [argv]);
    const first = JSON.parse((await ahead.exec(argv, { input: 'a' })).stdout) as { input: string };
    assert.equal(first.input, 'a');
    assert.equal((await ahead.exec([...argv, 'x'], { input: 'b' })).stdout, 'fallback');
    assert.equal((await ahead.exec(argv, { input: 'c', env: { PATH: '/usr/bin' } })).stdout, 'fallback', 'another environment is not the one started ahead');
    assert.deepEqual(seen, ['4 b', '3 c']);
    ahead.close();
  });
});
