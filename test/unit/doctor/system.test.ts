// Kernel switches and the FORWARD policy, on hand-built snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBridgeNetfilter, checkIpForward } from '../../../src/doctor/sysctl-checks.js';
import { checkForwardPolicy } from '../../../src/doctor/forward-policy.js';
import { diagnose } from '../../../src/doctor/diagnose.js';
import { damaged, expectations, snapshot } from './fixtures.js';

test('a healthy host has no findings and nothing to fix', () => {
  assert.deepEqual(diagnose(snapshot(), expectations()), { findings: [], actions: [] });
});

test('ip_forward off: an error whose fix sets it to 1', () => {
  const r = checkIpForward(snapshot({ ipForward: '0' }));
  assert.equal(r.findings.length, 1);
  const [f] = r.findings;
  assert.equal(f?.id, 'ip-forward');
  assert.equal(f?.severity, 'error');
  assert.equal(f?.fixable, true);
  assert.match(f?.summary ?? '', /IPv4 forwarding is disabled \(net\.ipv4\.ip_forward = 0\)/);
  assert.match(f?.fix ?? '', /sysctl -w net\.ipv4\.ip_forward=1/);
  assert.deepEqual(r.actions, [{ kind: 'sysctl', what: 'set net.ipv4.ip_forward = 1', name: 'net.ipv4.ip_forward', value: '1' }]);
});

test('ip_forward on, or unreadable: no finding', () => {
  assert.equal(checkIpForward(snapshot({ ipForward: '1' })).findings.length, 0);
  assert.equal(checkIpForward(snapshot({ ipForward: null })).findings.length, 0);
});

test('bridge-nf-call-iptables matters only where a network has icc off', () => {
  const closed = expectations({ bridges: [{ network: 'quiet', bridge: 'br-quiet', subnet: '172.19.0.0/16', icc: false }] });
  assert.equal(checkBridgeNetfilter(snapshot({ bridgeNfCallIptables: '0' }), expectations()).findings.length, 0, 'icc on everywhere');
  assert.equal(checkBridgeNetfilter(snapshot({ bridgeNfCallIptables: '1' }), closed).findings.length, 0, 'already on');
  assert.equal(checkBridgeNetfilter(snapshot({ bridgeNfCallIptables: '0' }), { ...closed, iptables: false }).findings.length, 0, 'no iptables: no icc rules');

  const off = checkBridgeNetfilter(snapshot({ bridgeNfCallIptables: '0' }), closed);
  assert.equal(off.findings[0]?.id, 'bridge-nf-call-iptables');
  assert.equal(off.findings[0]?.fixable, true);
  assert.match(off.findings[0]?.summary ?? '', /containers on quiet \(br-quiet\).*can still talk to each other/);
  assert.deepEqual(off.actions, [
    { kind: 'sysctl', what: 'set net.bridge.bridge-nf-call-iptables = 1', name: 'net.bridge.bridge-nf-call-iptables', value: '1' },
  ]);

  const unloaded = checkBridgeNetfilter(snapshot({ bridgeNfCallIptables: null }), closed);
  assert.equal(unloaded.findings[0]?.fixable, false, 'loading a kernel module is left to the operator');
  assert.match(unloaded.findings[0]?.fix ?? '', /modprobe br_netfilter/);
  assert.deepEqual(unloaded.actions, []);
});

test('FORWARD policy ACCEPT: a warning whose fix sets DROP in the variant in use', () => {
  const open = snapshot({ rulesets: { nft: damaged('*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n'), legacy: null } });
  const r = checkForwardPolicy(open, expectations());
  assert.equal(r.findings[0]?.id, 'forward-policy');
  assert.equal(r.findings[0]?.severity, 'warning');
  assert.deepEqual(r.actions, [
    { kind: 'iptables-restore', what: 'set the FORWARD policy to DROP (iptables-nft)', variant: 'nft', noflush: true, input: '*filter\n:FORWARD DROP [0:0]\nCOMMIT\n' },
  ]);
  assert.equal(checkForwardPolicy(snapshot(), expectations()).findings.length, 0, 'DROP is what dockerd sets');
  assert.equal(checkForwardPolicy(open, expectations({ iptables: false })).findings.length, 0, 'not the manager\'s business without iptables');
});
