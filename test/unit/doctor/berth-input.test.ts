// berthd's expectations from the engine's records (over the fake engine).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { berthExpectations } from '../../../src/doctor/berth-input.js';
import { DEFAULT_CONFIG } from '../../../src/model/daemon-config.js';
import { FakeEngine } from '../../helpers/fake-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-doctor-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('bridges, veths, sandbox namespaces and leases of berthd', async () => {
  const engine = new FakeEngine({ logDir: dir });
  await engine.createNetwork({ name: 'quiet', options: { 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.name': 'br-quiet' } });
  const { container: web } = await engine.createContainer({ name: 'web', cmd: ['sleep', '1000'], networkMode: 'quiet' });
  await engine.startContainer(web.id);
  await engine.createContainer({ name: 'idle', cmd: ['sleep', '1000'] });
  const e = berthExpectations({
    config: DEFAULT_CONFIG,
    networks: engine.listNetworks(),
    endpoints: engine.endpoints(),
    containers: engine.listContainers(true),
    desired: { tables: [] },
  });
  assert.equal(e.manager, 'berthd');
  assert.equal(e.previous, null);
  assert.deepEqual(e.bridges, [
    { network: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', icc: true },
    { network: 'quiet', bridge: 'br-quiet', subnet: '172.18.0.0/16', icc: false },
  ]);
  const ep = engine.endpoints()[0];
  assert.deepEqual(e.veths, [ep?.hostIfName]);
  assert.deepEqual(e.leases, [{ network: 'quiet', bridge: 'br-quiet', container: 'web', address: '172.18.0.2', hostIf: ep?.hostIfName, running: true }]);
  // Every container's name under the prefix counts (a sandbox being wired), and the recorded netns.
  assert.deepEqual([...(e.sandboxes?.known ?? [])].sort(), ['berth-idle', 'berth-web', `berth-${web.id.slice(0, 12)}`].sort());
  assert.equal(berthExpectations({ config: { ...DEFAULT_CONFIG, netnsPrefix: '' }, networks: [], endpoints: [], containers: [], desired: { tables: [] } }).sandboxes, null);
});
