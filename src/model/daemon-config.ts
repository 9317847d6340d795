// berthd's configuration: dockerd's flags and daemon.json keys where the meaning is
// the same, parsed and validated into one fully defaulted, immutable object.
import { invalid } from './errors.js';
import { checkAddressPools, parseAddressPoolFlag, type AddressPool } from './ipam/pools.js';

/** How berth programs the firewall: dockerd's iptables layout, or one nftables table. */
export type FirewallBackendName = 'iptables' | 'nftables';
const FIREWALL_BACKENDS: readonly FirewallBackendName[] = ['iptables', 'nftables'];

export interface DaemonConfig {
  readonly iptables: boolean;
  readonly firewallBackend: FirewallBackendName;
  readonly ipForward: boolean;
  readonly ipMasq: boolean;
  readonly icc: boolean;
  readonly bip: string; // '' = default 172.17.0.1/16 (or first free pool)
  readonly fixedCidr: string;
  readonly mtu: number;
  readonly defaultAddressPools: readonly AddressPool[]; // empty = Docker's defaults
  readonly userlandProxy: boolean;
  /** Sandboxes keep running while berthd is stopped, and are adopted when it starts. */
  readonly liveRestore: boolean;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly hosts: readonly string[];
  readonly group: string;
  readonly pidfile: string;
  /** Prefix of the named network namespaces berth creates (visible in `ip netns list`). */
  readonly netnsPrefix: string;
  readonly configFile: string;
}

type Kind = 'bool' | 'string' | 'int' | 'list' | 'pools';

interface OptionSpec {
  readonly key: keyof DaemonConfig;
  readonly flag: string; // long flag without dashes
  readonly short?: string;
  readonly json: string | null; // daemon.json key (null: flag only)
  readonly kind: Kind;
  readonly help: string;
}

/** The options table: one row per setting, shared by the parser and `berthd --help`. */
export const DAEMON_OPTIONS: readonly OptionSpec[] = [
  { key: 'iptables', flag: 'iptables', json: 'iptables', kind: 'bool', help: 'Enable addition of iptables rules (default true)' },
  { key: 'firewallBackend', flag: 'firewall-backend', json: 'firewall-backend', kind: 'string', help: 'Firewall backend: "iptables" or "nftables" (default "iptables")' },
  { key: 'ipForward', flag: 'ip-forward', json: 'ip-forward', kind: 'bool', help: 'Enable net.ipv4.ip_forward (default true)' },
  { key: 'ipMasq', flag: 'ip-masq', json: 'ip-masq', kind: 'bool', help: 'Enable IP masquerading (default true)' },
  { key: 'icc', flag: 'icc', json: 'icc', kind: 'bool', help: 'Enable inter-container communication (default true)' },
  { key: 'bip', flag: 'bip', json: 'bip', kind: 'string', help: 'Specify network bridge IP' },
  { key: 'fixedCidr', flag: 'fixed-cidr', json: 'fixed-cidr', kind: 'string', help: 'IPv4 subnet for fixed IPs' },
  { key: 'mtu', flag: 'mtu', json: 'mtu', kind: 'int', help: 'Set the containers network MTU (default 1500)' },
  { key: 'defaultAddressPools', flag: 'default-address-pool', json: 'default-address-pools', kind: 'pools', help: 'Default address pools for node specific local networks (base=CIDR,size=N)' },
  { key: 'userlandProxy', flag: 'userland-proxy', json: 'userland-proxy', kind: 'bool', help: 'Use userland proxy for loopback traffic (default true)' },
  { key: 'liveRestore', flag: 'live-restore', json: 'live-restore', kind: 'bool', help: 'Keep sandboxes running while berthd is down (default true)' },
  { key: 'dataRoot', flag: 'data-root', json: 'data-root', kind: 'string', help: 'Root directory of persistent berth state (default "/var/lib/berth")' },
  { key: 'execRoot', flag: 'exec-root', json: 'exec-root', kind: 'string', help: 'Root directory for execution state files (default "/run/berth")' },
  { key: 'hosts', flag: 'host', short: 'H', json: 'hosts', kind: 'list', help: 'Daemon socket(s) to connect to (default unix:///run/berth/berth.sock)' },
  { key: 'group', flag: 'group', short: 'G', json: 'group', kind: 'string', help: 'Group for the unix socket (default "docker" if it exists, else root)' },
  { key: 'pidfile', flag: 'pidfile', short: 'p', json: 'pidfile', kind: 'string', help: 'Path to use for daemon PID file (default "/run/berth/berthd.pid")' },
  { key: 'netnsPrefix', flag: 'netns-prefix', json: 'netns-prefix', kind: 'string', help: 'Prefix of the sandboxes\' named network namespaces (default "berth-")' },
  { key: 'configFile', flag: 'config-file', json: null, kind: 'string', help: 'Daemon configuration file (default "/etc/berth/daemon.json")' },
];

export const DEFAULT_CONFIG: DaemonConfig = {
  iptables: true,
  firewallBackend: 'iptables',
  ipForward: true,
  ipMasq: true,
  icc: true,
  bip: '',
  fixedCidr: '',
  mtu: 1500,
  defaultAddressPools: [],
  userlandProxy: true,
  liveRestore: true,
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  hosts: ['unix:///run/berth/berth.sock'],
  group: '',
  pidfile: '/run/berth/berthd.pid',
  netnsPrefix: 'berth-',
  configFile: '/etc/berth/daemon.json',
};

