// The rows the store keeps of the iptables rules berth owns: the union of the sets
// given, read back as chains (without their rules) and built-in rules; and what
// matters, that a plan made with the rules read back is the plan made with the
// rules themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromOwnedRows, ownedRows } from '../../../src/render/owned-rows.js';
import { renderDockerLayout } from '../../../src/render/iptables/docker-layout.js';
import { planRestoreWithResult } from '../../../src/render/iptables/plan.js';
import type { DesiredRules } from '../../../src/render/ir.js';
import { TYPICAL, net, port } from '../../helpers/layout-fixtures.js';

const EMPTY_KERNEL = { tables: [] };

test('rows: one per owned chain and per built-in rule, the union of the sets given, read back without the chains\' rules', () => {
  const a: DesiredRules = {
    tables: [
      {
        name: 'nat',
        chains: [{ name: 'DOCKER', rules: ['-i docker0 -j RETURN'] }],
        builtinRules: [{ chain: 'POSTROUTING', rules: ['-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'] }],
        seedChains: [],
      },
    ],
  };
  const b: DesiredRules = {
    tables: [
      {
        name: 'nat',
        chains: [{ name: 'DOCKER', rules: [] }],
        builtinRules: [{ chain: 'POSTROUTING', rules: ['-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-s 172.18.0.0/16 ! -o br-app -j MASQUERADE'] }],
        seedChains: [],
      },
      { name: 'filter', chains: [], builtinRules: [{ chain: 'FORWARD', rules: ['-j DOCKER-USER'] }], seedChains: [{ name: 'DOCKER-USER', rules: ['-j RETURN'] }] },
    ],
  };
  const rows = ownedRows(a, b, null, undefined);
  assert.equal(rows.size, 4);
  assert.deepEqual(fromOwnedRows(rows.values()), {
    tables: [
      {
        name: 'nat',
        chains: [{ name: 'DOCKER', rules: [] }],
        builtinRules: [{ chain: 'POSTROUTING', rules: ['-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', '-s 172.18.0.0/16 ! -o br-app -j MASQUERADE'] }],
        seedChains: [],
      },
      { name: 'filter', chains: [], builtinRules: [{ chain: 'FORWARD', rules: ['-j DOCKER-USER'] }], seedChains: [] },
    ],
  });
  assert.equal(fromOwnedRows([]), null);
});

test('a plan over the rows read back equals the plan over the rules they came from', () => {
  const before = renderDockerLayout(TYPICAL);
  const kernel = planRestoreWithResult(EMPTY_KERNEL, before, null).after;
  const afters = [
    // a port and a network gone, another network and port come
    renderDockerLayout({ ...TYPICAL, networks: [...TYPICAL.networks.slice(0, 3), net('new', '172.30.0.0/16')], ports: [port('br-new', '172.30.0.2', 9000, 90)] }),
    renderDockerLayout({ ...TYPICAL, hairpin: true }),
    renderDockerLayout({ ...TYPICAL, iptables: false }),
  ];
  const readBack = fromOwnedRows(ownedRows(before).values());
  for (const after of afters) {
    const exact = planRestoreWithResult(kernel, after, before);
    assert.notEqual(exact.text, '');
    assert.deepEqual(planRestoreWithResult(kernel, after, readBack), exact);
  }
});
