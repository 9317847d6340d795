// berth rules --explain: one sentence per rule of Docker's layout, English or Chinese.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSave } from '../../../src/render/iptables/save-parse.js';
import { renderDockerLayout } from '../../../src/render/iptables/docker-layout.js';
import { explainRule, explainRuleset, messageLang } from '../../../src/trace/explain.js';
import { ownedRuleset } from '../../../src/engine/layout-input.js';
import { NETWORKS } from './fixtures.js';

const GENERIC = /^(Packets matching|All packets|匹配「|所有数据包)/;

function layout(hairpin: boolean) {
  return ownedRuleset(
    renderDockerLayout({
      iptables: true,
      hairpin,
      networks: NETWORKS,
      ports: [
        { bridge: 'br-front', proto: 'tcp', hostIp: '', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 },
        { bridge: 'br-front', proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerIp: '172.18.0.2', containerPort: 53 },
        { bridge: 'docker0', proto: 'sctp', hostIp: '', hostPort: 9000, containerIp: '172.17.0.2', containerPort: 9000 },
      ],
    }),
  );
}

describe('explanations of the rules berth owns', () => {
  it('every rule of the layout has its own sentence, in both languages', () => {
    for (const hairpin of [false, true]) {
      for (const table of layout(hairpin).tables) {
        for (const chain of table.chains) {
          for (const rule of chain.rules) {
            for (const lang of ['en', 'zh'] as const) {
              const text = explainRule(table.name, chain.name, rule, lang);
              assert.doesNotMatch(text, GENERIC, `${table.name} ${chain.name} ${rule} (${lang})`);
            }
          }
        }
      }
    }
  });

  it('says what a rule is for, with its bridge, addresses and ports', () => {
    const cases: readonly (readonly [Parameters<typeof explainRule>, string])[] = [
      [['filter', 'FORWARD', '-i br-quiet -o br-quiet -j DROP', 'en'], 'Blocks traffic between containers on br-quiet (inter-container communication off).'],
      [['filter', 'FORWARD', '-i br-quiet -o br-quiet -j DROP', 'zh'], '阻止 br-quiet 上的容器互相通信（icc 关闭）。'],
      [
        ['nat', 'DOCKER', '-d 127.0.0.1/32 ! -i br-front -p udp -m udp --dport 5353 -j DNAT --to-destination 172.18.0.2:53', 'en'],
        'Publishes host port 5353/udp on 127.0.0.1: the destination becomes the container 172.18.0.2:53 (not for traffic from br-front).',
      ],
      [
        ['nat', 'DOCKER', '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80', 'zh'],
        '发布宿主机端口 8080/tcp：目的地址改为容器 172.18.0.2:80。',
      ],
      [['filter', 'DOCKER-ISOLATION-STAGE-2', '-j RETURN', 'en'], 'End of DOCKER-ISOLATION-STAGE-2: packets go back to the chain that sent them here.'],
      [['filter', 'DOCKER-USER', '-j RETURN', 'zh'], 'DOCKER-USER 的默认规则：不做过滤，数据包返回 FORWARD 链。'],
    ];
    for (const [args, expected] of cases) assert.equal(explainRule(...args), expected);
  });

  it('a rule outside the layout gets a generic sentence naming its conditions', () => {
    assert.equal(
      explainRule('filter', 'DOCKER-USER', '-i eth0 -m iprange ! --src-range 10.0.0.1-10.0.0.3 -j DROP', 'en'),
      'Packets matching "-i eth0 -m iprange ! --src-range 10.0.0.1-10.0.0.3": drop them.',
    );
    assert.equal(explainRule('filter', 'INPUT', '-j MY-CHAIN', 'zh'), '所有数据包：转到 MY-CHAIN。');
  });

  it('the annotated listing is still iptables-restore input with the same rules', () => {
    const rs = layout(false);
    const text = explainRuleset(rs, 'en');
    assert.match(text, /^# Every forwarded packet first goes through DOCKER-USER.*\n-A FORWARD -j DOCKER-USER$/m);
    assert.deepEqual(parseSave(text), parseSave(explainRuleset(rs, 'zh')));
    assert.deepEqual(
      parseSave(text).tables.map((t) => t.chains.map((c) => c.rules)),
      rs.tables.map((t) => t.chains.map((c) => c.rules)),
    );
  });

  it('the locale: LC_ALL, then LC_MESSAGES, then LANG; zh_* is Chinese', () => {
    assert.equal(messageLang({ LANG: 'zh_CN.UTF-8' }), 'zh');
    assert.equal(messageLang({ LANG: 'zh_TW' }), 'zh');
    assert.equal(messageLang({ LC_ALL: 'en_US.UTF-8', LANG: 'zh_CN.UTF-8' }), 'en');
    assert.equal(messageLang({ LC_ALL: '', LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'C' }), 'zh');
    assert.equal(messageLang({ LANG: 'C.UTF-8' }), 'en');
    assert.equal(messageLang({}), 'en');
  });
});
