import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nftEquivalent, parseDockerNat } from '../../../bench/nft-floor.js';

const SAVE = `*filter
:DOCKER - [0:0]
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8081 -j ACCEPT
COMMIT
*nat
:DOCKER - [0:0]
-A POSTROUTING -s 172.18.0.0/16 ! -o br-0123456789ab -j MASQUERADE
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.2:81
-A DOCKER ! -i docker0 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.17.0.2:53
COMMIT
`;

describe('nft floor equivalent', () => {
  it('reads bridges and published ports from the nat table, in chain order', () => {
    const { bridges, publications } = parseDockerNat(SAVE);
    assert.deepEqual(bridges, [
      { subnet: '172.18.0.0/16', name: 'br-0123456789ab' },
      { subnet: '172.17.0.0/16', name: 'docker0' },
    ]);
    assert.deepEqual(publications, [
      { proto: 'tcp', hostPort: 8081, containerIp: '172.17.0.2', containerPort: 81 },
      { proto: 'udp', hostPort: 5353, containerIp: '172.17.0.2', containerPort: 53 },
    ]);
  });

  it('turns ports into map and set elements, bridges into sets', () => {
    const nft = nftEquivalent(SAVE);
    assert.match(nft.script, /map dnat_tcp \{ type inet_service : ipv4_addr \. inet_service; elements = \{ 8081 : 172\.17\.0\.2 \. 81 \}; \}/);
    assert.match(nft.script, /set cross \{ type ifname \. ifname; elements = \{ "br-0123456789ab" \. "docker0", "docker0" \. "br-0123456789ab" \}; \}/);
    assert.match(nft.script, /fib daddr type local dnat ip to udp dport map @dnat_udp/);
    assert.match(nft.script, /ip saddr 172\.17\.0\.0\/16 oifname != "docker0" masquerade/);
    // 2 bridges + 2 pairs + 3 elements for each of the 2 ports.
    assert.equal(nft.elements, 10);
    // prerouting 2, output 2, postrouting 2 + 2, forward 2 + 2 + 1.
    assert.equal(nft.rules, 13);
  });

  it('refuses host-address bindings rather than translating them wrongly', () => {
    assert.throws(() => parseDockerNat('*nat\n-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:80\n'), /host-address/);
  });
});
