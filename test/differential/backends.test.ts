// The nftables backend against the iptables one, by behaviour: the rule texts
// cannot be compared (the iptables layout is compared with dockerd's text by
// differential.test.ts), so the same topology is built on two berthds side by
// side, one per backend, and every source probes every target with real packets.
// Both must agree on what passes and on the source address the listener sees
// (which tells the NAT apart), in userland-proxy and in hairpin mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, EXT_IP, HOST_IP } from '../helpers/berthd.js';
import { LISTENER, pollUntil } from '../helpers/netns.js';

const NETWORKS: readonly (readonly string[])[] = [
  ['appnet'],
  ['othernet'],
  ['--internal', 'sealed'],
  ['-o', 'com.docker.network.bridge.enable_icc=false', 'noicc'],
  ['-o', 'com.docker.network.bridge.enable_ip_masquerade=false', 'nomasq'],
];

interface Sandbox {
  readonly name: string;
  readonly network: string;
  readonly proto: 'tcp' | 'udp';
  readonly port: number;
  readonly publish: readonly string[];
}

const box = (name: string, network: string, publish: readonly string[] = [], proto: 'tcp' | 'udp' = 'tcp', port = 80): Sandbox => ({ name, network, proto, port, publish });

const SANDBOXES: readonly Sandbox[] = [
  box('web', 'appnet', ['8080:80']),
  box('bound', 'appnet', [`${HOST_IP}:8081:80`]),
  box('dns', 'appnet', ['5353:53/udp'], 'udp', 53),
  box('peer', 'appnet'),
  box('other', 'othernet'),
  box('inner', 'sealed'),
  box('inner2', 'sealed'),
  box('quiet', 'noicc'),
  box('quiet2', 'noicc'),
  box('plain', 'nomasq', ['8082:80']),
  box('dflt', 'bridge', ['8083:80']),
];

const SOURCES = ['ext', 'host', 'web', 'peer', 'other', 'inner', 'quiet', 'plain', 'dflt'] as const;

interface Target {
  readonly label: string;
  readonly proto: 'tcp' | 'udp';
  readonly address: string;
  readonly port: number;
}

/** A berthd of one backend with the topology built: its probe targets and a name for every address. */
interface Built {
  readonly h: BerthHost;
  readonly targets: readonly Target[];
  readonly names: ReadonlyMap<string, string>;
}

