import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_EPHEMERAL_RANGE,
  EMPTY_PORT_ALLOCATOR_STATE,
  type EphemeralRange,
  type HostPortRequest,
  type PortAllocatorState,
  allocateHostPort,
  allocateHostPorts,
  hostIpsConflict,
  normalizeHostIp,
  parseIpLocalPortRange,
  releaseHostPort,
} from '../../../src/model/port-allocator.js';
import type { Proto } from '../../../src/model/port-binding.js';
import { expectError } from './helpers.js';

const eph: EphemeralRange = { lo: 40000, hi: 40002 };
const req = (hostIp: string, port: number | [number, number] | null, proto: Proto = 'tcp'): HostPortRequest => ({
  hostIp,
  proto,
  hostPort: port === null ? null : typeof port === 'number' ? { start: port, end: port } : { start: port[0], end: port[1] },
});

/** Runs requests in sequence, returning the ports and the final state. */
function run(reqs: HostPortRequest[], state: PortAllocatorState = EMPTY_PORT_ALLOCATOR_STATE, range = eph) {
  return allocateHostPorts(state, reqs, range);
}

describe('specific host ports', () => {
  it('takes a free port and records it', () => {
    const r = allocateHostPort(EMPTY_PORT_ALLOCATOR_STATE, req('', 8080), eph);
    assert.equal(r.port, 8080);
    assert.deepEqual(r.state, { allocations: [{ hostIp: '0.0.0.0', proto: 'tcp', port: 8080 }], cursors: {} });
    assert.deepEqual(EMPTY_PORT_ALLOCATOR_STATE, { allocations: [], cursors: {} }, 'input unchanged');
  });
  const conflicts: { taken: HostPortRequest; asked: HostPortRequest; msg: string }[] = [
    { taken: req('', 8080), asked: req('', 8080), msg: 'Bind for 0.0.0.0:8080 failed: port is already allocated' },
    { taken: req('0.0.0.0', 8080), asked: req('', 8080), msg: 'Bind for 0.0.0.0:8080 failed: port is already allocated' },
    { taken: req('127.0.0.1', 8080), asked: req('127.0.0.1', 8080), msg: 'Bind for 127.0.0.1:8080 failed: port is already allocated' },
    { taken: req('', 8080), asked: req('127.0.0.1', 8080), msg: 'Bind for 127.0.0.1:8080 failed: port is already allocated' },
    { taken: req('127.0.0.1', 8080), asked: req('', 8080), msg: 'Bind for 0.0.0.0:8080 failed: port is already allocated' },
    { taken: req('', 53, 'udp'), asked: req('10.0.0.1', 53, 'udp'), msg: 'Bind for 10.0.0.1:53 failed: port is already allocated' },
    { taken: req('::', 8080), asked: req('::1', 8080), msg: 'Bind for ::1:8080 failed: port is already allocated' },
  ];
  for (const c of conflicts) {
    it(c.msg + ` (${c.taken.hostIp || "''"} taken)`, () => {
      const s = run([c.taken]).state;
      expectError(() => allocateHostPort(s, c.asked, eph), 'conflict', c.msg);
    });
  }
  const independent: [HostPortRequest, HostPortRequest][] = [
    [req('', 8080, 'tcp'), req('', 8080, 'udp')],
    [req('', 8080, 'udp'), req('', 8080, 'sctp')],
    [req('127.0.0.1', 8080), req('127.0.0.2', 8080)],
    [req('0.0.0.0', 8080), req('::', 8080)],
    [req('127.0.0.1', 8080), req('::1', 8080)],
    [req('', 8080), req('', 8081)],
  ];
  for (const [a, b] of independent) {
    it(`${a.hostIp || '*'}:${a.hostPort?.start}/${a.proto} and ${b.hostIp || '*'}:${b.hostPort?.start}/${b.proto} coexist`, () => {
      assert.deepEqual(run([a, b]).ports, [a.hostPort?.start, b.hostPort?.start]);
    });
  }
  it('a released port can be taken again', () => {
    const s = releaseHostPort(run([req('', 8080)]).state, { hostIp: '', proto: 'tcp', port: 8080 });
    assert.equal(allocateHostPort(s, req('0.0.0.0', 8080), eph).port, 8080);
  });
});

