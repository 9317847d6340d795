// What the engine needs from the host's network stack: a narrow port, implemented
// over `ip -batch` (src/host) for the kernel and in memory for engine tests.

export interface BridgeSpec {
  readonly name: string;
  readonly mtu: number;
  readonly address: string; // gateway with prefix, e.g. 172.18.0.1/16
  /** For a network being created: create at once, and look at what is there only if the name is taken. */
  readonly expectNew?: boolean;
}

export interface AttachSpec {
  readonly netns: string; // named namespace of the sandbox
  readonly hostIf: string; // veth end left on the host, enslaved to the bridge
  readonly ifName: string; // name inside the sandbox (eth0, eth1, ...)
  readonly bridge: string;
  readonly mtu: number;
  readonly address: string; // with prefix, e.g. 172.18.0.2/16
  readonly mac: string;
  readonly gateway: string | null; // default route via this address (primary endpoint only)
  /** Hairpin mode on the bridge port: dockerd's with the userland proxy off, so a sandbox reaches its own published port. */
  readonly hairpin?: boolean;
  /** Also brings the sandbox's `lo` up (its first endpoint does, sparing a process). */
  readonly loopbackUp?: boolean;
  /** Creates the sandbox's namespace first, in the same batch as the veth (sparing a process); it goes again if the attach fails. */
  readonly createNetns?: boolean;
}

/** A bridge taken out of use and being deleted is renamed this prefix and 6 hex digits (see `retireBridge`). */
export const RETIRED_BRIDGE = /^berth-rm-[0-9a-f]{6}$/;

export interface HostNet {
  /** Creates the bridge if missing (adopting one that exists), sets its address and brings it up. */
  ensureBridge(spec: BridgeSpec): Promise<void>;
  removeBridge(name: string): Promise<void>;
  /**
   * Takes a bridge out of use at once, its addresses flushed (which takes its
   * routes away) and renamed out of the way (RETIRED_BRIDGE), then deletes it in
   * the background once removals pause: the kernel's unregistering of a bridge
   * waits for RCU grace periods, some 40 ms here, holding the lock every link
   * change needs, which need not hold the caller. A bridge that cannot be renamed is deleted at once.
   */
  retireBridge(name: string): Promise<void>;
  /** Resolves once the bridges retired so far are deleted. */
  retired(): Promise<void>;
  /** Names of the bridges in this namespace. */
  listBridges(): Promise<readonly string[]>;
  /** Creates a named namespace, with `lo` up unless its first attach brings it up (`loopbackUp` false). */
  createSandbox(netns: string, loopbackUp?: boolean): Promise<void>;
  /** Deletes a named namespace, and first the host ends of its veths (`hostIfs`), all in one process; what is gone already is skipped. */
  removeSandbox(netns: string, hostIfs?: readonly string[]): Promise<void>;
  /** Pids of the processes in a named namespace (none when there is no such name). */
  sandboxPids(netns: string): Promise<readonly number[]>;
  attach(spec: AttachSpec): Promise<void>;
  detach(hostIf: string): Promise<void>;
  /** Points the sandbox's default route at `gateway` (null: no default route). */
  setDefaultRoute(netns: string, gateway: string | null): Promise<void>;
  /** Whether the kernel has SCTP sockets (dockerd cannot publish SCTP ports without them). */
  hasSctp(): Promise<boolean>;
  /** Destinations of the host's routes, to keep new subnets clear of them (CIDRs). */
  routes(): Promise<readonly string[]>;
  /** /proc/sys/net/ipv4/ip_local_port_range of this namespace. */
  ephemeralPortRange(): Promise<readonly [number, number]>;
  ipForward(): Promise<boolean>;
  setIpForward(on: boolean): Promise<void>;
  /** net.ipv4.conf.BRIDGE.route_localnet, which hairpin mode turns on like dockerd. */
  setRouteLocalnet(bridge: string): Promise<void>;
}
