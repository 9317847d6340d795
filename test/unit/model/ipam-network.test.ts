import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  type DefaultBridgeContext,
  type ExistingNetwork,
  type PlanNetworkContext,
  checkStaticIpAllowed,
  consolidateIpamFlags,
  planDefaultBridgeIpam,
  planNetworkIpam,
} from '../../../src/model/ipam/index.js';
import { expectError } from './helpers.js';

const docker0: ExistingNetwork = { id: 'd0'.repeat(32), bridgeName: 'docker0', subnet: '172.17.0.0/16' };
const ctx = (over: Partial<PlanNetworkContext> = {}): PlanNetworkContext => ({
  network: { id: 'ab'.repeat(32), bridgeName: 'br-abababababab' },
  existing: [docker0],
  pools: [],
  poolCursor: 0,
  hostRoutes: [],
  ...over,
});

describe('docker network create flags (CLI consolidateIpam)', () => {
  it('pairs ranges and gateways with their subnet', () => {
    assert.deepEqual(consolidateIpamFlags(['10.1.0.0/16', '10.2.0.0/16'], ['10.2.5.0/24'], ['10.1.0.254']), [
      { subnet: '10.1.0.0/16', gateway: '10.1.0.254' },
      { subnet: '10.2.0.0/16', ipRange: '10.2.5.0/24' },
    ]);
    assert.deepEqual(consolidateIpamFlags([], [], []), []);
  });
  const bad: [string[], string[], string[], string][] = [
    [[], ['10.0.0.0/24'], [], 'every ip-range or gateway must have a corresponding subnet'],
    [[], [], ['10.0.0.1'], 'every ip-range or gateway must have a corresponding subnet'],
    [['10.0.0.0/16', '10.0.1.0/24'], [], [], 'multiple overlapping subnet configuration is not supported'],
    [['10.0.0.0/16'], ['10.1.0.0/24'], [], 'no matching subnet for range 10.1.0.0/24'],
    [['10.0.0.0/16'], [], ['10.1.0.1'], 'no matching subnet for gateway 10.1.0.1'],
    [['10.0.0.0/16'], [], ['bogus'], 'no matching subnet for gateway bogus'],
    [['10.0.0.0/16', '10.1.0.0/16'], ['10.0.1.0/24', '10.0.2.0/24'], [], 'cannot configure multiple ranges (10.0.2.0/24, 10.0.1.0/24) on the same subnet (10.0.0.0/16)'],
    [['10.0.0.0/16', '10.1.0.0/16'], [], ['10.0.0.1', '10.0.0.2'], 'cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/16)'],
    [['10.0.0/16'], ['10.0.0.0/24'], [], 'invalid subnet: invalid CIDR address: 10.0.0/16'],
    [['10.0.0.0/16'], ['10.0.0.0/99'], [], 'invalid CIDR address: 10.0.0.0/99'],
  ];
  for (const [s, r, g, msg] of bad) {
    it(msg, () => expectError(() => consolidateIpamFlags(s, r, g), 'invalid', msg));
  }
});

