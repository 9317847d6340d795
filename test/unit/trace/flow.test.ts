// Packet-flow table over Docker's layout (rendered by berth) on a hand-built host:
// source, protocol, destination, port -> verdict, receiver, what it sees, NAT.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../../src/model/ipv4.js';
import type { Origin } from '../../../src/trace/leg.js';
import type { Proto } from '../../../src/trace/packet.js';
import { packetText } from '../../../src/trace/packet.js';
import { deliveryText, type TraceResult } from '../../../src/trace/result.js';
import { traceConnection } from '../../../src/trace/trace.js';
import type { World } from '../../../src/trace/world.js';
import { dockerRuleset, dockerWorld, NETWORKS, withRules } from './fixtures.js';

interface Row {
  readonly from: string;
  readonly to: string;
  readonly verdict: TraceResult['verdict'];
  /** `receiver: what it sees`, or null when nothing arrives. */
  readonly seen: string | null;
  /** The NAT of the first packet, `TARGET from -> to`. */
  readonly nat?: readonly string[];
}

/** `ext:IP`, `host` or a sandbox name; `IP:PORT[/proto]`. */
function trace(world: World, from: string, to: string): TraceResult {
  const m = /^([\d.]+)(?::(\d+))?(?:\/(\w+))?$/.exec(to);
  assert.ok(m, to);
  const proto = (m[3] ?? 'tcp') as Proto;
  let origin: Origin;
  let src: number | null = null;
  if (from.startsWith('ext:')) {
    origin = { kind: 'outside', iface: 'eth0' };
    src = parseIpv4(from.slice(4));
  } else origin = from === 'host' ? { kind: 'host' } : { kind: 'sandbox', name: from };
  return traceConnection(world, {
    from: origin,
    fromText: from,
    toText: to,
    proto,
    src,
    dst: parseIpv4(m[1] as string),
    sport: proto === 'icmp' ? null : 40000,
    dport: m[2] === undefined ? null : Number(m[2]),
  });
}

function check(world: World, rows: readonly Row[]): void {
  for (const row of rows) {
    const t = trace(world, row.from, row.to);
    const seen = t.deliveredTo === null || t.farEnd === null ? null : `${deliveryText(t.deliveredTo)}: ${packetText(t.farEnd)}`;
    const got = { verdict: t.verdict, seen, certain: t.certain, nat: t.original.nat.map((n) => `${n.target} ${n.from} -> ${n.to}`) };
    assert.deepEqual(got, { verdict: row.verdict, seen: row.seen, certain: true, nat: row.nat ?? [] }, `${row.from} -> ${row.to}`);
  }
}

