// Whether a save file's contents are a state berth could have written: every record
// of the right shape, and the records consistent with each other (unique names,
// ids, bridges, veths, addresses and host ports; endpoints on known networks, of
// running sandboxes, inside their subnets; running sandboxes wired to every
// network they are attached to). A restore installs the records as they are, so
// anything that would make the kernel or the store refuse them halfway, or berth
// misbehave later, is found here first. Pure.
import { SAVED_OPTIONS, type SaveFile } from './format.js';
import { cidrContains, cidrContainsCidr, cidrOverlaps, formatNetwork, networkAddress, broadcastAddress, tryParseCidr, tryParseIpv4, type Cidr } from '../model/ipv4.js';
import { hostIpsConflict } from '../model/port-allocator.js';
import { validateContainerName, validateInterfaceName } from '../model/names.js';
import { parseInterface, parseSource, formatSource, sameSpec, type AccessRule } from '../firewall/model.js';
import type { ContainerRecord, EndpointRecord, NetworkRecord, PortMapping } from '../engine/types.js';

class Problem extends Error {}

const fail = (message: string): never => {
  throw new Problem(message);
};

type Obj = Record<string, unknown>;

function kind(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${path} is ${kind(v)}, not an object`);
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(`${path} is ${kind(v)}, not an array`);
  return v as unknown[];
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(`${path} is ${kind(v)}, not a string`);
  return v as string;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(`${path} is ${kind(v)}, not a boolean`);
  return v as boolean;
}

function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${path} is ${JSON.stringify(v)}, not an integer from ${min} to ${max}`);
  return v as number;
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (!values.includes(v as T)) fail(`${path} is ${JSON.stringify(v)}, not one of ${values.join(', ')}`);
  return v as T;
}

function stringMap(v: unknown, path: string): void {
  for (const [k, x] of Object.entries(obj(v, path))) str(x, `${path}.${k}`);
}

function ipv4(v: unknown, path: string): number {
  const ip = tryParseIpv4(str(v, path));
  if (ip === null) fail(`${path} is ${JSON.stringify(v)}, not an IPv4 address`);
  return ip as number;
}

function networkCidr(v: unknown, path: string): Cidr {
  const c = tryParseCidr(str(v, path));
  if (c === null || networkAddress(c) !== c.addr) fail(`${path} is ${JSON.stringify(v)}, not a network in CIDR form`);
  return c as Cidr;
}

