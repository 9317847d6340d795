import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DOCKER_DEFAULT_POOLS,
  NO_POOL_MESSAGE,
  allocateSubnet,
  checkAddressPools,
  findAvailableNetwork,
  listPoolSubnets,
  nameserversAsCidrs,
  parseAddressPoolFlag,
  poolSubnetCount,
} from '../../../src/model/ipam/index.js';
import { expectError } from './helpers.js';

describe('default address pools', () => {
  it('are 172.17-31 /16s then 192.168.0.0/16 in /20s (31 subnets)', () => {
    const all = listPoolSubnets([]);
    assert.equal(all.length, 31);
    assert.deepEqual(all.slice(0, 4), ['172.17.0.0/16', '172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16']);
    assert.equal(all[14], '172.31.0.0/16');
    assert.deepEqual(all.slice(15, 17), ['192.168.0.0/20', '192.168.16.0/20']);
    assert.equal(all[30], '192.168.240.0/20');
    assert.deepEqual(listPoolSubnets(DOCKER_DEFAULT_POOLS), all);
  });
  it('custom pools replace them', () => {
    assert.deepEqual(listPoolSubnets([{ base: '10.10.0.0/16', size: 24 }], 3), ['10.10.0.0/24', '10.10.1.0/24', '10.10.2.0/24']);
    assert.equal(poolSubnetCount([{ base: '10.10.0.0/16', size: 24 }]), 256);
    assert.deepEqual(listPoolSubnets([{ base: '10.10.0.7/30', size: 30 }]), ['10.10.0.4/30']);
  });
});

describe('--default-address-pool flag', () => {
  const good: [string, { base: string; size: number }][] = [
    ['base=10.10.0.0/16,size=24', { base: '10.10.0.0/16', size: 24 }],
    ['size=20,base=172.80.0.0/12', { base: '172.80.0.0/12', size: 20 }],
    ['BASE=10.0.0.0/8,Size=16', { base: '10.0.0.0/8', size: 16 }],
    ['"base=10.0.0.0/8","size=16"', { base: '10.0.0.0/8', size: 16 }],
    ['base=10.0.0.0/8', { base: '10.0.0.0/8', size: 0 }],
  ];
  for (const [flag, want] of good) it(`parses ${flag}`, () => assert.deepEqual(parseAddressPoolFlag(flag), want));
  const bad: [string, string][] = [
    ['base', "invalid field 'base' must be a key=value pair"],
    ['base=10.0.0.0/8,size=big', 'invalid size value: "big" (must be integer): strconv.Atoi: parsing "big": invalid syntax'],
    ['base=10.0.0.0/8,mask=16', "unexpected key 'mask' in 'mask=16'"],
    ['', 'EOF'],
    ['base=10.0.0.0/8,si"ze=1', 'parse error on line 1, column 19: bare " in non-quoted-field'],
  ];
  for (const [flag, msg] of bad) it(`rejects ${JSON.stringify(flag)}`, () => expectError(() => parseAddressPoolFlag(flag), 'invalid', msg));

  const badPools: [{ base: string; size: number }, string][] = [
    [{ base: '10.0.0/8', size: 16 }, 'invalid base pool "10.0.0/8": invalid CIDR address: 10.0.0/8'],
    [{ base: '', size: 16 }, 'invalid base pool "": invalid CIDR address: '],
    [{ base: '10.0.0.0/16', size: 8 }, 'invalid pools size: 8'],
    [{ base: '10.0.0.0/16', size: 0 }, 'invalid pools size: 0'],
    [{ base: '10.0.0.0/16', size: 33 }, 'invalid pools size: 33'],
  ];
  for (const [pool, msg] of badPools) {
    it(`checkAddressPools rejects ${JSON.stringify(pool)}`, () => expectError(() => checkAddressPools([pool]), 'invalid', msg));
  }
});

