import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useHarness } from '../api/harness.js';
import { useAccessFirewall } from '../firewall/surfaces.js';
import { cli } from './harness.js';

describe('berth firewall', () => {
  const h = useHarness();
  const kernel = useAccessFirewall(h);

  it('allow prints what the rule does, the iptables rules it added, then the id', async () => {
    const r = await cli(h, ['firewall', 'allow', '--from', '10.200.0.2']);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    const lines = r.out.trimEnd().split('\n');
    const id = lines.at(-1) as string;
    assert.match(id, /^[0-9a-f]{12}$/);
    assert.deepEqual(lines.slice(0, -1), [
      "Lets new connections from 10.200.0.2 through to the containers. New connections to the containers from sources that no allow rule names are dropped (deny rules win over allow rules). Replies, the containers' own outgoing connections and traffic between containers on the same network are not affected.",
      'iptables rules added (filter table):',
      '  -A DOCKER-USER ! -i docker0 -o docker0 -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound docker0" -j BERTH-FIREWALL',
      `  -A BERTH-FIREWALL -s 10.200.0.2/32 -m comment --comment "berth-firewall:${id} allow" -j RETURN`,
      '  -A BERTH-FIREWALL -m comment --comment berth-firewall:default-deny -j DROP',
    ]);
    assert.ok(kernel().includes(`berth-firewall:${id} allow`));
  });

  it('--dry-run says what it would do and writes nothing; -q prints only the id', async () => {
    const before = kernel();
    const dry = await cli(h, ['firewall', 'deny', '--from', '10.200.0.0/24', '--port', '53/udp', '--in-interface', 'eth0', '--dry-run']);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /^Drops new connections from the network 10\.200\.0\.0\/24 arriving on eth0 to published port 53\/udp\./);
    assert.match(dry.out, /iptables rules it would add \(filter table\):\n {2}-A DOCKER-USER /);
    assert.match(dry.out, /\ndry run: nothing was written\n$/);
    assert.equal(dry.err, 'WARNING: no running container publishes port 53/udp yet; the rule applies once one does\n');
    assert.equal(kernel(), before);
    const quiet = await cli(h, ['firewall', 'deny', '-q', '--from', '10.200.0.9']);
    assert.match(quiet.out, /^[0-9a-f]{12}\n$/);
  });

  it('ls lists the rules as a table, with --format and -q', async () => {
    const a = (await cli(h, ['firewall', 'allow', '-q', '--from', '10.200.0.2-10.200.0.9', '--port', '8080'])).out.trim();
    const d = (await cli(h, ['firewall', 'deny', '-q', '--from', '10.200.0.5', '--in-interface', 'eth0'])).out.trim();
    const table = await cli(h, ['firewall', 'ls']);
    assert.equal(
      table.out,
      'RULE ID        ACTION    SOURCE                  PORT       IN-INTERFACE\n' +
        `${a}   allow     10.200.0.2-10.200.0.9   8080/tcp   any\n` +
        `${d}   deny      10.200.0.5              any        eth0\n`,
    );
    assert.equal((await cli(h, ['firewall', 'ls', '-q'])).out, `${a}\n${d}\n`);
    const f = await cli(h, ['firewall', 'ls', '--format', '{{.ID}} {{.Iptables}}']);
    assert.match(f.out.split('\n')[1] ?? '', new RegExp(`^${d} -A BERTH-FIREWALL -s 10\\.200\\.0\\.5/32 -i eth0 `));
  });

  it('rm removes by id or prefix; unknown ids are reported, the others still removed', async () => {
    const a = (await cli(h, ['firewall', 'allow', '-q', '--from', '10.200.0.2'])).out.trim();
    const r = await cli(h, ['firewall', 'rm', 'nope', a.slice(0, 4)]);
    assert.deepEqual([r.code, r.out, r.err], [1, `${a.slice(0, 4)}\n`, 'Error: No such firewall rule: nope\n']);
    assert.doesNotMatch(kernel(), /berth-firewall/);
  });

  it('--from is required; daemon errors are shown as docker shows them', async () => {
    const r = await cli(h, ['firewall', 'allow', '--port', '80']);
    assert.deepEqual([r.code, r.err], [125, `required flag(s) "from" not set\nSee 'berth firewall allow --help'.\n`]);
    const bad = await cli(h, ['firewall', 'deny', '--from', '10.0.0.300']);
    assert.deepEqual([bad.code, bad.err], [1, 'Error response from daemon: invalid source "10.0.0.300": expected an address, a CIDR such as 10.200.0.0/24 or a range\n']);
  });

  it('help lists the subcommands', async () => {
    const r = await cli(h, ['firewall']);
    assert.match(r.out, /Usage: {2}berth firewall COMMAND/);
    for (const c of ['allow', 'deny', 'ls', 'rm']) assert.match(r.out, new RegExp(`\\n  ${c} `));
  });
});
