import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  type NetworkIpam,
  allocateAddress,
  macFromIp,
  releaseAddress,
  reservedAddresses,
} from '../../../src/model/ipam/index.js';
import { expectError } from './helpers.js';

const net16: NetworkIpam = { subnet: '172.18.0.0/16', gateway: '172.18.0.1' };
const ref = { name: 'mynet', id: 'f'.repeat(64) };

/** Allocates n addresses one after the other. */
function fill(ipam: NetworkIpam, n: number, start: string[] = []): string[] {
  const used = [...start];
  for (let i = 0; i < n; i++) used.push(allocateAddress(ipam, used));
  return used;
}

describe('allocateAddress: dynamic', () => {
  it('starts after the gateway, lowest free first', () => {
    assert.deepEqual(fill(net16, 3), ['172.18.0.2', '172.18.0.3', '172.18.0.4']);
  });
  it('reuses the lowest released address', () => {
    const used = releaseAddress(fill(net16, 4), '172.18.0.3');
    assert.deepEqual(used, ['172.18.0.2', '172.18.0.4', '172.18.0.5']);
    assert.equal(allocateAddress(net16, used), '172.18.0.3');
  });
  it('a gateway elsewhere leaves .1 free', () => {
    assert.deepEqual(fill({ subnet: '10.5.0.0/24', gateway: '10.5.0.254' }, 2), ['10.5.0.1', '10.5.0.2']);
  });
  it('ignores prefixes in the in-use list and malformed entries', () => {
    assert.equal(allocateAddress(net16, ['172.18.0.2/16', 'junk']), '172.18.0.3');
  });
  it('fills a /29 then fails like Docker', () => {
    const small: NetworkIpam = { subnet: '10.9.0.0/29', gateway: '10.9.0.1' };
    const used = fill(small, 5);
    assert.deepEqual(used, ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    expectError(() => allocateAddress(small, used, null, ref), 'unavailable',
      `no available IPv4 addresses on this network's address pools: mynet (${'f'.repeat(64)})`);
    expectError(() => allocateAddress(small, used), 'unavailable', "no available IPv4 addresses on this network's address pools");
  });
});

describe('allocateAddress: ip-range / fixed-cidr', () => {
  const ranged: NetworkIpam = { subnet: '172.28.0.0/16', gateway: '172.28.5.0', ipRange: '172.28.5.0/30' };
  it('hands out addresses only from the range, .0 of the range included', () => {
    const withGw: NetworkIpam = { subnet: '172.28.0.0/16', gateway: '172.28.0.1', ipRange: '172.28.5.0/30' };
    assert.deepEqual(fill(withGw, 4), ['172.28.5.0', '172.28.5.1', '172.28.5.2', '172.28.5.3']);
    expectError(() => allocateAddress(withGw, fill(withGw, 4)), 'unavailable', "no available IPv4 addresses on this network's address pools");
  });
  it('skips the gateway inside the range', () => {
    assert.deepEqual(fill(ranged, 3), ['172.28.5.1', '172.28.5.2', '172.28.5.3']);
  });
  it('the default bridge with --fixed-cidr', () => {
    const docker0: NetworkIpam = { subnet: '172.17.0.0/16', gateway: '172.17.0.1', ipRange: '172.17.128.0/17' };
    assert.deepEqual(fill(docker0, 2), ['172.17.128.0', '172.17.128.1']);
  });
  it('a fixed-cidr at the end of the subnet never hands out the broadcast', () => {
    const tail: NetworkIpam = { subnet: '10.0.0.0/24', gateway: '10.0.0.1', ipRange: '10.0.0.252/30' };
    const used = fill(tail, 3);
    assert.deepEqual(used, ['10.0.0.252', '10.0.0.253', '10.0.0.254']);
    expectError(() => allocateAddress(tail, used), 'unavailable', "no available IPv4 addresses on this network's address pools");
  });
  it('a static --ip may be outside the ip-range but inside the subnet', () => {
    assert.equal(allocateAddress(ranged, [], '172.28.9.9'), '172.28.9.9');
  });
});

describe('allocateAddress: static (--ip)', () => {
  it('takes the requested address', () => {
    assert.equal(allocateAddress(net16, ['172.18.0.2'], '172.18.3.4'), '172.18.3.4');
  });
  it('the requested address is then skipped by dynamic requests', () => {
    assert.equal(allocateAddress(net16, ['172.18.0.2'], '172.18.0.3'), '172.18.0.3');
    assert.equal(allocateAddress(net16, ['172.18.0.2', '172.18.0.3']), '172.18.0.4');
  });
  const bad: [string, 'invalid' | 'forbidden', string][] = [
    ['172.18.0.2', 'forbidden', 'Address already in use'],
    ['172.18.0.1', 'forbidden', 'Address already in use'],
    ['172.18.0.0', 'forbidden', 'Address already in use'],
    ['172.18.255.255', 'forbidden', 'Address already in use'],
    ['172.19.0.2', 'invalid', "Invalid address 172.19.0.2: It does not belong to any of this network's subnets"],
    ['172.18.0.300', 'invalid', 'Invalid IPv4 address: 172.18.0.300)'],
    ['fe80::1', 'invalid', 'Invalid IPv4 address: fe80::1)'],
  ];
  for (const [ip, kind, msg] of bad) it(`${ip}: ${msg}`, () => expectError(() => allocateAddress(net16, ['172.18.0.2'], ip), kind, msg));
  it('empty string means dynamic', () => assert.equal(allocateAddress(net16, [], ''), '172.18.0.2'));
});

describe('reserved addresses and MACs', () => {
  it('network, broadcast, gateway', () => {
    assert.deepEqual(reservedAddresses(net16), ['172.18.0.0', '172.18.255.255', '172.18.0.1']);
    assert.deepEqual(reservedAddresses({ subnet: '10.0.0.5/32', gateway: '' }), ['10.0.0.5']);
  });
  const macs: [string, string][] = [
    ['172.17.0.2', '02:42:ac:11:00:02'],
    ['10.0.0.1', '02:42:0a:00:00:01'],
    ['192.168.255.254', '02:42:c0:a8:ff:fe'],
  ];
  for (const [ip, mac] of macs) it(`mac of ${ip}`, () => assert.equal(macFromIp(ip), mac));
  it('mac of a bad address', () => expectError(() => macFromIp('1.2.3'), 'invalid', 'invalid IP address: 1.2.3'));
});
