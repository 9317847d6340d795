// Engine records → Docker Engine API 1.41 JSON, field for field (names, order, types,
// null vs empty as dockerd 20.10 writes them). Pure: the caller passes a snapshot.
import type {
  ContainerRecord,
  EndpointRecord,
  EngineEvent,
  NetworkRecord,
  PortMapping,
  Proto,
} from '../engine/types.js';
import { PREDEFINED_NETWORK_NAMES, shortId } from '../model/names.js';
import { humanDuration, parseTime, ZERO_TIME } from './units.js';

// ---------------------------------------------------------------- wire types

export interface DockerIpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
}

export interface DockerNetworkEndpoint {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: DockerIpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, DockerNetworkEndpoint>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface DockerEndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
}

export interface DockerPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface DockerContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: DockerPort[];
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode?: string };
  NetworkSettings: { Networks: Record<string, DockerEndpointSettings> };
  Mounts: unknown[];
}

export interface DockerPortBinding {
  HostIp: string;
  HostPort: string;
}

export type DockerPortMap = Record<string, DockerPortBinding[] | null>;

export interface DockerContainerState {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

export interface DockerContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: DockerContainerState;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: {
    Binds: string[] | null;
    ContainerIDFile: string;
    LogConfig: { Type: string; Config: Record<string, string> };
    NetworkMode: string;
    PortBindings: Record<string, DockerPortBinding[]>;
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    AutoRemove: boolean;
    VolumeDriver: string;
    VolumesFrom: string[] | null;
    CapAdd: string[] | null;
    CapDrop: string[] | null;
    CgroupnsMode: string;
    Dns: string[];
    DnsOptions: string[];
    DnsSearch: string[];
    ExtraHosts: string[] | null;
    GroupAdd: string[] | null;
    IpcMode: string;
    Cgroup: string;
    Links: string[] | null;
    OomScoreAdj: number;
    PidMode: string;
    Privileged: boolean;
    PublishAllPorts: boolean;
    ReadonlyRootfs: boolean;
    SecurityOpt: string[] | null;
    UTSMode: string;
    UsernsMode: string;
    ShmSize: number;
    Runtime: string;
    ConsoleSize: [number, number];
    Isolation: string;
  } & Record<string, unknown>;
  GraphDriver: { Data: Record<string, string> | null; Name: string };
  Mounts: unknown[];
  Config: {
    Hostname: string;
    Domainname: string;
    User: string;
    AttachStdin: boolean;
    AttachStdout: boolean;
    AttachStderr: boolean;
    ExposedPorts?: Record<string, Record<string, never>>;
    Tty: boolean;
    OpenStdin: boolean;
    StdinOnce: boolean;
    Env: string[] | null;
    Cmd: string[];
    Image: string;
    Volumes: Record<string, unknown> | null;
    WorkingDir: string;
    Entrypoint: string[] | null;
    OnBuild: string[] | null;
    Labels: Record<string, string>;
  };
  NetworkSettings: {
    Bridge: string;
    SandboxID: string;
    HairpinMode: boolean;
    LinkLocalIPv6Address: string;
    LinkLocalIPv6PrefixLen: number;
    Ports: DockerPortMap;
    SandboxKey: string;
    SecondaryIPAddresses: unknown[] | null;
    SecondaryIPv6Addresses: unknown[] | null;
    EndpointID: string;
    Gateway: string;
    GlobalIPv6Address: string;
    GlobalIPv6PrefixLen: number;
    IPAddress: string;
    IPPrefixLen: number;
    IPv6Gateway: string;
    MacAddress: string;
    Networks: Record<string, DockerEndpointSettings>;
  };
}

export interface DockerEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
}

// ---------------------------------------------------------------- snapshot

/** What the shapes need to see of the engine at one moment. */
export interface ShapeSnapshot {
  readonly networks: readonly NetworkRecord[];
  readonly containers: readonly ContainerRecord[];
  readonly endpoints: readonly EndpointRecord[];
  /** Current time in ms (Status strings are relative). */
  readonly now: number;
  /** SandboxKey of a running host-mode container: the daemon's own namespace. */
  readonly hostSandboxKey: string;
}

/** What berth shows as a container's image: it runs host commands, not images. */
export const HOST_IMAGE = 'host-cmd';
export const NETNS_DIR = '/var/run/netns';

/** Docker's predefined networks (runconfig.IsPreDefinedNetwork). */
export function isPredefinedNetworkName(name: string): boolean {
  return PREDEFINED_NETWORK_NAMES.includes(name);
}

