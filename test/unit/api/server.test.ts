import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpStatusOf } from '../../../src/api/errors.js';
import { createApiServer, lookupGroupId } from '../../../src/api/server.js';
import { BerthError, type ErrorKind } from '../../../src/model/errors.js';
import { FakeEngine } from '../../helpers/fake-engine.js';
import { call, startHarness, type Harness } from './harness.js';

describe('error → HTTP status (one table)', () => {
  const cases: [ErrorKind, number][] = [
    ['invalid', 400],
    ['not-found', 404],
    ['conflict', 409],
    ['forbidden', 403],
    ['unavailable', 503],
    ['system', 500],
  ];
  for (const [kind, status] of cases) {
    it(`${kind} → ${status}`, () => assert.equal(httpStatusOf(new BerthError(kind, 'x')), status));
  }
  it('unknown errors are 500', () => {
    assert.equal(httpStatusOf(new Error('boom')), 500);
    assert.equal(httpStatusOf('string'), 500);
  });
});

describe('API server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('creates the socket with mode 0660', () => {
    const st = statSync(h.socketPath);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
  });

  it('GET /_ping answers OK with Docker headers', async () => {
    const r = await call(h.socketPath, 'GET', '/_ping');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'OK');
    assert.equal(r.headers['api-version'], '1.41');
    assert.equal(r.headers['docker-experimental'], 'false');
    assert.equal(r.headers['ostype'], 'linux');
  });

  it('HEAD /_ping has no body', async () => {
    const r = await call(h.socketPath, 'HEAD', '/_ping');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });

  it('accepts version-prefixed and plain paths alike', async () => {
    const a = await call(h.socketPath, 'GET', '/v1.41/networks');
    const b = await call(h.socketPath, 'GET', '/networks');
    const c = await call(h.socketPath, 'GET', '/v1.24/networks');
    assert.equal(a.status, 200);
    assert.deepEqual(a.json(), b.json());
    assert.deepEqual(c.json(), b.json());
  });

  it('rejects a version that is too new or too old, with dockerd messages', async () => {
    const hi = await call(h.socketPath, 'GET', '/v1.99/networks');
    assert.equal(hi.status, 400);
    assert.deepEqual(hi.json(), { message: 'client version 1.99 is too new. Maximum supported API version is 1.41' });
    const lo = await call(h.socketPath, 'GET', '/v1.5/_ping');
    assert.equal(lo.status, 400);
    assert.deepEqual(lo.json(), {
      message: 'client version 1.5 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version',
    });
  });

  it('GET /version has Docker’s shape', async () => {
    const r = await call(h.socketPath, 'GET', '/v1.41/version');
    assert.equal(r.status, 200);
    const v = r.json() as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), [
      'Platform', 'Components', 'Version', 'ApiVersion', 'MinAPIVersion', 'GitCommit', 'GoVersion', 'Os', 'Arch', 'KernelVersion', 'BuildTime',
    ]);
    assert.equal(v['ApiVersion'], '1.41');
    assert.equal(v['MinAPIVersion'], '1.12');
    assert.equal(v['Os'], 'linux');
    assert.equal(v['Version'], '0.1.0');
    assert.ok(Array.isArray(v['Components']));
  });

  it('GET /info merges the engine’s info', async () => {
    const r = await call(h.socketPath, 'GET', '/info');
    assert.equal(r.status, 200);
    const v = r.json() as Record<string, unknown>;
    assert.equal(v['Containers'], 0);
    assert.equal(v['OSType'], 'linux');
    assert.equal(v['IPv4Forwarding'], true);
    // The fields dockerd 20.10 sends, valued for berth (no swarm, no OCI runtime).
    for (const k of ['DriverStatus', 'NFd', 'SystemTime', 'LoggingDriver', 'CgroupDriver', 'CgroupVersion', 'NEventsListener', 'OSVersion', 'DockerRootDir', 'Runtimes', 'LiveRestoreEnabled', 'SecurityOptions']) {
      assert.ok(k in v, `/info has ${k}`);
    }
    assert.deepEqual(v['Swarm'], { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null });
  });

  it('unknown paths are 404 with Docker’s body; wrong methods 405', async () => {
    const r = await call(h.socketPath, 'GET', '/nope');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), { message: 'page not found' });
    const m = await call(h.socketPath, 'PUT', '/networks/create');
    assert.equal(m.status, 405);
  });

  it('GET /berth/rules returns the owned rules as text', async () => {
    const r = await call(h.socketPath, 'GET', '/berth/rules');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.equal(r.text, h.engine.rules);
  });

  it('a garbage request line gets a 400, and the server stays up', async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const s = connect(h.socketPath);
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(data));
      s.on('error', () => resolve(data));
      s.write('NOT HTTP\r\n\r\n');
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.equal((await call(h.socketPath, 'GET', '/_ping')).status, 200);
  });
});

describe('socket lifecycle', () => {
  /** A socket file left behind by a process that died without cleaning up. */
  async function staleSocket(path: string): Promise<void> {
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  it('removes a stale socket file, refuses a live one and a non-socket, unlinks on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-sock-'));
    try {
      const path = join(dir, 'api.sock');
      const engine = new FakeEngine({ logDir: dir });
      await staleSocket(path);
      assert.ok(statSync(path).isSocket());
      const s1 = createApiServer(engine, { socketPath: path });
      await s1.listen();
      assert.equal((await call(path, 'GET', '/_ping')).text, 'OK');
      // A second daemon on the same socket must not steal it.
      const s2 = createApiServer(engine, { socketPath: path });
      await assert.rejects(s2.listen(), (e: unknown) => e instanceof BerthError && e.kind === 'conflict');
      assert.equal((await call(path, 'GET', '/_ping')).text, 'OK');
      await s1.close();
      assert.equal(existsSync(path), false);
      writeFileSync(path, 'not a socket');
      const s3 = createApiServer(engine, { socketPath: path });
      await assert.rejects(s3.listen(), /is not a socket/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('looks groups up by name', () => {
    const text = 'root:x:0:\ndocker:x:998:alice\nberth:x:1001:\n';
    assert.equal(lookupGroupId('berth', text), 1001);
    assert.equal(lookupGroupId('docker', text), 998);
    assert.throws(() => lookupGroupId('nope', text), /group nope not found/);
  });
});