describe('allocateSubnet', () => {
  it('skips taken subnets and returns the next cursor', () => {
    assert.deepEqual(allocateSubnet([], ['172.17.0.0/16'], []), { subnet: '172.18.0.0/16', cursor: 2 });
    assert.deepEqual(allocateSubnet([], ['172.17.0.0/16', '172.18.0.0/16'], [], 2), { subnet: '172.19.0.0/16', cursor: 3 });
  });
  it('keeps searching forward from the cursor, so a freed subnet is not reused at once (Docker 20.10)', () => {
    // 172.18 was freed, the cursor (3) is past it: 172.19 is still taken, 172.20 is next.
    assert.deepEqual(allocateSubnet([], ['172.17.0.0/16', '172.19.0.0/16'], [], 3), { subnet: '172.20.0.0/16', cursor: 4 });
  });
  it('wraps around to the start of the list', () => {
    const taken = listPoolSubnets([]).filter((s) => s !== '172.18.0.0/16');
    assert.deepEqual(allocateSubnet([], taken, [], 30), { subnet: '172.18.0.0/16', cursor: 2 });
    assert.deepEqual(allocateSubnet([], ['172.17.0.0/16'], [], 30), { subnet: '192.168.240.0/20', cursor: 0 });
  });
  it('ignores a cursor out of range', () => {
    assert.deepEqual(allocateSubnet([], [], [], 99), { subnet: '172.17.0.0/16', cursor: 1 });
    assert.deepEqual(allocateSubnet([], [], [], -1), { subnet: '172.17.0.0/16', cursor: 1 });
  });
  it('skips subnets overlapping host routes and nameservers', () => {
    const routes = ['172.18.5.0/24', ...nameserversAsCidrs(['172.19.0.53', 'nonsense'])];
    assert.deepEqual(allocateSubnet([], ['172.17.0.0/16'], routes), { subnet: '172.20.0.0/16', cursor: 4 });
  });
  it('ignores a default route', () => {
    assert.deepEqual(allocateSubnet([], [], ['0.0.0.0/0']), { subnet: '172.17.0.0/16', cursor: 1 });
    assert.equal(findAvailableNetwork([], ['0.0.0.0/0']), '172.17.0.0/16');
  });
  it('skips subnets inside a big route (a VPN 172.16.0.0/12) in one jump', () => {
    const r = allocateSubnet([], [], ['172.16.0.0/12']);
    assert.deepEqual(r, { subnet: '192.168.0.0/20', cursor: 16 });
  });
  it('skips subnets that contain a taken smaller one', () => {
    assert.deepEqual(allocateSubnet([], ['172.17.3.0/24'], []), { subnet: '172.18.0.0/16', cursor: 2 });
  });
  it('works on huge custom pools without enumerating them', () => {
    const pools = [{ base: '10.0.0.0/8', size: 30 }];
    const r = allocateSubnet(pools, ['10.0.0.0/9'], []);
    assert.deepEqual(r, { subnet: '10.128.0.0/30', cursor: 2 ** 21 + 1 });
  });
  it('fails when every pool is taken', () => {
    expectError(() => allocateSubnet([], listPoolSubnets([]), []), 'not-found', NO_POOL_MESSAGE);
    expectError(() => allocateSubnet([], ['172.16.0.0/12'], ['192.168.0.0/16']), 'not-found', NO_POOL_MESSAGE);
    expectError(
      () => allocateSubnet([{ base: '10.9.0.0/23', size: 24 }], ['10.9.0.0/24'], ['10.9.1.0/24'], 1),
      'not-found',
      'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    );
  });
  it('uses custom pools', () => {
    const pools = [{ base: '10.10.0.0/16', size: 24 }, { base: '10.20.0.0/16', size: 24 }];
    assert.deepEqual(allocateSubnet(pools, ['10.10.0.0/16'], []), { subnet: '10.20.0.0/24', cursor: 257 });
  });
  it('rejects malformed taken/route CIDRs', () => {
    expectError(() => allocateSubnet([], ['nope'], []), 'invalid', 'invalid CIDR address: nope');
  });
});

describe('findAvailableNetwork (default bridge)', () => {
  it('is the first pool overlapping no route', () => {
    assert.equal(findAvailableNetwork([], []), '172.17.0.0/16');
    assert.equal(findAvailableNetwork([], ['172.17.0.0/16', '172.18.1.1/32']), '172.19.0.0/16');
    assert.equal(findAvailableNetwork([{ base: '10.99.0.0/16', size: 24 }], ['10.99.0.0/24']), '10.99.1.0/24');
    assert.equal(findAvailableNetwork([{ base: '10.99.0.0/24', size: 24 }], ['10.0.0.0/8']), null);
  });
});