export function parseBool(raw: string, what: string): boolean {
  // Go's strconv.ParseBool, which dockerd's flags use.
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw invalid(`invalid argument "${raw}" for "--${what}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
}

type Partial = { -readonly [K in keyof DaemonConfig]?: DaemonConfig[K] };

function convert(spec: OptionSpec, value: unknown, source: 'flag' | 'file', raw: string): unknown {
  switch (spec.kind) {
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') return parseBool(value, spec.flag);
      break;
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
      if (source === 'flag') throw invalid(`invalid argument "${raw}" for "--${spec.flag}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`);
      break;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'list':
      if (typeof value === 'string') return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      break;
    case 'pools':
      if (typeof value === 'string') return [parseAddressPoolFlag(value)];
      if (Array.isArray(value) && value.every((p) => typeof p?.base === 'string' && typeof p?.size === 'number')) return value;
      break;
  }
  throw invalid(`invalid value for ${source === 'flag' ? `--${spec.flag}` : spec.json}: ${raw}`);
}

/**
 * Parses berthd's command line. Returns the settings given as flags (not yet defaulted)
 * so they can be merged with daemon.json by `resolveConfig`.
 */
export function parseDaemonFlags(argv: readonly string[]): { flags: Partial; help: boolean } {
  const flags: Partial = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length >= 2) {
      name = arg.slice(1, 2);
      inline = arg.length > 2 ? arg.slice(2).replace(/^=/, '') : undefined;
    } else {
      throw invalid(`berthd does not take positional arguments: "${arg}"`);
    }
    const spec = DAEMON_OPTIONS.find((o) => o.flag === name || o.short === name);
    if (!spec) throw invalid(`unknown flag: ${arg.startsWith('--') ? `--${name}` : `-${name}`}`);
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (spec.kind === 'bool') raw = 'true';
    else {
      const next = argv[++i];
      if (next === undefined) throw invalid(`flag needs an argument: --${spec.flag}`);
      raw = next;
    }
    const value = convert(spec, raw, 'flag', raw);
    const key = spec.key;
    if (spec.kind === 'list' || spec.kind === 'pools') {
      const prev = (flags[key] as readonly unknown[] | undefined) ?? [];
      (flags as Record<string, unknown>)[key] = [...prev, ...(value as unknown[])];
    } else {
      (flags as Record<string, unknown>)[key] = value;
    }
  }
  return { flags, help };
}

/** Parses daemon.json text into settings, with dockerd's messages for unknown keys. */
export function parseDaemonJson(text: string, file: string): Partial {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(`unable to configure the berth daemon with file ${file}: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw invalid(`unable to configure the berth daemon with file ${file}: the configuration must be a JSON object`);
  }
  const out: Partial = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    const spec = DAEMON_OPTIONS.find((o) => o.json === k);
    if (!spec) {
      unknown.push(k);
      continue;
    }
    (out as Record<string, unknown>)[spec.key] = convert(spec, v, 'file', JSON.stringify(v));
  }
  if (unknown.length > 0) {
    throw invalid(`unable to configure the berth daemon with file ${file}: the following directives don't match any configuration option: ${unknown.sort().join(', ')}`);
  }
  return out;
}

/** Merges flags over daemon.json like dockerd: a setting given in both places is an error. */
export function resolveConfig(flags: Partial, file: Partial | null, fileName: string): DaemonConfig {
  if (file) {
    const both = Object.keys(file).filter((k) => k in flags);
    if (both.length > 0) {
      const detail = both
        .map((k) => {
          const spec = DAEMON_OPTIONS.find((o) => o.key === k);
          const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
          return `${spec?.json ?? k}: (from flag: ${show(flags[k as keyof Partial])}, from file: ${show(file[k as keyof Partial])})`;
        })
        .join(', ');
      throw invalid(`unable to configure the berth daemon with file ${fileName}: the following directives are specified both as a flag and in the configuration file: ${detail}`);
    }
  }
  const config: DaemonConfig = { ...DEFAULT_CONFIG, ...(file ?? {}), ...flags };
  validateConfig(config);
  return config;
}

function validateConfig(c: DaemonConfig): void {
  checkAddressPools(c.defaultAddressPools);
  if (!FIREWALL_BACKENDS.includes(c.firewallBackend)) {
    throw invalid(`invalid --firewall-backend "${c.firewallBackend}": use ${FIREWALL_BACKENDS.map((b) => `"${b}"`).join(' or ')}`);
  }
  if (c.mtu < 68 || c.mtu > 65535) throw invalid(`invalid MTU ${c.mtu}: must be between 68 and 65535`);
  if (!/^[A-Za-z0-9_.-]{0,32}$/.test(c.netnsPrefix)) throw invalid(`invalid --netns-prefix "${c.netnsPrefix}": use letters, digits, '-', '_' or '.', at most 32`);
  if (c.bip && !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c.bip)) throw invalid(`invalid --bip "${c.bip}": expected an address with prefix, such as 172.17.0.1/16`);
  if (c.fixedCidr && !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c.fixedCidr)) throw invalid(`invalid --fixed-cidr "${c.fixedCidr}": expected a CIDR such as 172.17.1.0/24`);
  for (const h of c.hosts) {
    if (!h.startsWith('unix://')) throw invalid(`unsupported host "${h}": berthd listens on unix sockets only (unix:///path)`);
  }
}