function ifname(v: unknown, path: string): string {
  try {
    return validateInterfaceName(str(v, path));
  } catch (e) {
    return fail(`${path}: ${(e as Error).message}`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const PROTOS = ['tcp', 'udp', 'sctp'] as const;

function checkNetwork(v: unknown, path: string): NetworkRecord {
  const n = obj(v, path);
  if (!HEX64.test(str(n['id'], `${path}.id`))) fail(`${path}.id is not a network id (64 hex digits)`);
  if (str(n['name'], `${path}.name`) === '') fail(`${path}.name is empty`);
  const driver = oneOf(n['driver'], `${path}.driver`, ['bridge', 'host', 'null'] as const);
  str(n['created'], `${path}.created`);
  int(n['seq'], `${path}.seq`, 0);
  bool(n['internal'], `${path}.internal`);
  bool(n['attachable'], `${path}.attachable`);
  stringMap(n['labels'], `${path}.labels`);
  stringMap(n['options'], `${path}.options`);
  bool(n['ipamUserSpecified'], `${path}.ipamUserSpecified`);
  const ipam = arr(n['ipam'], `${path}.ipam`);
  const what = `network ${String(n['name'])}`;
  if (driver === 'bridge') {
    if (ipam.length !== 1) fail(`${what} has ${ipam.length} IPAM configurations, a bridge network has one`);
    const c = obj(ipam[0], `${path}.ipam[0]`);
    const subnet = networkCidr(c['subnet'], `${path}.ipam[0].subnet`);
    if (!cidrContains(subnet, ipv4(c['gateway'], `${path}.ipam[0].gateway`))) fail(`${what}: gateway ${String(c['gateway'])} is outside its subnet ${formatNetwork(subnet)}`);
    if (c['ipRange'] !== undefined && !cidrContainsCidr(subnet, networkCidr(c['ipRange'], `${path}.ipam[0].ipRange`))) {
      fail(`${what}: ip range ${String(c['ipRange'])} is outside its subnet ${formatNetwork(subnet)}`);
    }
    if (c['gatewayConfigured'] !== undefined) bool(c['gatewayConfigured'], `${path}.ipam[0].gatewayConfigured`);
    const b = obj(n['bridge'], `${path}.bridge`);
    ifname(b['name'], `${path}.bridge.name`);
    int(b['mtu'], `${path}.bridge.mtu`, 68, 65535);
    bool(b['icc'], `${path}.bridge.icc`);
    bool(b['ipMasquerade'], `${path}.bridge.ipMasquerade`);
    bool(b['isDefault'], `${path}.bridge.isDefault`);
    if (str(b['hostBindingIpv4'], `${path}.bridge.hostBindingIpv4`) !== '') ipv4(b['hostBindingIpv4'], `${path}.bridge.hostBindingIpv4`);
  } else {
    if (ipam.length !== 0 || n['bridge'] !== null) fail(`${what} (driver ${driver}) has an address or a bridge`);
  }
  return n as unknown as NetworkRecord;
}

function checkPort(v: unknown, path: string): PortMapping {
  const p = obj(v, path);
  oneOf(p['proto'], `${path}.proto`, PROTOS);
  int(p['containerPort'], `${path}.containerPort`, 1, 65535);
  int(p['hostPort'], `${path}.hostPort`, 1, 65535);
  if (str(p['hostIp'], `${path}.hostIp`) !== '') ipv4(p['hostIp'], `${path}.hostIp`);
  return p as unknown as PortMapping;
}

function checkContainer(v: unknown, path: string): ContainerRecord {
  const c = obj(v, path);
  if (!HEX64.test(str(c['id'], `${path}.id`))) fail(`${path}.id is not a container id (64 hex digits)`);
  try {
    if (validateContainerName(str(c['name'], `${path}.name`)) !== c['name']) fail(`${path}.name starts with '/'`);
  } catch (e) {
    if (e instanceof Problem) throw e;
    fail(`${path}.name: ${(e as Error).message}`);
  }
  str(c['created'], `${path}.created`);
  const cmd = arr(c['cmd'], `${path}.cmd`);
  if (cmd.length === 0) fail(`container ${String(c['name'])} has no command`);
  cmd.forEach((x, i) => str(x, `${path}.cmd[${i}]`));
  const mode = obj(c['networkMode'], `${path}.networkMode`);
  const k = oneOf(mode['kind'], `${path}.networkMode.kind`, ['bridge', 'host', 'none', 'container'] as const);
  if (k === 'bridge') str(mode['network'], `${path}.networkMode.network`);
  if (k === 'container') str(mode['container'], `${path}.networkMode.container`);
  arr(c['networks'], `${path}.networks`).forEach((x, i) => {
    const a = obj(x, `${path}.networks[${i}]`);
    str(a['networkId'], `${path}.networks[${i}].networkId`);
    if (a['ipv4'] !== null) ipv4(a['ipv4'], `${path}.networks[${i}].ipv4`);
    arr(a['aliases'], `${path}.networks[${i}].aliases`).forEach((y, j) => str(y, `${path}.networks[${i}].aliases[${j}]`));
  });
  arr(c['portRequests'], `${path}.portRequests`).forEach((x, i) => {
    const r = obj(x, `${path}.portRequests[${i}]`);
    oneOf(r['proto'], `${path}.portRequests[${i}].proto`, PROTOS);
    int(r['containerPort'], `${path}.portRequests[${i}].containerPort`, 1, 65535);
    str(r['hostIp'], `${path}.portRequests[${i}].hostIp`);
    for (const f of ['hostPortStart', 'hostPortEnd']) if (r[f] !== null) int(r[f], `${path}.portRequests[${i}].${f}`, 0, 65535);
  });
  arr(c['exposedPorts'], `${path}.exposedPorts`).forEach((x, i) => {
    const e = obj(x, `${path}.exposedPorts[${i}]`);
    oneOf(e['proto'], `${path}.exposedPorts[${i}].proto`, PROTOS);
    int(e['port'], `${path}.exposedPorts[${i}].port`, 1, 65535);
  });
  bool(c['publishAll'], `${path}.publishAll`);
  bool(c['autoRemove'], `${path}.autoRemove`);
  const s = obj(c['state'], `${path}.state`);
  oneOf(s['status'], `${path}.state.status`, ['created', 'running', 'exited'] as const);
  int(s['pid'], `${path}.state.pid`, 0);
  int(s['exitCode'], `${path}.state.exitCode`, -2147483648, 2147483647);
  for (const f of ['startedAt', 'finishedAt', 'error']) str(s[f], `${path}.state.${f}`);
  if (s['pidStartTime'] !== undefined) str(s['pidStartTime'], `${path}.state.pidStartTime`);
  int(c['startSeq'], `${path}.startSeq`, 0);
  arr(c['ports'], `${path}.ports`).forEach((x, i) => checkPort(x, `${path}.ports[${i}]`));
  str(c['netns'], `${path}.netns`);
  return c as unknown as ContainerRecord;
}

function checkEndpoint(v: unknown, path: string): EndpointRecord {
  const e = obj(v, path);
  if (!HEX64.test(str(e['id'], `${path}.id`))) fail(`${path}.id is not an endpoint id (64 hex digits)`);
  str(e['networkId'], `${path}.networkId`);
  str(e['containerId'], `${path}.containerId`);
  ifname(e['ifName'], `${path}.ifName`);
  ifname(e['hostIfName'], `${path}.hostIfName`);
  ipv4(e['ipv4'], `${path}.ipv4`);
  int(e['prefixLen'], `${path}.prefixLen`, 0, 32);
  if (!MAC.test(str(e['macAddress'], `${path}.macAddress`))) fail(`${path}.macAddress is ${JSON.stringify(e['macAddress'])}, not a MAC address`);
  int(e['seq'], `${path}.seq`, 0);
  return e as unknown as EndpointRecord;
}

function checkAccessRule(v: unknown, path: string): AccessRule {
  const r = obj(v, path);
  if (!/^[0-9a-f]{12}$/.test(str(r['id'], `${path}.id`))) fail(`${path}.id is not a firewall rule id (12 hex digits)`);
  str(r['created'], `${path}.created`);
  oneOf(r['action'], `${path}.action`, ['allow', 'deny'] as const);
  const source = obj(r['source'], `${path}.source`);
  const sk = oneOf(source['kind'], `${path}.source.kind`, ['ip', 'cidr', 'range'] as const);
  for (const f of sk === 'ip' ? ['ip'] : sk === 'cidr' ? ['cidr'] : ['from', 'to']) str(source[f], `${path}.source.${f}`);
  try {
    // The text it prints must read back as the same source (canonical addresses, no host bits).
    const text = formatSource(source as unknown as AccessRule['source']);
    if (formatSource(parseSource(text)) !== text || Object.keys(source).length !== (sk === 'range' ? 3 : 2)) fail(`${path}.source is not in canonical form`);
  } catch (e) {
    if (e instanceof Problem) throw e;
    fail(`${path}.source: ${(e as Error).message}`);
  }
  if (r['port'] !== null) {
    const p = obj(r['port'], `${path}.port`);
    int(p['port'], `${path}.port.port`, 1, 65535);
    oneOf(p['proto'], `${path}.port.proto`, PROTOS);
  }
  if (r['inInterface'] !== null) {
    try {
      parseInterface(str(r['inInterface'], `${path}.inInterface`));
    } catch (e) {
      if (e instanceof Problem) throw e;
      fail(`${path}.inInterface: ${(e as Error).message}`);
    }
  }
  return r as unknown as AccessRule;
}

function unique<T>(items: readonly T[], key: (x: T) => string, what: (k: string) => string): void {
  const seen = new Set<string>();
  for (const x of items) {
    const k = key(x);
    if (seen.has(k)) fail(what(k));
    seen.add(k);
  }
}

function checkConsistency(networks: NetworkRecord[], endpoints: EndpointRecord[], containers: ContainerRecord[], seq: number): void {
  unique(networks, (n) => n.id, (k) => `two networks have the id ${k}`);
  unique(networks, (n) => n.name, (k) => `two networks are named ${k}`);
  const bridges = networks.filter((n) => n.bridge !== null);
  unique(bridges, (n) => n.bridge!.name, (k) => `two networks have the bridge ${k}`);
  for (const [a, b] of bridges.flatMap((x, i) => bridges.slice(i + 1).map((y) => [x, y] as const))) {
    if (cidrOverlaps(tryParseCidr(a.ipam[0]!.subnet)!, tryParseCidr(b.ipam[0]!.subnet)!)) fail(`the subnets of networks ${a.name} and ${b.name} overlap`);
  }
  const defaults = networks.filter((n) => n.bridge?.isDefault);
  if (defaults.length !== 1 || defaults[0]!.name !== 'bridge') fail('the default bridge network "bridge" is missing or not the only default');
  for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
    const of = networks.filter((n) => n.driver === driver);
    if (of.length !== 1 || of[0]!.name !== name) fail(`the network "${name}" (driver ${driver}) is missing or not the only one`);
  }

  unique(containers, (c) => c.id, (k) => `two containers have the id ${k}`);
  unique(containers, (c) => c.name, (k) => `two containers are named ${k}`);
  const byId = new Map(containers.map((c) => [c.id, c]));
  const netById = new Map(networks.map((n) => [n.id, n]));
  const running = (c: ContainerRecord | undefined): boolean => c?.state.status === 'running';

  unique(endpoints, (e) => e.id, (k) => `two endpoints have the id ${k}`);
  unique(endpoints, (e) => e.hostIfName, (k) => `two endpoints have the veth ${k}`);
  unique(endpoints, (e) => `${e.networkId} ${e.ipv4}`, (k) => `two endpoints have the address ${k.split(' ')[1]} on one network`);
  unique(endpoints, (e) => `${e.containerId} ${e.networkId}`, () => 'a container has two endpoints on one network');
  unique(endpoints, (e) => `${e.containerId} ${e.ifName}`, (k) => `a container has two interfaces named ${k.split(' ')[1]}`);
  for (const e of endpoints) {
    const n = netById.get(e.networkId);
    const c = byId.get(e.containerId);
    const what = `endpoint ${e.ipv4}${c ? ` of container ${c.name}` : ''}`;
    if (!n?.bridge) fail(`${what} is on network ${e.networkId}, which is not a bridge network of the file`);
    if (!c) fail(`${what} belongs to container ${e.containerId}, which is not in the file`);
    if (!running(c)) fail(`${what}: container ${c!.name} is not running, so it has no endpoints`);
    if (c!.networkMode.kind !== 'bridge' || !c!.networks.some((a) => a.networkId === e.networkId)) fail(`${what}: container ${c!.name} is not attached to network ${n!.name}`);
    const subnet = tryParseCidr(n!.ipam[0]!.subnet)!;
    const ip = tryParseIpv4(e.ipv4)!;
    if (!cidrContains(subnet, ip)) fail(`${what} is outside network ${n!.name}'s subnet ${n!.ipam[0]!.subnet}`);
    if (e.prefixLen !== subnet.prefix) fail(`${what} has prefix length ${e.prefixLen}, network ${n!.name}'s subnet ${n!.ipam[0]!.subnet} has ${subnet.prefix}`);
    if (e.ipv4 === n!.ipam[0]!.gateway) fail(`${what} is network ${n!.name}'s gateway`);
    if (subnet.prefix < 31 && (ip === networkAddress(subnet) || ip === broadcastAddress(subnet))) fail(`${what} is network ${n!.name}'s network or broadcast address`);
  }

  const mappings: { c: ContainerRecord; p: PortMapping }[] = [];
  for (const c of containers) {
    if (!running(c)) {
      if (c.ports.length > 0 || c.netns !== '') fail(`container ${c.name} is not running but holds host ports or a namespace`);
      continue;
    }
    const mode = c.networkMode;
    if (mode.kind === 'bridge') {
      for (const a of c.networks) {
        if (!netById.get(a.networkId)?.bridge) fail(`running container ${c.name} is attached to network ${a.networkId}, which is not a bridge network of the file`);
        if (!endpoints.some((e) => e.containerId === c.id && e.networkId === a.networkId)) fail(`running container ${c.name} has no endpoint on network ${netById.get(a.networkId)!.name}`);
      }
    } else if (c.networks.length > 0 || c.ports.length > 0) {
      fail(`container ${c.name} (network mode ${mode.kind}) has networks or host ports`);
    }
    if (mode.kind === 'container') {
      // The chain of container: modes ends at a running sandbox with a namespace of its own.
      let target = byId.get(mode.container);
      for (let hops = 0; target?.networkMode.kind === 'container' && hops <= containers.length; hops++) target = byId.get(target.networkMode.container);
      if (!running(byId.get(mode.container)) || !target || target.networkMode.kind === 'container') {
        fail(`running container ${c.name} shares the namespace of container ${mode.container}, which is not a running container of the file`);
      }
    }
    if (c.startSeq > seq) fail(`container ${c.name}'s start sequence ${c.startSeq} is past the state's ${seq}`);
    for (const p of c.ports) mappings.push({ c, p });
  }
  for (const [i, x] of mappings.entries()) {
    const clash = mappings.slice(i + 1).find((y) => y.p.proto === x.p.proto && y.p.hostPort === x.p.hostPort && hostIpsConflict(y.p.hostIp, x.p.hostIp));
    if (clash) fail(`containers ${x.c.name} and ${clash.c.name} both hold host port ${x.p.hostPort}/${x.p.proto}`);
  }
  const highest = Math.max(0, ...networks.map((n) => n.seq), ...endpoints.map((e) => e.seq));
  if (highest > seq) fail(`a record's sequence number ${highest} is past the state's ${seq}`);
}

/** The first problem with a save file's contents (shapes, then consistency); null when there is none. */
export function checkSavedContents(file: SaveFile): string | null {
  try {
    oneOf(file.backend, 'backend', ['iptables', 'nftables'] as const);
    const config = obj(file.config, 'config');
    for (const o of SAVED_OPTIONS) if (!(o in config)) fail(`config has no "${o}"`);
    if (config['firewall-backend'] !== file.backend) fail(`backend ${file.backend} is not config's firewall-backend ${JSON.stringify(config['firewall-backend'])}`);
    const state = obj(file.state, 'state');
    const networks = arr(state['networks'], 'state.networks').map((n, i) => checkNetwork(n, `state.networks[${i}]`));
    const endpoints = arr(state['endpoints'], 'state.endpoints').map((e, i) => checkEndpoint(e, `state.endpoints[${i}]`));
    const containers = arr(state['containers'], 'state.containers').map((c, i) => checkContainer(c, `state.containers[${i}]`));
    for (const [k, v] of Object.entries(obj(state['portCursors'], 'state.portCursors'))) int(v, `state.portCursors.${k}`, 0, 65535);
    int(state['poolCursor'], 'state.poolCursor', 0);
    const seq = int(state['seq'], 'state.seq', 0);
    const rules = file.accessRules.map((r, i) => checkAccessRule(r, `accessRules[${i}]`));
    unique(rules, (r) => r.id, (k) => `two firewall rules have the id ${k}`);
    for (const [i, r] of rules.entries()) if (rules.slice(i + 1).some((x) => sameSpec(x, r))) fail(`firewall rule ${r.id} is there twice`);
    checkConsistency(networks, endpoints, containers, seq);
    return null;
  } catch (e) {
    if (e instanceof Problem) return e.message;
    throw e;
  }
}