describe('planNetworkIpam: subnet from the default pools', () => {
  it('takes 172.18.0.0/16 with gateway .1 next to docker0', () => {
    assert.deepEqual(planNetworkIpam([], ctx()), {
      ipam: { subnet: '172.18.0.0/16', gateway: '172.18.0.1' },
      userSpecified: false,
      poolCursor: 2,
    });
    assert.deepEqual(planNetworkIpam([{}], ctx()).ipam.subnet, '172.18.0.0/16');
  });
  it('continues from the cursor and skips host routes', () => {
    const p = planNetworkIpam([], ctx({ poolCursor: 2, hostRoutes: ['172.19.0.0/16'] }));
    assert.deepEqual(p, { ipam: { subnet: '172.20.0.0/16', gateway: '172.20.0.1' }, userSpecified: false, poolCursor: 4 });
  });
  it('192.168 /20s after the /16s are gone', () => {
    const existing = Array.from({ length: 15 }, (_, i) => ({ id: `n${i}`, bridgeName: `b${i}`, subnet: `172.${17 + i}.0.0/16` }));
    const p = planNetworkIpam([], ctx({ existing, poolCursor: 15 }));
    assert.deepEqual(p.ipam, { subnet: '192.168.0.0/20', gateway: '192.168.0.1' });
  });
  it('exhaustion', () => {
    expectError(
      () => planNetworkIpam([], ctx({ existing: [{ id: 'x', bridgeName: 'x', subnet: '0.0.0.0/0' }] })),
      'not-found',
      'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    );
  });
});

describe('planNetworkIpam: user subnets', () => {
  const cases: { name: string; req: { subnet?: string; ipRange?: string; gateway?: string }; want: object }[] = [
    { name: 'subnet only', req: { subnet: '10.5.0.0/16' }, want: { subnet: '10.5.0.0/16', gateway: '10.5.0.1' } },
    { name: 'host bits in subnet', req: { subnet: '10.5.3.4/16' }, want: { subnet: '10.5.0.0/16', gateway: '10.5.0.1' } },
    { name: 'explicit gateway', req: { subnet: '10.5.0.0/16', gateway: '10.5.255.254' }, want: { subnet: '10.5.0.0/16', gateway: '10.5.255.254' } },
    {
      name: 'ip-range: the gateway is the first address of the range (Docker 20.10)',
      req: { subnet: '172.28.0.0/16', ipRange: '172.28.5.0/24' },
      want: { subnet: '172.28.0.0/16', gateway: '172.28.5.0', ipRange: '172.28.5.0/24' },
    },
    {
      name: 'ip-range at the start of the subnet skips the network address',
      req: { subnet: '172.28.0.0/16', ipRange: '172.28.0.0/24' },
      want: { subnet: '172.28.0.0/16', gateway: '172.28.0.1', ipRange: '172.28.0.0/24' },
    },
    {
      name: 'ip-range with host bits and a gateway outside it',
      req: { subnet: '10.243.3.1/16', ipRange: '10.243.3.1/24', gateway: '10.243.0.1' },
      want: { subnet: '10.243.0.0/16', gateway: '10.243.0.1', ipRange: '10.243.3.0/24' },
    },
    { name: '/31 has no address', req: { subnet: '10.9.9.0/30' }, want: { subnet: '10.9.9.0/30', gateway: '10.9.9.1' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planNetworkIpam([c.req], ctx());
      assert.deepEqual(p.ipam, c.want);
      assert.equal(p.userSpecified, true);
      assert.equal(p.poolCursor, 0);
    });
  }

  const errors: { req: { subnet?: string; ipRange?: string; gateway?: string }[]; kind: 'invalid' | 'forbidden'; msg: string; existing?: ExistingNetwork[] }[] = [
    { req: [{ subnet: '10.0.0/16' }], kind: 'invalid', msg: 'Invalid subnet 10.0.0/16 : invalid CIDR address: 10.0.0/16' },
    { req: [{ subnet: 'fd00::/64' }], kind: 'invalid', msg: 'IPv6 subnets are not supported: fd00::/64' },
    { req: [{ gateway: '10.0.0.1' }], kind: 'invalid', msg: 'every ip-range or gateway must have a corresponding subnet' },
    { req: [{ subnet: '10.0.0.0/16' }, { subnet: '10.1.0.0/16' }], kind: 'forbidden', msg: "bridge driver doesn't support multiple subnets" },
    { req: [{ subnet: '10.0.0.0/16', gateway: '10.0.0.x' }], kind: 'invalid', msg: 'invalid gateway address 10.0.0.x in Ipam configuration' },
    { req: [{ subnet: '10.0.0.0/16', gateway: '10.1.0.1' }], kind: 'invalid', msg: 'failed to allocate gateway (10.1.0.1): Requested address is out of range' },
    { req: [{ subnet: '10.0.0.0/16', gateway: '10.0.0.0' }], kind: 'invalid', msg: 'failed to allocate gateway (10.0.0.0): Address already in use' },
    { req: [{ subnet: '10.0.0.0/16', gateway: '10.0.255.255' }], kind: 'invalid', msg: 'failed to allocate gateway (10.0.255.255): Address already in use' },
    { req: [{ subnet: '10.0.0.0/31' }], kind: 'invalid', msg: 'failed to allocate gateway (): No available addresses on this pool' },
    { req: [{ subnet: '10.0.0.7/32' }], kind: 'invalid', msg: 'failed to allocate gateway (): No available addresses on this pool' },
    {
      req: [{ subnet: '10.0.0.0/16', ipRange: '10.0.1.0' }],
      kind: 'invalid',
      msg: 'failed to parse pool request for address space "LocalDefault" pool "10.0.0.0/16" subpool "10.0.1.0": Invalid Address SubPool',
    },
    { req: [{ subnet: '10.0.0.0/16', ipRange: '10.1.0.0/24' }], kind: 'invalid', msg: 'no matching subnet for range 10.1.0.0/24' },
    { req: [{ subnet: '172.17.0.0/16' }], kind: 'forbidden', msg: 'Pool overlaps with other one on this address space' },
    { req: [{ subnet: '172.17.5.0/24' }], kind: 'forbidden', msg: 'Pool overlaps with other one on this address space' },
    { req: [{ subnet: '172.0.0.0/8' }], kind: 'forbidden', msg: 'Pool overlaps with other one on this address space' },
    {
      req: [{ subnet: '172.17.0.0/16', ipRange: '172.17.5.0/24' }],
      kind: 'forbidden',
      msg: `cannot create network ${'ab'.repeat(32)} (br-abababababab): conflicts with network ${'d0'.repeat(32)} (docker0): networks have overlapping IPv4`,
    },
    {
      req: [{ subnet: '10.7.0.0/16', ipRange: '10.7.1.0/24' }],
      existing: [{ id: 'x', bridgeName: 'br-x', subnet: '10.7.0.0/16', ipRange: '10.7.1.0/24' }],
      kind: 'forbidden',
      msg: 'Pool overlaps with other one on this address space',
    },
  ];
  for (const e of errors) {
    it(`error: ${e.msg}`, () => expectError(() => planNetworkIpam(e.req, ctx(e.existing ? { existing: e.existing } : {})), e.kind, e.msg));
  }

  it('a user subnet may overlap host routes (Docker does not check them)', () => {
    assert.equal(planNetworkIpam([{ subnet: '192.168.1.0/24' }], ctx({ hostRoutes: ['192.168.1.0/24'] })).ipam.subnet, '192.168.1.0/24');
  });
  it('an ip-range larger than the subnet means the whole subnet', () => {
    assert.deepEqual(planNetworkIpam([{ subnet: '10.0.0.0/24', ipRange: '10.0.0.0/16' }], ctx()).ipam, {
      subnet: '10.0.0.0/24', gateway: '10.0.0.1', ipRange: '10.0.0.0/16',
    });
  });
});

describe('planDefaultBridgeIpam', () => {
  const base: DefaultBridgeContext = { bip: '', fixedCidr: '', pools: [], hostRoutes: [], bridgeAddresses: [], existing: [] };
  const cases: { name: string; over: Partial<DefaultBridgeContext>; want: object }[] = [
    { name: 'fresh host: 172.17.0.0/16, gateway 172.17.0.1', over: {}, want: { subnet: '172.17.0.0/16', gateway: '172.17.0.1' } },
    { name: 'routes push it to 172.18', over: { hostRoutes: ['172.17.0.0/16'] }, want: { subnet: '172.18.0.0/16', gateway: '172.18.0.1' } },
    { name: 'custom pools: first of them', over: { pools: [{ base: '10.200.0.0/16', size: 24 }] }, want: { subnet: '10.200.0.0/24', gateway: '10.200.0.1' } },
    { name: '--bip', over: { bip: '10.66.0.1/24' }, want: { subnet: '10.66.0.0/24', gateway: '10.66.0.1' } },
    { name: '--bip not the first address', over: { bip: '10.66.0.77/24' }, want: { subnet: '10.66.0.0/24', gateway: '10.66.0.77' } },
    { name: '--bip wins over the existing docker0 address', over: { bip: '10.66.0.1/24', bridgeAddresses: ['172.17.0.1/16'] }, want: { subnet: '10.66.0.0/24', gateway: '10.66.0.1' } },
    { name: 'existing docker0 address', over: { bridgeAddresses: ['192.168.5.1/24'] }, want: { subnet: '192.168.5.0/24', gateway: '192.168.5.1' } },
    {
      name: 'several docker0 addresses: the one inside --fixed-cidr',
      over: { bridgeAddresses: ['10.1.0.1/16', '10.2.0.1/16'], fixedCidr: '10.2.0.0/24' },
      want: { subnet: '10.2.0.0/16', gateway: '10.2.0.1', ipRange: '10.2.0.0/24' },
    },
    {
      name: '--bip with --fixed-cidr',
      over: { bip: '10.66.0.1/16', fixedCidr: '10.66.128.0/17' },
      want: { subnet: '10.66.0.0/16', gateway: '10.66.0.1', ipRange: '10.66.128.0/17' },
    },
    {
      name: '--fixed-cidr without --bip on a fresh host: gateway from the range (Docker 20.10)',
      over: { fixedCidr: '172.17.5.0/24' },
      want: { subnet: '172.17.0.0/16', gateway: '172.17.5.0', ipRange: '172.17.5.0/24' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(planDefaultBridgeIpam({ ...base, ...c.over }), c.want));

  const errors: { over: Partial<DefaultBridgeContext>; kind: 'invalid' | 'forbidden'; msg: string | RegExp }[] = [
    { over: { bip: '10.66.0.1' }, kind: 'invalid', msg: 'invalid CIDR address: 10.66.0.1' },
    { over: { fixedCidr: '10.66.0/24' }, kind: 'invalid', msg: 'invalid CIDR address: 10.66.0/24' },
    { over: { bip: '10.66.0.0/24' }, kind: 'invalid', msg: 'Error creating default "bridge" network: failed to allocate gateway (10.66.0.0): Address already in use' },
    { over: { bip: '10.66.0.1/24', fixedCidr: '10.77.0.0/24' }, kind: 'invalid', msg: 'fixed-cidr 10.77.0.0/24 is outside the bridge network 10.66.0.0/24' },
    {
      over: { bridgeAddresses: ['10.1.0.1/16', '10.2.0.1/16'], fixedCidr: '10.3.0.0/24' },
      kind: 'invalid',
      msg: 'fixed-cidr 10.3.0.0/24 is outside the bridge network 10.1.0.0/16',
    },
    {
      over: { bip: '10.66.0.1/24', existing: [{ id: 'u', bridgeName: 'br-u', subnet: '10.66.0.0/16' }] },
      kind: 'forbidden',
      msg: 'Error creating default "bridge" network: Pool overlaps with other one on this address space',
    },
    {
      over: { hostRoutes: ['172.16.0.0/12', '192.168.0.0/16'] },
      kind: 'invalid',
      msg: /^list bridge addresses failed: PredefinedLocalScopeDefaultNetworks List: \[172\.17\.0\.0\/16 172\.18\.0\.0\/16 .* 192\.168\.240\.0\/20\]: no available network$/,
    },
  ];
  for (const e of errors) it(`error: ${String(e.msg)}`, () => expectError(() => planDefaultBridgeIpam({ ...base, ...e.over }), e.kind, e.msg));
});

describe('--ip is allowed only on user-defined networks with a user subnet', () => {
  it('accepts a user network with --subnet', () => checkStaticIpAllowed({ name: 'mynet', userSpecifiedSubnet: true }));
  for (const name of ['bridge', 'host', 'none', 'default', 'container:web']) {
    it(`refuses ${name}`, () =>
      expectError(() => checkStaticIpAllowed({ name, userSpecifiedSubnet: true }), 'invalid', 'user specified IP address is supported on user defined networks only'));
  }
  it('refuses a user network without --subnet', () =>
    expectError(
      () => checkStaticIpAllowed({ name: 'mynet', userSpecifiedSubnet: false }),
      'invalid',
      'user specified IP address is supported only when connecting to networks with user configured subnets',
    ));
});
