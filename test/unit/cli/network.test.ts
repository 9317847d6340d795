import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useHarness } from '../api/harness.js';
import { cli } from './harness.js';

describe('berth network', () => {
  const h = useHarness();
  const id = (name: string) => h.engine.inspectNetwork(name).id;

  it('create prints the full id and sends Docker’s body', async () => {
    const r = await cli(h, [
      'network', 'create', '-d', 'bridge', '--internal', '--attachable', '--subnet', '10.50.0.0/16', '--gateway', '10.50.0.254',
      '--ip-range', '10.50.8.0/24', '-o', 'com.docker.network.bridge.name=br-x', '--label', 'team=a', '--label', 'x=', 'appnet',
    ]);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.equal(r.out, `${id('appnet')}\n`);
    const n = h.engine.inspectNetwork('appnet');
    assert.deepEqual(n.ipam, [{ subnet: '10.50.0.0/16', gateway: '10.50.0.254', ipRange: '10.50.8.0/24' }]);
    assert.equal(n.internal, true);
    assert.equal(n.attachable, true);
    assert.deepEqual(n.labels, { team: 'a', x: '' });
    assert.equal(n.bridge?.name, 'br-x');
  });

  it('create: daemon errors as docker prints them, exit 1', async () => {
    await cli(h, ['network', 'create', 'appnet']);
    const dup = await cli(h, ['network', 'create', 'appnet']);
    assert.deepEqual([dup.code, dup.out, dup.err], [1, '', 'Error response from daemon: network with name appnet already exists\n']);
    const over = await cli(h, ['network', 'create', '--subnet', '172.17.5.0/24', 'n3']);
    assert.deepEqual([over.code, over.err], [1, 'Error response from daemon: Pool overlaps with other one on this address space\n']);
  });

  it('create: the CLI’s own IPAM checks, with docker’s messages', async () => {
    const cases: [string[], string][] = [
      [['--subnet', '10.62.0.0/24', '--gateway', '10.63.0.1', 'badgw'], 'no matching subnet for gateway 10.63.0.1\n'],
      [['--ip-range', '10.64.0.0/24', 'norange'], 'every ip-range or gateway must have a corresponding subnet\n'],
      [['--subnet', '10.0.0.0/8', '--subnet', '10.1.0.0/16', 'ov'], 'multiple overlapping subnet configuration is not supported\n'],
      [['--subnet', '10.1.0.0/16', '--ip-range', '10.2.0.0/24', 'r'], 'no matching subnet for range 10.2.0.0/24\n'],
      [['--subnet', '10.1.0.0/16', '--subnet', '10.2.0.0/16', '--gateway', '10.1.0.1', '--gateway', '10.1.0.2', 'g2'], 'cannot configure multiple gateways (10.1.0.2, 10.1.0.1) for the same subnet (10.1.0.0/16)\n'],
    ];
    for (const [args, err] of cases) {
      const r = await cli(h, ['network', 'create', ...args]);
      assert.deepEqual([r.code, r.out, r.err], [1, '', err], args.join(' '));
    }
  });

  it('create: flag and argument errors', async () => {
    const label = await cli(h, ['network', 'create', '--label', 'nokey', 'x']);
    assert.equal(label.code, 125);
    assert.equal(label.err, `invalid argument "nokey" for "--label" flag: bad attribute format: nokey\nSee 'berth network create --help'.\n`);
    const none = await cli(h, ['network', 'create']);
    assert.equal(none.code, 1);
    assert.equal(
      none.err,
      `"berth network create" requires exactly 1 argument.\nSee 'berth network create --help'.\n\nUsage:  berth network create [OPTIONS] NETWORK\n\nCreate a network\n`,
    );
  });

  it('ls: docker’s table, sorted by name, ids truncated', async () => {
    await cli(h, ['network', 'create', 'net10']);
    await cli(h, ['network', 'create', 'net2']);
    const r = await cli(h, ['network', 'ls']);
    assert.equal(r.code, 0);
    const t = (n: string) => id(n).slice(0, 12);
    assert.equal(
      r.out,
      [
        'NETWORK ID     NAME      DRIVER    SCOPE',
        `${t('bridge')}   bridge    bridge    local`,
        `${t('host')}   host      host      local`,
        `${t('net2')}   net2      bridge    local`,
        `${t('net10')}   net10     bridge    local`,
        `${t('none')}   none      null      local`,
        '',
      ].join('\n'),
    );
  });

  it('ls -q, --no-trunc, --format, --filter', async () => {
    await cli(h, ['network', 'create', '--label', 'env=prod', 'appnet']);
    const q = await cli(h, ['network', 'ls', '-q', '--filter', 'name=app']);
    assert.equal(q.out, `${id('appnet').slice(0, 12)}\n`);
    const full = await cli(h, ['network', 'ls', '-q', '--no-trunc', '-f', 'label=env=prod']);
    assert.equal(full.out, `${id('appnet')}\n`);
    const fmt = await cli(h, ['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Internal}} {{.Labels}}', '--filter', 'type=custom']);
    assert.equal(fmt.out, 'appnet bridge false env=prod\n');
    const label = await cli(h, ['network', 'ls', '--format', '{{.Name}}={{.Label "env"}}', '--filter', 'type=custom']);
    assert.equal(label.out, 'appnet=prod\n');
    const table = await cli(h, ['network', 'ls', '--format', 'table {{.Name}}\t{{.Scope}}', '--filter', 'driver=host']);
    assert.equal(table.out, 'NAME      SCOPE\nhost      local\n');
    const bad = await cli(h, ['network', 'ls', '--filter', 'nope']);
    assert.equal(bad.code, 125);
    assert.equal(bad.err, `invalid argument "nope" for "-f, --filter" flag: bad format of filter (expected name=value)\nSee 'berth network ls --help'.\n`);
    const unknown = await cli(h, ['network', 'ls', '--filter', 'colour=red']);
    assert.deepEqual([unknown.code, unknown.err], [1, "Error response from daemon: Invalid filter 'colour'\n"]);
    const tmpl = await cli(h, ['network', 'ls', '--format', '{{.Name']);
    assert.equal(tmpl.code, 1);
    assert.match(tmpl.err, /^template parsing error: /);
    const args = await cli(h, ['network', 'ls', 'extra']);
    assert.equal(args.code, 1);
    assert.match(args.err, /^"berth network ls" accepts no arguments\.\nSee 'berth network ls --help'\./);
  });

  it('ls --format with CreatedAt in Go’s time format', async () => {
    if (new Date(0).getTimezoneOffset() !== 0) return;
    const r = await cli(h, ['network', 'ls', '--format', '{{.CreatedAt}}', '--filter', 'name=^bridge$']);
    assert.match(r.out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\n$/);
  });

  it('inspect: a JSON array with 4-space indent; -f template; missing ones reported after', async () => {
    await cli(h, ['network', 'create', 'appnet']);
    const r = await cli(h, ['network', 'inspect', 'appnet']);
    assert.equal(r.code, 0);
    assert.ok(r.out.startsWith('[\n    {\n        "Name": "appnet",\n        "Id": "'));
    assert.ok(r.out.endsWith('\n    }\n]\n'));
    const parsed = JSON.parse(r.out) as Record<string, unknown>[];
    assert.equal(parsed.length, 1);
    const f = await cli(h, ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}', 'bridge', 'appnet']);
    assert.equal(f.out, '172.17.0.0/16 \n172.18.0.0/16 172.18.0.1\n');
    const missing = await cli(h, ['network', 'inspect', 'nosuch']);
    assert.deepEqual([missing.code, missing.out, missing.err], [1, '[]\n', 'Error: No such network: nosuch\n']);
    const mixed = await cli(h, ['network', 'inspect', '--format', '{{.Name}}', 'nosuch', 'appnet', 'nope2']);
    assert.deepEqual([mixed.code, mixed.out, mixed.err], [1, 'appnet\n', 'Error: No such network: nosuch\nError: No such network: nope2\n']);
  });

  it('rm: prints each name; reports each failure; exit 1 if any failed', async () => {
    await cli(h, ['network', 'create', 'a1']);
    await cli(h, ['network', 'create', 'a2']);
    const r = await cli(h, ['network', 'rm', 'a1', 'nosuch', 'bridge', 'a2']);
    assert.equal(r.code, 1);
    assert.equal(r.out, 'a1\na2\n');
    assert.equal(r.err, 'Error: No such network: nosuch\nError response from daemon: bridge is a pre-defined network and cannot be removed\n');
    const busy = await cli(h, ['network', 'create', 'busy']);
    assert.equal(busy.code, 0);
    await cli(h, ['run', '-d', '--name', 'web', '--network', 'busy', '--', 'sleep', '9']);
    const inUse = await cli(h, ['network', 'remove', 'busy']);
    assert.equal(inUse.err, `Error response from daemon: error while removing network: network busy id ${id('busy')} has active endpoints\n`);
  });

  it('connect / disconnect: silent on success, daemon errors otherwise', async () => {
    await cli(h, ['network', 'create', '--subnet', '10.60.0.0/24', 'appnet']);
    await cli(h, ['run', '-d', '--name', 'web', '--', 'sleep', '9']);
    const c = await cli(h, ['network', 'connect', '--ip', '10.60.0.7', '--alias', 'www,web2', 'appnet', 'web']);
    assert.deepEqual([c.code, c.out, c.err], [0, '', '']);
    assert.ok(h.engine.endpoints().some((e) => e.ipv4 === '10.60.0.7'));
    assert.deepEqual(h.engine.inspectContainer('web').networks[1]?.aliases, ['www', 'web2']);
    const again = await cli(h, ['network', 'connect', 'appnet', 'web']);
    assert.deepEqual([again.code, again.err], [1, 'Error response from daemon: endpoint with name web already exists in network appnet\n']);
    const noNet = await cli(h, ['network', 'connect', 'nosuch', 'web']);
    assert.equal(noNet.err, 'Error response from daemon: network nosuch not found\n');
    const noCtr = await cli(h, ['network', 'connect', 'bridge', 'nosuchcontainer']);
    assert.equal(noCtr.err, 'Error response from daemon: No such container: nosuchcontainer\n');
    const badIp = await cli(h, ['network', 'connect', '--ip', 'x.y', 'appnet', 'web']);
    assert.deepEqual([badIp.code, badIp.err], [1, 'invalid IPv4 address: x.y\n']);
    const d = await cli(h, ['network', 'disconnect', 'appnet', 'web']);
    assert.deepEqual([d.code, d.out, d.err], [0, '', '']);
    const notConn = await cli(h, ['network', 'disconnect', '-f', 'appnet', 'web']);
    assert.equal(notConn.err, `Error response from daemon: container ${h.engine.inspectContainer('web').id} is not connected to network appnet\n`);
    assert.ok(h.engine.calls.includes('disconnect appnet web true'));
  });

  it('prune: asks first (y/N), or -f; prints what was deleted', async () => {
    await cli(h, ['network', 'create', 'p1']);
    const no = await cli(h, ['network', 'prune'], { stdin: 'n\n' });
    assert.equal(no.code, 0);
    assert.equal(
      no.out,
      'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ',
    );
    assert.ok(h.engine.listNetworks().some((n) => n.name === 'p1'));
    const eof = await cli(h, ['network', 'prune']);
    assert.equal(eof.code, 0);
    assert.ok(h.engine.listNetworks().some((n) => n.name === 'p1'));
    const yes = await cli(h, ['network', 'prune'], { stdin: 'y\n' });
    assert.ok(yes.out.endsWith('[y/N] Deleted Networks:\np1\n\n'));
    await cli(h, ['network', 'create', 'p2']);
    const forced = await cli(h, ['network', 'prune', '-f']);
    assert.equal(forced.out, 'Deleted Networks:\np2\n\n');
    const nothing = await cli(h, ['network', 'prune', '--force']);
    assert.equal(nothing.out, '');
  });

  it('help: group and command', async () => {
    const g = await cli(h, ['network', '--help']);
    assert.equal(g.code, 0);
    assert.equal(
      g.out,
      [
        '',
        'Usage:  berth network COMMAND',
        '',
        'Manage networks',
        '',
        'Commands:',
        '  connect     Connect a container to a network',
        '  create      Create a network',
        '  disconnect  Disconnect a container from a network',
        '  inspect     Display detailed information on one or more networks',
        '  ls          List networks',
        '  prune       Remove all unused networks',
        '  rm          Remove one or more networks',
        '',
        "Run 'berth network COMMAND --help' for more information on a command.",
        '',
      ].join('\n'),
    );
    const bare = await cli(h, ['network']);
    assert.equal(bare.out, g.out);
    const ls = await cli(h, ['network', 'ls', '--help']);
    assert.equal(
      ls.out,
      [
        '',
        'Usage:  berth network ls [OPTIONS]',
        '',
        'List networks',
        '',
        'Aliases:',
        '  ls, list',
        '',
        'Options:',
        "  -f, --filter filter   Provide filter values (e.g. 'driver=bridge')",
        '      --format string   Pretty-print networks using a Go template',
        '      --no-trunc        Do not truncate the output',
        '  -q, --quiet           Only display network IDs',
        '',
      ].join('\n'),
    );
    const unknown = await cli(h, ['network', 'bogus']);
    assert.equal(unknown.code, 1);
    assert.ok(unknown.err.startsWith('\nUsage:  berth network COMMAND\n'));
  });
});
