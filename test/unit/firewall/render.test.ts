import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultDenyScopes, layoutLines, renderAccess } from '../../../src/firewall/render.js';
import { isBerthMarked } from '../../../src/firewall/marks.js';
import { tokenize } from '../../../src/render/iptables/tokenize.js';
import { rule, spec } from './fixtures.js';

/** The label after berth's mark in a rule's comment. */
function label(spec: string): string {
  const tokens = tokenize(spec);
  return (tokens[tokens.indexOf('--comment') + 1] ?? '').replace('berth-firewall:', '');
}

const JUMP_DOCKER0 =
  '! -i docker0 -o docker0 -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound docker0" -j BERTH-FIREWALL';

describe('firewall render: the exact rules, as iptables-save prints them', () => {
  it('no rules: nothing at all (no jumps, no chain)', () => {
    assert.deepEqual(renderAccess([], ['docker0']), { jumps: [], chain: [] });
  });

  it('allow from one address: its RETURN, then the default DROP for new inbound connections', () => {
    const layout = renderAccess([rule('aaaaaaaaaaaa', spec('allow', '10.200.0.2'))], ['docker0', 'br-0123456789ab']);
    assert.deepEqual(layout.jumps, [
      JUMP_DOCKER0,
      '! -i br-0123456789ab -o br-0123456789ab -m conntrack --ctstate NEW -m comment --comment "berth-firewall:inbound br-0123456789ab" -j BERTH-FIREWALL',
    ]);
    assert.deepEqual(layout.chain, [
      '-s 10.200.0.2/32 -m comment --comment "berth-firewall:aaaaaaaaaaaa allow" -j RETURN',
      '-m comment --comment berth-firewall:default-deny -j DROP',
    ]);
  });

  it('a port matches the original destination port (before DNAT), with its protocol', () => {
    const layout = renderAccess([rule('bbbbbbbbbbbb', spec('allow', '10.200.0.0/24', { port: '8080' }))], ['docker0']);
    assert.deepEqual(layout.chain, [
      '-s 10.200.0.0/24 -p tcp -m conntrack --ctorigdstport 8080 -m comment --comment "berth-firewall:bbbbbbbbbbbb allow" -j RETURN',
      '-p tcp -m conntrack --ctorigdstport 8080 -m comment --comment "berth-firewall:default-deny port=8080/tcp" -j DROP',
    ]);
  });

  it('a range uses iprange; an interface is -i, in iptables-save order', () => {
    const layout = renderAccess([rule('cccccccccccc', spec('deny', '10.200.0.2-10.200.0.9', { port: '53/udp', iface: 'eth0' }))], ['docker0']);
    assert.deepEqual(layout.chain, [
      '-i eth0 -p udp -m iprange --src-range 10.200.0.2-10.200.0.9 -m conntrack --ctorigdstport 53 -m comment --comment "berth-firewall:cccccccccccc deny" -j DROP',
    ]);
  });

  it('deny rules first, then allow rules, then the default DROPs; deny alone adds no default DROP', () => {
    const rules = [
      rule('a1', spec('allow', '10.200.0.0/24')),
      rule('d1', spec('deny', '10.200.0.5')),
      rule('a2', spec('allow', '10.201.0.2', { port: '9090', iface: 'eth1' })),
    ];
    const chain = renderAccess(rules, ['docker0']).chain;
    assert.deepEqual(
      chain.map(label),
      ['d1 deny', 'a1 allow', 'a2 allow', 'default-deny'],
      'the every-port scope covers port 9090 on eth1: one default DROP',
    );
    assert.deepEqual(renderAccess([rule('d1', spec('deny', '10.200.0.5'))], []).chain, ['-s 10.200.0.5/32 -m comment --comment "berth-firewall:d1 deny" -j DROP']);
  });

  it('default-deny scopes: one per scope, first seen first, covered ones left out', () => {
    const scopes = defaultDenyScopes([
      rule('1', spec('allow', '10.0.0.1', { port: '8080', iface: 'eth0' })),
      rule('2', spec('allow', '10.0.0.2', { port: '9090' })),
      rule('3', spec('allow', '10.0.0.3', { port: '8080' })),
      rule('4', spec('allow', '10.0.0.4', { port: '9090' })),
      rule('5', spec('allow', '10.0.0.5', { iface: 'eth1' })),
    ]);
    assert.deepEqual(
      scopes.map((s) => `${s.port?.port ?? '*'}@${s.inInterface ?? '*'}`),
      ['9090@*', '8080@*', '*@eth1'],
      '8080 on eth0 is covered by 8080 anywhere',
    );
  });

  it('every rendered rule carries the berth mark; layout lines name their chains', () => {
    const layout = renderAccess([rule('a1', spec('allow', '10.0.0.1', { port: '80' }))], ['docker0']);
    assert.ok([...layout.jumps, ...layout.chain].every(isBerthMarked));
    assert.deepEqual(layoutLines(layout).map((l) => l.split(' ').slice(0, 2).join(' ')), ['-A DOCKER-USER', '-A BERTH-FIREWALL', '-A BERTH-FIREWALL']);
  });
});

describe('firewall marks: berth-marked vs hand-written rules', () => {
  it('recognises the mark in any comment, quoted or not', () => {
    assert.equal(isBerthMarked(JUMP_DOCKER0), true);
    assert.equal(isBerthMarked('-s 10.0.0.1/32 -m comment --comment berth-firewall:x -j DROP'), true);
    assert.equal(isBerthMarked('-m comment --comment keep -m comment --comment "berth-firewall:y z" -j DROP'), true);
  });

  it('hand-written rules are not berth’s, even when they mention berth', () => {
    assert.equal(isBerthMarked('-i docker0 ! -s 192.168.1.1/32 -j DROP'), false);
    assert.equal(isBerthMarked('-m comment --comment "my berth-firewall:copy" -j DROP'), false);
    assert.equal(isBerthMarked('-j BERTH-FIREWALL'), false, 'only the mark counts, not the target');
    assert.equal(isBerthMarked('-j RETURN'), false);
  });
});
