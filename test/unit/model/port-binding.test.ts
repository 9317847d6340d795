import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  type PortBindingSpec,
  convertPublishLongSyntax,
  isIp,
  parseApiPorts,
  parseExposeSpec,
  parsePortKey,
  parsePortRange,
  parsePortSpec,
  parsePublishOptions,
  planPortBindings,
  portKey,
  splitProtoPort,
} from '../../../src/model/port-binding.js';
import { expectError } from './helpers.js';

const b = (hostIp: string, host: [number, number] | null, containerPort: number, proto: 'tcp' | 'udp' | 'sctp' = 'tcp'): PortBindingSpec => ({
  hostIp,
  hostPort: host === null ? null : { start: host[0], end: host[1] },
  containerPort,
  proto,
});

describe('-p parsing (nat.ParsePortSpec)', () => {
  const good: [string, PortBindingSpec[]][] = [
    ['80', [b('', null, 80)]],
    ['8080:80', [b('', [8080, 8080], 80)]],
    ['127.0.0.1:8080:80', [b('127.0.0.1', [8080, 8080], 80)]],
    ['127.0.0.1::80', [b('127.0.0.1', null, 80)]],
    ['0.0.0.0:80:80', [b('0.0.0.0', [80, 80], 80)]],
    ['8080:80/udp', [b('', [8080, 8080], 80, 'udp')]],
    ['8080:80/sctp', [b('', [8080, 8080], 80, 'sctp')]],
    ['8080:80/TCP', [b('', [8080, 8080], 80, 'tcp')]],
    ['8080:80/', [b('', [8080, 8080], 80, 'tcp')]],
    ['80/udp/whatever', [b('', null, 80, 'udp')]],
    ['9000-9002:9000-9002', [b('', [9000, 9000], 9000), b('', [9001, 9001], 9001), b('', [9002, 9002], 9002)]],
    ['9000-9003:80', [b('', [9000, 9003], 80)]],
    ['127.0.0.1:9000-9003:80/udp', [b('127.0.0.1', [9000, 9003], 80, 'udp')]],
    ['9000-9002', [b('', null, 9000), b('', null, 9001), b('', null, 9002)]],
    ['8000-8001:90-91/udp', [b('', [8000, 8000], 90, 'udp'), b('', [8001, 8001], 91, 'udp')]],
    ['0:80', [b('', null, 80)]],
    ['080:80', [b('', [80, 80], 80)]],
    ['1-2-3:80', [b('', [1, 2], 80)]],
    ['[::1]:8080:80', [b('::1', [8080, 8080], 80)]],
    ['[1.2.3.4]:8080:80', [b('1.2.3.4', [8080, 8080], 80)]],
    ['65535:65535', [b('', [65535, 65535], 65535)]],
  ];
  for (const [spec, want] of good) it(spec, () => assert.deepEqual(parsePortSpec(spec), want));

  const bad: [string, string][] = [
    ['', 'No port specified: <empty>'],
    ['/udp', 'No port specified: /udp<empty>'],
    ['8080:', 'No port specified: 8080:<empty>'],
    ['1.2.3.x:80:80', 'Invalid ip address: 1.2.3.x'],
    ['1.2.3.4.5:80:80', 'Invalid ip address: 1.2.3.4.5'],
    ['1.2.3.x:abc:80/icmp', 'Invalid ip address: 1.2.3.x'],
    ['::1:80:80', 'Invalid ip address ::1: address ::1:: too many colons in address'],
    ['[::1:80:80', "Invalid ip address [::1: address [::1:: missing ']' in address"],
    ['[::1]x:80:80', 'Invalid ip address [::1]x: address [::1]x:: missing port in address'],
    ['a]b:80:80', "Invalid ip address a]b: address a]b:: unexpected ']' in address"],
    ['[fe80::1%eth0]:80:80', 'Invalid ip address: fe80::1%eth0'],
    ['abc', 'Invalid containerPort: abc'],
    ['8080:abc', 'Invalid containerPort: abc'],
    ['70000', 'Invalid containerPort: 70000'],
    ['80-79', 'Invalid containerPort: 80-79'],
    ['-80', 'Invalid containerPort: -80'],
    ['0', 'Invalid containerPort: 0'],
    ['abc:80', 'Invalid hostPort: abc'],
    ['70000:80', 'Invalid hostPort: 70000'],
    ['9003-9000:80', 'Invalid hostPort: 9003-9000'],
    ['abc:80/icmp', 'Invalid hostPort: abc'],
    ['9000-9003:80-81', 'Invalid ranges specified for container and host Ports: 80-81 and 9000-9003'],
    ['8080:80-81', 'Invalid ranges specified for container and host Ports: 80-81 and 8080'],
    ['8080:80/icmp', 'Invalid proto: icmp'],
    ['8080:80/Icmp', 'Invalid proto: Icmp'],
  ];
  for (const [spec, msg] of bad) it(`rejects ${JSON.stringify(spec)}: ${msg}`, () => expectError(() => parsePortSpec(spec), 'invalid', msg));
});

