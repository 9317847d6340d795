// The Docker API reader against fake sockets: a clear error for anything that is
// not a Docker API, and the state read from one that is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDockerApi } from '../../../src/docker/api.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-dockerapi-'));
const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function listen(server: Server): Promise<string> {
  const path = join(dir, `s${n++}.sock`);
  servers.push(server);
  await new Promise<void>((r) => server.listen(path, r));
  return `unix://${path}`;
}

const http = (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> => listen(createHttpServer(handler));

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

test('no socket there, or not a unix URL', async () => {
  await assert.rejects(openDockerApi(`unix://${dir}/none.sock`), { message: `cannot connect to unix://${dir}/none.sock: no such socket. Is dockerd running?` });
  await assert.rejects(openDockerApi('tcp://127.0.0.1:2375'), { message: '--docker tcp://127.0.0.1:2375: expected a unix socket, unix:///path (e.g. unix:///var/run/docker.sock)' });
});

test('a socket that does not speak HTTP', async () => {
  const url = await listen(createNetServer((c) => c.end('SSH-2.0-OpenSSH\r\n')));
  await assert.rejects(openDockerApi(url), (e: Error) => e.message.startsWith(`${url} is not a Docker API: it does not answer HTTP`));
});

test('an HTTP server that is not dockerd', async () => {
  const url = await http((_req, res) => send(res, 404, '404 page not found\n'));
  await assert.rejects(openDockerApi(url), { message: `${url} is not a Docker API: GET /_ping answered 404 "404 page not found", not 200 "OK"` });
  const noVersion = await http((req, res) => (req.url === '/_ping' ? send(res, 200, 'OK') : send(res, 200, { hello: 'world' })));
  await assert.rejects(openDockerApi(noVersion), { message: `${noVersion} is not a Docker API: GET /version answered 200 without an ApiVersion` });
});

test('berthd is recognised and sent to plain berth doctor', async () => {
  const url = await http((req, res) => (req.url === '/_ping' ? send(res, 200, 'OK') : send(res, 200, { ApiVersion: '1.41', Platform: { Name: 'berth' } }, { Server: 'berth/0.1.0 (linux)' })));
  await assert.rejects(openDockerApi(url), { message: `${url} is berthd, not dockerd: run \`berth -H ${url} doctor\` instead` });
});

test('a dockerd: networks, and the containers that are not down, inspected', async () => {
  const asked: string[] = [];
  const url = await http((req, res) => {
    asked.push(req.url ?? '');
    switch (req.url) {
      case '/_ping':
        return send(res, 200, 'OK');
      case '/version':
        return send(res, 200, { Version: '20.10.24+dfsg1', ApiVersion: '1.41' });
      case '/v1.41/networks':
        return send(res, 200, [{ Id: 'n1', Name: 'bridge', Driver: 'bridge' }]);
      case '/v1.41/containers/json?all=1':
        return send(res, 200, [{ Id: 'run', State: 'running' }, { Id: 'gone', State: 'exited' }, { Id: 'raced', State: 'created' }]);
      case '/v1.41/containers/run/json':
        return send(res, 200, { Id: 'run', State: { Running: true } });
      default:
        return send(res, 404, { message: 'No such container: raced' });
    }
  });
  const api = await openDockerApi(url);
  assert.equal(api.version, '20.10.24+dfsg1');
  assert.equal(api.apiVersion, '1.41');
  assert.deepEqual(await api.state(), { networks: [{ Id: 'n1', Name: 'bridge', Driver: 'bridge' }], containers: [{ Id: 'run', State: { Running: true } }] });
  assert.ok(!asked.includes('/v1.41/containers/gone/json'), 'an exited container is not inspected');
  assert.ok(asked.includes('/v1.41/containers/raced/json'), 'a created one is (it may be starting)');
});