// ---------------------------------------------------------------- networks

function ipamOf(n: NetworkRecord): DockerNetwork['IPAM'] {
  const predefined = n.driver !== 'bridge' || n.bridge?.isDefault === true;
  return {
    Driver: 'default',
    Options: predefined ? null : {},
    Config: n.ipam.map((c) => {
      const out: DockerIpamConfig = { Subnet: c.subnet };
      if (c.ipRange) out.IPRange = c.ipRange;
      if (c.gatewayConfigured !== false && c.gateway) out.Gateway = c.gateway;
      return out;
    }),
  };
}

/** A network as `GET /networks` lists it (API ≥ 1.28: no containers). */
export function networkSummary(n: NetworkRecord): DockerNetwork {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: ipamOf(n),
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: { ...n.options },
    Labels: { ...n.labels },
  };
}

/** A network as `GET /networks/{id}` shows it, with its endpoints. */
export function networkInspect(n: NetworkRecord, snap: ShapeSnapshot): DockerNetwork {
  const out = networkSummary(n);
  const byId = new Map(snap.containers.map((c) => [c.id, c]));
  for (const e of [...snap.endpoints].filter((x) => x.networkId === n.id).sort((a, b) => a.seq - b.seq)) {
    const c = byId.get(e.containerId);
    out.Containers[e.containerId] = {
      Name: c?.name ?? '',
      EndpointID: e.id,
      MacAddress: e.macAddress,
      IPv4Address: e.ipv4 ? `${e.ipv4}/${e.prefixLen}` : '',
      IPv6Address: '',
    };
  }
  return out;
}

// ---------------------------------------------------------------- containers

/** Docker's list Command: path and args, args with spaces in single quotes. */
export function commandString(cmd: readonly string[]): string {
  const [path = '', ...args] = cmd;
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

/** Docker's State.String(): "Up 3 seconds", "Exited (0) 2 minutes ago", "Created". */
export function statusString(state: ContainerRecord['state'], now: number): string {
  if (state.status === 'running') {
    const started = parseTime(state.startedAt) ?? now;
    return `Up ${humanDuration(now - started)}`;
  }
  if (parseTime(state.startedAt) === null) return 'Created';
  const finished = parseTime(state.finishedAt);
  if (finished === null) return '';
  return `Exited (${state.exitCode}) ${humanDuration(now - finished)} ago`;
}

function timeOrZero(t: string): string {
  return parseTime(t) === null ? ZERO_TIME : t;
}

function networkById(snap: ShapeSnapshot, id: string): NetworkRecord | undefined {
  return snap.networks.find((n) => n.id === id);
}

/** HostConfig.NetworkMode as Docker reports it. */
export function networkModeString(c: ContainerRecord, snap: ShapeSnapshot): string {
  const m = c.networkMode;
  switch (m.kind) {
    case 'host':
      return 'host';
    case 'none':
      return 'none';
    case 'container':
      return `container:${m.container}`;
    case 'bridge': {
      const n = networkById(snap, m.network);
      if (!n || n.bridge?.isDefault) return 'default';
      return n.name;
    }
  }
}

function emptyEndpointSettings(networkId: string): DockerEndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: networkId,
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: '',
    DriverOpts: null,
  };
}

/** The container's networks, by name, as inspect shows them (`summary` drops Links/Aliases as `ps` does). */
function containerNetworks(
  c: ContainerRecord,
  snap: ShapeSnapshot,
  summary: boolean,
): Record<string, DockerEndpointSettings> {
  const out: Record<string, DockerEndpointSettings> = {};
  const eps = snap.endpoints.filter((e) => e.containerId === c.id);
  const running = c.state.status === 'running';
  const add = (networkId: string, ipv4: string | null, aliases: readonly string[]) => {
    const n = networkById(snap, networkId);
    if (!n) return;
    const s = emptyEndpointSettings(n.id);
    if (ipv4) s.IPAMConfig = { IPv4Address: ipv4 };
    // dockerd lists the aliases asked for, then the short id it adds itself.
    if (!summary && n.driver === 'bridge' && !n.bridge?.isDefault) s.Aliases = [...aliases, shortId(c.id)];
    const e = running ? eps.find((x) => x.networkId === n.id) : undefined;
    if (e) {
      s.EndpointID = e.id;
      s.Gateway = n.ipam[0]?.gateway ?? '';
      s.IPAddress = e.ipv4;
      s.IPPrefixLen = e.prefixLen;
      s.MacAddress = e.macAddress;
    }
    out[n.name] = s;
  };
  switch (c.networkMode.kind) {
    case 'container':
      return out;
    case 'host':
    case 'none': {
      const driver = c.networkMode.kind === 'host' ? 'host' : 'null';
      const n = snap.networks.find((x) => x.driver === driver);
      if (n) out[n.name] = emptyEndpointSettings(n.id);
      return out;
    }
    case 'bridge':
      break;
  }
  for (const n of c.networks) add(n.networkId, n.ipv4, n.aliases);
  for (const e of eps) if (!c.networks.some((n) => n.networkId === e.networkId)) add(e.networkId, null, []);
  return out;
}