describe('packet flows through Docker\'s layout', () => {
  it('from outside: published ports, containers, the host', () => {
    check(dockerWorld(), [
      { from: 'ext:10.200.0.2', to: '10.200.0.1:8080', verdict: 'ACCEPT', seen: 'sandbox web: tcp 10.200.0.2:40000 -> 172.18.0.2:80', nat: ['DNAT 10.200.0.1:8080 -> 172.18.0.2:80'] },
      { from: 'ext:10.200.0.2', to: '10.200.0.1:5353/udp', verdict: 'ACCEPT', seen: 'sandbox web: udp 10.200.0.2:40000 -> 172.18.0.2:53', nat: ['DNAT 10.200.0.1:5353 -> 172.18.0.2:53'] },
      { from: 'ext:10.200.0.2', to: '10.200.0.1:8081', verdict: 'ACCEPT', seen: 'the host: tcp 10.200.0.2:40000 -> 10.200.0.1:8081' },
      { from: 'ext:10.200.0.2', to: '172.18.0.2:80', verdict: 'ACCEPT', seen: 'sandbox web: tcp 10.200.0.2:40000 -> 172.18.0.2:80' },
      { from: 'ext:10.200.0.2', to: '172.18.0.2:81', verdict: 'DROP', seen: null },
      { from: 'ext:10.200.0.2', to: '172.20.0.2:80', verdict: 'DROP', seen: null },
      { from: 'ext:10.200.0.2', to: '192.0.2.5:80', verdict: 'DROP', seen: null },
    ]);
  });

  it('between sandboxes: bridged, isolated, icc off, internal', () => {
    check(dockerWorld(), [
      { from: 'web', to: '172.18.0.3:80', verdict: 'ACCEPT', seen: 'sandbox web2: tcp 172.18.0.2:40000 -> 172.18.0.3:80' },
      { from: 'old', to: '172.18.0.2:80', verdict: 'DROP', seen: null },
      { from: 'web', to: '172.17.0.2:80', verdict: 'DROP', seen: null },
      { from: 'q1', to: '172.19.0.3:80', verdict: 'DROP', seen: null },
      { from: 's1', to: '172.20.0.3:80', verdict: 'ACCEPT', seen: 'sandbox s2: tcp 172.20.0.2:40000 -> 172.20.0.3:80' },
      { from: 'web', to: '172.18.0.99:80', verdict: 'UNREACHABLE', seen: null },
      { from: 'web', to: '172.18.0.2:80', verdict: 'ACCEPT', seen: 'sandbox web: tcp 172.18.0.2:40000 -> 172.18.0.2:80' },
    ]);
  });

  it('out to the world: masquerade, and none from an internal network', () => {
    check(dockerWorld(), [
      {
        from: 'web',
        to: '8.8.8.8:53/udp',
        verdict: 'ACCEPT',
        seen: 'the next hop 10.200.0.2 on eth0: udp 10.200.0.1:40000 -> 8.8.8.8:53',
        nat: ['MASQUERADE 172.18.0.2:40000 -> 10.200.0.1:40000'],
      },
      { from: 'q1', to: '10.200.0.2:9000', verdict: 'ACCEPT', seen: 'the next hop 10.200.0.2 on eth0: tcp 10.200.0.1:40000 -> 10.200.0.2:9000', nat: ['MASQUERADE 172.19.0.2:40000 -> 10.200.0.1:40000'] },
      { from: 's1', to: '10.200.0.2:9000', verdict: 'UNREACHABLE', seen: null },
      { from: 'web', to: '10.200.0.1:22', verdict: 'ACCEPT', seen: 'the host: tcp 172.18.0.2:40000 -> 10.200.0.1:22' },
    ]);
  });

  it('from the host: source selection, DNAT in OUTPUT, its own addresses through lo', () => {
    check(dockerWorld(), [
      { from: 'host', to: '172.18.0.2:80', verdict: 'ACCEPT', seen: 'sandbox web: tcp 172.18.0.1:40000 -> 172.18.0.2:80' },
      { from: 'host', to: '10.200.0.1:8080', verdict: 'ACCEPT', seen: 'sandbox web: tcp 10.200.0.1:40000 -> 172.18.0.2:80', nat: ['DNAT 10.200.0.1:8080 -> 172.18.0.2:80'] },
      { from: 'host', to: '10.200.0.1:22', verdict: 'ACCEPT', seen: 'the host: tcp 10.200.0.1:40000 -> 10.200.0.1:22' },
      { from: 'host', to: '127.0.0.1:8080', verdict: 'ACCEPT', seen: 'the host: tcp 127.0.0.1:40000 -> 127.0.0.1:8080' },
      { from: 'host', to: '10.200.0.2', verdict: 'ACCEPT', seen: 'the next hop 10.200.0.2 on eth0: tcp 10.200.0.1:40000 -> 10.200.0.2:*' },
    ]);
  });

  it('hairpin mode (userland proxy off): a sandbox reaches its own published port through the host', () => {
    check(hairpinWorld(), [
      {
        from: 'web',
        to: '10.200.0.1:8080',
        verdict: 'ACCEPT',
        seen: 'sandbox web: tcp 172.18.0.1:40000 -> 172.18.0.2:80',
        nat: ['DNAT 10.200.0.1:8080 -> 172.18.0.2:80', 'MASQUERADE 172.18.0.2:40000 -> 172.18.0.1:40000'],
      },
      {
        from: 'host',
        to: '127.0.0.1:8080',
        verdict: 'ACCEPT',
        seen: 'sandbox web: tcp 172.18.0.1:40000 -> 172.18.0.2:80',
        nat: ['DNAT 127.0.0.1:8080 -> 172.18.0.2:80', 'MASQUERADE 127.0.0.1:40000 -> 172.18.0.1:40000'],
      },
    ]);
  });

  it('without hairpin mode on its port, or route_localnet on the bridge, the kernel drops those', () => {
    check(dockerWorld(dockerRuleset(true)), [
      { from: 'web', to: '10.200.0.1:8080', verdict: 'DROP', seen: null, nat: ['DNAT 10.200.0.1:8080 -> 172.18.0.2:80', 'MASQUERADE 172.18.0.2:40000 -> 172.18.0.1:40000'] },
      { from: 'host', to: '127.0.0.1:8080', verdict: 'DROP', seen: null, nat: ['DNAT 127.0.0.1:8080 -> 172.18.0.2:80'] },
    ]);
  });
});

/** Hairpin mode as dockerd sets it up without the userland proxy: hairpin ports, route_localnet on the bridges. */
function hairpinWorld(): World {
  const localnet = Object.fromEntries(NETWORKS.map((n) => [n.bridge, { rpFilter: 0, routeLocalnet: true }]));
  const w = dockerWorld(dockerRuleset(true), { interfaceConf: localnet });
  return { ...w, sandboxes: w.sandboxes.map((sb) => ({ ...sb, links: sb.links.map((l) => ({ ...l, hairpin: true })) })) };
}

