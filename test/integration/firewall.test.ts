// `berth firewall allow|deny|ls|rm` with real traffic. Two neighbours: ext
// (10.200.0.2, on the host's eth0) and ext2 (10.201.0.2, on eth1). Sandboxes on
// the default bridge (docker0), as in the seed's example: web publishes 8080, api
// publishes 9090 (both to their port 80), peer is a third sandbox on the same bridge.
//
// What must hold: the allowed source reaches the published port and the other
// does not, while replies, the sandboxes' egress and same-bridge traffic still
// flow; hand-written DOCKER-USER rules stay as written (and still apply); `rm`
// restores access; rules come back after a flush and a berthd restart. And, for
// the record, why the helpers are needed: the seed's own `-i docker0 ! -s X -j
// DROP` breaks replies, egress and same-bridge traffic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, EXT_IP, HOST_IP } from '../helpers/berthd.js';
import { LISTENER, pollUntil } from '../helpers/netns.js';

const h = new BerthHost();
const HOST2_IP = '10.201.0.1';
const EXT2_IP = '10.201.0.2';
let ext2 = '';
let webIp = '';

async function ipt(args: readonly string[]): Promise<void> {
  const r = await h.nets.exec(h.host, ['iptables', ...args]);
  assert.equal(r.code, 0, `iptables ${args.join(' ')}: ${r.stderr}`);
}

/** The rules of one chain as iptables -S prints them (null: no such chain). */
async function chain(name: string): Promise<string[] | null> {
  const r = await h.nets.exec(h.host, ['iptables', '-S', name]);
  return r.code === 0 ? r.stdout.split('\n').filter((l) => l.startsWith('-A ')) : null;
}

async function open(ns: string, host: string, port: number, what: string): Promise<string> {
  const r = await h.nets.probe(ns, 'tcp', host, port, 2000);
  assert.equal(r.ok, true, `${what}: expected ${host}:${port} to answer, got: ${r.detail}`);
  return r.detail;
}

async function blocked(ns: string, host: string, port: number, what: string): Promise<void> {
  const r = await h.nets.probe(ns, 'tcp', host, port, 800);
  assert.equal(r.ok, false, `${what}: expected ${host}:${port} to be unreachable, got: ${r.detail}`);
}

/** Traffic that no access rule may ever stop: replies (implied by any success), egress to both neighbours, same bridge. */
async function unaffectedFlowsWork(): Promise<void> {
  const peer = h.sandbox('peer');
  assert.equal(await open(peer, EXT_IP, 9300, 'egress to ext'), `pong ext from ${HOST_IP}`);
  assert.equal(await open(peer, EXT2_IP, 9301, 'egress to ext2, a source no rule allows'), `pong ext2 from ${HOST2_IP}`);
  await open(peer, webIp, 80, 'same-bridge traffic (peer to web)');
}

/** Starts the created (or stopped) listeners web and api and waits until they answer. */
async function startServers(): Promise<void> {
  for (const name of ['web', 'api']) {
    await h.ok(['start', name]);
    const ip = await h.ip(name);
    await pollUntil(async () => (await h.nets.probe(h.host, 'tcp', ip, 80, 500)).ok, { timeoutMs: 10000, what: `${name} listening on ${ip}:80` });
  }
  webIp = await h.ip('web');
}