function portKey(port: number, proto: Proto): string {
  return `${port}/${proto}`;
}

/** Container ports that are exposed or published, sorted by number then protocol. */
function exposedKeys(c: ContainerRecord): string[] {
  const keys = new Map<string, [number, string]>();
  for (const e of c.exposedPorts) keys.set(portKey(e.port, e.proto), [e.port, e.proto]);
  for (const r of c.portRequests) keys.set(portKey(r.containerPort, r.proto), [r.containerPort, r.proto]);
  for (const p of c.ports) keys.set(portKey(p.containerPort, p.proto), [p.containerPort, p.proto]);
  return [...keys.entries()].sort((a, b) => a[1][0] - b[1][0] || a[1][1].localeCompare(b[1][1])).map(([k]) => k);
}

function bindingOf(p: PortMapping): DockerPortBinding {
  return { HostIp: p.hostIp === '' ? '0.0.0.0' : p.hostIp, HostPort: String(p.hostPort) };
}

/** NetworkSettings.Ports: every exposed port, with its host bindings or null; `{}` unless running. */
export function portMap(c: ContainerRecord): DockerPortMap {
  const out: DockerPortMap = {};
  if (c.state.status !== 'running') return out;
  for (const k of exposedKeys(c)) {
    const maps = c.ports.filter((p) => portKey(p.containerPort, p.proto) === k);
    out[k] = maps.length === 0 ? null : maps.map(bindingOf);
  }
  return out;
}

function summaryPorts(c: ContainerRecord): DockerPort[] {
  const out: DockerPort[] = [];
  for (const [k, bindings] of Object.entries(portMap(c))) {
    const [port = '0', proto = 'tcp'] = k.split('/');
    if (!bindings) {
      out.push({ PrivatePort: Number(port), Type: proto });
      continue;
    }
    for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}

/** A container as `GET /containers/json` lists it. */
export function containerSummary(c: ContainerRecord, snap: ShapeSnapshot): DockerContainerSummary {
  const created = parseTime(c.created);
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: HOST_IMAGE,
    ImageID: '',
    Command: commandString(c.cmd),
    Created: created === null ? 0 : Math.floor(created / 1000),
    Ports: summaryPorts(c),
    Labels: {},
    State: c.state.status,
    Status: statusString(c.state, snap.now),
    HostConfig: { NetworkMode: networkModeString(c, snap) },
    NetworkSettings: { Networks: containerNetworks(c, snap, true) },
    Mounts: [],
  };
}

/** The netns path a running container's network lives in (what `berth exec` enters). */
export function sandboxKey(c: ContainerRecord, snap: ShapeSnapshot, seen: ReadonlySet<string> = new Set()): string {
  if (c.state.status !== 'running') return '';
  if (c.netns) return `${NETNS_DIR}/${c.netns}`;
  switch (c.networkMode.kind) {
    case 'host':
      return snap.hostSandboxKey;
    case 'container': {
      const id = c.networkMode.container;
      const other = snap.containers.find((x) => x.id === id);
      if (!other || seen.has(id)) return '';
      return sandboxKey(other, snap, new Set([...seen, c.id]));
    }
    default:
      return '';
  }
}

function hostPortString(start: number | null, end: number | null): string {
  if (start === null) return '';
  if (end === null || end === start) return String(start);
  return `${start}-${end}`;
}

