// Links, addresses and routes as typed data, read with `ip -j` in a named
// namespace (`ip -n NS`) or in the current one. The parsers are pure and also
// used by the fake host, so both speak the same shapes.
import { run, ExecError, type Exec } from './exec.js';
import { invalid, notFound, systemError } from '../model/errors.js';
import { validateNetnsName } from './netns.js';
import { validateIfName } from './ip-batch.js';

type Json = Record<string, unknown>;

/** `linkinfo.info_data` of a bridge (`ip -d`), the parts Docker's layout cares about. */
export interface BridgeInfo {
  readonly stpState: number;
  readonly forwardDelay: number;
  readonly helloTime: number;
  readonly maxAge: number;
  readonly ageingTime: number;
  readonly priority: number;
  readonly vlanFiltering: number;
  readonly mcastSnooping: number;
  readonly nfCallIptables: number;
}

/** `linkinfo.info_slave_data` of a bridge port (`ip -d`). */
export interface BridgePortInfo {
  readonly state: string;
  readonly hairpin: boolean;
  readonly learning: boolean;
  readonly flood: boolean;
}

export interface Link {
  readonly index: number;
  readonly name: string;
  readonly flags: readonly string[];
  /** Administratively up (IFF_UP), whatever the carrier. */
  readonly up: boolean;
  readonly operstate: string;
  readonly mtu: number;
  readonly mac: string | undefined;
  readonly linkType: string;
  readonly txqlen: number | undefined;
  readonly master: string | undefined;
  /** `bridge`, `veth`, ...; undefined for plain devices such as `lo`, or without details. */
  readonly kind: string | undefined;
  /** `bridge` for a bridge port. */
  readonly slaveKind: string | undefined;
  /** ifindex of a veth's peer (in `peerNetnsId` when set). */
  readonly peerIndex: number | undefined;
  /** The peer's namespace as an id local to this namespace (`link-netnsid`). */
  readonly peerNetnsId: number | undefined;
  readonly bridge: BridgeInfo | undefined;
  readonly bridgePort: BridgePortInfo | undefined;
  /** The object ip printed, for anything not modelled above. */
  readonly raw: Readonly<Json>;
}

export interface Address {
  readonly ifindex: number;
  readonly ifname: string;
  readonly family: 4 | 6;
  readonly local: string;
  readonly prefixLength: number;
  /** `local/prefixLength` */
  readonly cidr: string;
  readonly broadcast: string | undefined;
  readonly scope: string;
  /** Boolean flags ip printed as true: `tentative`, `nodad`, `dynamic`, ... */
  readonly flags: readonly string[];
}

export interface Route {
  readonly family: 4 | 6;
  /** `default`, `A.B.C.D/N`, or a bare host address as ip prints it. */
  readonly dst: string;
  readonly gateway: string | undefined;
  readonly dev: string | undefined;
  readonly protocol: string | undefined;
  readonly scope: string | undefined;
  readonly prefsrc: string | undefined;
  readonly metric: number | undefined;
  readonly table: string | undefined;
  /** `unicast` unless ip says otherwise (`local`, `broadcast`, `blackhole`...). */
  readonly type: string;
  readonly flags: readonly string[];
}

// ---------------------------------------------------------------------------
// Pure parsers of ip's JSON.

