import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRule } from '../../../src/firewall/describe.js';
import { spec } from './fixtures.js';

const TAIL = "Replies, the containers' own outgoing connections and traffic between containers on the same network are not affected.";

describe('firewall describe: what a rule will do, in plain words', () => {
  it('allow from an address, every port', () => {
    assert.equal(
      describeRule(spec('allow', '10.200.0.2')),
      'Lets new connections from 10.200.0.2 through to the containers. New connections to the containers from sources that no allow rule names are dropped (deny rules win over allow rules). ' +
        TAIL,
    );
  });

  it('allow from a network to one published port', () => {
    assert.equal(
      describeRule(spec('allow', '10.200.0.0/24', { port: '8080' })),
      'Lets new connections from the network 10.200.0.0/24 through to published port 8080/tcp. New connections to published port 8080/tcp from sources that no allow rule names are dropped (deny rules win over allow rules). ' +
        TAIL,
    );
  });

  it('deny a range arriving on an interface', () => {
    assert.equal(
      describeRule(spec('deny', '10.200.0.2-10.200.0.9', { iface: 'eth1' })),
      `Drops new connections from the addresses 10.200.0.2 to 10.200.0.9 arriving on eth1 to the containers. ${TAIL}`,
    );
  });

  it('allow on an interface limits the allow-list to that interface', () => {
    assert.match(describeRule(spec('allow', '10.1.0.1', { port: '53/udp', iface: 'eth1' })), /New connections to published port 53\/udp arriving on eth1 from sources that no allow rule names are dropped/);
  });
});
