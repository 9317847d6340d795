// The match evaluators through the rule parser, on hand-written rules: each family,
// with negation, and what berth cannot evaluate (answered "unknown", never guessed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRule, parseRule } from '../../../src/trace/rule.js';
import { TCP_FLAGS } from '../../../src/trace/packet.js';
import type { MatchContext } from '../../../src/trace/match/types.js';
import { ctx } from './fixtures.js';

type Expect = 'matched' | 'not-matched' | 'unknown';

function check(cases: readonly (readonly [string, MatchContext, Expect])[]): void {
  for (const [rule, c, expected] of cases) {
    assert.equal(evaluateRule(parseRule(rule), c).kind, expected, `${rule} on ${JSON.stringify({ ...c.packet, mark: c.mark, in: c.inIface, out: c.outIface, ct: c.ct })}`);
  }
}

const base = ctx({});

describe('core matches', () => {
  it('-s/-d with prefix and dotted masks, and !', () => {
    check([
      ['-s 10.200.0.2/32 -j ACCEPT', base, 'matched'],
      ['-s 10.200.0.2 -j ACCEPT', base, 'matched'],
      ['-s 10.200.0.0/29 -j ACCEPT', base, 'matched'],
      ['-s 10.200.0.8/29 -j ACCEPT', base, 'not-matched'],
      ['! -s 10.200.0.0/29 -j DROP', base, 'not-matched'],
      ['! -s 10.200.0.0/29 -j DROP', ctx({ src: '10.200.0.20' }), 'matched'],
      ['-s 10.0.0.2/255.0.255.0 -j DROP', ctx({ src: '10.9.0.200' }), 'matched'],
      ['-d 10.200.0.1/32 -j ACCEPT', base, 'matched'],
      ['! -d 127.0.0.0/8 -j ACCEPT', base, 'matched'],
      ['-s 0.0.0.0/0 -j ACCEPT', base, 'matched'],
    ]);
  });

  it('-i/-o with + wildcards and !, and no interface where the hook has none', () => {
    check([
      ['-i eth0 -j ACCEPT', base, 'matched'],
      ['-i eth+ -j ACCEPT', base, 'matched'],
      ['-i br+ -j ACCEPT', base, 'not-matched'],
      ['! -i docker0 -j ACCEPT', base, 'matched'],
      ['-o br-front -j ACCEPT', base, 'not-matched'],
      ['! -o br-front -j ACCEPT', base, 'matched'],
      ['-o br+ -j ACCEPT', { ...base, outIface: 'br-front' }, 'matched'],
      ['-i eth0 -o eth0 -j ACCEPT', { ...base, outIface: 'br-front' }, 'not-matched'],
    ]);
  });

  it('-p by name and number, all, another protocol, and -f', () => {
    check([
      ['-p tcp -j ACCEPT', base, 'matched'],
      ['-p 6 -j ACCEPT', base, 'matched'],
      ['-p udp -j ACCEPT', base, 'not-matched'],
      ['! -p udp -j ACCEPT', base, 'matched'],
      ['-p all -j ACCEPT', base, 'matched'],
      ['-p gre -j ACCEPT', base, 'not-matched'],
      ['-p icmp -j ACCEPT', ctx({ proto: 'icmp' }), 'matched'],
      ['-f -j DROP', base, 'not-matched'],
      ['! -f -j DROP', base, 'matched'],
    ]);
  });
});