const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const bool = (v: unknown): boolean => v === true || v === 1;
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function array(text: string, what: string): Json[] {
  let data: unknown;
  try {
    data = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch (e) {
    throw systemError(`cannot parse ip -j ${what} output`, e);
  }
  if (!Array.isArray(data)) throw systemError(`ip -j ${what}: expected a JSON array`);
  return data.map((d) => obj(d) ?? {});
}

function parseBridgeInfo(d: Json): BridgeInfo {
  return {
    stpState: num(d['stp_state']) ?? 0,
    forwardDelay: num(d['forward_delay']) ?? 0,
    helloTime: num(d['hello_time']) ?? 0,
    maxAge: num(d['max_age']) ?? 0,
    ageingTime: num(d['ageing_time']) ?? 0,
    priority: num(d['priority']) ?? 0,
    vlanFiltering: num(d['vlan_filtering']) ?? 0,
    mcastSnooping: num(d['mcast_snooping']) ?? 0,
    nfCallIptables: num(d['nf_call_iptables']) ?? 0,
  };
}

function parseBridgePortInfo(d: Json): BridgePortInfo {
  return {
    state: str(d['state']) ?? 'unknown',
    hairpin: bool(d['hairpin']),
    learning: bool(d['learning']),
    flood: bool(d['flood']),
  };
}

export function parseLink(j: Json): Link {
  const flags = strs(j['flags']);
  const info = obj(j['linkinfo']);
  const kind = str(info?.['info_kind']);
  const slaveKind = str(info?.['info_slave_kind']);
  const data = obj(info?.['info_data']);
  const slaveData = obj(info?.['info_slave_data']);
  return {
    index: num(j['ifindex']) ?? 0,
    name: str(j['ifname']) ?? '',
    flags,
    up: flags.includes('UP'),
    operstate: str(j['operstate']) ?? 'UNKNOWN',
    mtu: num(j['mtu']) ?? 0,
    mac: str(j['address']),
    linkType: str(j['link_type']) ?? '',
    txqlen: num(j['txqlen']),
    master: str(j['master']),
    kind,
    slaveKind,
    peerIndex: num(j['link_index']),
    peerNetnsId: num(j['link_netnsid']),
    bridge: kind === 'bridge' && data !== undefined ? parseBridgeInfo(data) : undefined,
    bridgePort: slaveKind === 'bridge' && slaveData !== undefined ? parseBridgePortInfo(slaveData) : undefined,
    raw: j,
  };
}

/** `ip -j [-d] link show` output. */
export function parseLinks(text: string): Link[] {
  return array(text, 'link').map(parseLink);
}

/** `ip -j addr show` output, flattened to one entry per address. */
export function parseAddresses(text: string): Address[] {
  const out: Address[] = [];
  for (const l of array(text, 'addr')) {
    const ifindex = num(l['ifindex']) ?? 0;
    const ifname = str(l['ifname']) ?? '';
    const infos = Array.isArray(l['addr_info']) ? l['addr_info'] : [];
    for (const a of infos) {
      const i = obj(a);
      if (i === undefined) continue;
      const fam = str(i['family']);
      const local = str(i['local']);
      const prefixLength = num(i['prefixlen']);
      if ((fam !== 'inet' && fam !== 'inet6') || local === undefined || prefixLength === undefined) continue;
      out.push({
        ifindex,
        ifname,
        family: fam === 'inet' ? 4 : 6,
        local,
        prefixLength,
        cidr: `${local}/${prefixLength}`,
        broadcast: str(i['broadcast']),
        scope: str(i['scope']) ?? 'global',
        flags: Object.entries(i)
          .filter(([, v]) => v === true)
          .map(([k]) => k)
          .sort(),
      });
    }
  }
  return out;
}

/** `ip -j [-6] route show` output. */
export function parseRoutes(text: string, family: 4 | 6): Route[] {
  return array(text, 'route').map((r) => ({
    family,
    dst: str(r['dst']) ?? '',
    gateway: str(r['gateway']),
    dev: str(r['dev']),
    protocol: str(r['protocol']),
    scope: str(r['scope']),
    prefsrc: str(r['prefsrc']),
    metric: num(r['metric']),
    table: str(r['table']),
    type: str(r['type']) ?? 'unicast',
    flags: strs(r['flags']),
  }));
}

// ---------------------------------------------------------------------------
// Reading the kernel.

export interface ReadOptions {
  /** Named namespace to read (`ip -n NS`); absent: the current one. */
  readonly netns?: string;
}

async function ipJson(execFn: Exec, netns: string | undefined, args: readonly string[]): Promise<string> {
  const argv = ['ip', ...(netns !== undefined ? ['-n', validateNetnsName(netns)] : []), '-j', ...args];
  try {
    return (await run(execFn, argv)).stdout;
  } catch (e) {
    if (e instanceof ExecError && /Cannot open network namespace/.test(e.result.stderr)) {
      throw notFound(`network namespace ${netns ?? ''} not found`, e);
    }
    throw e;
  }
}

/** All links, with details (`ip -j -d link show`). */
export async function readLinks(execFn: Exec, options: ReadOptions = {}): Promise<Link[]> {
  return parseLinks(await ipJson(execFn, options.netns, ['-d', 'link', 'show']));
}

/** One link by name, or null if there is none. */
export async function readLink(execFn: Exec, name: string, options: ReadOptions = {}): Promise<Link | null> {
  try {
    return parseLinks(await ipJson(execFn, options.netns, ['-d', 'link', 'show', 'dev', validateIfName(name)]))[0] ?? null;
  } catch (e) {
    if (e instanceof ExecError && /does not exist/.test(e.result.stderr)) return null;
    throw e;
  }
}

export interface AddrReadOptions extends ReadOptions {
  readonly dev?: string;
}

/** Addresses of both families (`ip -j addr show [dev DEV]`); not-found for a missing dev. */
export async function readAddresses(execFn: Exec, options: AddrReadOptions = {}): Promise<Address[]> {
  const args = ['addr', 'show', ...(options.dev !== undefined ? ['dev', validateIfName(options.dev)] : [])];
  try {
    return parseAddresses(await ipJson(execFn, options.netns, args));
  } catch (e) {
    if (e instanceof ExecError && /does not exist/.test(e.result.stderr)) throw notFound(`link ${options.dev ?? ''} not found`, e);
    throw e;
  }
}

export interface RouteReadOptions extends ReadOptions {
  /** Default 4. */
  readonly family?: 4 | 6;
  /** `main` unless given (`all`, `local`, a number...). */
  readonly table?: string;
}

/** Routes of one family (`ip -j [-6] route show [table T]`). */
export async function readRoutes(execFn: Exec, options: RouteReadOptions = {}): Promise<Route[]> {
  const family = options.family ?? 4;
  const args = [...(family === 6 ? ['-6'] : []), 'route', 'show', ...(options.table !== undefined ? ['table', options.table] : [])];
  if (options.table !== undefined && !/^[A-Za-z0-9_-]+$/.test(options.table)) throw invalid(`invalid route table ${options.table}`);
  return parseRoutes(await ipJson(execFn, options.netns, args), family);
}

/** The port the engine uses; `ipLinkReader` is the real one, FakeHost has a fake. */
export interface LinkReader {
  links(options?: ReadOptions): Promise<Link[]>;
  link(name: string, options?: ReadOptions): Promise<Link | null>;
  addresses(options?: AddrReadOptions): Promise<Address[]>;
  routes(options?: RouteReadOptions): Promise<Route[]>;
}

export function ipLinkReader(execFn: Exec): LinkReader {
  return {
    links: (o) => readLinks(execFn, o),
    link: (name, o) => readLink(execFn, name, o),
    addresses: (o) => readAddresses(execFn, o),
    routes: (o) => readRoutes(execFn, o),
  };
}
