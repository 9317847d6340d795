// One plain sentence per rule of Docker's layout, saying what it is for, in English
// or Chinese. Rules are matched as canonical iptables-save text (how berth writes
// them); a rule outside the layout gets a generic sentence naming its conditions.
import type { Ruleset, TableName } from '../render/ir.js';
import { printSave } from '../render/iptables/save-print.js';
import { ruleTarget } from '../render/iptables/jump.js';
import { joinTokens, tokenize } from '../render/iptables/tokenize.js';

export type Lang = 'en' | 'zh';

/** The language of messages: LC_ALL, else LC_MESSAGES, else LANG; Chinese for zh_*. */
export function messageLang(env: Readonly<Record<string, string | undefined>>): Lang {
  const locale = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((v) => v !== undefined && v !== '') ?? '';
  return /^zh([_.@-]|$)/i.test(locale) ? 'zh' : 'en';
}

type Groups = Readonly<Record<string, string | undefined>>;

interface Pattern {
  readonly table: TableName;
  /** The chain, or null for any. */
  readonly chain: string | null;
  readonly rule: RegExp;
  readonly en: (g: Groups, chain: string) => string;
  readonly zh: (g: Groups, chain: string) => string;
}

const BR = '(?<br>\\S+)';
const PORT_MATCH = '-p (?<proto>\\w+) -m \\w+ --dport';