describe('the answer, conntrack and the user\'s rules', () => {
  it('an allow-list without a conntrack exception drops the answers to what containers open', () => {
    const rs = withRules(dockerRuleset(), 'filter', 'DOCKER-USER', ['-i eth0 -o br-front ! -s 10.200.0.3/32 -j DROP']);
    const t = trace(dockerWorld(rs), 'web', '10.200.0.2:9000');
    assert.equal(t.original.verdict, 'ACCEPT');
    assert.equal(t.reply?.verdict, 'DROP');
    assert.equal(t.reply?.conntrack, 'ESTABLISHED');
    assert.equal(t.verdict, 'DROP');
    const reverse = t.reply?.steps.find((s) => s.kind === 'conntrack');
    assert.deepEqual(reverse, { kind: 'conntrack', hook: 'PREROUTING', text: 'reply of a NATed connection: destination 10.200.0.1:40000 -> 172.18.0.2:40000' });
    check(dockerWorld(rs), [{ from: 'ext:10.200.0.3', to: '10.200.0.1:8080', verdict: 'ACCEPT', seen: 'sandbox web: tcp 10.200.0.3:40000 -> 172.18.0.2:80', nat: ['DNAT 10.200.0.1:8080 -> 172.18.0.2:80'] }]);
  });

  it('the answer of a DNATed connection comes back from the published address', () => {
    const t = trace(dockerWorld(), 'ext:10.200.0.2', '10.200.0.1:8080');
    assert.deepEqual(t.reply?.received, { proto: 'tcp', src: '10.200.0.1', sport: 8080, dst: '10.200.0.2', dport: 40000 });
    assert.deepEqual(t.reply?.deliveredTo, { kind: 'outside', iface: 'eth0', nextHop: '10.200.0.2' });
  });

  it('a mark set in mangle PREROUTING is seen by DOCKER-USER', () => {
    let rs = withRules(dockerRuleset(), 'mangle', 'PREROUTING', ['-i eth0 -p tcp -m multiport --dports 8080,8443 -j MARK --set-xmark 0x10/0xffffffff'], 'ACCEPT');
    rs = withRules(rs, 'filter', 'DOCKER-USER', ['-m mark --mark 0x10 -s 10.200.0.7/32 -j DROP']);
    check(dockerWorld(rs), [
      { from: 'ext:10.200.0.7', to: '10.200.0.1:8080', verdict: 'DROP', seen: null, nat: ['DNAT 10.200.0.1:8080 -> 172.18.0.2:80'] },
      { from: 'ext:10.200.0.6', to: '10.200.0.1:8080', verdict: 'ACCEPT', seen: 'sandbox web: tcp 10.200.0.6:40000 -> 172.18.0.2:80', nat: ['DNAT 10.200.0.1:8080 -> 172.18.0.2:80'] },
    ]);
  });

  it('SNAT to a fixed address, and the answer brought back to the sandbox', () => {
    const rs = withRules(dockerRuleset(), 'nat', 'POSTROUTING', ['-s 172.18.0.0/16 -o eth0 -j SNAT --to-source 10.200.0.50']);
    check(dockerWorld(rs), [
      { from: 'web', to: '10.200.0.2:9000', verdict: 'ACCEPT', seen: 'the next hop 10.200.0.2 on eth0: tcp 10.200.0.50:40000 -> 10.200.0.2:9000', nat: ['SNAT 172.18.0.2:40000 -> 10.200.0.50:40000'] },
    ]);
    const t = trace(dockerWorld(rs), 'web', '10.200.0.2:9000');
    assert.deepEqual(t.reply?.received, { proto: 'tcp', src: '10.200.0.2', sport: 9000, dst: '172.18.0.2', dport: 40000 });
  });

  it('pings: echo-request out, echo-reply back', () => {
    check(dockerWorld(), [
      { from: 'web', to: '10.200.0.2/icmp', verdict: 'ACCEPT', seen: 'the next hop 10.200.0.2 on eth0: icmp 10.200.0.1 -> 10.200.0.2', nat: ['MASQUERADE 172.18.0.2 -> 10.200.0.1'] },
      { from: 'ext:10.200.0.2', to: '172.18.0.2/icmp', verdict: 'DROP', seen: null },
    ]);
    const rs = withRules(dockerRuleset(), 'filter', 'DOCKER-USER', ['-p icmp -m icmp --icmp-type 0 -j DROP']);
    const t = trace(dockerWorld(rs), 'web', '10.200.0.2/icmp');
    assert.deepEqual([t.original.verdict, t.reply?.verdict], ['ACCEPT', 'DROP']);
  });

  it('INPUT REJECT, REDIRECT and untracked packets', () => {
    let rs = withRules(dockerRuleset(), 'filter', 'INPUT', ['-i eth0 -p tcp -m tcp --dport 2222 -j REJECT --reject-with tcp-reset'], 'ACCEPT');
    rs = withRules(rs, 'nat', 'PREROUTING', ['-i eth0 -p tcp -m tcp --dport 2224 -j REDIRECT --to-ports 2223']);
    rs = withRules(rs, 'raw', 'PREROUTING', ['-i eth0 -p udp -m udp --dport 5353 -j CT --notrack'], 'ACCEPT');
    check(dockerWorld(rs), [
      { from: 'ext:10.200.0.2', to: '10.200.0.1:2222', verdict: 'REJECT', seen: null },
      { from: 'ext:10.200.0.2', to: '10.200.0.1:2224', verdict: 'ACCEPT', seen: 'the host: tcp 10.200.0.2:40000 -> 10.200.0.1:2223', nat: ['REDIRECT 10.200.0.1:2224 -> 10.200.0.1:2223'] },
      // Untracked: no DNAT for the published UDP port, so it stays with the host.
      { from: 'ext:10.200.0.2', to: '10.200.0.1:5353/udp', verdict: 'ACCEPT', seen: 'the host: udp 10.200.0.2:40000 -> 10.200.0.1:5353' },
    ]);
  });
});

