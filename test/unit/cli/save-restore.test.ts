// berth save / berth restore through the CLI and the API (a real unix socket), over
// berthd engines on fakes: the file is written atomically with mode 0600, a restore
// reports what it brought back, and refusals reach the user as berthd's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer, type ApiServer } from '../../../src/api/server.js';
import { registerSaveRestore } from '../../../src/save/registry.js';
import { cli } from './harness.js';
import { call, startHarness } from '../api/harness.js';
import { populated, host, type Host } from '../save/fixture.js';

interface Served {
  readonly x: Host;
  readonly socketPath: string;
  readonly server: ApiServer;
}

let dir = '';
const served: Served[] = [];

async function serve(x: Host): Promise<Served> {
  registerSaveRestore(x.engine, x.service);
  const socketPath = join(dir, `berth-${served.length}.sock`);
  const server = createApiServer(x.engine, { socketPath });
  await server.listen();
  const s = { x, socketPath, server };
  served.push(s);
  return s;
}

async function freshHost(): Promise<Served> {
  const x = host({ config: { userlandProxy: false } });
  await x.engine.start();
  return serve(x);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-cli-save-'));
});
after(async () => {
  for (const s of served) {
    await s.server.close();
    s.x.h.cleanup();
  }
  rmSync(dir, { recursive: true, force: true });
});

test('berth save FILE writes the save atomically (mode 0600, no temporary file left), replacing an older one', async () => {
  const src = await serve(await populated());
  const file = join(dir, 'host.json');
  writeFileSync(file, 'an older save', { mode: 0o644 });
  const r = await cli(src, ['save', file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `Saved 1 network, 5 containers (4 running) and 1 firewall rule to ${file}\n`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8'), await src.x.service.save());
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('host.json')), ['host.json']);

  const missing = await cli(src, ['save', join(dir, 'no-such-dir', 'x.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^berth save: cannot write .*no-such-dir\/x\.json: ENOENT/);
  assert.equal((await cli(src, ['save'])).code, 1, 'FILE is required');
});

test('berth restore FILE brings the save back onto a fresh berthd and says what it restored', async () => {
  const src = await serve(await populated());
  const file = join(dir, 'to-restore.json');
  assert.equal((await cli(src, ['save', file])).code, 0);
  const dst = await freshHost();
  const r = await cli(dst, ['restore', file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^Restored 1 network \\(appnet\\), 5 containers \\(4 running: web, db, eph, side\\) and 1 firewall rule from ${file} in \\d+ ms\\n$`));
  assert.equal(dst.x.engine.ownedRules(), src.x.engine.ownedRules());
  assert.deepEqual(dst.x.access.stored(), src.x.access.stored());

  const again = await cli(dst, ['restore', file]);
  assert.equal(again.code, 1);
  assert.match(again.err, /^Error response from daemon: berthd is not empty: it has 5 containers \(web, db, eph, side, idle\), 1 network \(appnet\), 1 firewall rule;/);
});

test('refusals reach the user as berthd says them, naming the file as typed', async () => {
  const src = await serve(await populated());
  const text = await src.x.service.save();
  const dst = await freshHost();
  const cut = join(dir, 'cut.json');
  writeFileSync(cut, text.slice(0, 1000));
  const r = await cli(dst, ['restore', cut]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`^Error response from daemon: ${cut} is truncated or not a berth save file \\(not complete JSON: `));
  const missing = await cli(dst, ['restore', join(dir, 'nope.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^berth restore: cannot read .*nope\.json: ENOENT/);
  assert.deepEqual(dst.x.engine.listContainers(true), []);
});

test('API: GET /berth/save is the file as JSON; POST /berth/restore takes its bytes; a daemon without the service answers 503', async () => {
  const src = await serve(await populated());
  const saved = await call(src.socketPath, 'GET', '/v1.41/berth/save');
  assert.equal(saved.status, 200);
  assert.match(String(saved.headers['content-type']), /^application\/json/);
  assert.equal((saved.json() as { format: string }).format, 'berth-save');
  const dst = await freshHost();
  const restored = await call(dst.socketPath, 'POST', '/berth/restore?name=x.json', saved.text);
  assert.equal(restored.status, 200, restored.text);
  assert.deepEqual({ ...(restored.json() as Record<string, unknown>), DurationMs: 0 }, { Networks: ['appnet'], Containers: 5, Running: ['web', 'db', 'eph', 'side'], AccessRules: 1, DurationMs: 0 });
  const bad = await call(dst.socketPath, 'POST', '/berth/restore', '{"format":"berth-save","version":1}');
  assert.equal(bad.status, 400);
  assert.match((bad.json() as { message: string }).message, /^the restore file is truncated or not a berth save file \(no "berth" field\)$/);

  const plain = await startHarness(); // the fake engine: no save/restore service registered
  try {
    const r = await call(plain.socketPath, 'GET', '/berth/save');
    assert.equal(r.status, 503);
    assert.match((r.json() as { message: string }).message, /berth save and restore are not available in this daemon/);
  } finally {
    await plain.close();
  }
});
