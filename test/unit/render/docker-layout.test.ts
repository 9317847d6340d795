// Golden tests of the pure renderer: the Docker layout rendered for a hand-built
// input, loaded into the in-memory iptables, must equal what real dockerd 20.10
// wrote for the same state (test/golden/dockerd, captured by the differential harness).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderDockerLayout, type LayoutInput, type LayoutNetwork, type LayoutPort } from '../../../src/render/iptables/docker-layout.js';
import { applyDesiredToEmpty } from '../../../src/backend/fake-iptables.js';
import { printSave } from '../../../src/render/iptables/save-print.js';
import { normalizeIptablesSave } from '../../differential/normalize.js';

const GOLDEN = new URL('../../../../test/golden/dockerd/', import.meta.url);

/** The normalized dump dockerd left after `step` in `scenario`, with policies left out. */
function golden(scenario: string, step: string): string {
  const text = readFileSync(new URL(`${scenario}.txt`, GOLDEN), 'utf8');
  const section = text.split('### after: ').find((s) => s.startsWith(`${step}\n`));
  assert.ok(section, `no step "${step}" in ${scenario}.txt`);
  return withoutPolicies(section.slice(step.length + 1));
}

function withoutPolicies(dump: string): string {
  return dump.replace(/^(:[A-Z]+) (ACCEPT|DROP)$/gm, '$1 *').trim();
}

function rendered(input: LayoutInput): string {
  return withoutPolicies(normalizeIptablesSave(printSave(applyDesiredToEmpty(renderDockerLayout(input)))));
}

const docker0: LayoutNetwork = { bridge: 'docker0', subnet: '172.17.0.0/16', icc: true, ipMasq: true, internal: false };
const net = (name: string, subnet: string, extra: Partial<LayoutNetwork> = {}): LayoutNetwork => ({
  bridge: `br-${name}`,
  subnet,
  icc: true,
  ipMasq: true,
  internal: false,
  ...extra,
});
const port = (bridge: string, containerIp: string, hostPort: number, containerPort: number, extra: Partial<LayoutPort> = {}): LayoutPort => ({
  bridge,
  proto: 'tcp',
  hostIp: '',
  hostPort,
  containerIp,
  containerPort,
  ...extra,
});
const base = { iptables: true, hairpin: false, networks: [docker0], ports: [] } satisfies LayoutInput;

const cases: { name: string; scenario: string; step: string; input: LayoutInput }[] = [
  { name: 'daemon start', scenario: 'daemon-start', step: 'daemon start', input: base },
  {
    name: 'a published tcp port',
    scenario: 'publish-tcp',
    step: 'run -d --name web -p 8080:80 -- httpd -f -p 80',
    input: { ...base, ports: [port('docker0', '172.17.0.2', 8080, 80)] },
  },
  {
    name: 'a port range, highest port first',
    scenario: 'publish-range',
    step: 'run -d --name web -p 9000-9003:9000-9003 -- sleep 3600',
    input: { ...base, ports: [9003, 9002, 9001, 9000].map((p) => port('docker0', '172.17.0.2', p, p)) },
  },
  {
    name: 'two user networks, newest first',
    scenario: 'two-user-networks',
    step: 'run -d --name web2 --network net2 -p 8082:80 -- sleep 3600',
    input: {
      ...base,
      networks: [docker0, net('net1', '172.18.0.0/16'), net('net2', '172.19.0.0/16')],
      ports: [port('br-net1', '172.18.0.2', 8081, 80), port('br-net2', '172.19.0.2', 8082, 80)],
    },
  },
  {
    name: 'an internal network ignores -p',
    scenario: 'internal-network',
    step: 'run -d --name web --network intnet -p 8080:80 -- sleep 3600',
    input: { ...base, networks: [docker0, net('intnet', '172.18.0.0/16', { internal: true })] },
  },
  {
    name: 'userland proxy off: hairpin NAT',
    scenario: 'daemon-userland-proxy-off',
    step: 'run -d --name app --network appnet -p 8082:80 -- sleep 3600',
    input: {
      ...base,
      hairpin: true,
      networks: [docker0, net('appnet', '172.18.0.0/16')],
      ports: [
        port('docker0', '172.17.0.2', 8080, 80),
        port('docker0', '172.17.0.3', 8081, 80, { hostIp: '127.0.0.1' }),
        port('br-appnet', '172.18.0.2', 8082, 80),
      ],
    },
  },
  {
    name: 'daemon icc off: the DROP stays last',
    scenario: 'daemon-icc-off',
    step: 'network create appnet',
    input: { ...base, networks: [{ ...docker0, icc: false }, net('appnet', '172.18.0.0/16')], ports: [port('docker0', '172.17.0.2', 8080, 80)] },
  },
  {
    name: 'masquerade off on a user network',
    scenario: 'bridge-masq-off',
    step: 'run -d --name web --network nomasq -p 8080:80 -- sleep 3600',
    input: { ...base, networks: [docker0, net('nomasq', '172.18.0.0/16', { ipMasq: false })], ports: [port('br-nomasq', '172.18.0.2', 8080, 80)] },
  },
];

for (const c of cases) {
  test(`renders dockerd's layout: ${c.name}`, () => {
    assert.equal(rendered(c.input), golden(c.scenario, c.step));
  });
}

test('--iptables=false owns nothing', () => {
  assert.deepEqual(renderDockerLayout({ ...base, iptables: false }), { tables: [] });
});

test('a container port published twice gets its hairpin masquerade once', () => {
  const input: LayoutInput = { ...base, ports: [port('docker0', '172.17.0.2', 8080, 80), port('docker0', '172.17.0.2', 9090, 80)] };
  const nat = renderDockerLayout(input).tables.find((t) => t.name === 'nat');
  const postrouting = nat?.builtinRules.find((b) => b.chain === 'POSTROUTING')?.rules ?? [];
  assert.deepEqual(postrouting.filter((r) => r.includes('--dport 80 -j MASQUERADE')), ['-s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE']);
  const dnat = nat?.chains.find((c) => c.name === 'DOCKER')?.rules.filter((r) => r.includes('DNAT')) ?? [];
  assert.equal(dnat.length, 2, 'both host ports are forwarded');
});
