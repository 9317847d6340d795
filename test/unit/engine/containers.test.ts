import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeHarness, netView, NOW, rejection, type Harness } from './harness.js';
import { hairpinAppnet, hairpinPublished } from './rulesets.js';
import { BerthError } from '../../../src/model/errors.js';
import type { NetworkRecord } from '../../../src/engine/types.js';
import { parsePortSpecs } from '../../../src/model/port-binding.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';
const CREATED = { status: 'created', pid: 0, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, error: '' } as const;
const PORT_8080 = [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 8080 }] as const;

/** A started engine (userland proxy off: no real listeners) with the user network appnet. */
async function withAppnet(t: { after(fn: () => void): void }): Promise<{ h: Harness; appnet: NetworkRecord; br: string }> {
  const h = makeHarness({ config: { userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  const { network } = await h.engine.createNetwork({ name: 'appnet' });
  return { h, appnet: network, br: `br-${network.id.slice(0, 12)}` };
}

/** Everything start/rollback may touch: host links, namespaces, rules, endpoints. */
async function snapshot(h: Harness): Promise<unknown> {
  return {
    host: await netView(h.host),
    netns: await h.host.netns.list(),
    rules: h.rules(),
    endpoints: h.engine.endpoints(),
  };
}

test('createContainer: the record, created, on its network, with its port request', async (t) => {
  const { h, appnet } = await withAppnet(t);
  const { container, warnings } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  assert.deepEqual(warnings, []);
  assert.match(container.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(container, {
    id: container.id,
    name: 'web',
    created: NOW.toISOString(),
    cmd: ['sleep', '3600'],
    networkMode: { kind: 'bridge', network: appnet.id },
    networks: [{ networkId: appnet.id, ipv4: null, aliases: [] }],
    portRequests: [{ proto: 'tcp', containerPort: 80, hostIp: '', hostPortStart: 8080, hostPortEnd: 8080 }],
    exposedPorts: [{ proto: 'tcp', port: 80 }],
    publishAll: false,
    autoRemove: false,
    state: CREATED,
    startSeq: 0,
    ports: [],
    netns: '',
  });
  assert.deepEqual(h.state().containers, [container]);
  assert.deepEqual(await h.host.netns.list(), []);
  assert.equal(h.rules(), hairpinAppnet(`br-${appnet.id.slice(0, 12)}`));
});

test('startContainer -p 8080:80 on a user network: endpoint, sandbox, veth, rules, process', async (t) => {
  const { h, appnet, br } = await withAppnet(t);
  const { container } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  await h.engine.startContainer('web');

  const [ep, ...more] = h.engine.endpoints(appnet.id);
  assert.deepEqual(more, []);
  assert.ok(ep);
  assert.match(ep.id, /^[0-9a-f]{64}$/);
  assert.match(ep.hostIfName, /^veth[0-9a-f]{7}$/);
  assert.deepEqual(ep, {
    id: ep.id,
    networkId: appnet.id,
    containerId: container.id,
    ifName: 'eth0',
    hostIfName: ep.hostIfName,
    ipv4: '172.18.0.2',
    prefixLen: 16,
    macAddress: '02:42:ac:12:00:02',
    seq: 5,
  });
  assert.deepEqual(h.engine.endpoints(), [ep]);

  assert.deepEqual(await h.host.netns.list(), ['tst-web']);
  const hostView = await netView(h.host);
  assert.deepEqual(
    hostView.links.map((l) => [l.name, l.kind, l.up, l.master]),
    [
      ['lo', undefined, false, undefined],
      ['docker0', 'bridge', true, undefined],
      [br, 'bridge', true, undefined],
      [ep.hostIfName, 'veth', true, br],
    ],
  );
  const sandbox = await netView(h.host, 'tst-web');
  assert.deepEqual(sandbox.links, [
    { name: 'lo', kind: undefined, up: true, master: undefined, mac: '00:00:00:00:00:00' },
    { name: 'eth0', kind: 'veth', up: true, master: undefined, mac: '02:42:ac:12:00:02' },
  ]);
  assert.deepEqual(sandbox.addresses, ['eth0 172.18.0.2/16']);
  assert.deepEqual(sandbox.routes, ['default via 172.18.0.1 dev eth0', '172.18.0.0/16 dev eth0']);

  assert.equal(h.rules(), hairpinPublished(br, 'appnet', '172.18.0.2'));

  const logFile = join(h.config.execRoot, 'containers', container.id, 'output.log');
  assert.deepEqual(h.processes.started, [{ pid: 1000, cmd: ['sleep', '3600'], netnsPath: '/var/run/netns/tst-web', logFile }]);
  assert.ok(existsSync(join(h.config.execRoot, 'containers', container.id)));

  const running = h.engine.inspectContainer('web');
  assert.deepEqual(running, {
    ...container,
    state: { status: 'running', pid: 1000, pidStartTime: 't1000', exitCode: 0, startedAt: NOW.toISOString(), finishedAt: ZERO_TIME, error: '' },
    startSeq: 6,
    ports: PORT_8080,
    netns: 'tst-web',
  });
  assert.deepEqual(h.state().containers, [running]);
  assert.deepEqual(h.engine.listContainers(false), [running]);
});

test('the process exits: endpoints, ports, rules and namespace go; the container is exited with its code', async (t) => {
  const { h, appnet, br } = await withAppnet(t);
  const { container } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  const events: string[] = [];
  h.engine.onEvent((e) => events.push(`${e.type} ${e.action} ${e.attributes['exitCode'] ?? ''}`.trim()));
  await h.engine.startContainer('web');
  const hostLinks = ['lo', 'docker0', br];

  h.processes.exit(1000, 3);
  assert.equal(await h.engine.waitContainer('web'), 3);

  assert.deepEqual(h.engine.endpoints(), []);
  assert.deepEqual(await h.host.netns.list(), []);
  assert.deepEqual(await h.linkNames(), hostLinks);
  assert.equal(h.rules(), hairpinAppnet(br));
  const exited = h.engine.inspectContainer('web');
  assert.deepEqual(exited, {
    ...container,
    state: { status: 'exited', pid: 0, pidStartTime: '', exitCode: 3, startedAt: NOW.toISOString(), finishedAt: NOW.toISOString(), error: '' },
    startSeq: 6,
    ports: [],
    netns: '',
  });
  assert.deepEqual(h.state().containers, [exited]);
  assert.deepEqual(h.state().endpoints, []);
  assert.deepEqual(h.engine.listContainers(false), []);
  assert.deepEqual(events, ['container start', 'container die 3']);
  assert.deepEqual(h.engine.endpoints(appnet.id), []);

  // It starts again, with the same address and the same host port.
  await h.engine.startContainer('web');
  assert.deepEqual(h.engine.endpoints().map((e) => e.ipv4), ['172.18.0.2']);
  assert.equal(h.rules(), hairpinPublished(br, 'appnet', '172.18.0.2'));
  assert.deepEqual(h.processes.started.map((p) => p.pid), [1000, 1001]);
});

test('autoRemove: the record and its directory go when the process exits', async (t) => {
  const { h, br } = await withAppnet(t);
  const { container } = await h.engine.createContainer({
    name: 'tmp',
    cmd: ['true'],
    networkMode: 'appnet',
    ports: parsePortSpecs(['8080:80']),
    autoRemove: true,
  });
  await h.engine.startContainer('tmp');
  const dir = join(h.config.execRoot, 'containers', container.id);
  assert.ok(existsSync(dir));
  h.processes.exit(1000, 0);
  assert.equal(await h.engine.waitContainer('tmp'), 0);
  assert.deepEqual(h.engine.listContainers(true), []);
  assert.deepEqual(h.state().containers, []);
  assert.equal(existsSync(dir), false);
  assert.deepEqual(await h.host.netns.list(), []);
  assert.equal(h.rules(), hairpinAppnet(br));
  const err = await rejection(Promise.resolve().then(() => h.engine.inspectContainer('tmp')));
  assert.ok(err instanceof BerthError);
  assert.deepEqual([err.kind, err.message], ['not-found', 'No such container: tmp']);
});

test('stopContainer: SIGTERM, then the teardown is done when it returns', async (t) => {
  const { h, br } = await withAppnet(t);
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  await h.engine.startContainer('web');
  await h.engine.stopContainer('web', 10);
  assert.deepEqual(h.processes.signals, [{ pid: 1000, signal: 'SIGTERM' }]);
  assert.deepEqual(
    [h.engine.inspectContainer('web').state.status, h.engine.inspectContainer('web').state.exitCode],
    ['exited', 143],
  );
  assert.deepEqual(await h.host.netns.list(), []);
  assert.equal(h.rules(), hairpinAppnet(br));
});

test('port conflict: the second start fails with Docker\'s message and leaves nothing behind', async (t) => {
  const { h, appnet, br } = await withAppnet(t);
  await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  await h.engine.startContainer('web');
  const { container: web2 } = await h.engine.createContainer({ name: 'web2', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  const before = await snapshot(h);
  const batches = h.host.batches.length;

  const err = await rejection(h.engine.startContainer('web2'));
  assert.ok(err instanceof BerthError);
  assert.equal(err.kind, 'conflict');
  assert.match(
    err.message,
    /^driver failed programming external connectivity on endpoint web2 \([0-9a-f]{64}\): Bind for 0\.0\.0\.0:8080 failed: port is already allocated$/,
  );

  assert.deepEqual(await snapshot(h), before);
  assert.deepEqual(await netView(h.host, 'tst-web'), {
    links: [
      { name: 'lo', kind: undefined, up: true, master: undefined, mac: '00:00:00:00:00:00' },
      { name: 'eth0', kind: 'veth', up: true, master: undefined, mac: '02:42:ac:12:00:02' },
    ],
    addresses: ['eth0 172.18.0.2/16'],
    routes: ['default via 172.18.0.1 dev eth0', '172.18.0.0/16 dev eth0'],
  });
  assert.deepEqual(h.engine.endpoints(appnet.id).map((e) => e.containerId), [h.engine.inspectContainer('web').id]);
  assert.equal(h.rules(), hairpinPublished(br, 'appnet', '172.18.0.2'));
  // Host ports are taken in memory before the kernel is touched: nothing was made, nothing undone.
  assert.deepEqual(h.host.batches.slice(batches), []);
  const failed = h.engine.inspectContainer('web2');
  assert.deepEqual(failed, { ...web2, state: { ...CREATED, error: err.message } });
  assert.deepEqual(h.state().containers.find((c) => c.id === web2.id), failed);
  assert.deepEqual(h.processes.started.map((p) => p.pid), [1000]);
  assert.deepEqual(h.logs, []);

  // Another protocol is another port (dockerd's error-port-allocated capture: web4, 8080/udp).
  await h.engine.createContainer({ name: 'web4', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80/udp']) });
  await h.engine.startContainer('web4');
  assert.deepEqual(h.engine.inspectContainer('web4').ports, [{ proto: 'udp', containerPort: 80, hostIp: '', hostPort: 8080 }]);
  assert.deepEqual(h.engine.endpoints(appnet.id).map((e) => e.ipv4), ['172.18.0.2', '172.18.0.3']);
});

test('a failure in the sandbox side of the attach rolls everything back; the error is kept', async (t) => {
  const { h, appnet, br } = await withAppnet(t);
  const { container } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  const before = await snapshot(h);
  h.host.injectFailure(/^route add default via 172\.18\.0\.1 dev eth0$/);

  const err = await rejection(h.engine.startContainer('web'));
  assert.equal(
    err.message,
    'ip -batch in netns tst-web failed at line 4 of 4 "route add default via 172.18.0.1 dev eth0": RTNETLINK answers: Operation not permitted',
  );
  assert.deepEqual(await snapshot(h), before);
  assert.deepEqual(await h.host.netns.list(), []);
  assert.deepEqual(await h.linkNames(), ['lo', 'docker0', br]);
  assert.deepEqual(h.engine.endpoints(appnet.id), []);
  assert.equal(h.rules(), hairpinAppnet(br));
  assert.deepEqual(h.engine.inspectContainer('web'), { ...container, state: { ...CREATED, error: err.message } });
  assert.deepEqual(h.state().containers, [h.engine.inspectContainer('web')]);
  assert.deepEqual(h.processes.started, []);
  assert.deepEqual(h.logs, []); // every rollback step succeeded

  // Nothing was left to trip over: the next start works and gets the same address.
  await h.engine.startContainer('web');
  assert.deepEqual(h.engine.endpoints().map((e) => [e.ifName, e.ipv4]), [['eth0', '172.18.0.2']]);
  assert.equal(h.engine.inspectContainer('web').state.error, '');
  assert.equal(h.rules(), hairpinPublished(br, 'appnet', '172.18.0.2'));
});

test('a process that cannot start rolls back the rules it needed as well', async (t) => {
  const { h, br } = await withAppnet(t);
  await h.engine.createContainer({ name: 'web', cmd: ['nope'], networkMode: 'appnet', ports: parsePortSpecs(['8080:80']) });
  const before = await snapshot(h);
  h.processes.failNextStart(new BerthError('invalid', 'exec: "nope": executable file not found in $PATH'));

  const err = await rejection(h.engine.startContainer('web'));
  assert.equal(err.message, 'exec: "nope": executable file not found in $PATH');
  assert.deepEqual(await snapshot(h), before);
  assert.equal(h.rules(), hairpinAppnet(br));
  assert.deepEqual(h.engine.inspectContainer('web').state, { ...CREATED, error: err.message });
  assert.deepEqual(h.engine.inspectContainer('web').ports, []);
});

test('network modes: none gets a sandbox with lo only; host runs in the host namespace', async (t) => {
  const { h, br } = await withAppnet(t);
  await h.engine.createContainer({ name: 'iso', cmd: ['sleep', '3600'], networkMode: 'none' });
  await h.engine.startContainer('iso');
  const { warnings } = await h.engine.createContainer({ name: 'hostnet', cmd: ['sleep', '3600'], networkMode: 'host', ports: parsePortSpecs(['8080:80']) });
  assert.deepEqual(warnings, ['Published ports are discarded when using host network mode']);
  await h.engine.startContainer('hostnet');

  assert.deepEqual(await h.host.netns.list(), ['tst-iso']);
  // (FakeHost gives lo no 127.0.0.1/8: addresses are not compared here.)
  const iso = await netView(h.host, 'tst-iso');
  assert.deepEqual([iso.links, iso.routes], [[{ name: 'lo', kind: undefined, up: true, master: undefined, mac: '00:00:00:00:00:00' }], []]);
  assert.deepEqual(h.engine.endpoints(), []);
  assert.deepEqual(
    h.processes.started.map((p) => [p.pid, p.netnsPath]),
    [
      [1000, '/var/run/netns/tst-iso'],
      [1001, null],
    ],
  );
  assert.deepEqual(h.engine.inspectContainer('hostnet').ports, []);
  assert.equal(h.rules(), hairpinAppnet(br));
});

test('createContainer with forwarding disabled (--ip-forward=false) returns dockerd\'s warning', async (t) => {
  const h = makeHarness({ config: { ipForward: false, userlandProxy: false } });
  t.after(() => h.cleanup());
  await h.engine.start();
  const { warnings } = await h.engine.createContainer({ name: 'web', cmd: ['sleep', '3600'] });
  assert.deepEqual(warnings, ['IPv4 forwarding is disabled. Networking will not work.']);
});