const PATTERNS: readonly Pattern[] = [
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: /^-j DOCKER-USER$/,
    en: () => "Every forwarded packet first goes through DOCKER-USER, where the administrator's own rules go (berth never changes them).",
    zh: () => '所有转发的数据包先经过 DOCKER-USER 链，管理员自己的规则放在那里（berth 从不改动）。',
  },
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: /^-j DOCKER-ISOLATION-STAGE-1$/,
    en: () => 'Forwarded packets then go through the isolation check that keeps bridge networks apart.',
    zh: () => '随后转发的数据包经过隔离检查，使不同的 bridge 网络彼此隔离。',
  },
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: new RegExp(`^-o ${BR} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT$`),
    en: (g) => `Lets answers to connections already under way into ${g['br']} (conntrack RELATED, ESTABLISHED).`,
    zh: (g) => `允许已建立连接的回应数据包进入 ${g['br']}（连接跟踪状态 RELATED、ESTABLISHED）。`,
  },
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: new RegExp(`^-o ${BR} -j DOCKER$`),
    en: (g) => `New connections into ${g['br']} are checked in DOCKER, which lets only published ports through.`,
    zh: (g) => `进入 ${g['br']} 的新连接交给 DOCKER 链检查，只有发布的端口才能通过。`,
  },
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: new RegExp(`^-i ${BR} ! -o \\k<br> -j ACCEPT$`),
    en: (g) => `Lets containers on ${g['br']} reach anything outside their own network.`,
    zh: (g) => `允许 ${g['br']} 上的容器访问自身网络以外的地址。`,
  },
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: new RegExp(`^-i ${BR} -o \\k<br> -j ACCEPT$`),
    en: (g) => `Lets containers on ${g['br']} talk to each other (inter-container communication on).`,
    zh: (g) => `允许 ${g['br']} 上的容器互相通信（icc 开启）。`,
  },
  {
    table: 'filter',
    chain: 'FORWARD',
    rule: new RegExp(`^-i ${BR} -o \\k<br> -j DROP$`),
    en: (g) => `Blocks traffic between containers on ${g['br']} (inter-container communication off).`,
    zh: (g) => `阻止 ${g['br']} 上的容器互相通信（icc 关闭）。`,
  },
  {
    table: 'filter',
    chain: 'DOCKER-ISOLATION-STAGE-1',
    rule: new RegExp(`^-i ${BR} ! -o \\k<br> -j DOCKER-ISOLATION-STAGE-2$`),
    en: (g) => `Traffic leaving ${g['br']} for another interface goes to the second isolation stage.`,
    zh: (g) => `从 ${g['br']} 发往其他接口的流量进入第二阶段隔离检查。`,
  },
  {
    table: 'filter',
    chain: 'DOCKER-ISOLATION-STAGE-1',
    rule: new RegExp(`^! -s (?<net>\\S+) -o ${BR} -j DROP$`),
    en: (g) => `${g['br']} is an internal network: drops packets into it from outside its subnet ${g['net']}.`,
    zh: (g) => `${g['br']} 是内部网络：丢弃来自其子网 ${g['net']} 以外、发往它的数据包。`,
  },
  {
    table: 'filter',
    chain: 'DOCKER-ISOLATION-STAGE-1',
    rule: new RegExp(`^! -d (?<net>\\S+) -i ${BR} -j DROP$`),
    en: (g) => `${g['br']} is an internal network: drops packets from it to anywhere outside its subnet ${g['net']}.`,
    zh: (g) => `${g['br']} 是内部网络：丢弃从它发往子网 ${g['net']} 以外的数据包。`,
  },
  {
    table: 'filter',
    chain: 'DOCKER-ISOLATION-STAGE-2',
    rule: new RegExp(`^-o ${BR} -j DROP$`),
    en: (g) => `Drops traffic from another bridge network into ${g['br']}, so networks stay isolated.`,
    zh: (g) => `丢弃从其他 bridge 网络进入 ${g['br']} 的流量，保持网络隔离。`,
  },
  {
    table: 'filter',
    chain: 'DOCKER-USER',
    rule: /^-j RETURN$/,
    en: () => "DOCKER-USER's default: nothing is filtered here, packets go back to FORWARD.",
    zh: () => 'DOCKER-USER 的默认规则：不做过滤，数据包返回 FORWARD 链。',
  },
  {
    table: 'filter',
    chain: 'DOCKER',
    rule: new RegExp(`^-d (?<ip>[\\d.]+)/32 ! -i ${BR} -o \\k<br> ${PORT_MATCH} (?<port>\\d+) -j ACCEPT$`),
    en: (g) => `Admits connections from outside ${g['br']} to the published port ${g['port']}/${g['proto']} of the container ${g['ip']}.`,
    zh: (g) => `允许从 ${g['br']} 以外访问容器 ${g['ip']} 发布的端口 ${g['port']}/${g['proto']}。`,
  },
  {
    table: 'nat',
    chain: 'PREROUTING',
    rule: /^-m addrtype --dst-type LOCAL -j DOCKER$/,
    en: () => "Packets arriving for one of the host's own addresses are checked against the published ports (nat DOCKER).",
    zh: () => '发往本机地址的数据包交给 nat 表的 DOCKER 链，与发布的端口对照。',
  },
  {
    table: 'nat',
    chain: 'OUTPUT',
    rule: /^! -d 127\.0\.0\.0\/8 -m addrtype --dst-type LOCAL -j DOCKER$/,
    en: () => "Connections the host opens to its own addresses are checked against the published ports (loopback is left to the userland proxy).",
    zh: () => '本机发往自身地址的连接与发布的端口对照（回环地址由用户态代理处理）。',
  },
  {
    table: 'nat',
    chain: 'OUTPUT',
    rule: /^-m addrtype --dst-type LOCAL -j DOCKER$/,
    en: () => "Connections the host opens to its own addresses, loopback included, are checked against the published ports.",
    zh: () => '本机发往自身地址（包括回环地址）的连接与发布的端口对照。',
  },
  {
    table: 'nat',
    chain: 'POSTROUTING',
    rule: new RegExp(`^-s (?<net>\\S+) ! -o ${BR} -j MASQUERADE$`),
    en: (g) => `Containers of ${g['net']} leaving by any interface but ${g['br']} take that interface's address (masquerade): the outside sees the host.`,
    zh: (g) => `来自 ${g['net']} 的容器流量从 ${g['br']} 以外的接口发出时，源地址改为该接口的地址（MASQUERADE），外部看到的是宿主机。`,
  },
  {
    table: 'nat',
    chain: 'POSTROUTING',
    rule: new RegExp(`^-o ${BR} -m addrtype --src-type LOCAL -j MASQUERADE$`),
    en: (g) => `Connections from the host's own addresses into ${g['br']} take the bridge's address, so containers can answer them.`,
    zh: (g) => `从本机地址进入 ${g['br']} 的连接改用网桥地址作为源地址，容器才能正确回应。`,
  },
  {
    table: 'nat',
    chain: 'POSTROUTING',
    rule: new RegExp(`^-s (?<ip>[\\d.]+)/32 -d \\k<ip>/32 ${PORT_MATCH} (?<port>\\d+) -j MASQUERADE$`),
    en: (g) => `Hairpin: when the container ${g['ip']} reaches its own published port ${g['port']}/${g['proto']}, its address is masqueraded so the answer comes back through the host.`,
    zh: (g) => `回环（hairpin）：容器 ${g['ip']} 访问自己发布的端口 ${g['port']}/${g['proto']} 时做地址伪装，回应才能经由宿主机返回。`,
  },
  {
    table: 'nat',
    chain: 'DOCKER',
    rule: new RegExp(`^-i ${BR} -j RETURN$`),
    en: (g) => `Traffic from ${g['br']} is not port-mapped here (the userland proxy serves containers that reach a published port).`,
    zh: (g) => `来自 ${g['br']} 的流量在此不做端口映射（容器访问发布端口由用户态代理处理）。`,
  },
  {
    table: 'nat',
    chain: 'DOCKER',
    rule: new RegExp(`^(?:-d (?<hostip>[\\d.]+)/32 )?(?:! -i ${BR} )?${PORT_MATCH} (?<hport>\\d+) -j DNAT --to-destination (?<ip>[\\d.]+):(?<port>\\d+)$`),
    en: (g) =>
      `Publishes host port ${g['hport']}/${g['proto']}${g['hostip'] ? ` on ${g['hostip']}` : ''}: the destination becomes the container ${g['ip']}:${g['port']}${g['br'] ? ` (not for traffic from ${g['br']})` : ''}.`,
    zh: (g) =>
      `发布宿主机端口 ${g['hport']}/${g['proto']}${g['hostip'] ? `（仅限地址 ${g['hostip']}）` : ''}：目的地址改为容器 ${g['ip']}:${g['port']}${g['br'] ? `（来自 ${g['br']} 的流量除外）` : ''}。`,
  },
  {
    table: 'mangle',
    chain: 'POSTROUTING',
    rule: /^-p sctp -m sctp --sport (?<port>\d+) -j CHECKSUM --checksum-fill$/,
    en: (g) => `Fills in the checksum of SCTP packets sent from the published port ${g['port']}.`,
    zh: (g) => `为从发布端口 ${g['port']} 发出的 SCTP 数据包填写校验和。`,
  },
  {
    table: 'filter',
    chain: null,
    rule: /^-j RETURN$/,
    en: (_g, chain) => `End of ${chain}: packets go back to the chain that sent them here.`,
    zh: (_g, chain) => `${chain} 链结束：数据包返回调用它的链。`,
  },
];

