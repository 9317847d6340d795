// berthd's userland proxies on their own thread (ProxyThread), in a namespace of
// this file: a proxy carries a connection to its upstream; a port another
// program holds fails a start with dockerd's message and its kind; what a
// sandbox's proxies held is free once they stop; close ends the thread, so
// the process that started it can exit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exec, run } from '../../../src/host/exec.js';
import { netnsPath } from '../../../src/host/netns.js';
import { netnsFixture } from './netns-fixture.js';

const fx = netnsFixture('pxt');
let ns = '';
before(async () => {
  ns = await fx.add('host');
  await run(exec, ['ip', '-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
});
after(() => fx.cleanup());

test('proxies on their own thread: traffic, a taken port, stop and close', async () => {
  const threadUrl = new URL('../../../src/engine/proxy-thread.js', import.meta.url).href;
  const script = `
    import net from 'node:net';
    import { ProxyThread } from ${JSON.stringify(threadUrl)};
    const listen = (port) => new Promise((resolve, reject) => {
      const s = net.createServer((c) => c.on('data', (d) => c.end('echo ' + d))).on('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
    const ask = (port) => new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
      let got = '';
      c.on('data', (d) => (got += d)).on('end', () => resolve(got)).on('error', (e) => resolve(e.code));
    });
    const out = {};
    const upstream = await listen(9100);
    const squatter = await listen(9003);
    const lost = [];
    const proxies = new ProxyThread((why) => lost.push(why));
    const spec = (hostPort) => ({ proto: 'tcp', hostIp: '127.0.0.1', hostPort, containerIp: '127.0.0.1', containerPort: 9100 });
    await proxies.start('a', [spec(9001), { proto: 'udp', hostIp: '127.0.0.1', hostPort: 9001, containerIp: '127.0.0.1', containerPort: 9100 }]);
    out.through = await ask(9001);
    out.taken = await proxies.start('b', [spec(9002), spec(9003), spec(9004)]).then(() => 'started', (e) => [e.kind, e.message]);
    await proxies.stop('b');
    const free = [];
    for (const port of [9002, 9004]) free.push(await listen(port).then((s) => (s.close(), 'free'), (e) => e.code));
    out.freeAfterStop = free;
    await proxies.stop('a');
    out.afterStop = await ask(9001);
    await proxies.start('c', [spec(9005)]);
    await proxies.close();
    out.afterClose = await ask(9005);
    out.lost = lost;
    upstream.close();
    squatter.close();
    process.stdout.write(JSON.stringify(out));
  `;
  const r = await run(exec, ['nsenter', `--net=${netnsPath(ns)}`, process.execPath, '--input-type=module', '-e', script], { timeoutMs: 20_000 });
  assert.deepEqual(JSON.parse(r.stdout), {
    through: 'echo ping',
    taken: ['conflict', 'Error starting userland proxy: listen tcp4 127.0.0.1:9003: bind: address already in use'],
    freeAfterStop: ['free', 'free'],
    afterStop: 'ECONNREFUSED',
    afterClose: 'ECONNREFUSED',
    lost: [],
  });
});
