// --firewall-backend / "firewall-backend": iptables by default, nftables on request,
// anything else refused with the values it takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, parseDaemonFlags, parseDaemonJson, resolveConfig } from '../../../src/model/daemon-config.js';

const resolve = (argv: string[], json: string | null = null) =>
  resolveConfig(parseDaemonFlags(argv).flags, json === null ? null : parseDaemonJson(json, 'daemon.json'), 'daemon.json');

test('the firewall backend is iptables unless told otherwise', () => {
  assert.equal(DEFAULT_CONFIG.firewallBackend, 'iptables');
  assert.equal(resolve([]).firewallBackend, 'iptables');
});

test('--firewall-backend and daemon.json "firewall-backend" choose nftables', () => {
  assert.equal(resolve(['--firewall-backend', 'nftables']).firewallBackend, 'nftables');
  assert.equal(resolve(['--firewall-backend=nftables']).firewallBackend, 'nftables');
  assert.equal(resolve([], '{"firewall-backend": "nftables"}').firewallBackend, 'nftables');
});

test('an unknown backend is refused, naming the ones there are', () => {
  assert.throws(() => resolve(['--firewall-backend', 'ebpf']), { message: 'invalid --firewall-backend "ebpf": use "iptables" or "nftables"' });
  assert.throws(() => resolve([], '{"firewall-backend": 1}'), { message: 'invalid value for firewall-backend: 1' });
});
