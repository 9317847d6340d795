// Switching the firewall backend between two runs of berthd: the new backend
// takes over the published ports of the sandboxes that kept running, and nothing
// of the old backend's rules is left behind (DOCKER-USER, the user's, stays).
// ip_forward is on before berthd first starts, so iptables' FORWARD policy is not
// berth's to drop here: it would go on dropping what the nftables table accepts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, HOST_IP } from '../helpers/berthd.js';
import { LISTENER, pollUntil } from '../helpers/netns.js';

const h = new BerthHost('iptables');

async function nftTable(): Promise<string | null> {
  const r = await h.nets.exec(h.host, ['nft', 'list', 'table', 'ip', 'berth']);
  return r.code === 0 ? r.stdout : null;
}

/** The iptables rules and chains in the host namespace, without counters and comments. */
async function iptablesRules(): Promise<string[]> {
  return (await h.iptablesSave()).split('\n').filter((l) => l.startsWith('-A ') || (l.startsWith(':') && !/^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) /.test(l)));
}

async function publishedPortAnswers(): Promise<void> {
  await pollUntil(async () => (await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080, 500)).ok, { timeoutMs: 10000, what: 'the published port to answer' });
}

before(async () => {
  await h.start({ sysctls: { 'net.ipv4.ip_forward': '1' } });
  await h.ok(['network', 'create', 'appnet']);
  await h.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'web']);
  await publishedPortAnswers();
});

after(() => h.stop());

test("iptables to nftables: berth's iptables rules go, the table serves the sandbox that kept running", async () => {
  assert.ok((await iptablesRules()).some((l) => l.includes('DNAT')));
  await h.stopDaemon();
  await h.startDaemon(['--firewall-backend', 'nftables']);
  assert.match(h.log(), /removed berth's iptables rules \(the firewall backend is now nftables\)/);
  assert.deepEqual(await iptablesRules(), [':DOCKER-USER - [0:0]', '-A DOCKER-USER -j RETURN'], 'only DOCKER-USER, the user chain, is left');
  assert.match((await nftTable()) ?? '', /tcp \. 8080 : 172\.18\.0\.2 \. 80/);
  await publishedPortAnswers();
});

test('nftables back to iptables: the table goes, the rules come back', async () => {
  await h.stopDaemon();
  await h.startDaemon();
  assert.match(h.log(), /removed berth's nftables table ip berth \(the firewall backend is now iptables\)/);
  assert.equal(await nftTable(), null);
  assert.ok((await iptablesRules()).some((l) => l.includes('--to-destination 172.18.0.2:80')));
  await publishedPortAnswers();
});