describe('port helpers', () => {
  it('splitProtoPort', () => {
    assert.deepEqual(splitProtoPort('80'), { proto: 'tcp', port: '80' });
    assert.deepEqual(splitProtoPort('80/udp'), { proto: 'udp', port: '80' });
    assert.deepEqual(splitProtoPort('80/'), { proto: 'tcp', port: '80' });
    assert.deepEqual(splitProtoPort('80/udp/x'), { proto: 'udp', port: '80' });
    assert.deepEqual(splitProtoPort('/udp'), { proto: '', port: '' });
    assert.deepEqual(splitProtoPort(''), { proto: '', port: '' });
  });
  it('parsePortRange messages', () => {
    assert.deepEqual(parsePortRange('80'), { start: 80, end: 80 });
    assert.deepEqual(parsePortRange('80-90'), { start: 80, end: 90 });
    expectError(() => parsePortRange(''), 'invalid', 'Empty string specified for ports.');
    expectError(() => parsePortRange('x'), 'invalid', 'strconv.ParseUint: parsing "x": invalid syntax');
    expectError(() => parsePortRange('65536'), 'invalid', 'strconv.ParseUint: parsing "65536": value out of range');
    expectError(() => parsePortRange('80-'), 'invalid', 'strconv.ParseUint: parsing "": invalid syntax');
    expectError(() => parsePortRange('90-80'), 'invalid', 'Invalid range specified for the Port: 90-80');
  });
  it('isIp (Go net.ParseIP)', () => {
    for (const ok of ['1.2.3.4', '::', '::1', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1::2:3:4:5:6:7']) assert.equal(isIp(ok), true, ok);
    for (const no of ['', '1.2.3', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', 'fe80::1%eth0', '12345::1', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3']) assert.equal(isIp(no), false, no);
  });
  it('port keys', () => {
    assert.equal(portKey({ port: 80, proto: 'udp' }), '80/udp');
    assert.deepEqual(parsePortKey('80/tcp'), { port: 80, proto: 'tcp' });
    assert.deepEqual(parsePortKey('53'), { port: 53, proto: 'tcp' });
    expectError(() => parsePortKey('80-81/tcp'), 'invalid', 'invalid port specification: "80-81"');
    expectError(() => parsePortKey('/tcp'), 'invalid', 'invalid port specification: ""');
    expectError(() => parsePortKey('80/icmp'), 'invalid', 'Invalid proto: icmp');
  });
});

describe('--expose', () => {
  const good: [string, [number, string][]][] = [
    ['5000', [[5000, 'tcp']]],
    ['5000-5002', [[5000, 'tcp'], [5001, 'tcp'], [5002, 'tcp']]],
    ['5000/udp', [[5000, 'udp']]],
    ['53/UDP', [[53, 'udp']]],
    ['7/sctp', [[7, 'sctp']]],
  ];
  for (const [spec, want] of good) it(spec, () => assert.deepEqual(parseExposeSpec(spec), want.map(([port, proto]) => ({ port, proto }))));
  const bad: [string, string][] = [
    ['80:80', 'invalid port format for --expose: 80:80'],
    ['abc', 'invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax'],
    ['/udp', 'invalid range format for --expose: /udp, error: Empty string specified for ports.'],
    ['5002-5000', 'invalid range format for --expose: 5002-5000, error: Invalid range specified for the Port: 5002-5000'],
    ['99999', 'invalid range format for --expose: 99999, error: strconv.ParseUint: parsing "99999": value out of range'],
    ['80/icmp', 'Invalid proto: icmp'],
    ['0', 'Invalid containerPort: 0'],
  ];
  for (const [spec, msg] of bad) it(`rejects ${spec}`, () => expectError(() => parseExposeSpec(spec), 'invalid', msg));
});

describe('--publish long syntax', () => {
  const cases: [string, string][] = [
    ['published=8080,target=80', '8080:80/tcp'],
    ['target=53,published=5353,protocol=udp', '5353:53/udp'],
    ['target=80', ':80/tcp'],
    ['published=8080,target=80,mode=host', '8080:80/tcp'],
    ['8080:80', '8080:80'],
  ];
  for (const [raw, want] of cases) it(raw, () => assert.equal(convertPublishLongSyntax(raw), want));
  it('bad field', () =>
    expectError(() => convertPublishLongSyntax('published=8080,mode'), 'invalid', "invalid publish opts format (should be name=value but got 'mode')"));
  it('missing target', () =>
    expectError(() => parsePublishOptions({ publish: ['published=8080'], expose: [] }), 'invalid', 'No port specified: 8080:/tcp<empty>'));
  it('target only is ephemeral', () =>
    assert.deepEqual(parsePublishOptions({ publish: ['target=80'], expose: [] }).bindings, [b('', null, 80)]));
});

describe('parsePublishOptions (docker run -p/--expose)', () => {
  it('merges exposed ports, keeping bindings in order', () => {
    const r = parsePublishOptions({ publish: ['8080:80', '8080:80/udp', '127.0.0.1:8081:80'], expose: ['80', '90', '90/udp'] });
    assert.deepEqual(r.bindings, [b('', [8080, 8080], 80), b('', [8080, 8080], 80, 'udp'), b('127.0.0.1', [8081, 8081], 80)]);
    assert.deepEqual(r.exposed.map(portKey), ['80/tcp', '80/udp', '90/tcp', '90/udp']);
  });
});

describe('Docker API ExposedPorts/PortBindings', () => {
  it('converts', () => {
    const r = parseApiPorts(
      ['80/tcp', '53/udp'],
      { '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '8080-8090' }], '443/tcp': [{ HostPort: '' }], '53/udp': null, '22/tcp': [{ HostPort: '2222/tcp' }] },
    );
    assert.deepEqual(r.exposed.map(portKey), ['80/tcp', '53/udp', '443/tcp', '22/tcp']);
    assert.deepEqual(r.bindings, [
      b('', [8080, 8080], 80),
      b('127.0.0.1', [8080, 8090], 80),
      b('', null, 443),
      b('', [2222, 2222], 22),
    ]);
    assert.deepEqual(parseApiPorts([], {}), { bindings: [], exposed: [] });
    // Keys naming one port ("80", "80/tcp", "80/TCP") are one exposed port, bound twice.
    assert.deepEqual(parseApiPorts(['80'], { '80/tcp': [{ HostPort: '1' }], '80/TCP': [{ HostPort: '2' }] }), {
      exposed: [{ port: 80, proto: 'tcp' }],
      bindings: [b('', [1, 1], 80), b('', [2, 2], 80)],
    });
  });
  const bad: [Record<string, { HostIp?: string; HostPort?: string }[]>, string][] = [
    [{ '80-81/tcp': [] }, 'invalid port specification: "80-81"'],
    [{ 'x/tcp': [] }, 'invalid port specification: "x"'],
    [{ '80/tcp': [{ HostPort: 'abc' }] }, 'invalid port specification: "abc"'],
    [{ '80/icmp': [] }, 'Invalid proto: icmp'],
    [{ '80/tcp': [{ HostIp: 'nope', HostPort: '80' }] }, 'Invalid ip address: nope'],
  ];
  for (const [pb, msg] of bad) it(`rejects ${JSON.stringify(pb)}`, () => expectError(() => parseApiPorts([], pb), 'invalid', msg));
});

describe('planPortBindings (allocation order, -P)', () => {
  const parsed = parsePublishOptions({ publish: ['8080:80'], expose: ['443', '53/udp', '53'] });
  it('-P adds ephemeral bindings for exposed ports without one, Docker order', () => {
    assert.deepEqual(planPortBindings(parsed, true), [b('', [8080, 8080], 80), b('', null, 443), b('', null, 53), b('', null, 53, 'udp')]);
  });
  it('without -P only the explicit bindings', () => {
    assert.deepEqual(planPortBindings(parsed, false), [b('', [8080, 8080], 80)]);
  });
  it('higher host ports first, bindings of a port together', () => {
    const p = parsePublishOptions({ publish: ['127.0.0.1:8080:80', '8081:81', '9090:80'], expose: [] });
    assert.deepEqual(planPortBindings(p, false), [b('', [9090, 9090], 80), b('127.0.0.1', [8080, 8080], 80), b('', [8081, 8081], 81)]);
  });
  it('-P alone: higher container ports first, tcp before udp', () => {
    const p = parsePublishOptions({ publish: [], expose: ['80', '81/udp', '81'] });
    assert.deepEqual(planPortBindings(p, true), [b('', null, 81), b('', null, 81, 'udp'), b('', null, 80)]);
  });
});
