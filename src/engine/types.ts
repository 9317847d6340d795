// The engine's records and its interface to the surfaces (HTTP API, CLI via the API).
// Records are plain data, persisted by the store; the API converts them to Docker's
// JSON shapes at the edge (src/api/shapes.ts).
import type { DesiredRules } from '../render/ir.js';
import type { DaemonConfig } from '../model/daemon-config.js';
import type { ParsedPorts } from '../model/port-binding.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

export interface IpamConfig {
  readonly subnet: string; // CIDR, network address form: 172.18.0.0/16
  readonly gateway: string; // 172.18.0.1
  readonly ipRange?: string; // CIDR inside subnet
  /**
   * false: the gateway was not configured but derived (docker0 without --bip), and dockerd
   * then shows no Gateway in the network's IPAM.Config. Absent or true: shown.
   */
  readonly gatewayConfigured?: boolean;
}

export interface NetworkRecord {
  readonly id: string; // 64 hex
  readonly name: string;
  readonly driver: 'bridge' | 'host' | 'null';
  readonly created: string; // RFC 3339
  readonly seq: number; // creation order; rules of newer networks go first, as dockerd does
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly options: Readonly<Record<string, string>>; // as given (com.docker.network.*)
  readonly ipam: readonly IpamConfig[]; // bridge networks: exactly one
  readonly ipamUserSpecified: boolean; // --subnet given: --ip allowed
  /** Bridge settings resolved from options and daemon config (bridge driver only). */
  readonly bridge: {
    readonly name: string;
    readonly mtu: number;
    readonly icc: boolean;
    readonly ipMasquerade: boolean;
    readonly hostBindingIpv4: string; // '' = all addresses
    readonly isDefault: boolean; // the daemon's default bridge (docker0)
  } | null;
}

export interface PortMapping {
  readonly proto: Proto;
  readonly containerPort: number;
  readonly hostIp: string; // '' means all addresses (0.0.0.0)
  readonly hostPort: number;
}

/** What the user asked for one container port (host port may be a range or ephemeral). */
export interface PortRequest {
  readonly proto: Proto;
  readonly containerPort: number;
  readonly hostIp: string;
  readonly hostPortStart: number | null; // null = ephemeral
  readonly hostPortEnd: number | null;
}

export interface EndpointRecord {
  readonly id: string;
  readonly networkId: string;
  readonly containerId: string;
  readonly ifName: string; // inside the sandbox: eth0, eth1...
  readonly hostIfName: string; // veth on the host side
  readonly ipv4: string; // address without prefix
  readonly prefixLen: number;
  readonly macAddress: string;
  readonly seq: number;
}

export type NetworkMode =
  | { readonly kind: 'bridge'; readonly network: string } // network id
  | { readonly kind: 'host' }
  | { readonly kind: 'none' }
  | { readonly kind: 'container'; readonly container: string }; // container id

export interface ContainerState {
  readonly status: 'created' | 'running' | 'exited';
  readonly pid: number;
  readonly exitCode: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly error: string;
  /** The process's start time (/proc/PID/stat), so a reused pid is never mistaken for it. */
  readonly pidStartTime?: string;
}

export interface ContainerRecord {
  readonly id: string;
  readonly name: string;
  readonly created: string;
  readonly cmd: readonly string[];
  readonly networkMode: NetworkMode;
  /** Networks to attach on start, in order, with an optional static address. The first is the primary. */
  readonly networks: readonly { readonly networkId: string; readonly ipv4: string | null; readonly aliases: readonly string[] }[];
  readonly portRequests: readonly PortRequest[];
  readonly exposedPorts: readonly { readonly proto: Proto; readonly port: number }[];
  readonly publishAll: boolean;
  readonly autoRemove: boolean;
  readonly state: ContainerState;
  readonly startSeq: number; // order of the latest start; port rules follow it
  readonly ports: readonly PortMapping[]; // allocated while running
  readonly netns: string; // named netns ('' for host mode / container mode)
}

export interface NetworkCreateRequest {
  readonly name: string;
  readonly driver?: string;
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly checkDuplicate?: boolean;
  readonly labels?: Record<string, string>;
  readonly options?: Record<string, string>;
  readonly ipam?: readonly { readonly subnet?: string; readonly gateway?: string; readonly ipRange?: string }[];
}

export interface ContainerCreateRequest {
  readonly name?: string;
  readonly cmd: readonly string[];
  readonly networkMode?: string; // 'bridge' (default) | 'host' | 'none' | 'container:NAME' | network name/id
  readonly ipv4?: string; // --ip
  /** Published and exposed ports, parsed by the edge that took them (the API's PortBindings and ExposedPorts, or -p and --expose). */
  readonly ports?: ParsedPorts;
  readonly publishAll?: boolean;
  readonly autoRemove?: boolean;
}

export interface EngineEvent {
  readonly type: 'network' | 'container' | 'daemon';
  readonly action: string; // create, destroy, connect, disconnect, start, die, repair ...
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly time: number; // unix seconds
}

/** What the surfaces may ask of the engine. All methods validate their input. */
export interface Engine {
  listNetworks(): readonly NetworkRecord[];
  inspectNetwork(idOrName: string): NetworkRecord;
  createNetwork(req: NetworkCreateRequest): Promise<{ network: NetworkRecord; warning: string }>;
  removeNetwork(idOrName: string): Promise<void>;
  pruneNetworks(): Promise<readonly string[]>; // names removed
  connect(network: string, container: string, opts: { ipv4?: string; aliases?: readonly string[] }): Promise<void>;
  disconnect(network: string, container: string, force: boolean): Promise<void>;
  /** Endpoints of a network (or all), for inspect output. */
  endpoints(networkId?: string): readonly EndpointRecord[];

  listContainers(all: boolean): readonly ContainerRecord[];
  inspectContainer(idOrName: string): ContainerRecord;
  createContainer(req: ContainerCreateRequest): Promise<{ container: ContainerRecord; warnings: readonly string[] }>;
  startContainer(idOrName: string): Promise<void>;
  stopContainer(idOrName: string, timeoutSec?: number): Promise<void>;
  restartContainer(idOrName: string, timeoutSec?: number): Promise<void>;
  removeContainer(idOrName: string, force: boolean): Promise<void>;
  /** Resolves with the exit code once the container is not running. */
  waitContainer(idOrName: string): Promise<number>;
  /** Path of the file that receives the container's stdout and stderr. */
  logPath(idOrName: string): string;

  /** Text of the iptables rules berth owns now (iptables-save form), for `berth rules`. */
  ownedRules(): string;
  /** The rules berth wants in the kernel now, rendered from its state. */
  desiredRules(): DesiredRules;
  /** Restores berth's rules if something changed them; true when it had to. */
  repairRules(reason: string): Promise<boolean>;
  /** The daemon's effective configuration. */
  daemonConfig(): DaemonConfig;
  info(): Record<string, unknown>;
  onEvent(listener: (e: EngineEvent) => void): () => void;
}
