import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../../src/cli/main.js';
import { startHarness, type Harness } from '../api/harness.js';
import { cli } from './harness.js';

describe('berth CLI entry', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('--help lists management commands and commands; no arguments does too', async () => {
    const r = await cli(h, ['--help']);
    assert.equal(r.code, 0);
    assert.ok(r.out.startsWith('\nUsage:  berth [OPTIONS] COMMAND\n'));
    assert.match(r.out, /\nManagement Commands:\n  firewall    Manage who may open new connections to the containers \(DOCKER-USER\)\n  network     Manage networks\n/);
    for (const name of ['create', 'events', 'exec', 'inspect', 'logs', 'port', 'ps', 'restart', 'rm', 'rules', 'run', 'start', 'stop', 'version']) {
      assert.match(r.out, new RegExp(`\\n  ${name} +\\S`), name);
    }
    assert.ok(r.out.endsWith("\nRun 'berth COMMAND --help' for more information on a command.\n"));
    assert.equal((await cli(h, [])).out, r.out);
    assert.equal((await cli(h, ['help'])).out, r.out);
  });

  it('each command has help listing its flags from the table', async () => {
    for (const e of COMMANDS) {
      const r = await cli(h, [e.name, '--help']);
      assert.equal(r.code, 0, e.name);
      assert.ok(r.out.startsWith(`\nUsage:  berth ${e.name}`), e.name);
    }
    const run = await cli(h, ['run', '--help']);
    assert.match(run.out, /\n  -d, --detach +Run container in background and print container ID\n/);
    assert.match(run.out, /\n  -p, --publish list +Publish a container's port\(s\) to the host\n/);
    assert.match(run.out, /\n      --network network +Connect a container to a network/);
    assert.doesNotMatch(run.out, /--net /, 'the --net alias is hidden');
    const help = await cli(h, ['help', 'ps']);
    assert.ok(help.out.startsWith('\nUsage:  berth ps [OPTIONS]\n'));
  });

  it('--version / -v', async () => {
    const r = await cli(h, ['--version']);
    assert.deepEqual([r.code, r.out], [0, 'berth version 0.1.0\n']);
    assert.equal((await cli(h, ['-v'])).out, r.out);
  });

  it('unknown commands and global flags', async () => {
    const r = await cli(h, ['frobnicate']);
    assert.deepEqual([r.code, r.err], [1, "berth: 'frobnicate' is not a berth command.\nSee 'berth --help'\n"]);
    const g = await cli(h, ['--nope', 'ps']);
    assert.deepEqual([g.code, g.err], [125, "unknown flag: --nope\nSee 'berth --help'.\n"]);
  });

  it('-H and BERTH_HOST pick the socket; a dead socket is docker’s connection error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
    try {
      const dead = join(dir, 'none.sock');
      const r = await cli(h, ['-H', `unix://${dead}`, 'ps']);
      assert.deepEqual([r.code, r.err], [1, `Cannot connect to the berth daemon at unix://${dead}. Is the berth daemon running?\n`]);
      const env = await cli(h, ['network', 'ls', '-q'], { env: { BERTH_HOST: `unix://${dead}` } });
      assert.equal(env.code, 1);
      const viaFlag = await cli(h, ['-H', `unix://${h.socketPath}`, 'network', 'ls', '-q'], { env: { BERTH_HOST: `unix://${dead}` } });
      assert.equal(viaFlag.code, 0);
      assert.equal(viaFlag.out.split('\n').length, 4);
      const tcp = await cli(h, ['-H', 'tcp://1.2.3.4:2375', 'ps']);
      assert.equal(tcp.code, 1);
      assert.match(tcp.err, /^berth: unsupported host "tcp:\/\/1\.2\.3\.4:2375"/);
      const run = await cli(h, ['-H', `unix://${dead}`, 'run', '-d', 'sleep', '1']);
      assert.equal(run.code, 125);
      assert.equal(run.err, `berth: Cannot connect to the berth daemon at unix://${dead}. Is the berth daemon running?.\nSee 'berth run --help'.\n`);
      const version = await cli(h, ['-H', `unix://${dead}`, 'version']);
      assert.equal(version.code, 1);
      assert.match(version.out, /^Client: berth\n Version: +0\.1\.0\n/);
      assert.doesNotMatch(version.out, /Server/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('version shows client and server', async () => {
    const r = await cli(h, ['version']);
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      /^Client: berth\n Version:           0\.1\.0\n API version:       1\.41\n Node version:      v\d+\.\d+\.\d+\n OS\/Arch:           linux\/\w+\n\nServer: berth\n Engine:\n  Version:          0\.1\.0\n  API version:      1\.41 \(minimum version 1\.12\)\n/,
    );
    const f = await cli(h, ['version', '--format', '{{.Server.ApiVersion}} {{.Client.Version}}']);
    assert.equal(f.out, '1.41 0.1.0\n');
  });
});
