import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { call, openStream, useHarness, until } from './harness.js';

type Json = Record<string, unknown>;

/** Paths where two JSON values differ in type (an empty array matches any array). */
function shapeDiff(a: unknown, b: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(a) !== kind(b)) return [`${path}: ${kind(a)} vs ${kind(b)}`];
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length > 0 && b.length > 0 ? shapeDiff(a[0], b[0], `${path}[0]`) : [];
  }
  if (kind(a) === 'object') {
    const ao = a as Json;
    const bo = b as Json;
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])];
    return keys.flatMap((k) =>
      !(k in ao) ? [`${path}.${k}: missing`] : !(k in bo) ? [`${path}.${k}: extra`] : shapeDiff(ao[k], bo[k], `${path}.${k}`),
    );
  }
  return [];
}

function keyPaths(v: unknown, prefix = ''): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
  return Object.entries(v as Json).flatMap(([k, x]) => [`${prefix}${k}`, ...keyPaths(x, `${prefix}${k}.`)]);
}

const GOLDEN = fileURLToPath(new URL('../../../../test/golden/dockerd/inspect/', import.meta.url));
const golden = (name: string) => (JSON.parse(readFileSync(join(GOLDEN, name), 'utf8')) as Json[])[0] as Json;

describe('containers API', () => {
  const h = useHarness();

  const create = (name: string, body: unknown) =>
    call(h.socketPath, 'POST', `/v1.41/containers/create${name ? `?name=${name}` : ''}`, body);

  it('create takes Docker’s body: Cmd, ExposedPorts, PortBindings, NetworkingConfig', async () => {
    await h.engine.createNetwork({ name: 'appnet', ipam: [{ subnet: '10.40.0.0/24' }] });
    const r = await create('web', {
      Entrypoint: null,
      Cmd: ['httpd', '-f', '-p', '80'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '9000/tcp': {} },
      HostConfig: {
        NetworkMode: 'appnet',
        PortBindings: {
          '80/tcp': [{ HostIp: '', HostPort: '8080' }],
          '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '9000/tcp': [{ HostIp: '', HostPort: '' }],
          '7000/tcp': [{ HostIp: '', HostPort: '7000-7005' }],
        },
        PublishAllPorts: true,
        AutoRemove: true,
      },
      NetworkingConfig: { EndpointsConfig: { appnet: { IPAMConfig: { IPv4Address: '10.40.0.7' } } } },
      Unknown: { ignored: true },
    });
    assert.equal(r.status, 201, r.text);
    const body = r.json() as Json;
    assert.deepEqual(Object.keys(body), ['Id', 'Warnings']);
    assert.deepEqual(body['Warnings'], []);
    const c = h.engine.inspectContainer('web');
    assert.deepEqual(c.cmd, ['httpd', '-f', '-p', '80']);
    assert.equal(c.publishAll, true);
    assert.equal(c.autoRemove, true);
    assert.deepEqual(c.networks.map((n) => n.ipv4), ['10.40.0.7']);
    assert.deepEqual(
      c.portRequests.map((p) => `${p.hostIp}|${p.hostPortStart}-${p.hostPortEnd}|${p.containerPort}/${p.proto}`),
      ['|8080-8080|80/tcp', '127.0.0.1|null-null|53/udp', '|null-null|9000/tcp', '|7000-7005|7000/tcp'],
    );
    // Every bound port is exposed too, after the ExposedPorts.
    assert.deepEqual(c.exposedPorts.map((e) => `${e.port}/${e.proto}`), ['80/tcp', '53/udp', '9000/tcp', '7000/tcp']);
  });

  it('create: NetworkMode "default" is the default bridge; errors are mapped', async () => {
    assert.equal((await create('a1', { Cmd: ['sleep', '1'], HostConfig: { NetworkMode: 'default' } })).status, 201);
    const dup = await create('a1', { Cmd: ['sleep', '1'] });
    assert.equal(dup.status, 409);
    assert.match((dup.json() as Json)['message'] as string, /^Conflict\. The container name "\/a1" is already in use/);
    const badName = await create('x', { Cmd: ['sleep', '1'] });
    assert.equal(badName.status, 400);
    assert.deepEqual(badName.json(), { message: 'Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed' });
    const noCmd = await create('a2', {});
    assert.equal(noCmd.status, 400);
    const badCmd = await create('a3', { Cmd: 5 });
    assert.equal(badCmd.status, 400);
    assert.deepEqual(badCmd.json(), { message: 'invalid type for field "Cmd": expected array, got number' });
    const badPorts = await create('a4', { Cmd: ['x'], HostConfig: { PortBindings: { '80/tcp': 'x' } } });
    assert.equal(badPorts.status, 400);
    // dockerd's validatePortBindings, word for word.
    for (const [bindings, message] of [
      [{ '80/tcp': [{ HostIp: '', HostPort: 'abc' }] }, 'invalid port specification: "abc"'],
      [{ '8o/tcp': [] }, 'invalid port specification: "8o"'],
    ] as const) {
      const r = await create('a4', { Cmd: ['x'], HostConfig: { PortBindings: bindings } });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json(), { message });
    }
    const noNet = await create('a5', { Cmd: ['x'], HostConfig: { NetworkMode: 'nosuch' } });
    assert.equal(noNet.status, 404);
    assert.deepEqual(noNet.json(), { message: 'network nosuch not found' });
    const two = await create('a6', { Cmd: ['x'], NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } });
    assert.equal(two.status, 400);
    const str = await create('a7', { Cmd: 'sleep' });
    assert.equal(str.status, 201, 'Cmd as a string (Docker strslice)');
  });

  it('start 204 then 304; stop 204 then 304; restart 204; unknown 404', async () => {
    await create('web', { Cmd: ['sleep', '100'] });
    const post = (p: string) => call(h.socketPath, 'POST', p);
    assert.equal((await post('/containers/web/start')).status, 204);
    const again = await post('/containers/web/start');
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal((await post('/containers/web/restart?t=1')).status, 204);
    assert.equal((await post('/containers/web/stop?t=3')).status, 204);
    assert.ok(h.engine.calls.includes('stopContainer ' + h.engine.inspectContainer('web').id + ' 3'));
    assert.equal((await post('/containers/web/stop')).status, 304);
    const bad = await post('/containers/web/stop?t=soon');
    assert.equal(bad.status, 400);
    const missing = await post('/containers/nosuch/start');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { message: 'No such container: nosuch' });
  });

  it('GET /containers/json: running by default, all=1, newest first, Docker’s list shape', async () => {
    await h.engine.createNetwork({ name: 'appnet' });
    await create('old', { Cmd: ['sleep', '1'] });
    await new Promise((r) => setTimeout(r, 5));
    await create('web', {
      Cmd: ['sh', '-c', 'echo hi; sleep 9'],
      ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
      HostConfig: { NetworkMode: 'appnet', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
    });
    await call(h.socketPath, 'POST', '/containers/web/start');
    const running = (await call(h.socketPath, 'GET', '/containers/json')).json() as Json[];
    assert.deepEqual(running.map((c) => c['Names']), [['/web']]);
    const all = (await call(h.socketPath, 'GET', '/containers/json?all=1')).json() as Json[];
    assert.deepEqual(all.map((c) => c['Names']), [['/web'], ['/old']]);
    const web = all[0] as Json;
    assert.deepEqual(Object.keys(web), [
      'Id', 'Names', 'Image', 'ImageID', 'Command', 'Created', 'Ports', 'Labels', 'State', 'Status', 'HostConfig', 'NetworkSettings', 'Mounts',
    ]);
    assert.equal(web['Command'], "sh -c 'echo hi; sleep 9'");
    assert.equal(typeof web['Created'], 'number');
    assert.equal(web['State'], 'running');
    assert.match(String(web['Status']), /^Up (Less than a second|\d+ seconds?)$/);
    assert.deepEqual(web['Ports'], [
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 443, Type: 'tcp' },
    ]);
    assert.deepEqual(web['HostConfig'], { NetworkMode: 'appnet' });
    const nets = (web['NetworkSettings'] as Json)['Networks'] as Json;
    assert.deepEqual(Object.keys(nets), ['appnet']);
    const ep = nets['appnet'] as Json;
    assert.equal(ep['IPAddress'], '172.18.0.2');
    assert.equal(ep['Aliases'], null);
    const old = all[1] as Json;
    assert.equal(old['Status'], 'Created');
    assert.deepEqual((old['HostConfig'] as Json)['NetworkMode'], 'default');
    assert.deepEqual(old['Ports'], []);
  });

  it('list filters: status, name, id; bad ones are 400', async () => {
    await create('aa', { Cmd: ['sleep', '1'] });
    await create('bb', { Cmd: ['sleep', '1'] });
    await call(h.socketPath, 'POST', '/containers/bb/start');
    const q = async (f: unknown) =>
      ((await call(h.socketPath, 'GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(f))}`)).json() as Json[]).map(
        (c) => (c['Names'] as string[])[0],
      );
    assert.deepEqual(await q({ status: { running: true } }), ['/bb']);
    assert.deepEqual(await q({ status: { created: true } }), ['/aa']);
    assert.deepEqual(await q({ name: { a: true } }), ['/aa']);
    assert.deepEqual(await q({ id: { [h.engine.inspectContainer('aa').id.slice(0, 8)]: true } }), ['/aa']);
    const bad = await call(h.socketPath, 'GET', `/containers/json?filters=${encodeURIComponent('{"status":{"zzz":true}}')}`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { message: 'Unrecognised filter value for status: zzz' });
  });

  it('inspect matches dockerd’s captured container shape key for key', async () => {
    await h.engine.createNetwork({ name: 'appnet' });
    await create('web', {
      Cmd: ['httpd', '-f', '-p', '80'],
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { NetworkMode: 'appnet', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
    });
    await call(h.socketPath, 'POST', '/containers/web/start');
    const r = await call(h.socketPath, 'GET', '/containers/web/json');
    assert.equal(r.status, 200);
    const got = r.json() as Json;
    const want = golden('container-web.json');
    assert.deepEqual(keyPaths(got), keyPaths(want));
    assert.deepEqual(shapeDiff(got, want), []);
    const ns = got['NetworkSettings'] as Json;
    assert.deepEqual(ns['Ports'], { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
    assert.equal(ns['SandboxKey'], `/var/run/netns/berth-${String(got['Id']).slice(0, 12)}`);
    assert.equal(ns['IPAddress'], '', 'legacy fields describe the default bridge only');
    const appnet = (ns['Networks'] as Json)['appnet'] as Json;
    assert.deepEqual(appnet['Aliases'], [String(got['Id']).slice(0, 12)]);
    assert.equal(appnet['Gateway'], '172.18.0.1');
    assert.deepEqual((got['HostConfig'] as Json)['PortBindings'], { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    assert.deepEqual((got['Config'] as Json)['ExposedPorts'], { '80/tcp': {} });
    assert.equal(got['Name'], '/web');
    assert.equal(got['Path'], 'httpd');
    assert.deepEqual(got['Args'], ['-f', '-p', '80']);
  });

  it('inspect on the default bridge matches dockerd’s shape, legacy fields filled', async () => {
    await create('web0', {
      Cmd: ['httpd'],
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8081' }] } },
    });
    await call(h.socketPath, 'POST', '/containers/web0/start');
    const got = (await call(h.socketPath, 'GET', '/containers/web0/json')).json() as Json;
    const want = golden('container-web0-default-bridge.json');
    assert.deepEqual(keyPaths(got), keyPaths(want));
    assert.deepEqual(shapeDiff(got, want), []);
    const ns = got['NetworkSettings'] as Json;
    assert.equal(ns['IPAddress'], '172.17.0.2');
    assert.equal(ns['Gateway'], '172.17.0.1');
    assert.equal(ns['IPPrefixLen'], 16);
    assert.equal((got['HostConfig'] as Json)['NetworkMode'], 'default');
    assert.equal(((ns['Networks'] as Json)['bridge'] as Json)['Aliases'], null);
  });

  it('inspect of a created container: zero times, no ports, no sandbox; exited keeps its code', async () => {
    await create('c1', { Cmd: ['sleep', '1'], ExposedPorts: { '80/tcp': {} } });
    let got = (await call(h.socketPath, 'GET', '/containers/c1/json')).json() as Json;
    const state = got['State'] as Json;
    assert.equal(state['Status'], 'created');
    assert.equal(state['StartedAt'], '0001-01-01T00:00:00Z');
    assert.equal(state['FinishedAt'], '0001-01-01T00:00:00Z');
    assert.deepEqual((got['NetworkSettings'] as Json)['Ports'], {});
    assert.equal((got['NetworkSettings'] as Json)['SandboxKey'], '');
    await call(h.socketPath, 'POST', '/containers/c1/start');
    h.engine.exitContainer('c1', 3);
    got = (await call(h.socketPath, 'GET', '/containers/c1/json')).json() as Json;
    assert.equal((got['State'] as Json)['ExitCode'], 3);
    assert.equal((got['State'] as Json)['Running'], false);
    const list = (await call(h.socketPath, 'GET', '/containers/json?all=1')).json() as Json[];
    assert.match(String(list[0]?.['Status']), /^Exited \(3\) (Less than a second|\d+ seconds?) ago$/);
  });

  it('SandboxKey: host mode is the daemon’s namespace, container mode follows its target', async () => {
    await create('base', { Cmd: ['sleep', '1'] });
    await call(h.socketPath, 'POST', '/containers/base/start');
    await create('side', { Cmd: ['sleep', '1'], HostConfig: { NetworkMode: 'container:base' } });
    await call(h.socketPath, 'POST', '/containers/side/start');
    await create('hostc', { Cmd: ['sleep', '1'], HostConfig: { NetworkMode: 'host' } });
    await call(h.socketPath, 'POST', '/containers/hostc/start');
    const key = async (n: string) => ((await call(h.socketPath, 'GET', `/containers/${n}/json`)).json() as Json)['NetworkSettings'] as Json;
    const base = await key('base');
    const side = await key('side');
    const host = await key('hostc');
    assert.equal(side['SandboxKey'], base['SandboxKey']);
    assert.deepEqual(side['Networks'], {});
    assert.equal(host['SandboxKey'], `/proc/${process.pid}/ns/net`);
    assert.deepEqual(Object.keys(host['Networks'] as Json), ['host']);
    const side2 = (await call(h.socketPath, 'GET', '/containers/side/json')).json() as Json;
    assert.equal((side2['HostConfig'] as Json)['NetworkMode'], `container:${h.engine.inspectContainer('base').id}`);
  });

  it('DELETE: 409 when running, 204 with force, 404 when gone', async () => {
    await create('web', { Cmd: ['sleep', '1'] });
    await call(h.socketPath, 'POST', '/containers/web/start');
    const running = await call(h.socketPath, 'DELETE', '/containers/web');
    assert.equal(running.status, 409);
    assert.match((running.json() as Json)['message'] as string, /^You cannot remove a running container [0-9a-f]{64}\. Stop the container/);
    assert.equal((await call(h.socketPath, 'DELETE', '/containers/web?force=1')).status, 204);
    assert.equal((await call(h.socketPath, 'DELETE', '/containers/web')).status, 404);
  });

  it('wait: immediate for a stopped container, else headers first and the code on exit', async () => {
    await create('ww', { Cmd: ['sleep', '1'] });
    const now = await call(h.socketPath, 'POST', '/containers/ww/wait');
    assert.equal(now.status, 200);
    assert.deepEqual(now.json(), { StatusCode: 0, Error: null });
    await call(h.socketPath, 'POST', '/containers/ww/start');
    const s = await openStream(h.socketPath, 'POST', '/containers/ww/wait');
    assert.equal(s.status, 200);
    assert.equal(s.text(), '');
    h.engine.exitContainer('ww', 42);
    assert.deepEqual(JSON.parse(await s.ended), { StatusCode: 42, Error: null });
    // next-exit on a created container waits for the run that follows
    await create('nn', { Cmd: ['echo', 'hi'] });
    const next = await openStream(h.socketPath, 'POST', '/containers/nn/wait?condition=next-exit');
    await call(h.socketPath, 'POST', '/containers/nn/start');
    assert.deepEqual(JSON.parse(await next.ended), { StatusCode: 0, Error: null });
    // removed: until an auto-removed container is gone
    await create('rr', { Cmd: ['false'], HostConfig: { AutoRemove: true } });
    const removed = await openStream(h.socketPath, 'POST', '/containers/rr/wait?condition=removed');
    await call(h.socketPath, 'POST', '/containers/rr/start');
    assert.deepEqual(JSON.parse(await removed.ended), { StatusCode: 1, Error: null });
    assert.equal(h.engine.listContainers(true).some((c) => c.name === 'rr'), false);
    const bad = await call(h.socketPath, 'POST', '/containers/nn/wait?condition=soon');
    assert.equal(bad.status, 400);
    assert.equal((await call(h.socketPath, 'POST', '/containers/zz/wait')).status, 404);
  });

  it('logs: whole file; follow streams until the container stops', async () => {
    await create('ll', { Cmd: ['sleep', '1'] });
    await call(h.socketPath, 'POST', '/containers/ll/start');
    h.engine.appendLog('ll', 'one\n');
    const plain = await call(h.socketPath, 'GET', '/containers/ll/logs?stdout=1&stderr=1');
    assert.equal(plain.status, 200);
    assert.equal(plain.text, 'one\n');
    const s = await openStream(h.socketPath, 'GET', '/containers/ll/logs?follow=1');
    await s.waitFor((t) => t === 'one\n');
    h.engine.appendLog('ll', 'two\n');
    await s.waitFor((t) => t === 'one\ntwo\n');
    h.engine.appendLog('ll', 'three\n');
    h.engine.exitContainer('ll', 0);
    assert.equal(await s.ended, 'one\ntwo\nthree\n');
    const stopped = await call(h.socketPath, 'GET', '/containers/ll/logs?follow=1');
    assert.equal(stopped.text, 'one\ntwo\nthree\n', 'follow on a stopped container ends at once');
    assert.equal((await call(h.socketPath, 'GET', '/containers/zz/logs')).status, 404);
  });

  it('logs follow armed before start catches all output of a fast, auto-removed run', async () => {
    await create('fast', { Cmd: ['echo', 'hello', 'world'], HostConfig: { AutoRemove: true } });
    const s = await openStream(h.socketPath, 'GET', '/containers/fast/logs?follow=1');
    await call(h.socketPath, 'POST', '/containers/fast/start');
    assert.equal(await s.ended, 'hello world\n');
    await until(() => h.engine.listContainers(true).length === 0);
  });

  it('streams release their engine subscriptions when the client goes away', async () => {
    const before = h.engine.listenerCount;
    await create('l2', { Cmd: ['sleep', '1'] });
    await call(h.socketPath, 'POST', '/containers/l2/start');
    const logs = await openStream(h.socketPath, 'GET', '/containers/l2/logs?follow=1');
    const ev = await openStream(h.socketPath, 'GET', '/events');
    await until(() => h.engine.listenerCount === before + 2);
    logs.close();
    ev.close();
    await until(() => h.engine.listenerCount === before);
  });

  it('GET /events streams Docker-shaped messages, with filters', async () => {
    const all = await openStream(h.socketPath, 'GET', '/events');
    const nets = await openStream(h.socketPath, 'GET', `/events?filters=${encodeURIComponent('{"type":{"network":true}}')}`);
    assert.equal(all.status, 200);
    await h.engine.createNetwork({ name: 'evnet' });
    await create('ev', { Cmd: ['sleep', '1'] });
    await all.waitFor((t) => t.split('\n').length >= 3);
    const [netEvent, ctrEvent] = all.text().trim().split('\n').map((l) => JSON.parse(l) as Json);
    const nid = h.engine.inspectNetwork('evnet').id;
    assert.deepEqual(Object.keys(netEvent ?? {}), ['Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    assert.deepEqual(netEvent?.['Actor'], { ID: nid, Attributes: { name: 'evnet', type: 'bridge' } });
    assert.equal(netEvent?.['Action'], 'create');
    assert.equal((netEvent?.['timeNano'] as number) / 1e9, netEvent?.['time']);
    assert.deepEqual(Object.keys(ctrEvent ?? {}), ['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    assert.equal(ctrEvent?.['status'], 'create');
    // As dockerd: container events name the image; attributes come in Go's sorted key order.
    assert.deepEqual(Object.keys((ctrEvent?.['Actor'] as { Attributes: object }).Attributes), ['image', 'name']);
    await nets.waitFor((t) => t.includes('"create"'));
    assert.equal(nets.text().trim().split('\n').length, 1);
    all.close();
    nets.close();
    const bad = await call(h.socketPath, 'GET', `/events?filters=${encodeURIComponent('{"colour":{"x":true}}')}`);
    assert.equal(bad.status, 400);
  });

  it('GET /events?until= ends the stream at that time', async () => {
    const until2 = (Date.now() + 100) / 1000;
    const s = await openStream(h.socketPath, 'GET', `/events?until=${until2}`);
    assert.equal(await s.ended, '');
  });
});