describe('-m tcp/udp/sctp, multiport, icmp', () => {
  it('ports and ranges', () => {
    check([
      ['-p tcp -m tcp --dport 80 -j ACCEPT', base, 'matched'],
      ['-p tcp -m tcp --dport 81 -j ACCEPT', base, 'not-matched'],
      ['-p tcp -m tcp ! --dport 81 -j ACCEPT', base, 'matched'],
      ['-p tcp -m tcp --dport 1:1023 -j ACCEPT', base, 'matched'],
      ['-p tcp -m tcp --dport :79 -j ACCEPT', base, 'not-matched'],
      ['-p tcp -m tcp --sport 40000: -j ACCEPT', base, 'matched'],
      ['-p udp -m udp --dport 80 -j ACCEPT', base, 'not-matched'],
      ['-p udp -m udp --dport 5000:5010 -j DROP', ctx({ proto: 'udp', dport: 5005 }), 'matched'],
      ['-p sctp -m sctp --dport 80 -j ACCEPT', ctx({ proto: 'sctp' }), 'matched'],
    ]);
  });

  it('an unknown source port is unknown, unless another test settles the rule', () => {
    const noSport = ctx({ sport: null });
    check([
      ['-p tcp -m tcp --sport 9999 -j DROP', noSport, 'unknown'],
      ['-p udp -m udp --sport 9999 -j DROP', noSport, 'not-matched'],
      ['-s 10.9.9.9 -p tcp -m tcp --sport 9999 -j DROP', noSport, 'not-matched'],
      ['-p tcp -m multiport --ports 80,443 -j ACCEPT', noSport, 'matched'],
      ['-p tcp -m multiport --ports 81,443 -j ACCEPT', noSport, 'unknown'],
    ]);
    const r = evaluateRule(parseRule('-p tcp -m tcp --sport 9999 -j DROP'), noSport);
    assert.deepEqual(r, { kind: 'unknown', reasons: ['--sport 9999: the source port is not known (give it with --sport)'] });
  });

  it('tcp flags (iptables-save prints --syn as --tcp-flags)', () => {
    const synAck = { ...base, packet: { ...base.packet, tcpFlags: TCP_FLAGS.SYN | TCP_FLAGS.ACK } };
    check([
      ['-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT', base, 'matched'],
      ['-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT', synAck, 'not-matched'],
      ['-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT', synAck, 'matched'],
      ['-p tcp -m tcp --syn -j ACCEPT', base, 'matched'],
      ['-p tcp -m tcp --tcp-flags ALL NONE -j DROP', base, 'not-matched'],
    ]);
  });

  it('multiport lists and ranges', () => {
    check([
      ['-p tcp -m multiport --dports 8080,8443 -j MARK --set-xmark 0x10/0xffffffff', ctx({ dport: 8443 }), 'matched'],
      ['-p tcp -m multiport --dports 80,443:445 -j ACCEPT', ctx({ dport: 444 }), 'matched'],
      ['-p tcp -m multiport ! --dports 80,443:445 -j ACCEPT', ctx({ dport: 444 }), 'not-matched'],
      ['-p tcp -m multiport --sports 1:1023 -j ACCEPT', base, 'not-matched'],
    ]);
  });

  it('icmp types', () => {
    const ping = ctx({ proto: 'icmp' });
    check([
      ['-p icmp -m icmp --icmp-type 8 -j ACCEPT', ping, 'matched'],
      ['-p icmp -m icmp --icmp-type echo-request -j ACCEPT', ping, 'matched'],
      ['-p icmp -m icmp --icmp-type 0 -j ACCEPT', ping, 'not-matched'],
      ['-p icmp -m icmp --icmp-type 8/0 -j ACCEPT', ping, 'matched'],
      ['-p icmp -m icmp --icmp-type any -j ACCEPT', ping, 'matched'],
      ['-p icmp -m icmp --icmp-type router-advertisement -j ACCEPT', ping, 'unknown'],
    ]);
  });
});

