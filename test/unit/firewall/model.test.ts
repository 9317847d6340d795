import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSource, parseAction, parseInterface, parsePort, parseSource, sameSpec, scopeCovers } from '../../../src/firewall/model.js';
import { spec } from './fixtures.js';

describe('firewall model: parsing what users type', () => {
  it('sources: an address, a network, a range', () => {
    assert.deepEqual(parseSource('10.200.0.2'), { kind: 'ip', ip: '10.200.0.2' });
    assert.deepEqual(parseSource('10.200.0.0/24'), { kind: 'cidr', cidr: '10.200.0.0/24' });
    assert.deepEqual(parseSource(' 10.200.0.2-10.200.0.9 '), { kind: 'range', from: '10.200.0.2', to: '10.200.0.9' });
    for (const s of ['10.200.0.2', '10.200.0.0/24', '10.200.0.2-10.200.0.9', '0.0.0.0/0']) assert.equal(formatSource(parseSource(s)), s);
  });

  it('sources: mistakes are refused with a hint', () => {
    assert.throws(() => parseSource('10.200.0.5/24'), /not a network address; did you mean 10\.200\.0\.0\/24\?/);
    assert.throws(() => parseSource('10.200.0.9-10.200.0.2'), /10\.200\.0\.9 comes after 10\.200\.0\.2/);
    assert.throws(() => parseSource('10.200.0.2-'), /expected FIRST-LAST/);
    assert.throws(() => parseSource('10.200.0.300'), /expected an address, a CIDR/);
    assert.throws(() => parseSource('10.200.0.0/33'), /expected an address, a CIDR/);
    assert.throws(() => parseSource('example.com'), /invalid source "example.com"/);
  });

  it('ports: tcp unless given; 1-65535', () => {
    assert.deepEqual(parsePort('8080'), { port: 8080, proto: 'tcp' });
    assert.deepEqual(parsePort('53/UDP'), { port: 53, proto: 'udp' });
    assert.deepEqual(parsePort('80/sctp'), { port: 80, proto: 'sctp' });
    for (const bad of ['0', '65536', '80/icmp', 'http', '80-90']) assert.throws(() => parsePort(bad), /invalid port/, bad);
  });

  it('interfaces: iptables names, a trailing + as wildcard', () => {
    assert.equal(parseInterface('eth0'), 'eth0');
    assert.equal(parseInterface('enp+'), 'enp+');
    for (const bad of ['', '+', 'a/b', 'eth 0', '!eth0', 'averyveryverylongname']) assert.throws(() => parseInterface(bad), /invalid interface/, bad);
  });

  it('actions', () => {
    assert.equal(parseAction('allow'), 'allow');
    assert.throws(() => parseAction('accept'), /expected allow or deny/);
  });

  it('scopes: every port covers one port, any interface covers one interface', () => {
    const all = spec('allow', '10.0.0.1');
    const port = spec('allow', '10.0.0.1', { port: '8080' });
    const portIf = spec('allow', '10.0.0.1', { port: '8080', iface: 'eth0' });
    assert.equal(scopeCovers(all, port), true);
    assert.equal(scopeCovers(port, portIf), true);
    assert.equal(scopeCovers(port, all), false);
    assert.equal(scopeCovers(port, spec('allow', '10.0.0.1', { port: '8080/udp' })), false);
    assert.equal(scopeCovers(spec('allow', '10.0.0.1', { iface: 'eth1' }), portIf), false);
  });

  it('identical specs are recognised whatever the spelling', () => {
    assert.equal(sameSpec(spec('allow', '10.0.0.1', { port: '8080' }), spec('allow', '10.0.0.1', { port: '8080/tcp' })), true);
    assert.equal(sameSpec(spec('allow', '10.0.0.1'), spec('deny', '10.0.0.1')), false);
    assert.equal(sameSpec(spec('allow', '10.0.0.1'), spec('allow', '10.0.0.1/32')), false, 'an address and a /32 render differently');
  });
});
