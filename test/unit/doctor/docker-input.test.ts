// dockerd's API JSON to the renderer's input: networks oldest first, bridge names
// and options, ports on the gateway network in dockerd's order with the host ports
// it bound; and the userland-proxy hint read from the rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { boundPorts, dockerExpectations, goTimeNanos, inferHairpin, type DockerContainerJson, type DockerNetworkJson } from '../../../src/doctor/docker-input.js';
import { applyDesiredToEmpty } from '../../../src/backend/fake-iptables.js';
import { renderDockerLayout } from '../../../src/render/iptables/docker-layout.js';
import { planRestore } from '../../../src/render/iptables/plan.js';
import { parseSave } from '../../../src/render/iptables/save-parse.js';

const golden = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../../test/golden/dockerd/inspect/${name}`, import.meta.url)), 'utf8'));

const bridge: DockerNetworkJson = {
  Id: 'b'.repeat(64),
  Name: 'bridge',
  Created: '2024-01-01T10:00:00.5Z',
  Driver: 'bridge',
  Options: { 'com.docker.network.bridge.name': 'docker0', 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.enable_ip_masquerade': 'true' },
  IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] },
};
const appnet: DockerNetworkJson = {
  Id: 'a1b2c3d4e5f6'.padEnd(64, '0'),
  Name: 'appnet',
  Created: '2024-01-01T10:00:00.51Z', // after bridge's .5, though it sorts first as text
  Driver: 'bridge',
  Options: {},
  IPAM: { Config: [{ Subnet: 'fd00::/64' }, { Subnet: '172.18.0.1/16' }] },
};
const inner: DockerNetworkJson = { Id: 'c'.repeat(64), Name: 'inner', Created: '2024-01-01T11:00:00Z', Driver: 'bridge', Internal: true, IPAM: { Config: [{ Subnet: '172.19.0.0/16' }] } };
const host: DockerNetworkJson = { Id: 'd'.repeat(64), Name: 'host', Driver: 'host', IPAM: { Config: [] } };

function container(name: string, started: string, networks: Record<string, [string, string]>, ports: Record<string, { HostIp: string; HostPort: string }[]>, asked?: DockerContainerJson['HostConfig']): DockerContainerJson {
  return {
    Id: name.padEnd(64, '0'),
    Name: `/${name}`,
    State: { Running: true, StartedAt: started },
    Config: { ExposedPorts: null },
    HostConfig: asked ?? { PortBindings: Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, v.filter((b) => !b.HostIp.includes(':')).map((b) => ({ HostIp: '', HostPort: b.HostPort }))])) },
    NetworkSettings: { Ports: ports, Networks: Object.fromEntries(Object.entries(networks).map(([n, [id, ip]]) => [n, { NetworkID: id, IPAddress: ip }])) },
  };
}

test('networks oldest first (nanoseconds count), br-<12 of id> unless named, options as dockerd parses them, IPv4 subnet only', () => {
  const e = dockerExpectations({ networks: [appnet, host, bridge, inner], containers: [] }, { hairpin: false, rules: null });
  assert.deepEqual(e.bridges, [
    { network: 'bridge', bridge: 'docker0', subnet: '172.17.0.0/16', icc: false },
    { network: 'appnet', bridge: 'br-a1b2c3d4e5f6', subnet: '172.18.0.0/16', icc: true },
    { network: 'inner', bridge: 'br-cccccccccccc', subnet: '172.19.0.0/16', icc: true },
  ]);
  assert.deepEqual(
    e.desired,
    renderDockerLayout({
      iptables: true,
      hairpin: false,
      networks: [
        { bridge: 'docker0', subnet: '172.17.0.0/16', icc: false, ipMasq: true, internal: false },
        { bridge: 'br-a1b2c3d4e5f6', subnet: '172.18.0.0/16', icc: true, ipMasq: true, internal: false },
        { bridge: 'br-cccccccccccc', subnet: '172.19.0.0/16', icc: true, ipMasq: true, internal: true },
      ],
      ports: [],
    }),
  );
  assert.equal(e.manager, 'dockerd');
  assert.equal(e.veths, null);
});

test('ports: containers by start time, each on its gateway network (name first, internal last), IPv6 bindings ignored', () => {
  const b = bridge.Id as string;
  const a = appnet.Id as string;
  const c = inner.Id as string;
  const late = container('late', '2024-01-01T12:00:01Z', { bridge: [b, '172.17.0.3'] }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8081' }, { HostIp: '::', HostPort: '8081' }] });
  const early = container('early', '2024-01-01T12:00:00.9Z', { zeta: [b, '172.17.0.2'], appnet: [a, '172.18.0.2'] }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  const sealed = container('sealed', '2024-01-01T12:00:02Z', { inner: [c, '172.19.0.2'] }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8082' }] });
  const stopped = { ...container('stopped', '2024-01-01T12:00:03Z', { bridge: [b, '172.17.0.4'] }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8083' }] }), State: { Running: false } };
  const e = dockerExpectations({ networks: [bridge, appnet, inner], containers: [late, stopped, sealed, early] }, { hairpin: false, rules: null });
  const dnat = e.desired.tables.find((t) => t.name === 'nat')?.chains.find((ch) => ch.name === 'DOCKER')?.rules.filter((r) => r.includes('DNAT'));
  assert.deepEqual(dnat, [
    '! -i br-a1b2c3d4e5f6 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80',
    '! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.3:80',
  ]);
});

test('a container\'s bindings in dockerd\'s order: higher asked host port first, ephemeral ones by container port, ranges matched to what was bound', () => {
  const c: DockerContainerJson = {
    Config: { ExposedPorts: { '443/tcp': {}, '80/tcp': {}, '7000/tcp': {} } },
    HostConfig: {
      PublishAllPorts: true,
      PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '9000-9005' }] },
    },
    NetworkSettings: {
      Ports: {
        '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }],
        '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '9003' }],
        '7000/tcp': [{ HostIp: '0.0.0.0', HostPort: '49153' }],
      },
    },
  };
  assert.deepEqual(boundPorts(c), [
    { proto: 'tcp', containerPort: 443, hostIp: '127.0.0.1', hostPort: 9003 },
    { proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080 },
    { proto: 'tcp', containerPort: 7000, hostIp: '0.0.0.0', hostPort: 49153 },
  ]);
});

test('the golden dockerd inspect output of a published container on a user network', () => {
  const [network] = golden('network-appnet.json') as DockerNetworkJson[];
  const [web] = golden('container-web.json') as DockerContainerJson[];
  assert.ok(network && web);
  const e = dockerExpectations({ networks: [network], containers: [web] }, { hairpin: false, rules: null });
  const bridgeName = `br-${(network.Id as string).slice(0, 12)}`;
  const filterDocker = e.desired.tables.find((t) => t.name === 'filter')?.chains.find((ch) => ch.name === 'DOCKER')?.rules;
  assert.deepEqual(filterDocker, [`-d 172.18.0.2/32 ! -i ${bridgeName} -o ${bridgeName} -p tcp -m tcp --dport 80 -j ACCEPT`]);
});

test('Go times: trimmed nanoseconds and zones compare correctly; junk is zero', () => {
  assert.ok(goTimeNanos('2024-01-01T10:00:00.5Z') > goTimeNanos('2024-01-01T10:00:00.123456789Z'));
  assert.equal(goTimeNanos('2024-01-01T12:00:00+02:00'), goTimeNanos('2024-01-01T10:00:00Z'));
  assert.equal(goTimeNanos('2024-01-01T10:00:00.000000001Z') - goTimeNanos('2024-01-01T10:00:00Z'), 1n);
  assert.equal(goTimeNanos('yesterday'), 0n);
  assert.equal(goTimeNanos(undefined), 0n);
});

test('the userland proxy is read from nat OUTPUT when the rules are there', () => {
  const nat = (rule: string) => parseSave(`*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n${rule}COMMIT\n`);
  assert.equal(inferHairpin(nat('-A OUTPUT -m addrtype --dst-type LOCAL -j DOCKER\n')), true);
  assert.equal(inferHairpin(nat('-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER\n')), false);
  assert.equal(inferHairpin(nat('')), null);
  assert.equal(inferHairpin(null), null);
});

test('the kernel\'s order of networks and publishing containers is kept when it shows all of them (a restarted dockerd)', () => {
  const b = bridge.Id as string;
  const one = container('one', '2024-01-01T12:00:00Z', { bridge: [b, '172.17.0.2'] }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  const two = container('two', '2024-01-01T12:00:01Z', { bridge: [b, '172.17.0.3'] }, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8081' }] });
  const state = { networks: [bridge, appnet], containers: [one, two] };
  const byTime = dockerExpectations(state, { hairpin: false, rules: null });
  // What a restarted dockerd leaves: appnet restored first, docker0 created after it; "two" started first.
  const restarted = applyDesiredToEmpty(
    renderDockerLayout({
      iptables: true,
      hairpin: false,
      networks: [
        { bridge: 'br-a1b2c3d4e5f6', subnet: '172.18.0.0/16', icc: true, ipMasq: true, internal: false },
        { bridge: 'docker0', subnet: '172.17.0.0/16', icc: false, ipMasq: true, internal: false },
      ],
      ports: [
        { bridge: 'docker0', proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8081, containerIp: '172.17.0.3', containerPort: 80 },
        { bridge: 'docker0', proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 },
      ],
    }),
  );
  const kept = dockerExpectations(state, { hairpin: false, rules: restarted });
  assert.notDeepEqual(kept.desired, byTime.desired);
  assert.equal(planRestore(restarted, kept.desired, null), '', 'nothing to fix on a healthy restarted dockerd');
  assert.deepEqual(kept.bridges.map((x) => x.bridge), ['br-a1b2c3d4e5f6', 'docker0']);
  // A network missing from the kernel: creation order again.
  const partial = dockerExpectations({ ...state, networks: [bridge, appnet, inner] }, { hairpin: false, rules: restarted });
  assert.deepEqual(partial.bridges.map((x) => x.bridge), ['docker0', 'br-a1b2c3d4e5f6', 'br-cccccccccccc']);
});