describe('conntrack, state, addrtype, iprange, mark, comment', () => {
  const established = { ...base, ct: { state: 'ESTABLISHED', dir: 'REPLY', snat: false, dnat: true } } as const;
  it('conntrack --ctstate/--ctdir and state --state', () => {
    check([
      ['-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', base, 'not-matched'],
      ['-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', established, 'matched'],
      ['-m conntrack ! --ctstate INVALID,NEW --ctdir REPLY -j ACCEPT', established, 'matched'],
      ['-m conntrack --ctstate DNAT -j ACCEPT', established, 'matched'],
      ['-m conntrack --ctstate SNAT -j ACCEPT', established, 'not-matched'],
      ['-m state --state NEW -j DROP', base, 'matched'],
      ['-m conntrack --ctorigdst 10.0.0.1 -j ACCEPT', base, 'unknown'],
      ['-m conntrack --ctstate NEW --ctorigdst 10.0.0.1 -j ACCEPT', established, 'not-matched'],
    ]);
  });

  it('addrtype over the local table', () => {
    check([
      ['-m addrtype --dst-type LOCAL -j DOCKER', base, 'matched'],
      ['-m addrtype --dst-type LOCAL -j DOCKER', ctx({ dst: '172.18.0.2' }), 'not-matched'],
      ['-m addrtype --dst-type LOCAL -j DOCKER', ctx({ dst: '172.18.0.1' }), 'matched'],
      ['-m addrtype --src-type LOCAL -j MASQUERADE', base, 'not-matched'],
      ['-m addrtype ! --src-type LOCAL -j ACCEPT', base, 'matched'],
      ['-m addrtype --dst-type BROADCAST -j DROP', ctx({ dst: '10.200.0.255' }), 'matched'],
      ['-m addrtype --dst-type MULTICAST -j DROP', ctx({ dst: '224.0.0.1' }), 'matched'],
      ['-m addrtype --dst-type UNICAST -j ACCEPT', ctx({ dst: '8.8.8.8' }), 'matched'],
      ['-m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT', base, 'unknown'],
    ]);
  });

  it('iprange, as in the seeds', () => {
    const rule = '-i eth0 -m iprange ! --src-range 10.200.0.3-10.200.0.5 -j DROP';
    check([
      [rule, ctx({ src: '10.200.0.2' }), 'matched'],
      [rule, ctx({ src: '10.200.0.3' }), 'not-matched'],
      [rule, ctx({ src: '10.200.0.5' }), 'not-matched'],
      [rule, ctx({ src: '10.200.0.6' }), 'matched'],
      ['-m iprange --dst-range 10.200.0.1-10.200.0.1 -j ACCEPT', base, 'matched'],
    ]);
  });

  it('mark with and without a mask', () => {
    check([
      ['-m mark --mark 0x10 -j DROP', base, 'not-matched'],
      ['-m mark --mark 0x10 -j DROP', { ...base, mark: 0x10 }, 'matched'],
      ['-m mark --mark 0x10/0xf0 -j DROP', { ...base, mark: 0x1f }, 'matched'],
      ['-m mark ! --mark 0x10/0xf0 -j DROP', { ...base, mark: 0x2f }, 'matched'],
      ['-m mark --mark 16 -j DROP', { ...base, mark: 0x10 }, 'matched'],
    ]);
  });

  it('comment always matches, even with a text that looks like an option', () => {
    check([
      ['-m comment --comment "hello world" -j ACCEPT', base, 'matched'],
      ['-m comment --comment "-j DROP" -s 10.9.9.9 -j ACCEPT', base, 'not-matched'],
      ['-m comment --comment "-m set" -j ACCEPT', base, 'matched'],
    ]);
  });
});

describe('what berth cannot evaluate', () => {
  it('unknown match modules and options answer unknown with the reason', () => {
    check([
      ['-m set --match-set allowed src -j ACCEPT', base, 'unknown'],
      ['-m physdev --physdev-is-bridged -j ACCEPT', base, 'unknown'],
      ['-m limit --limit 3/min -j LOG', base, 'unknown'],
      ['-m recent --name x --rcheck ! --seconds 60 -s 10.200.0.2 -j DROP', base, 'unknown'],
      ['-m set --match-set allowed src -s 10.9.9.9 -j ACCEPT', base, 'not-matched'],
      ['-p tcp -m tcp --tcp-option 2 -j ACCEPT', base, 'unknown'],
      ['-p tcp -m tcp --dport http -j ACCEPT', base, 'unknown'],
    ]);
    assert.deepEqual(evaluateRule(parseRule('-m set --match-set allowed src -j ACCEPT'), base), {
      kind: 'unknown',
      reasons: ['-m set --match-set allowed src: match -m set is not evaluated by berth'],
    });
  });

  it('the options of an unknown module end at the next match or target', () => {
    const rule = parseRule('-p tcp -m owner --uid-owner 0 ! --gid-owner 5 -m tcp --dport 80 -j ACCEPT');
    assert.deepEqual(
      rule.criteria.map((c) => c.text),
      ['-p tcp', '-m owner --uid-owner 0 ! --gid-owner 5', '-m tcp', '--dport 80'],
    );
    assert.deepEqual(rule.target, { name: 'ACCEPT', goto: false, options: [] });
  });

  it('a token out of place is an unknown part of the rule, not a parse failure', () => {
    const rule = parseRule('-p tcp --dport 80 -j ACCEPT');
    assert.deepEqual(
      rule.criteria.map((c) => c.text),
      ['-p tcp', '--dport', '80'],
    );
    assert.equal(evaluateRule(rule, base).kind, 'unknown');
  });
});