const ACTIONS: Readonly<Record<string, readonly [string, string]>> = {
  ACCEPT: ['let them through', '放行'],
  DROP: ['drop them', '丢弃'],
  REJECT: ['reject them', '拒绝'],
  RETURN: ['go back to the calling chain', '返回调用它的链'],
  MASQUERADE: ["give them the outgoing interface's address", '源地址改为出口接口的地址'],
  DNAT: ['rewrite their destination', '改写目的地址'],
  SNAT: ['rewrite their source', '改写源地址'],
  LOG: ['log them', '记录日志'],
  MARK: ['mark them', '打上标记'],
};

const TARGET_FLAGS = new Set(['-j', '--jump', '-g', '--goto']);

/** A sentence for a rule no pattern knows: its conditions as written, and what it does. */
function generic(rule: string, lang: Lang): string {
  const tokens = tokenize(rule);
  const at = tokens.findIndex((t) => TARGET_FLAGS.has(t));
  const conditions = joinTokens(at < 0 ? tokens : tokens.slice(0, at));
  const target = ruleTarget(tokens);
  const i = lang === 'en' ? 0 : 1;
  const known = target === null ? undefined : ACTIONS[target.target];
  const action =
    target === null
      ? ['count them, nothing else', '仅计数'][i]
      : (known?.[i] ?? (lang === 'en' ? `${target.goto ? 'go' : 'jump'} to ${target.target}` : `转到 ${target.target}`));
  if (lang === 'en') return conditions === '' ? `All packets: ${action}.` : `Packets matching "${conditions}": ${action}.`;
  return conditions === '' ? `所有数据包：${action}。` : `匹配「${conditions}」的数据包：${action}。`;
}

export function explainRule(table: TableName, chain: string, rule: string, lang: Lang): string {
  for (const p of PATTERNS) {
    if (p.table !== table || (p.chain !== null && p.chain !== chain)) continue;
    const m = p.rule.exec(rule);
    if (m) return p[lang](m.groups ?? {}, chain);
  }
  return generic(rule, lang);
}

/** The ruleset in iptables-save form, each rule preceded by a `# sentence` comment line. */
export function explainRuleset(rs: Ruleset, lang: Lang): string {
  return printSave(rs, (table, chain, rule) => explainRule(table, chain, rule, lang));
}
