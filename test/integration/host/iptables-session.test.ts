// berthd's long-lived iptables-restore (IptablesSession) against the kernel, in
// a namespace: a change is answered only once its blocks are committed, changes
// other programs make in between are seen, a failing block names its line in the
// change as a one-shot restore would, and a process that is gone is replaced.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { netnsPath } from '../../../src/host/netns.js';
import { IptablesSession, SESSION_ARGV } from '../../../src/host/iptables-session.js';
import { iptablesBackend } from '../../../src/engine/firewall.js';
import { isAlive } from '../../../src/engine/processes.js';
import { netnsFixture, until } from './netns-fixture.js';

const fx = netnsFixture('ips');
let ns = '';
before(async () => {
  ns = await fx.add('a');
});
after(() => fx.cleanup());

async function ipt(...args: string[]): Promise<string> {
  const r = await fx.execIn(ns)(['iptables', ...args]);
  assert.equal(r.code, 0, `iptables ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The rules of chain FOO, as iptables -S prints them. */
const foo = async (): Promise<string[]> => (await ipt('-S', 'FOO')).split('\n').filter((l) => l.startsWith('-A '));

function session(): { s: IptablesSession; started: number[]; ended: number[] } {
  const started: number[] = [];
  const ended: number[] = [];
  const s = new IptablesSession({
    command: ['nsenter', `--net=${netnsPath(ns)}`, ...SESSION_ARGV],
    onStart: (pid) => started.push(pid),
    onEnd: (pid) => ended.push(pid),
  });
  return { s, started, ended };
}

test("one process commits change after change; each is in the kernel when answered, and other programs' changes in between are seen", async () => {
  const { s, started, ended } = session();
  try {
    await s.restore('*filter\n:FOO - [0:0]\n-A FOO -s 1.1.1.1/32 -j ACCEPT\nCOMMIT\n');
    assert.deepEqual(await foo(), ['-A FOO -s 1.1.1.1/32 -j ACCEPT'], 'committed by the time the change is answered');
    await ipt('-I', 'FOO', '1', '-s', '9.9.9.9/32', '-j', 'DROP');
    await s.restore('*filter\n-I FOO 2 -s 2.2.2.2/32 -j ACCEPT\nCOMMIT\n');
    assert.deepEqual(await foo(), ['-A FOO -s 9.9.9.9/32 -j DROP', '-A FOO -s 2.2.2.2/32 -j ACCEPT', '-A FOO -s 1.1.1.1/32 -j ACCEPT']);
    await ipt('-D', 'FOO', '-s', '9.9.9.9/32', '-j', 'DROP');
    await Promise.all([
      s.restore('*filter\n-D FOO -s 1.1.1.1/32 -j ACCEPT\nCOMMIT\n'),
      s.restore('*nat\n:BAR - [0:0]\nCOMMIT\n*filter\n-A FOO -s 3.3.3.3/32 -j ACCEPT\nCOMMIT\n'),
    ]);
    assert.deepEqual(await foo(), ['-A FOO -s 2.2.2.2/32 -j ACCEPT', '-A FOO -s 3.3.3.3/32 -j ACCEPT']);
    assert.match(await ipt('-t', 'nat', '-S', 'BAR'), /^-N BAR$/m);
    assert.equal(started.length, 1, 'all through one iptables-restore');
    assert.equal(isAlive(started[0]!), true, 'which stays, waiting for the next change');
  } finally {
    await s.close();
  }
  assert.deepEqual(ended, started, 'close ends it');
});

test('a failing block rejects with its line in the change; the blocks before it stay, and the next change starts a new process', async () => {
  await ipt('-t', 'nat', '-F');
  const { s, started } = session();
  const backend = iptablesBackend(() => Promise.reject(new Error('no one-shot process expected')), { session: s });
  try {
    await backend.restore('*filter\n-A FOO -s 4.4.4.4/32 -j ACCEPT\nCOMMIT\n');
    await assert.rejects(backend.restore('*nat\n-A POSTROUTING -s 10.9.0.0/16 -j MASQUERADE\nCOMMIT\n*filter\n-D FOO -s 5.5.5.5/32 -j ACCEPT\nCOMMIT\n'), {
      message: /^iptables-restore failed \(input line 5: -D FOO -s 5\.5\.5\.5\/32 -j ACCEPT\): iptables-restore: line 5 failed\b/,
    });
    assert.match(await ipt('-t', 'nat', '-S', 'POSTROUTING'), /-A POSTROUTING -s 10\.9\.0\.0\/16 -j MASQUERADE/, 'the nat block before it was committed');
    await until('the failed iptables-restore gone', async () => (isAlive(started[0]!) ? undefined : true));
    await backend.restore('*filter\n-A FOO -s 6.6.6.6/32 -j ACCEPT\nCOMMIT\n');
    assert.equal(started.length, 2);
    assert.ok((await foo()).includes('-A FOO -s 6.6.6.6/32 -j ACCEPT'));

    process.kill(started[1]!, 'SIGKILL');
    await until('the killed iptables-restore gone', async () => (isAlive(started[1]!) ? undefined : true));
    await backend.restore('*filter\n-A FOO -s 7.7.7.7/32 -j ACCEPT\nCOMMIT\n');
    assert.equal(started.length, 3, 'a killed process is replaced by the next change');
    assert.ok((await foo()).includes('-A FOO -s 7.7.7.7/32 -j ACCEPT'));
  } finally {
    await s.close();
  }
});