/** HostConfig's resource fields, as dockerd 20.10 reports a container with no limits. */
const RESOURCES: Readonly<Record<string, unknown>> = {
  CpuShares: 0,
  Memory: 0,
  NanoCpus: 0,
  CgroupParent: '',
  BlkioWeight: 0,
  BlkioWeightDevice: [],
  BlkioDeviceReadBps: null,
  BlkioDeviceWriteBps: null,
  BlkioDeviceReadIOps: null,
  BlkioDeviceWriteIOps: null,
  CpuPeriod: 0,
  CpuQuota: 0,
  CpuRealtimePeriod: 0,
  CpuRealtimeRuntime: 0,
  CpusetCpus: '',
  CpusetMems: '',
  Devices: [],
  DeviceCgroupRules: null,
  DeviceRequests: null,
  KernelMemory: 0,
  KernelMemoryTCP: 0,
  MemoryReservation: 0,
  MemorySwap: 0,
  MemorySwappiness: null,
  OomKillDisable: false,
  PidsLimit: null,
  Ulimits: null,
  CpuCount: 0,
  CpuPercent: 0,
  IOMaximumIOps: 0,
  IOMaximumBandwidth: 0,
  // berth runs host commands: nothing is masked or made read-only.
  MaskedPaths: [],
  ReadonlyPaths: [],
};

/** A container as `GET /containers/{id}/json` shows it. */
export function containerInspect(c: ContainerRecord, snap: ShapeSnapshot, logPath: string): DockerContainerInspect {
  const s = c.state;
  const portBindings: Record<string, DockerPortBinding[]> = {};
  for (const r of c.portRequests) {
    (portBindings[portKey(r.containerPort, r.proto)] ??= []).push({
      HostIp: r.hostIp,
      HostPort: hostPortString(r.hostPortStart, r.hostPortEnd),
    });
  }
  const exposed: Record<string, Record<string, never>> = {};
  for (const k of exposedKeys(c)) exposed[k] = {};
  const networks = containerNetworks(c, snap, false);
  // The legacy top-level fields describe the default bridge endpoint only.
  const defaultBridge = snap.networks.find((n) => n.bridge?.isDefault);
  const legacy = (defaultBridge && networks[defaultBridge.name]) || undefined;
  const [path = '', ...args] = c.cmd;
  const config: DockerContainerInspect['Config'] = {
    Hostname: shortId(c.id),
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    // Go's omitempty: the key is absent when nothing is exposed.
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: [...c.cmd],
    Image: HOST_IMAGE,
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: {},
  };
  return {
    Id: c.id,
    Created: c.created,
    Path: path,
    Args: args,
    State: {
      Status: s.status,
      Running: s.status === 'running',
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: s.status === 'running' ? s.pid : 0,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: timeOrZero(s.startedAt),
      FinishedAt: timeOrZero(s.finishedAt),
    },
    Image: HOST_IMAGE,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: logPath,
    Name: `/${c.name}`,
    RestartCount: 0,
    Driver: '',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      Binds: null,
      ContainerIDFile: '',
      LogConfig: { Type: 'json-file', Config: {} },
      NetworkMode: networkModeString(c, snap),
      PortBindings: portBindings,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: c.autoRemove,
      VolumeDriver: '',
      VolumesFrom: null,
      CapAdd: null,
      CapDrop: null,
      CgroupnsMode: 'host',
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      ExtraHosts: null,
      GroupAdd: null,
      IpcMode: 'private',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: '',
      Privileged: false,
      PublishAllPorts: c.publishAll,
      ReadonlyRootfs: false,
      SecurityOpt: null,
      UTSMode: '',
      UsernsMode: '',
      ShmSize: 67108864,
      Runtime: 'runc',
      ConsoleSize: [0, 0],
      Isolation: '',
      ...RESOURCES,
    },
    GraphDriver: { Data: null, Name: '' },
    Mounts: [],
    Config: config,
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: portMap(c),
      SandboxKey: sandboxKey(c, snap),
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: legacy?.EndpointID ?? '',
      Gateway: legacy?.Gateway ?? '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: legacy?.IPAddress ?? '',
      IPPrefixLen: legacy?.IPPrefixLen ?? 0,
      IPv6Gateway: '',
      MacAddress: legacy?.MacAddress ?? '',
      Networks: networks,
    },
  };
}

// ---------------------------------------------------------------- events

/** An engine event in Docker's events.Message shape. */
export function eventMessage(e: EngineEvent): DockerEvent {
  const time = Math.floor(e.time);
  // dockerd's container events always name the image; Go writes map keys sorted.
  const attrs: Record<string, string> = e.type === 'container' ? { image: HOST_IMAGE, ...e.attributes } : { ...e.attributes };
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(attrs).sort()) sorted[k] = attrs[k] as string;
  const out: DockerEvent = {
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.id, Attributes: sorted },
    scope: 'local',
    time,
    timeNano: Math.round(e.time * 1e9),
  };
  if (e.type === 'container') {
    return { status: e.action, id: e.id, from: HOST_IMAGE, ...out };
  }
  return out;
}