async function build(h: BerthHost, flags: readonly string[]): Promise<Built> {
  await h.start({ flags });
  for (const n of NETWORKS) await h.ok(['network', 'create', ...n]);
  // The neighbour routes the sandboxes' subnets through the host, as a machine on the LAN could.
  await h.nets.exec(h.ext, ['ip', 'route', 'add', '172.16.0.0/12', 'via', HOST_IP]);
  for (const proto of ['tcp', 'udp'] as const) await h.nets.listen(h.ext, proto, 9090, { tag: 'ext' });
  const names = new Map<string, string>([
    [HOST_IP, 'host'],
    [EXT_IP, 'ext'],
    ['127.0.0.1', 'loopback'],
  ]);
  const targets: Target[] = [];
  for (const s of SANDBOXES) {
    const publish = s.publish.flatMap((p) => ['-p', p]);
    await h.ok(['run', '-d', '--name', s.name, '--network', s.network, ...publish, '--', process.execPath, '-e', LISTENER, s.proto, '0.0.0.0', String(s.port), s.name]);
    const ip = await h.ip(s.name);
    names.set(ip, s.name);
    targets.push({ label: `${s.name}:${s.port}/${s.proto}`, proto: s.proto, address: ip, port: s.port });
    await pollUntil(async () => (await h.nets.probe(h.host, s.proto, ip, s.port, 500)).ok, { timeoutMs: 10000, what: `${s.name} answering on ${ip}` });
  }
  for (const n of ['bridge', ...NETWORKS.map((n) => n.at(-1) as string)]) {
    names.set((await h.ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', n])).trim(), `gateway(${n})`);
  }
  const gateway = [...names].find(([, name]) => name === 'gateway(bridge)')?.[0] ?? '';
  targets.push(
    ...[8080, 8081, 8082, 8083].map((port): Target => ({ label: `host:${port}/tcp`, proto: 'tcp', address: HOST_IP, port })),
    { label: 'host:5353/udp', proto: 'udp', address: HOST_IP, port: 5353 },
    { label: 'loopback:8080/tcp', proto: 'tcp', address: '127.0.0.1', port: 8080 },
    { label: 'gateway(bridge):8080/tcp', proto: 'tcp', address: gateway, port: 8080 },
    { label: 'ext:9090/tcp', proto: 'tcp', address: EXT_IP, port: 9090 },
    { label: 'ext:9090/udp', proto: 'udp', address: EXT_IP, port: 9090 },
  );
  return { h, targets, names };
}

function namespaceOf(b: Built, source: (typeof SOURCES)[number]): string {
  if (source === 'ext') return b.h.ext;
  if (source === 'host') return b.h.host;
  return b.h.sandbox(source);
}

/** "pong web from 172.18.0.1" -> "web from gateway(appnet)"; anything else -> "blocked". */
async function probe(b: Built, source: (typeof SOURCES)[number], t: Target): Promise<string> {
  const r = await b.h.nets.probe(namespaceOf(b, source), t.proto, t.address, t.port, 1000);
  const m = /^pong (\S+) from (\S+)$/.exec(r.detail);
  return r.ok && m ? `${m[1]} from ${b.names.get(m[2] as string) ?? m[2]}` : 'blocked';
}

/** Every source against every target, `width` probes at a time. */
async function matrix(b: Built, width = 12): Promise<Map<string, string>> {
  const cells = SOURCES.flatMap((source) => b.targets.map((t) => ({ source, t, key: `${source} -> ${t.label}` })));
  const out = new Map<string, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let cell = cells[next++]; cell; cell = cells[next++]) out.set(cell.key, await probe(b, cell.source, cell.t));
  };
  await Promise.all(Array.from({ length: width }, worker));
  return new Map([...out].sort(([a], [c]) => a.localeCompare(c)));
}

const VARIANTS = [
  { name: 'userland proxy', flags: [] as string[] },
  { name: 'hairpin (--userland-proxy=false)', flags: ['--userland-proxy=false'] },
];

for (const v of VARIANTS) {
  test(`iptables and nftables backends pass and NAT the same packets: ${v.name}`, { timeout: 300_000 }, async (t) => {
    const hosts = [new BerthHost('iptables'), new BerthHost('nftables')] as const;
    try {
      const [ipt, nft] = await Promise.all(hosts.map((h) => build(h, v.flags)));
      if (!ipt || !nft) throw new Error('both backends are built');
      const [want, got] = await Promise.all([matrix(ipt), matrix(nft)]);
      // A disagreement is probed again on both sides before it counts: a slow probe is not a verdict.
      for (const [key, expected] of want) {
        if (got.get(key) === expected) continue;
        const [source, label] = key.split(' -> ') as [(typeof SOURCES)[number], string];
        const again = async (b: Built): Promise<string> => probe(b, source, b.targets.find((x) => x.label === label) as Target);
        want.set(key, await again(ipt));
        got.set(key, await again(nft));
      }
      const passing = [...want.values()].filter((x) => x !== 'blocked').length;
      t.diagnostic(`${want.size} probes: ${passing} pass, ${want.size - passing} blocked`);
      assert.ok(passing > 0 && passing < want.size, 'the matrix has traffic that passes and traffic that is blocked');
      const differ = [...want].filter(([key, expected]) => got.get(key) !== expected).map(([key, expected]) => `${key}: iptables ${expected}, nftables ${got.get(key)}`);
      assert.deepEqual(differ, [], `the backends disagree:\n${differ.join('\n')}`);
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });
}
