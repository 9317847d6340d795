// berth never modifies what it does not own (DOCKER-USER's contents, foreign rules
// and chains), also across a berthd restart; bad input is refused with a clear
// message and leaves nothing half-done in the kernel or in berth's state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost } from '../helpers/berthd.js';

const h = new BerthHost();

before(() => h.start());
after(() => h.stop());

async function ipt(args: string[]): Promise<void> {
  const r = await h.nets.exec(h.host, ['iptables', ...args]);
  assert.equal(r.code, 0, `iptables ${args.join(' ')}: ${r.stderr}`);
}

/** The rules of one chain, as iptables -S prints them. */
async function chain(table: string, name: string): Promise<string[]> {
  const r = await h.nets.exec(h.host, ['iptables', '-t', table, '-S', name]);
  return r.stdout.split('\n').filter((l) => l.startsWith('-A '));
}

test('DOCKER-USER contents and foreign rules survive berth changes and a berthd restart', async () => {
  await ipt(['-I', 'DOCKER-USER', '-s', '10.9.9.9/32', '-j', 'DROP']);
  await ipt(['-I', 'FORWARD', '1', '-s', '10.7.7.7/32', '-j', 'ACCEPT']);
  await ipt(['-A', 'FORWARD', '-s', '10.8.8.8/32', '-j', 'ACCEPT']);
  await ipt(['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.6.6.6/32', '-j', 'MASQUERADE']);
  await ipt(['-N', 'MINE']);
  await ipt(['-A', 'MINE', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
  await ipt(['-A', 'INPUT', '-j', 'MINE']);

  await h.ok(['network', 'create', 'appnet']);
  await h.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', '--', 'sleep', '600']);
  await h.ok(['rm', '-f', 'web']);
  await h.ok(['network', 'rm', 'appnet']);
  await h.stopDaemon();
  await h.startDaemon();
  await h.ok(['run', '-d', '--name', 'web', '-p', '8080:80', '--', 'sleep', '600']);

  assert.deepEqual(await chain('filter', 'DOCKER-USER'), ['-A DOCKER-USER -s 10.9.9.9/32 -j DROP', '-A DOCKER-USER -j RETURN']);
  const forward = await chain('filter', 'FORWARD');
  assert.equal(forward[0], '-A FORWARD -s 10.7.7.7/32 -j ACCEPT', 'a foreign rule at the top stays at the top');
  assert.equal(forward.at(-1), '-A FORWARD -s 10.8.8.8/32 -j ACCEPT', 'a foreign rule at the end stays at the end');
  assert.ok(forward.includes('-A FORWARD -j DOCKER-USER'), 'berth still jumps to DOCKER-USER');
  assert.ok((await chain('nat', 'POSTROUTING')).includes('-A POSTROUTING -s 10.6.6.6/32 -j MASQUERADE'));
  assert.deepEqual(await chain('filter', 'MINE'), ['-A MINE -p tcp -m tcp --dport 22 -j ACCEPT']);
  assert.deepEqual(await chain('filter', 'INPUT'), ['-A INPUT -j MINE']);
  await h.ok(['rm', '-f', 'web']);
});

/** Everything bad input could leave behind: rules, links, namespaces, berth's records. */
async function snapshot(): Promise<string> {
  const rules = (await h.iptablesSave()).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, ''));
  const links = (await h.nets.exec(h.host, ['ip', '-br', 'addr'])).stdout.split('\n').map((l) => l.replace(/\s+fe80::\S+/, ''));
  const netns = (await h.nets.exec(h.host, ['ip', 'netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(h.nets.prefix));
  const nets = await h.ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
  const ctrs = await h.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
  return [...rules, ...links, ...netns, nets, ctrs].join('\n');
}

async function refused(args: string[], message: RegExp): Promise<void> {
  const r = await h.berth(args);
  assert.notEqual(r.code, 0, `berth ${args.join(' ')} should fail`);
  assert.match(r.stderr, message, `berth ${args.join(' ')}: unexpected message`);
}

test('bad input is refused clearly and leaves nothing behind', async () => {
  await h.ok(['network', 'create', '--subnet', '10.61.0.0/24', 'taken']);
  await h.ok(['run', '-d', '--name', 'web', '-p', '8080:80', '--', 'sleep', '600']);
  const before = await snapshot();

  await refused(['network', 'create', 'taken'], /network with name taken already exists/);
  await refused(['network', 'create', '--subnet', '10.61.0.128/25', 'overlap'], /Pool overlaps with other one on this address space/);
  await refused(['network', 'create', '--subnet', '10.62.0.0/33', 'badmask'], /invalid CIDR address: 10\.62\.0\.0\/33/);
  await refused(['network', 'create', '-o', 'com.docker.network.bridge.name=averyveryverylongname', 'longbr'], /bridge name/);
  await refused(['network', 'create', 'semi;colon'], /invalid network name/);
  await refused(['network', 'create', 'new\nline'], /invalid network name/);
  await refused(['network', 'rm', 'nosuch'], /No such network: nosuch|network nosuch not found/);
  await refused(['network', 'connect', 'nosuch', 'web'], /network nosuch not found/);
  await refused(['stop', 'nosuch'], /No such container: nosuch/);
  await refused(['run', '-d', '--name', 'bad$name', '--', 'sleep', '1'], /Invalid container name \(bad\$name\)/);
  await refused(['run', '-d', '--name', 'side', '--network', 'container:web', '-p', '8081:80', '--', 'sleep', '1'], /conflicting options: port publishing and the container type network mode/);
  await refused(['run', '-d', '--name', 'nocmd', '--', 'no-such-command-here'], /executable file not found in \$PATH/);
  await h.ok(['rm', 'nocmd']); // like docker, a failed start leaves the container created
  await refused(['run', '-d', '--name', 'web2', '-p', '8080:80', '--', 'sleep', '600'], /Bind for 0\.0\.0\.0:8080 failed: port is already allocated/);
  await h.ok(['rm', 'web2']);

  assert.equal(await snapshot(), before, 'the failed requests left no rule, link, namespace or record behind');
});
