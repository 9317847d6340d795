import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  addressIndex,
  broadcastAddress,
  canonicalCidr,
  cidrContains,
  cidrContainsCidr,
  cidrOverlaps,
  cidrSize,
  compareCidr,
  formatCidr,
  formatIpv4,
  formatNetmask,
  formatNetwork,
  isGlobalUnicast,
  isIpv4,
  networkAddress,
  nthAddress,
  parseCidr,
  parseIpv4,
  prefixMask,
  tryParseCidr,
} from '../../../src/model/ipv4.js';
import { expectError } from './helpers.js';

describe('ipv4 addresses', () => {
  const good: [string, number][] = [
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['172.17.0.1', 0xac110001],
    ['10.0.0.255', 0x0a0000ff],
    ['192.168.100.10', 0xc0a8640a],
  ];
  for (const [text, value] of good) {
    it(`parses and formats ${text}`, () => {
      assert.equal(parseIpv4(text), value);
      assert.equal(formatIpv4(value), text);
    });
  }
  const bad = ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1..2.3', '::1', '1.2.3.4/24', '+1.2.3.4'];
  for (const text of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.equal(isIpv4(text), false);
      expectError(() => parseIpv4(text), 'invalid', `invalid IP address: ${text}`);
    });
  }
});

describe('ipv4 CIDRs', () => {
  it('keeps host bits as written (--bip 10.66.0.1/24)', () => {
    const c = parseCidr('10.66.0.1/24');
    assert.equal(formatIpv4(c.addr), '10.66.0.1');
    assert.equal(c.prefix, 24);
    assert.equal(formatCidr(c), '10.66.0.1/24');
    assert.equal(formatNetwork(c), '10.66.0.0/24');
    assert.deepEqual(canonicalCidr(c), parseCidr('10.66.0.0/24'));
  });
  const table: { cidr: string; net: string; bcast: string; size: number; mask: string }[] = [
    { cidr: '172.17.0.0/16', net: '172.17.0.0', bcast: '172.17.255.255', size: 65536, mask: '255.255.0.0' },
    { cidr: '192.168.16.7/20', net: '192.168.16.0', bcast: '192.168.31.255', size: 4096, mask: '255.255.240.0' },
    { cidr: '10.1.2.3/32', net: '10.1.2.3', bcast: '10.1.2.3', size: 1, mask: '255.255.255.255' },
    { cidr: '10.1.2.3/31', net: '10.1.2.2', bcast: '10.1.2.3', size: 2, mask: '255.255.255.254' },
    { cidr: '1.2.3.4/0', net: '0.0.0.0', bcast: '255.255.255.255', size: 2 ** 32, mask: '0.0.0.0' },
    { cidr: '10.0.0.0/8', net: '10.0.0.0', bcast: '10.255.255.255', size: 2 ** 24, mask: '255.0.0.0' },
    { cidr: '10.0.0.0/024', net: '10.0.0.0', bcast: '10.0.0.255', size: 256, mask: '255.255.255.0' },
  ];
  for (const t of table) {
    it(`network/broadcast/size of ${t.cidr}`, () => {
      const c = parseCidr(t.cidr);
      assert.equal(formatIpv4(networkAddress(c)), t.net);
      assert.equal(formatIpv4(broadcastAddress(c)), t.bcast);
      assert.equal(cidrSize(c), t.size);
      assert.equal(formatNetmask(c.prefix), t.mask);
    });
  }
  const bad = ['', '10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0/24', '10.0.0.0/-1', '10.0.0.0/2a', '10.0.0.0/24/1', 'fd00::/64', '10.0.0.0/1234'];
  for (const text of bad) {
    it(`rejects CIDR ${JSON.stringify(text)}`, () => {
      assert.equal(tryParseCidr(text), null);
      expectError(() => parseCidr(text), 'invalid', `invalid CIDR address: ${text}`);
    });
  }
  it('prefixMask edges', () => {
    assert.equal(prefixMask(0), 0);
    assert.equal(prefixMask(32), 0xffffffff);
    assert.equal(prefixMask(1), 0x80000000);
    expectError(() => prefixMask(33), 'invalid', 'invalid prefix length: 33');
  });
});

describe('ipv4 relations', () => {
  const c = (s: string) => parseCidr(s);
  it('contains', () => {
    assert.equal(cidrContains(c('172.17.0.0/16'), parseIpv4('172.17.255.255')), true);
    assert.equal(cidrContains(c('172.17.0.0/16'), parseIpv4('172.18.0.0')), false);
    assert.equal(cidrContains(c('0.0.0.0/0'), parseIpv4('8.8.8.8')), true);
    assert.equal(cidrContainsCidr(c('10.0.0.0/8'), c('10.1.0.0/16')), true);
    assert.equal(cidrContainsCidr(c('10.1.0.0/16'), c('10.0.0.0/8')), false);
    assert.equal(cidrContainsCidr(c('10.1.0.0/16'), c('10.2.0.0/24')), false);
  });
  const overlaps: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['172.17.0.0/16', '172.18.0.0/16', false],
    ['192.168.0.0/20', '192.168.15.255/32', true],
    ['192.168.0.0/20', '192.168.16.0/20', false],
    ['0.0.0.0/0', '1.2.3.4/32', true],
    ['10.0.0.1/24', '10.0.0.200/25', true],
  ];
  for (const [a, b, want] of overlaps) {
    it(`overlaps(${a}, ${b}) = ${want}`, () => assert.equal(cidrOverlaps(c(a), c(b)), want));
  }
  it('nth address and index', () => {
    assert.equal(formatIpv4(nthAddress(c('172.18.0.0/16'), 1)), '172.18.0.1');
    assert.equal(formatIpv4(nthAddress(c('172.18.0.9/16'), 65535)), '172.18.255.255');
    expectError(() => nthAddress(c('10.0.0.0/30'), 4), 'invalid', 'address index 4 is outside 10.0.0.0/30');
    expectError(() => nthAddress(c('10.0.0.0/30'), -1), 'invalid', 'address index -1 is outside 10.0.0.0/30');
    assert.equal(addressIndex(c('10.0.0.0/24'), parseIpv4('10.0.0.7')), 7);
    assert.equal(addressIndex(c('10.0.0.0/24'), parseIpv4('10.0.1.7')), -1);
  });
  it('compare orders by address then prefix', () => {
    const list = ['10.0.0.0/16', '10.0.0.0/8', '9.0.0.0/8'].map(c).sort(compareCidr).map(formatCidr);
    assert.deepEqual(list, ['9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16']);
  });
  const gu: [string, boolean][] = [
    ['0.0.0.0', false], ['0.0.0.1', true], ['127.0.0.1', false], ['224.0.0.1', false], ['239.255.255.255', false],
    ['169.254.1.1', false], ['255.255.255.255', false], ['10.0.0.1', true], ['0.66.0.1', true],
  ];
  for (const [ip, want] of gu) it(`isGlobalUnicast(${ip}) = ${want}`, () => assert.equal(isGlobalUnicast(parseIpv4(ip)), want));
});