before(async () => {
  await h.start();
  ext2 = await h.nets.add('ext2');
  await h.nets.veth({ ns: h.host, ifname: 'eth1', addr: `${HOST2_IP}/24` }, { ns: ext2, ifname: 'eth0', addr: `${EXT2_IP}/24` });
  // Both neighbours can also route to the sandboxes' addresses directly, as machines on a LAN could.
  await h.nets.exec(h.ext, ['ip', 'route', 'add', '172.16.0.0/12', 'via', HOST_IP]);
  await h.nets.exec(ext2, ['ip', 'route', 'add', '172.16.0.0/12', 'via', HOST2_IP]);
  await h.nets.listen(h.ext, 'tcp', 9300, { tag: 'ext' });
  await h.nets.listen(ext2, 'tcp', 9301, { tag: 'ext2' });
  await h.ok(['create', '--name', 'web', '-p', '8080:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'web']);
  await h.ok(['create', '--name', 'api', '-p', '9090:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'api']);
  await startServers();
  await h.ok(['run', '-d', '--name', 'peer', '--', 'sleep', '600']);
});

after(() => h.stop());

test("the seed's naive allow-list (-i docker0 ! -s X -j DROP) breaks replies, egress and same-bridge traffic", async () => {
  await open(h.ext, HOST_IP, 8080, 'before the rule');
  await unaffectedFlowsWork();
  const naive = ['DOCKER-USER', '-i', 'docker0', '!', '-s', EXT_IP, '-j', 'DROP'];
  await ipt(['-I', ...naive]);
  try {
    await blocked(h.ext, HOST_IP, 8080, 'the "allowed" source: its SYN gets in, the reply from docker0 is dropped');
    await blocked(h.sandbox('peer'), EXT_IP, 9300, 'egress (enters FORWARD on docker0)');
    await blocked(h.sandbox('peer'), webIp, 80, 'same-bridge traffic (docker0 to docker0, through br_netfilter)');
  } finally {
    await ipt(['-D', ...naive]);
  }
  await open(h.ext, HOST_IP, 8080, 'after removing the rule');
});

test('allow --from: the allowed source reaches the published port, the other does not; everything else flows', async () => {
  // A hand-written rule of the user's: ext may not use port 9090. It must stay, and still apply.
  const mine = ['DOCKER-USER', '-s', `${EXT_IP}/32`, '-p', 'tcp', '-m', 'conntrack', '--ctorigdstport', '9090', '-j', 'DROP'];
  await ipt(['-I', ...mine]);
  const out = await h.ok(['firewall', 'allow', '--from', EXT_IP]);
  const id = out.trimEnd().split('\n').at(-1) ?? '';
  assert.match(out, /^Lets new connections from 10\.200\.0\.2 through to the containers\./, 'says what the rule does');
  assert.match(out, /iptables rules added \(filter table\):\n {2}-A DOCKER-USER ! -i docker0 -o docker0 -m conntrack --ctstate NEW /);
  try {
    assert.equal(await open(h.ext, HOST_IP, 8080, 'allowed source'), `pong web from ${EXT_IP}`);
    await blocked(ext2, HOST2_IP, 8080, 'a source no rule allows, on the published port');
    await blocked(ext2, webIp, 80, 'a source no rule allows, routing to the sandbox directly');
    await blocked(h.ext, HOST_IP, 9090, "the user's own rule still applies to an allowed source");
    await unaffectedFlowsWork();
    assert.deepEqual(await chain('DOCKER-USER'), [
      '-A DOCKER-USER ! -i docker0 -o docker0 -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound docker0" -j BERTH-FIREWALL',
      '-A DOCKER-USER -s 10.200.0.2/32 -p tcp -m conntrack --ctorigdstport 9090 -j DROP',
      '-A DOCKER-USER -j RETURN',
    ]);
    assert.deepEqual(await chain('BERTH-FIREWALL'), [
      `-A BERTH-FIREWALL -s 10.200.0.2/32 -m comment --comment "berth-firewall:${id} allow" -j RETURN`,
      '-A BERTH-FIREWALL -m comment --comment "berth-firewall:default-deny" -j DROP',
    ]);
  } finally {
    await h.ok(['firewall', 'rm', id]);
    await ipt(['-D', ...mine]);
  }
  await open(ext2, HOST2_IP, 8080, 'rm restores access');
  assert.deepEqual(await chain('DOCKER-USER'), ['-A DOCKER-USER -j RETURN'], 'DOCKER-USER is as Docker leaves it');
  assert.equal(await chain('BERTH-FIREWALL'), null, "berth's chain is gone with its last rule");
});

test('a port allow-list for a range, and a deny for a network on one interface (deny wins)', async () => {
  const allow = (await h.ok(['firewall', 'allow', '-q', '--from', '10.201.0.1-10.201.0.9', '--port', '8080'])).trim();
  try {
    await open(ext2, HOST2_IP, 8080, 'in the allowed range');
    await blocked(h.ext, HOST_IP, 8080, 'outside the allowed range, on the allow-listed port');
    await open(h.ext, HOST_IP, 9090, 'another published port is not restricted');
    const deny = (await h.ok(['firewall', 'deny', '-q', '--from', '10.201.0.0/24', '--in-interface', 'eth1'])).trim();
    try {
      await blocked(ext2, HOST2_IP, 8080, 'denied on eth1, although also allowed');
      await blocked(ext2, HOST2_IP, 9090, 'denied on eth1');
      await open(h.ext, HOST_IP, 9090, 'ext arrives on eth0');
      await unaffectedFlowsWork();
      const ls = await h.ok(['firewall', 'ls', '--format', '{{.ID}} {{.Action}} {{.Source}} {{.Port}} {{.InInterface}}']);
      assert.equal(ls, `${allow} allow 10.201.0.1-10.201.0.9 8080/tcp any\n${deny} deny 10.201.0.0/24 any eth1\n`);
    } finally {
      await h.ok(['firewall', 'rm', deny]);
    }
  } finally {
    await h.ok(['firewall', 'rm', allow]);
  }
  await open(h.ext, HOST_IP, 8080, 'after rm');
  await open(ext2, HOST2_IP, 9090, 'after rm');
});

test('--dry-run says what would happen and writes nothing', async () => {
  const before = await h.iptablesSave();
  const out = await h.ok(['firewall', 'deny', '--from', EXT_IP, '--port', '8080', '--dry-run']);
  assert.match(out, /^Drops new connections from 10\.200\.0\.2 to published port 8080\/tcp\./);
  assert.match(out, /\ndry run: nothing was written\n$/);
  const strip = (s: string): string => s.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  assert.equal(strip(await h.iptablesSave()), strip(before));
  assert.equal(await h.ok(['firewall', 'ls', '-q']), '');
});

test('rules come back after a flush of DOCKER-USER and after a berthd restart', async () => {
  const id = (await h.ok(['firewall', 'allow', '-q', '--from', EXT_IP])).trim();
  const jump = '-A DOCKER-USER ! -i docker0 -o docker0 -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound docker0" -j BERTH-FIREWALL';
  try {
    await ipt(['-F', 'DOCKER-USER']);
    await pollUntil(async () => (await chain('DOCKER-USER'))?.[0] === jump, { timeoutMs: 5000, what: 'the jump back at the top of DOCKER-USER' });
    await blocked(ext2, HOST2_IP, 8080, 'after the flush');

    await h.stopDaemon();
    // While berthd is down, someone removes berth's rules: the restart writes them again.
    await ipt(['-D', 'DOCKER-USER', '1']);
    await ipt(['-F', 'BERTH-FIREWALL']);
    await ipt(['-X', 'BERTH-FIREWALL']);
    await h.startDaemon();
    assert.equal((await chain('DOCKER-USER'))?.[0], jump, 'written again before berthd is ready');
    assert.match(await h.ok(['firewall', 'ls', '-q']), new RegExp(`^${id}\n$`));
    await startServers(); // without --live-restore the sandboxes stopped with berthd
    await h.ok(['start', 'peer']);
    await open(h.ext, HOST_IP, 8080, 'allowed source after the restart');
    await blocked(ext2, HOST2_IP, 8080, 'other source after the restart');
    await unaffectedFlowsWork();
  } finally {
    await h.ok(['firewall', 'rm', id]);
  }
});

test('with --iptables=false the helpers refuse with a clear message', async () => {
  const off = new BerthHost();
  try {
    await off.start({ neighbour: false, flags: ['--iptables=false'] });
    for (const args of [['firewall', 'allow', '--from', EXT_IP], ['firewall', 'ls']]) {
      const r = await off.berth(args);
      assert.equal(r.code, 1, `berth ${args.join(' ')}: ${r.stdout}`);
      assert.equal(r.stderr, 'Error response from daemon: berth firewall needs iptables, but berthd runs with --iptables=false ("iptables": false in daemon.json) and writes no rules at all\n');
    }
    const save = await off.iptablesSave();
    assert.doesNotMatch(save, /DOCKER-USER|BERTH-FIREWALL/, 'no table touched');
  } finally {
    await off.stop();
  }
});
