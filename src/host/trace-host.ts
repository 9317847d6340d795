// Everything `berth trace` reads from the kernel. For the host (berthd's own
// namespace), in parallel: the live rules (iptables-save), addresses, main and
// local routes, links, the sysctls that decide forwarding, bridge filtering and
// what routing refuses (rp_filter, route_localnet),
// and what could steer or filter packets without iptables-save showing it
// (policy routing rules, nftables tables that are not iptables-nft's). For a
// sandbox: its addresses and routes (`ip -n NS`), and whether anyone put
// firewall tables in it.
import { run, type Exec } from './exec.js';
import { ipLinkReader, type Address, type Link, type LinkReader, type Route } from './links.js';
import { netnsPath } from './netns.js';
import { readSysctl } from './sysctl.js';

/** One namespace's addressing. */
export interface NetSnapshot {
  readonly addresses: readonly Address[];
  readonly routes: readonly Route[];
  readonly localRoutes: readonly Route[];
}

export interface TraceHostSnapshot extends NetSnapshot {
  readonly iptablesSave: string;
  readonly links: readonly Link[];
  /** net.ipv4.ip_forward; null when unreadable. */
  readonly ipForward: string | null;
  /** net.bridge.bridge-nf-call-iptables; null without br_netfilter. */
  readonly bridgeNfCallIptables: string | null;
  /** Policy routing rules other than the three defaults, as ip's JSON text. */
  readonly extraRules: readonly string[];
  /** nftables tables iptables-save does not show (`family name`); null when nft is not installed. */
  readonly foreignNftTables: readonly string[] | null;
  /** net.ipv4.conf.{all,IFACE}.rp_filter and route_localnet (null when unreadable). */
  readonly interfaceConf: readonly { readonly name: string; readonly rpFilter: string | null; readonly routeLocalnet: string | null }[];
}

/** The tables iptables-nft keeps its rules in (foreign when iptables-save is the legacy one). */
const IPTABLES_NFT_TABLES = new Set(['ip filter', 'ip nat', 'ip mangle', 'ip raw', 'ip security']);
const DEFAULT_RULES = new Set(['0 local', '32766 main', '32767 default']);

function parseJsonArray(text: string): Record<string, unknown>[] {
  const data: unknown = JSON.parse(text.trim() === '' ? '[]' : text);
  return Array.isArray(data) ? (data.filter((d) => typeof d === 'object' && d !== null) as Record<string, unknown>[]) : [];
}

async function extraRules(execFn: Exec): Promise<string[]> {
  const rules = parseJsonArray((await run(execFn, ['ip', '-j', 'rule', 'show'])).stdout);
  return rules
    .filter((r) => !(r['src'] === 'all' && Object.keys(r).length === 3 && DEFAULT_RULES.has(`${String(r['priority'])} ${String(r['table'])}`)))
    .map((r) => JSON.stringify(r));
}

/** `family name` of every nftables table (of a named namespace); null when nft is not installed. */
async function nftTables(execFn: Exec, netns?: string): Promise<string[] | null> {
  let out;
  try {
    out = await execFn([...(netns === undefined ? [] : ['nsenter', `--net=${netnsPath(netns)}`]), 'nft', '-j', 'list', 'tables']);
  } catch {
    return null; // nft is not installed
  }
  if (out.code !== 0) return null;
  let data: { nftables?: { table?: { family?: string; name?: string } }[] };
  try {
    data = JSON.parse(out.stdout || '{}') as typeof data;
  } catch {
    return null;
  }
  return (data.nftables ?? []).flatMap((e) => (e.table ? [`${e.table.family ?? '?'} ${e.table.name ?? '?'}`] : []));
}

export interface SandboxSnapshot extends NetSnapshot {
  /** Its nftables tables (iptables-nft's included): berth puts none there; null when nft is not installed. */
  readonly nftTables: readonly string[] | null;
}

export interface TraceHost {
  /** The current namespace (berthd's own: the host). */
  host(): Promise<TraceHostSnapshot>;
  /** A sandbox's named namespace. */
  sandbox(netns: string): Promise<SandboxSnapshot>;
}

async function readNet(links: LinkReader, netns?: string): Promise<NetSnapshot> {
  const opts = netns === undefined ? {} : { netns };
  const [addresses, routes, localRoutes] = await Promise.all([
    links.addresses(opts),
    links.routes({ ...opts, family: 4 }),
    links.routes({ ...opts, family: 4, table: 'local' }),
  ]);
  return { addresses: addresses.filter((a) => a.family === 4), routes, localRoutes };
}

export function kernelTraceHost(execFn: Exec): TraceHost {
  const links = ipLinkReader(execFn);
  return {
    async host() {
      const [net, save, linkList, ipForward, bridgeNf, rules, nft] = await Promise.all([
        readNet(links),
        run(execFn, ['iptables-save']),
        links.links(),
        readSysctl('net.ipv4.ip_forward'),
        readSysctl('net.bridge.bridge-nf-call-iptables'),
        extraRules(execFn),
        nftTables(execFn),
      ]);
      const interfaceConf = await Promise.all(
        ['all', ...linkList.map((l) => l.name)].map(async (name) => ({
          name,
          rpFilter: await readSysctl(['net', 'ipv4', 'conf', name, 'rp_filter']),
          routeLocalnet: await readSysctl(['net', 'ipv4', 'conf', name, 'route_localnet']),
        })),
      );
      const legacy = /^# Generated by iptables-save .*\(legacy\)/m.test(save.stdout);
      return {
        ...net,
        iptablesSave: save.stdout,
        links: linkList,
        ipForward,
        bridgeNfCallIptables: bridgeNf,
        extraRules: rules,
        foreignNftTables: nft === null ? null : nft.filter((t) => legacy || !IPTABLES_NFT_TABLES.has(t)),
        interfaceConf,
      };
    },
    async sandbox(netns) {
      const [net, tables] = await Promise.all([readNet(links, netns), nftTables(execFn, netns)]);
      return { ...net, nftTables: tables };
    },
  };
}
