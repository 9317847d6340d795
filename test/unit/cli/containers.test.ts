import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useHarness, until } from '../api/harness.js';
import { cli } from './harness.js';

/**
 * Splits a docker-style table into cells, checking the alignment: every cell of a row
 * starts exactly where its column's header starts.
 */
function cells(text: string): string[][] {
  const lines = text.replace(/\n$/, '').split('\n');
  const header = lines[0] ?? '';
  const starts = [...header.matchAll(/(?:^|(?<=   ))\S/g)].map((m) => m.index ?? 0);
  return lines.map((line, i) =>
    starts.map((start, j) => {
      const end = starts[j + 1] ?? line.length;
      if (start > 0) assert.equal(line.slice(start - 3, start), '   ', `line ${i}, column ${j}: three spaces before a column`);
      if (j > 0) assert.notEqual(line[start], ' ', `line ${i}, column ${j} starts at its header`);
      return line.slice(start, end).trimEnd();
    }),
  );
}

describe('berth container commands', () => {
  const h = useHarness();
  const cid = (name: string) => h.engine.inspectContainer(name).id;

  it('run -d prints the full id; the options reach the engine in Docker’s shape', async () => {
    await cli(h, ['network', 'create', '--subnet', '10.70.0.0/24', 'appnet']);
    const r = await cli(h, [
      'run', '-dP', '--name', 'web', '-p', '8080:80', '-p', '127.0.0.1::53/udp', '--expose', '9000-9001', '--net', 'appnet',
      '--ip', '10.70.0.9', '--rm', '--', 'httpd', '-f', '-p', '80',
    ]);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.equal(r.out, `${cid('web')}\n`);
    const c = h.engine.inspectContainer('web');
    assert.deepEqual(c.cmd, ['httpd', '-f', '-p', '80']);
    assert.equal(c.state.status, 'running');
    assert.equal(c.publishAll, true);
    assert.equal(c.autoRemove, true);
    assert.deepEqual(c.networks.map((n) => n.ipv4), ['10.70.0.9']);
    assert.deepEqual(
      c.portRequests.map((p) => `${p.hostIp}|${p.hostPortStart}|${p.containerPort}/${p.proto}`),
      ['|8080|80/tcp', '127.0.0.1|null|53/udp'],
    );
    assert.deepEqual(c.exposedPorts.map((e) => `${e.port}/${e.proto}`), ['80/tcp', '53/udp', '9000/tcp', '9001/tcp']);
  });

  it('run: flags stop at the command; the command may carry its own flags', async () => {
    const r = await cli(h, ['run', '-d', '--name', 'sh1', 'sh', '-c', 'sleep 9', '-p', '1']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(h.engine.inspectContainer('sh1').cmd, ['sh', '-c', 'sleep 9', '-p', '1']);
    assert.deepEqual(h.engine.inspectContainer('sh1').portRequests, []);
  });

  it('run in the foreground streams the output and exits with the command’s code', async () => {
    const ok = await cli(h, ['run', '--name', 'hello', '--', 'echo', 'hello', 'world']);
    assert.deepEqual([ok.code, ok.out, ok.err], [0, 'hello world\n', '']);
    assert.equal(h.engine.inspectContainer('hello').state.status, 'exited');
    const fail = await cli(h, ['run', '--', 'exit', '3']);
    assert.deepEqual([fail.code, fail.out], [3, '']);
    const rm = await cli(h, ['run', '--rm', '--name', 'gone', '--', 'echo', 'bye']);
    assert.deepEqual([rm.code, rm.out], [0, 'bye\n']);
    assert.equal(h.engine.listContainers(true).some((c) => c.name === 'gone'), false);
  });

  it('run: argument errors are docker’s, exit 125', async () => {
    const cases: [string[], string][] = [
      [['-p', '70000:80', '--', 'sleep', '1'], "berth: Invalid hostPort: 70000.\nSee 'berth run --help'.\n"],
      [['-p', '80/xyz', 'sleep'], "berth: Invalid proto: xyz.\nSee 'berth run --help'.\n"],
      [['--expose', '1:2', 'sleep'], "berth: invalid port format for --expose: 1:2.\nSee 'berth run --help'.\n"],
      [['--ip', '300.1.1.1', 'sleep'], "berth: invalid IPv4 address: 300.1.1.1.\nSee 'berth run --help'.\n"],
      [['--bogus', 'sleep'], "unknown flag: --bogus\nSee 'berth run --help'.\n"],
      [['--name'], "flag needs an argument: --name\nSee 'berth run --help'.\n"],
    ];
    for (const [args, err] of cases) {
      const r = await cli(h, ['run', ...args]);
      assert.deepEqual([r.code, r.out, r.err], [125, '', err], args.join(' '));
    }
    const noCmd = await cli(h, ['run', '-d']);
    assert.equal(noCmd.code, 125);
    assert.match(noCmd.err, /^"berth run" requires at least 1 argument\.\nSee 'berth run --help'\.\n\nUsage:  berth run \[OPTIONS\] \[--\] COMMAND \[ARG\.\.\.\]\n/);
  });

  it('run: daemon errors at create (with help) and at start (without), exit 125', async () => {
    const name = await cli(h, ['run', '-d', '--name', 'x', '--', 'sleep', '1']);
    assert.deepEqual(
      [name.code, name.out, name.err],
      [125, '', "berth: Error response from daemon: Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed.\nSee 'berth run --help'.\n"],
    );
    await cli(h, ['run', '-d', '--name', 'base', '--', 'sleep', '1']);
    await h.engine.stopContainer('base');
    const start = await cli(h, ['run', '-d', '--name', 'side', '--network', 'container:base', '--', 'sleep', '1']);
    assert.equal(start.code, 125);
    assert.equal(start.out, `${cid('side')}\n`, 'the id is printed before the start fails');
    assert.equal(start.err, `berth: Error response from daemon: cannot join network of a non running container: ${cid('base')}.\n`);
    const fg = await cli(h, ['run', '--name', 'side2', '--network', 'container:base', '--', 'sleep', '1']);
    assert.equal(fg.code, 125);
    assert.equal(fg.out, '');
  });

  it('create prints the id and leaves the container created', async () => {
    const r = await cli(h, ['create', '--name', 'cc', '-p', '80', '--', 'sleep', '1']);
    assert.deepEqual([r.code, r.out, r.err], [0, `${cid('cc')}\n`, '']);
    assert.equal(h.engine.inspectContainer('cc').state.status, 'created');
    const bad = await cli(h, ['create', '-p', 'x:y:z:w', 'sleep']);
    assert.equal(bad.code, 125);
    assert.match(bad.err, /^berth: .*\.\nSee 'berth create --help'\.\n$/);
  });

  it('ps: docker’s table, running only unless -a; -q; --no-trunc; --format', async () => {
    await cli(h, ['network', 'create', 'appnet']);
    await cli(h, ['create', '--name', 'idle', '--', 'sleep', '1']);
    await new Promise((r) => setTimeout(r, 5));
    await cli(h, ['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', '--expose', '443', '--', 'httpd', '-f', '-p', '80', '-h', '/www']);
    const r = await cli(h, ['ps']);
    assert.equal(r.code, 0);
    const id = cid('web').slice(0, 12);
    const rows = cells(r.out);
    assert.deepEqual(rows[0], ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']);
    assert.equal(rows.length, 2);
    const [cId, image, command, created, status, ports, names] = rows[1] ?? [];
    assert.deepEqual([cId, image, command, ports, names], [id, 'host-cmd', '"httpd -f -p 80 -h /…"', '443/tcp, 0.0.0.0:8080->80/tcp', 'web']);
    assert.match(String(created), /^(Less than a second|\d+ seconds?) ago$/);
    assert.match(String(status), /^Up (Less than a second|\d+ seconds?)$/);
    const all = await cli(h, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
    assert.match(all.out, /^web Up (Less than a second|\d+ seconds?)\nidle Created\n$/);
    const q = await cli(h, ['ps', '-aq']);
    assert.equal(q.out, `${id}\n${cid('idle').slice(0, 12)}\n`);
    const full = await cli(h, ['ps', '-q', '--no-trunc']);
    assert.equal(full.out, `${cid('web')}\n`);
    const cmd = await cli(h, ['ps', '--no-trunc', '--format', '{{.Command}}|{{.Networks}}|{{.State}}|{{.Ports}}']);
    assert.equal(cmd.out, '"httpd -f -p 80 -h /www"|appnet|running|443/tcp, 0.0.0.0:8080->80/tcp\n');
    const table = await cli(h, ['ps', '-a', '--format', 'table {{.Names}}\t{{.Image}}']);
    assert.equal(table.out, 'NAMES     IMAGE\nweb       host-cmd\nidle      host-cmd\n');
    const filtered = await cli(h, ['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}']);
    assert.equal(filtered.out, 'idle\n');
    const latest = await cli(h, ['ps', '-l', '--format', '{{.Names}}']);
    assert.equal(latest.out, 'web\n');
    const empty = await cli(h, ['ps', '--filter', 'name=nothing']);
    assert.equal(empty.out, 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
  });

  it('port: all mappings, or one; docker’s error when not published', async () => {
    await cli(h, ['run', '-d', '--name', 'web', '-p', '8443:443', '-p', '8080:80', '-p', '127.0.0.1:5353:53/udp', '--expose', '9000', '--', 'sleep', '9']);
    const all = await cli(h, ['port', 'web']);
    assert.deepEqual([all.code, all.out], [0, '53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n443/tcp -> 0.0.0.0:8443\n']);
    const one = await cli(h, ['port', 'web', '80']);
    assert.equal(one.out, '0.0.0.0:8080\n');
    const udp = await cli(h, ['port', 'web', '53/udp']);
    assert.equal(udp.out, '127.0.0.1:5353\n');
    const none = await cli(h, ['port', 'web', '9000/tcp']);
    assert.deepEqual([none.code, none.out, none.err], [1, '', "Error: No public port '9000/tcp' published for web\n"]);
    const missing = await cli(h, ['port', 'nosuch']);
    assert.deepEqual([missing.code, missing.err], [1, 'Error: No such container: nosuch\n']);
    await cli(h, ['run', '-d', '--name', 'bare', '--', 'sleep', '9']);
    assert.equal((await cli(h, ['port', 'bare'])).out, '');
  });

  it('start / stop / restart / rm: names on success, docker’s errors, exit 1 on any failure', async () => {
    await cli(h, ['create', '--name', 'aa', '--', 'sleep', '9']);
    await cli(h, ['create', '--name', 'bb', '--', 'sleep', '9']);
    const start = await cli(h, ['start', 'aa', 'nosuch', 'bb']);
    assert.equal(start.code, 1);
    assert.equal(start.out, 'aa\nbb\n');
    assert.equal(start.err, 'Error response from daemon: No such container: nosuch\nError: failed to start containers: nosuch\n');
    const again = await cli(h, ['start', 'aa']);
    assert.deepEqual([again.code, again.out], [0, 'aa\n']);
    const stop = await cli(h, ['stop', '-t', '2', 'aa', 'zz']);
    assert.deepEqual([stop.code, stop.out, stop.err], [1, 'aa\n', 'Error response from daemon: No such container: zz\n']);
    assert.ok(h.engine.calls.includes(`stopContainer ${cid('aa')} 2`));
    const stopDefault = await cli(h, ['stop', 'bb']);
    assert.equal(stopDefault.out, 'bb\n');
    assert.ok(h.engine.calls.includes(`stopContainer ${cid('bb')} `), 'no -t: the daemon decides');
    const restart = await cli(h, ['restart', 'aa']);
    assert.deepEqual([restart.code, restart.out], [0, 'aa\n']);
    assert.equal(h.engine.inspectContainer('aa').state.status, 'running');
    const rmRunning = await cli(h, ['rm', 'aa', 'bb', 'nosuch']);
    assert.equal(rmRunning.code, 1);
    assert.equal(rmRunning.out, 'bb\n');
    assert.equal(
      rmRunning.err,
      `Error response from daemon: You cannot remove a running container ${cid('aa')}. Stop the container before attempting removal or force remove\nError: No such container: nosuch\n`,
    );
    const rmForce = await cli(h, ['rm', '-f', 'aa']);
    assert.deepEqual([rmForce.code, rmForce.out], [0, 'aa\n']);
    const badTime = await cli(h, ['stop', '-t', 'x', 'aa']);
    assert.equal(badTime.code, 125);
  });

  it('inspect: containers and networks; -f; --type; unknown objects', async () => {
    await cli(h, ['run', '-d', '--name', 'web', '-p', '8080:80', '--', 'sleep', '9']);
    const r = await cli(h, ['inspect', 'web', 'bridge']);
    assert.equal(r.code, 0);
    const [c, n] = JSON.parse(r.out) as Record<string, unknown>[];
    assert.equal(c?.['Name'], '/web');
    assert.equal(n?.['Name'], 'bridge');
    assert.ok(r.out.startsWith('[\n    {\n        "Id": '));
    const f = await cli(h, ['inspect', '-f', '{{.NetworkSettings.IPAddress}} {{index .Config.Cmd 0}} {{.State.Running}}', 'web']);
    assert.equal(f.out, '172.17.0.2 sleep true\n');
    const nets = await cli(h, ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}}{{end}}', 'web']);
    assert.equal(nets.out, '172.17.0.2 172.17.0.1\n');
    const json = await cli(h, ['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web']);
    assert.equal(json.out, '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}\n');
    const missing = await cli(h, ['inspect', 'web', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'Error: No such object: nope\n');
    assert.equal((JSON.parse(missing.out) as unknown[]).length, 1);
    const typed = await cli(h, ['inspect', '--type', 'network', 'web']);
    assert.deepEqual([typed.code, typed.out, typed.err], [1, '[]\n', 'Error: No such network: web\n']);
    const badType = await cli(h, ['inspect', '--type', 'image', 'web']);
    assert.deepEqual([badType.code, badType.err], [1, '"image" is not a valid value for --type\n']);
  });

  it('logs and logs -f', async () => {
    await cli(h, ['run', '-d', '--name', 'talk', '--', 'sleep', '9']);
    h.engine.appendLog('talk', 'line 1\n');
    const once = await cli(h, ['logs', 'talk']);
    assert.deepEqual([once.code, once.out], [0, 'line 1\n']);
    const follow = cli(h, ['logs', '-f', 'talk']);
    await new Promise((r) => setTimeout(r, 30));
    h.engine.appendLog('talk', 'line 2\n');
    h.engine.exitContainer('talk', 0);
    const f = await follow;
    assert.deepEqual([f.code, f.out], [0, 'line 1\nline 2\n']);
    const missing = await cli(h, ['logs', 'nosuch']);
    assert.deepEqual([missing.code, missing.err], [1, 'Error: No such container: nosuch\n']);
  });

  it('exec runs nsenter into the sandbox with the command, returning its code', async () => {
    await cli(h, ['run', '-d', '--name', 'web', '--', 'sleep', '9']);
    const r = await cli(h, ['exec', '-e', 'A=1', '-e', 'HOME', '-e', 'NOPE', '-w', '/tmp', 'web', '--', 'ip', '-br', 'addr'], {
      execCode: 7,
      env: { HOME: '/root', NOPE: undefined },
    });
    assert.equal(r.code, 7);
    assert.equal(r.execs.length, 1);
    const [call] = r.execs;
    assert.deepEqual(call?.argv, ['nsenter', `--net=/var/run/netns/berth-${cid('web').slice(0, 12)}`, '--', 'ip', '-br', 'addr']);
    assert.equal(call?.opts?.env?.['A'], '1');
    assert.equal(call?.opts?.env?.['HOME'], '/root');
    assert.equal('NOPE' in (call?.opts?.env ?? {}), false);
    assert.equal(call?.opts?.cwd, '/tmp');
    const noDash = await cli(h, ['exec', 'web', 'ip', '-4', 'route']);
    assert.deepEqual(noDash.execs[0]?.argv.slice(2), ['--', 'ip', '-4', 'route']);
    await h.engine.stopContainer('web');
    const stopped = await cli(h, ['exec', 'web', '--', 'true']);
    assert.deepEqual([stopped.code, stopped.err, stopped.execs.length], [1, `Error response from daemon: Container ${cid('web')} is not running\n`, 0]);
    const missing = await cli(h, ['exec', 'nosuch', 'true']);
    assert.deepEqual([missing.code, missing.err], [1, 'Error: No such container: nosuch\n']);
    const noCmd = await cli(h, ['exec', 'web']);
    assert.equal(noCmd.code, 1);
    assert.match(noCmd.err, /^"berth exec" requires at least 2 arguments\./);
  });

  it('events: docker’s line format; --format; --until ends the stream', async () => {
    const base = h.engine.listenerCount;
    const until2 = String((Date.now() + 800) / 1000);
    const pending = cli(h, ['events', '--until', until2, '--filter', 'type=network']);
    const pendingJson = cli(h, ['events', '--until', until2, '--format', '{{.Type}}/{{.Action}}/{{.Actor.Attributes.name}}']);
    await until(() => h.engine.listenerCount >= base + 2);
    await h.engine.createNetwork({ name: 'evnet' });
    await h.engine.createContainer({ name: 'evc', cmd: ['sleep', '1'] });
    const r = await pending;
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) network create ${h.engine.inspectNetwork('evnet').id} \\(name=evnet, type=bridge\\)\\n$`));
    const j = await pendingJson;
    assert.equal(j.out, 'network/create/evnet\ncontainer/create/evc\n');
  });

  it('rules prints the daemon’s owned rules', async () => {
    const r = await cli(h, ['rules']);
    assert.deepEqual([r.code, r.out], [0, h.engine.rules]);
  });
});
