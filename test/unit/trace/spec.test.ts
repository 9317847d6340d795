// The two ends of `berth trace` as typed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../../src/model/errors.js';
import { parseDestination, parseSource } from '../../../src/trace/spec.js';

describe('--from and --to', () => {
  it('sources: host, ext:IP, an address, a container', () => {
    assert.deepEqual(parseSource('host'), { kind: 'host' });
    assert.deepEqual(parseSource('ext:10.200.0.2'), { kind: 'outside', address: '10.200.0.2' });
    assert.deepEqual(parseSource('172.18.0.2'), { kind: 'address', address: '172.18.0.2' });
    assert.deepEqual(parseSource('web'), { kind: 'container', name: 'web' });
    assert.deepEqual(parseSource('my_db.1'), { kind: 'container', name: 'my_db.1' });
  });

  it('destinations with ports and protocols (tcp by default), pings without', () => {
    assert.deepEqual(parseDestination('10.200.0.1:8080/tcp'), { target: { kind: 'address', address: '10.200.0.1' }, port: 8080, proto: 'tcp' });
    assert.deepEqual(parseDestination('db:5432'), { target: { kind: 'container', name: 'db' }, port: 5432, proto: 'tcp' });
    assert.deepEqual(parseDestination('8.8.8.8:53/udp'), { target: { kind: 'address', address: '8.8.8.8' }, port: 53, proto: 'udp' });
    assert.deepEqual(parseDestination('ext:10.200.0.2:9000'), { target: { kind: 'outside', address: '10.200.0.2' }, port: 9000, proto: 'tcp' });
    assert.deepEqual(parseDestination('web/icmp'), { target: { kind: 'container', name: 'web' }, port: null, proto: 'icmp' });
  });

  it('mistakes are invalid-argument errors that say what is expected', () => {
    const bad: readonly [string, RegExp][] = [
      ['10.200.0.1', /give a port/],
      ['10.200.0.1:0', /port must be 1-65535/],
      ['10.200.0.1:80/gre', /protocol must be tcp, udp, sctp or icmp/],
      ['10.200.0.1:80/icmp', /icmp has no port/],
      ['host:80', /name the host by one of its addresses/],
      ['ext:nope:80', /ext: takes an IPv4 address/],
      ['-x:80', /expected host, ext:IP/],
    ];
    for (const [text, message] of bad) {
      assert.throws(() => parseDestination(text), (e: unknown) => e instanceof BerthError && e.kind === 'invalid' && message.test(e.message), text);
    }
    assert.throws(() => parseSource('ext:'), /ext: takes an IPv4 address/);
  });
});