describe('the host\'s settings', () => {
  it('forwarding off: nothing is routed through the host', () => {
    check(dockerWorld(dockerRuleset(), { ipForward: false }), [
      { from: 'ext:10.200.0.2', to: '172.18.0.2:80', verdict: 'UNREACHABLE', seen: null },
      { from: 'web', to: '172.18.0.3:80', verdict: 'ACCEPT', seen: 'sandbox web2: tcp 172.18.0.2:40000 -> 172.18.0.3:80' },
    ]);
  });

  it('a bridge that does not call iptables lets its bridged traffic through whatever the rules', () => {
    check(dockerWorld(dockerRuleset(), { iptablesBridges: ['docker0', 'br-front', 'br-sealed'] }), [
      { from: 'q1', to: '172.19.0.3:80', verdict: 'ACCEPT', seen: 'sandbox q2: tcp 172.19.0.2:40000 -> 172.19.0.3:80' },
    ]);
  });

  it('rp_filter: strict drops what would not go back by the same interface, loose only what has no way back', () => {
    const strict = dockerWorld(dockerRuleset(), { interfaceConf: { all: { rpFilter: 1, routeLocalnet: false } } });
    check(strict, [{ from: 'ext:10.200.0.2', to: '172.18.0.2:80', verdict: 'ACCEPT', seen: 'sandbox web: tcp 10.200.0.2:40000 -> 172.18.0.2:80' }]);
    const spoofed = trace(strict, 'ext:172.20.0.9', '172.18.0.2:80');
    assert.equal(spoofed.verdict, 'DROP');
    assert.ok(spoofed.original.steps.some((s) => s.kind === 'route' && s.text === 'routing: dropped before any rule: rp_filter 1 on eth0: the way back to 172.20.0.9 is by br-sealed'));
    const loose = dockerWorld(dockerRuleset(), { interfaceConf: { eth0: { rpFilter: 2, routeLocalnet: false } } });
    assert.equal(trace(loose, 'ext:172.20.0.9', '172.18.0.2:80').original.verdict, 'ACCEPT');
  });

  it('caveats (policy routing, foreign nftables tables) make every result uncertain', () => {
    const t = trace(dockerWorld(dockerRuleset(), { caveats: ['nftables table "inet filter" is not evaluated'] }), 'web', '172.18.0.3:80');
    assert.deepEqual([t.verdict, t.certain, t.notes], ['ACCEPT', false, ['nftables table "inet filter" is not evaluated']]);
  });

  it('an unknown match on the path makes the result uncertain, and says why', () => {
    const rs = withRules(dockerRuleset(), 'filter', 'DOCKER-USER', ['-m set --match-set blocked src -j DROP']);
    const t = trace(dockerWorld(rs), 'ext:10.200.0.2', '10.200.0.1:8080');
    assert.deepEqual([t.verdict, t.certain], ['ACCEPT', false]);
    const unknown = t.original.steps.find((s) => s.kind === 'rule' && s.result === 'unknown');
    assert.ok(unknown?.kind === 'rule' && unknown.chain === 'DOCKER-USER' && unknown.action === 'DROP');
  });

  it('a DNAT to a range is shown with its first address, uncertain', () => {
    const rs = withRules(dockerRuleset(), 'nat', 'PREROUTING', ['-i eth0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.18.0.2-172.18.0.3:80']);
    const t = trace(dockerWorld(rs), 'ext:10.200.0.2', '10.200.0.1:9090');
    assert.equal(t.certain, false);
    assert.equal(t.original.nat[0]?.to, '172.18.0.2:80');
  });
});
