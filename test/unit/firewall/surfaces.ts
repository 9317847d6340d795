// Puts a firewall-helper service (fake iptables, in-memory store) behind the API
// harness's engine, fresh for each test.
import { beforeEach } from 'node:test';
import { FakeIptables, fakeFirewallBackend } from '../../../src/backend/fake-iptables.js';
import { registerAccessFirewall } from '../../../src/firewall/registry.js';
import { AccessFirewall } from '../../../src/firewall/service.js';
import { memoryAccessStore } from '../../../src/firewall/store.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import type { Harness } from '../api/harness.js';

const HOST = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -j RETURN\nCOMMIT\n';

/** Registers the hook; returns a function giving the fake kernel's iptables-save text. */
export function useAccessFirewall(h: Harness): () => string {
  let kernel = new FakeIptables();
  beforeEach(() => {
    kernel = new FakeIptables(parseSave(HOST));
    registerAccessFirewall(h.engine, new AccessFirewall({ engine: h.engine, backend: fakeFirewallBackend(kernel), store: memoryAccessStore(), log: () => undefined }));
  });
  return () => printSave(kernel.save());
}