describe('ephemeral host ports (portallocator cursor)', () => {
  it('a fresh daemon starts at the bottom of the range, then goes up', () => {
    const r = run([req('', null), req('', null), req('', null)]);
    assert.deepEqual(r.ports, [40000, 40001, 40002]);
    assert.deepEqual(r.state.cursors, { '0.0.0.0/tcp/40000-40002': 40002 });
  });
  it('a released port is not reused until the cursor wraps round', () => {
    const big: EphemeralRange = { lo: 40000, hi: 40009 };
    let s = run([req('', null), req('', null)], EMPTY_PORT_ALLOCATOR_STATE, big).state; // 40000, 40001
    s = releaseHostPort(s, { hostIp: '0.0.0.0', proto: 'tcp', port: 40000 });
    assert.equal(allocateHostPort(s, req('', null), big).port, 40002);
  });
  it('wraps around to the bottom and skips busy ports', () => {
    let s = run([req('', null), req('', null), req('', null)]).state;
    s = releaseHostPort(s, { hostIp: '', proto: 'tcp', port: 40001 });
    const r = allocateHostPort(s, req('', null), eph);
    assert.equal(r.port, 40001);
    assert.equal(r.state.cursors['0.0.0.0/tcp/40000-40002'], 40001);
  });
  it('all ports are allocated', () => {
    const s = run([req('', null), req('', null), req('', null)]).state;
    expectError(() => allocateHostPort(s, req('', null), eph), 'unavailable', 'all ports are allocated');
  });
  it('skips ports taken explicitly', () => {
    assert.deepEqual(run([req('', 40000), req('', null)]).ports, [40000, 40001]);
  });
  it('each host IP and protocol has its own cursor', () => {
    const r = run([req('', null), req('', null, 'udp'), req('127.0.0.2', null), req('127.0.0.3', null)]);
    // udp is independent; 127.0.0.2 cannot take 40000 (0.0.0.0 has it) so takes 40001;
    // 127.0.0.3 has its own cursor and also starts from the bottom.
    assert.deepEqual(r.ports, [40000, 40000, 40001, 40001]);
    assert.deepEqual(r.state.cursors, {
      '0.0.0.0/tcp/40000-40002': 40000,
      '0.0.0.0/udp/40000-40002': 40000,
      '127.0.0.2/tcp/40000-40002': 40001,
      '127.0.0.3/tcp/40000-40002': 40001,
    });
  });
  it('the cursor survives in the stored state (a restarted engine continues)', () => {
    const stored: PortAllocatorState = JSON.parse(JSON.stringify(run([req('', null)]).state));
    assert.equal(allocateHostPort(stored, req('', null), eph).port, 40001);
  });
  it('a cursor outside the range is ignored', () => {
    const s: PortAllocatorState = { allocations: [], cursors: { '0.0.0.0/tcp/40000-40002': 12 } };
    assert.equal(allocateHostPort(s, req('', null), eph).port, 40000);
  });
  it('a changed kernel range gets its own cursor', () => {
    const s = run([req('', null)]).state;
    assert.equal(allocateHostPort(s, req('', null), { lo: 50000, hi: 50010 }).port, 50000);
  });
  it("Docker's default range", () => {
    assert.equal(allocateHostPort(EMPTY_PORT_ALLOCATOR_STATE, req('', null), DEFAULT_EPHEMERAL_RANGE).port, 49153);
  });
});

describe('host port ranges (-p 9000-9003:80)', () => {
  it('first free port of the range, then its own cursor', () => {
    const r = run([req('', [9000, 9003]), req('', [9000, 9003])]);
    assert.deepEqual(r.ports, [9000, 9001]);
    assert.equal(r.state.cursors['0.0.0.0/tcp/9000-9003'], 9001);
  });
  it('skips busy ports and fails when the range is full', () => {
    const r = run([req('', 9000), req('127.0.0.1', 9001), req('', [9000, 9002]), req('', [9000, 9002], 'udp')]);
    assert.deepEqual(r.ports, [9000, 9001, 9002, 9000]);
    expectError(() => allocateHostPort(r.state, req('', [9000, 9002]), eph), 'unavailable', 'all ports are allocated');
  });
  const bad: [[number, number], string][] = [
    [[0, 5], 'invalid port range: 0-5'],
    [[10, 5], 'invalid port range: 10-5'],
    [[5, 0], 'invalid port range: 5-0'],
  ];
  for (const [range, msg] of bad) it(msg, () => expectError(() => allocateHostPort(EMPTY_PORT_ALLOCATOR_STATE, req('', range), eph), 'invalid', msg));
  it('unknown protocol', () =>
    expectError(() => allocateHostPort(EMPTY_PORT_ALLOCATOR_STATE, { hostIp: '', proto: 'icmp' as Proto, hostPort: null }, eph), 'invalid', 'unknown protocol'));
});

describe('allocateHostPorts is all or nothing', () => {
  it('fails without returning a partial state', () => {
    const s = run([req('', 8080)]).state;
    expectError(() => allocateHostPorts(s, [req('', 8081), req('', 8080)], eph), 'conflict', 'Bind for 0.0.0.0:8080 failed: port is already allocated');
    assert.deepEqual(s.allocations, [{ hostIp: '0.0.0.0', proto: 'tcp', port: 8080 }]);
  });
});

describe('helpers', () => {
  it('releasing an unknown allocation changes nothing', () => {
    const s = run([req('', 8080)]).state;
    assert.equal(releaseHostPort(s, { hostIp: '', proto: 'udp', port: 8080 }), s);
  });
  it('normalizeHostIp / hostIpsConflict', () => {
    assert.equal(normalizeHostIp(''), '0.0.0.0');
    assert.equal(normalizeHostIp('0:0:0:0:0:0:0:0'), '::');
    assert.equal(normalizeHostIp('FE80::1'), 'fe80::1');
    assert.equal(hostIpsConflict('', '0.0.0.0'), true);
    assert.equal(hostIpsConflict('10.0.0.1', '10.0.0.2'), false);
    assert.equal(hostIpsConflict('::', '10.0.0.1'), false);
  });
  const ranges: [string, EphemeralRange | null][] = [
    ['32768\t60999\n', { lo: 32768, hi: 60999 }],
    ['1024 65535', { lo: 1024, hi: 65535 }],
    ['garbage', null],
    ['60999\t32768\n', null],
    ['0\t100', null],
    ['32768', null],
  ];
  for (const [text, want] of ranges) it(`parseIpLocalPortRange(${JSON.stringify(text)})`, () => assert.deepEqual(parseIpLocalPortRange(text), want));
});
