// The map-based nftables equivalent of a Docker-layout ruleset, for the floor
// measurement only: what one `nft -f` has to load to give the same forwarding as
// the `iptables-save` it is derived from. Published ports become elements of one
// DNAT map and two sets per protocol instead of three rules each; bridges and
// their subnets come from the per-bridge MASQUERADE rules, isolation between
// bridges from a set of (in, out) bridge pairs.

interface Bridge {
  readonly name: string;
  readonly subnet: string;
}

interface Publication {
  readonly proto: string;
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
}

export interface NftEquivalent {
  readonly script: string;
  readonly rules: number;
  readonly elements: number;
}

const MASQ = /^-A POSTROUTING -s (\S+) ! -o (\S+) -j MASQUERADE$/;
const DNAT = /^-A DOCKER (?:(-d \S+) )?! -i \S+ -p (\w+) -m \w+ --dport (\d+) -j DNAT --to-destination ([\d.]+):(\d+)$/;

/** Bridges and published ports of the nat table of an iptables-save text. */
export function parseDockerNat(save: string): { bridges: Bridge[]; publications: Publication[] } {
  const bridges: Bridge[] = [];
  const publications: Publication[] = [];
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    if (table !== 'nat') continue;
    const m = MASQ.exec(line);
    if (m) bridges.push({ subnet: m[1]!, name: m[2]! });
    const d = DNAT.exec(line);
    if (d) {
      if (d[1]) throw new Error(`nft floor: host-address bindings are not translated: ${line}`);
      publications.push({ proto: d[2]!, hostPort: Number(d[3]), containerIp: d[4]!, containerPort: Number(d[5]) });
    }
  }
  return { bridges, publications };
}

function elements(items: readonly string[]): string {
  return items.length === 0 ? '' : ` elements = { ${items.join(', ')} };`;
}

/** The nft script (one table, `ip berth_floor`) equivalent to an iptables-save text. */
export function nftEquivalent(save: string): NftEquivalent {
  const { bridges, publications } = parseDockerNat(save);
  const names = bridges.map((b) => `"${b.name}"`);
  const pairs = names.flatMap((a) => names.filter((b) => b !== a).map((b) => `${a} . ${b}`));
  const protos = [...new Set(publications.map((p) => p.proto))].sort();
  const decl: string[] = [`set bridges { type ifname;${elements(names)} }`, `set cross { type ifname . ifname;${elements(pairs)} }`];
  const pre: string[] = [];
  const out: string[] = [];
  const post: string[] = bridges.map((b) => `ip saddr ${b.subnet} oifname != "${b.name}" masquerade`);
  const fwd: string[] = ['iifname . oifname @cross drop', 'oifname @bridges ct state related,established accept'];
  let count = names.length + pairs.length;
  for (const proto of protos) {
    const mine = publications.filter((p) => p.proto === proto);
    count += mine.length * 3;
    decl.push(
      `map dnat_${proto} { type inet_service : ipv4_addr . inet_service;${elements(mine.map((p) => `${p.hostPort} : ${p.containerIp} . ${p.containerPort}`))} }`,
      `set pub_${proto} { type ipv4_addr . inet_service;${elements(mine.map((p) => `${p.containerIp} . ${p.containerPort}`))} }`,
      `set hairpin_${proto} { type ipv4_addr . ipv4_addr . inet_service;${elements(mine.map((p) => `${p.containerIp} . ${p.containerIp} . ${p.containerPort}`))} }`,
    );
    pre.push(`fib daddr type local dnat ip to ${proto} dport map @dnat_${proto}`);
    out.push(`ip daddr != 127.0.0.0/8 fib daddr type local dnat ip to ${proto} dport map @dnat_${proto}`);
    post.push(`ip saddr . ip daddr . ${proto} dport @hairpin_${proto} masquerade`);
    fwd.push(`oifname @bridges ip daddr . ${proto} dport @pub_${proto} accept`);
  }
  fwd.push('iifname @bridges accept');
  const chain = (name: string, hook: string, rules: readonly string[]) =>
    [`  chain ${name} {`, `    ${hook}`, ...rules.map((r) => `    ${r}`), '  }'].join('\n');
  const script = [
    'table ip berth_floor {',
    ...decl.map((d) => `  ${d}`),
    chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', pre),
    chain('output', 'type nat hook output priority -100; policy accept;', out),
    chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', post),
    chain('forward', 'type filter hook forward priority filter; policy drop;', fwd),
    '}',
    '',
  ].join('\n');
  return { script, rules: pre.length + out.length + post.length + fwd.length, elements: count };
}
