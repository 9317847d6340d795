// The engine's HostNet port (src/engine/host-net.ts) over the host plumbing.
// One implementation for both worlds: `kernelHostNet(exec)` drives the kernel,
// `hostNet(new FakeHost())` drives the in-memory fake with the same batches.
//
// Batches per operation. berthd runs each as one change of its long-lived ip
// (./ip-session.ts), a part in a sandbox's namespace included; elsewhere a batch
// is one `ip -batch` process, and its part in a namespace one more:
//   ensureBridge  1 (create+address+up) for a new network; else `ip -j -d link show dev BR`
//                 first (a process), and the batch only when something is missing
//   createSandbox `ip netns add` (a process), then 1 in NS for `lo up`; unless the
//                 first attach creates the namespace and brings lo up
//   attach        1 ([netns add,] veth with its peer in NS, master, up; then in NS:
//                    [lo up,] address, up, default route)
//   detach        1, removeSandbox 1 (its veths too), removeBridge 1; retireBridge 1 (addresses
//                 flushed, renamed), then 1 in the background for all the bridges retired in
//                 a burst (delete); sysctls none (/proc/sys)
import type { AttachSpec, BridgeSpec, HostNet } from '../engine/host-net.js';
import type { Exec } from './exec.js';
import { FakeHost, type FakeHostOptions } from './fake-host.js';
import { realHost, type Host } from './host.js';
import { procRoutes } from './proc-route.js';
import { randomBytes } from 'node:crypto';
import { BatchError, type BatchRunner, addrAdd, addrFlush, linkDelete, linkDown, linkRename, linkUp, netnsDelete, parseCidr, planAddBridge, planAttach, planDetach, planRemoveBridge, randomMac, routeAdd, routeDel } from './ip-batch.js';
import { BerthError, conflict, systemError } from '../model/errors.js';
import { afterBurst } from '../engine/after-burst.js';

const DOOM_QUIET_MS = 300;
const DOOM_MAX_WAIT_MS = 3000;

const isNotFound = (e: unknown): boolean => e instanceof BerthError && e.kind === 'not-found';

/** Runs `f`, treating not-found as done (removals must be idempotent for undo and teardown). */
async function ignoreMissing(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export interface HostNetOptions {
  /** MAC for a new bridge; default: a random locally administered one, like dockerd. */
  readonly bridgeMac?: () => string;
  /** Told when a retired bridge could not be deleted (the next start of berthd sweeps it). */
  readonly onRetireError?: (bridge: string, e: Error) => void;
}

export function hostNet(host: Host, options: HostNetOptions = {}): HostNet {
  const bridgeMac = options.bridgeMac ?? (() => randomMac());
  const deleting = new Set<Promise<void>>();
  /** Retired bridges not deleted yet; they go together once retirements pause. */
  let doomed: string[] = [];
  let liveRename = true;

  /** Runs `lines` as one batch; a line whose object is gone already is skipped (a batch stops at its first failing line) and the rest run. */
  async function batchSkippingMissing(lines: readonly string[]): Promise<void> {
    while (lines.length > 0) {
      try {
        await host.batch(lines);
        return;
      } catch (e) {
        if (!(e instanceof BatchError) || e.kind !== 'not-found') throw e;
        lines = lines.slice(e.index + 1);
      }
    }
  }

  /**
   * Flushing the bridge's addresses takes its routes away; renaming it while it
   * is up (kernels 6.2 and later) spares taking it down, which waits for an RCU
   * grace period whenever the kernel is freeing other objects, such as the rules
   * removed beside it. An older kernel refuses (EBUSY): down, then rename.
   */
  async function takeOutOfUse(name: string, retired: string): Promise<void> {
    if (liveRename) {
      try {
        await host.batch([addrFlush(name), linkRename(name, retired)]);
        return;
      } catch (e) {
        if (!(e instanceof BatchError) || e.index !== 1 || !/busy/i.test(e.detail)) throw e;
        liveRename = false;
      }
    }
    await host.batch([linkDown(name), linkRename(name, retired)]);
  }

  /**
   * Deleting a bridge holds the kernel's rtnl lock for tens of milliseconds,
   * which every link change waits for: retired bridges are deleted once no
   * bridge was retired for DOOM_QUIET_MS (and at most DOOM_MAX_WAIT_MS after the
   * first), not in the middle of a burst of removals.
   */
  const doom = afterBurst(() => {
    const names = doomed;
    doomed = [];
    const done: Promise<void> = batchSkippingMissing(names.map(linkDelete))
      .catch((e: Error) => {
        for (const n of names) options.onRetireError?.(n, e);
      })
      .finally(() => deleting.delete(done));
    deleting.add(done);
  }, DOOM_QUIET_MS, DOOM_MAX_WAIT_MS);

  /** Creates the bridge with its address, up; false when a link of that name exists already. */
  async function createBridge(spec: BridgeSpec): Promise<boolean> {
    // A pinned MAC: without one, the bridge's MAC follows its lowest port.
    const lines = planAddBridge({ name: spec.name, mtu: spec.mtu, mac: bridgeMac(), addresses: [spec.address] });
    const linkAdd = lines.findIndex((l) => l.startsWith('link add '));
    try {
      await host.batch(lines);
      return true;
    } catch (e) {
      if (e instanceof BatchError && e.index === linkAdd && e.kind === 'conflict') return false;
      // A batch keeps the lines before the failing one: take the new bridge away
      // again, but never when its `link add` failed (the name may be someone else's).
      if (e instanceof BatchError && e.index > linkAdd) await ignoreMissing(() => host.batch(planRemoveBridge(spec.name))).catch(() => undefined);
      throw e;
    }
  }

  /** Takes the bridge as it is, adding its address and bringing it up where needed; creates it if missing. */
  async function adoptBridge(spec: BridgeSpec): Promise<void> {
    const link = await host.links.link(spec.name);
    if (link === null) {
      if (!(await createBridge(spec))) throw conflict(`${spec.name} appeared while berth was creating it`);
      return;
    }
    if (link.kind !== 'bridge') throw conflict(`${spec.name} exists and is not a bridge`);
    const addrs = await host.links.addresses({ dev: spec.name });
    const lines: string[] = [];
    if (!addrs.some((a) => a.cidr === spec.address)) lines.push(addrAdd(spec.name, spec.address));
    if (!link.up) lines.push(linkUp(spec.name));
    await host.batch(lines);
  }

  return {
    async ensureBridge(spec: BridgeSpec): Promise<void> {
      parseCidr(spec.address);
      // A new network's bridge is created at once; an existing one (berthd
      // starting) is looked at first, then fixed.
      if (!spec.expectNew || !(await createBridge(spec))) await adoptBridge(spec);
    },

    removeBridge: (name) => ignoreMissing(() => host.batch(planDetach(name))),

    async retireBridge(name) {
      const retired = `berth-rm-${randomBytes(3).toString('hex')}`;
      try {
        await takeOutOfUse(name, retired);
      } catch (e) {
        if (isNotFound(e)) return;
        await ignoreMissing(() => host.batch(planDetach(name)));
        return;
      }
      doomed.push(retired);
      doom.poke(undefined);
    },

    async retired() {
      doom.flush();
      await Promise.all(deleting);
    },

    listBridges: async () => (await host.links.links()).filter((l) => l.kind === 'bridge').map((l) => l.name),

    async createSandbox(netns: string, loopbackUp = true): Promise<void> {
      await host.netns.add(netns);
      if (!loopbackUp) return;
      try {
        await host.batch([linkUp('lo')], { netns });
      } catch (e) {
        await ignoreMissing(() => host.netns.delete(netns)).catch(() => undefined);
        throw e;
      }
    },

    removeSandbox: (netns, hostIfs = []) => batchSkippingMissing([...hostIfs.map(linkDelete), netnsDelete(netns)]),

    async sandboxPids(netns) {
      try {
        return await host.netns.pids(netns);
      } catch (e) {
        if (isNotFound(e)) return [];
        throw e;
      }
    },

    async attach(spec: AttachSpec): Promise<void> {
      const plan = planAttach({
        netns: spec.netns,
        bridge: spec.bridge,
        hostName: spec.hostIf,
        ifName: spec.ifName,
        mtu: spec.mtu,
        mac: spec.mac,
        addresses: [spec.address],
        ...(spec.gateway !== null ? { gateway: spec.gateway } : {}),
        ...(spec.hairpin ? { hairpin: true } : {}),
        loopbackUp: spec.loopbackUp ?? false,
        ...(spec.createNetns ? { createNetns: true } : {}),
      });
      // Leave nothing behind: the veth pair goes with its host side, a namespace made
      // here goes too. Never delete when the `link add` (or `netns add`) itself
      // failed: the name may belong to someone else.
      const undo = (): Promise<void> => ignoreMissing(() => host.batch(planDetach(spec.hostIf))).catch(() => undefined);
      const dropNetns = (): Promise<void> => ignoreMissing(() => host.netns.delete(spec.netns)).catch(() => undefined);
      const linkAdd = plan.host.findIndex((l) => l.startsWith('link add '));
      try {
        await host.batch(plan.host, { thenIn: { netns: spec.netns, lines: plan.sandbox } });
      } catch (e) {
        if (e instanceof BatchError && e.index > linkAdd) await undo();
        if (e instanceof BatchError && spec.createNetns && e.index > 0) await dropNetns();
        throw e;
      }
    },

    detach: (hostIf) => ignoreMissing(() => host.batch(planDetach(hostIf))),

    async setDefaultRoute(netns: string, gateway: string | null): Promise<void> {
      await ignoreMissing(() => host.batch([routeDel({ dst: 'default' })], { netns }));
      if (gateway !== null) await host.batch([routeAdd({ dst: 'default', via: gateway })], { netns });
    },

    hasSctp: async () => (await host.sysctl.read('net.sctp.addip_enable')) !== null,

    async routes(): Promise<readonly string[]> {
      const routes = await host.links.routes({ family: 4 });
      return routes.filter((r) => r.dst !== 'default' && r.dst !== '').map((r) => (r.dst.includes('/') ? r.dst : `${r.dst}/32`));
    },

    async ephemeralPortRange(): Promise<readonly [number, number]> {
      const text = (await host.sysctl.read('net.ipv4.ip_local_port_range')) ?? '';
      const [lo, hi] = text.trim().split(/\s+/).map(Number);
      if (lo === undefined || hi === undefined || !Number.isInteger(lo) || !Number.isInteger(hi)) {
        throw systemError(`cannot parse net.ipv4.ip_local_port_range ${JSON.stringify(text)}`);
      }
      return [lo, hi];
    },

    async ipForward(): Promise<boolean> {
      return (await host.sysctl.read('net.ipv4.ip_forward')) === '1';
    },

    setIpForward: (on) => host.sysctl.write('net.ipv4.ip_forward', on ? '1' : '0'),

    setRouteLocalnet: (bridge) => host.sysctl.write(['net', 'ipv4', 'conf', bridge, 'route_localnet'], '1'),
  };
}

export interface KernelHostNetOptions extends HostNetOptions {
  /** `execFn` runs programs in this process's own namespace (berthd does): then routes are read from /proc, without starting `ip`. */
  readonly ownNamespace?: boolean;
  /** Runs the ip batches (berthd: its IpSession); default: one `ip -batch` through `execFn` per batch. */
  readonly batch?: BatchRunner;
}

/** The real one: batches and sysctls go to the namespace `execFn` runs programs in. */
export function kernelHostNet(execFn: Exec, options: KernelHostNetOptions = {}): HostNet {
  const host = realHost(execFn);
  const net = hostNet(options.batch ? { ...host, batch: options.batch } : host, options);
  return options.ownNamespace ? { ...net, routes: () => procRoutes() } : net;
}

/** For engine tests: the port over a FakeHost, which stays inspectable. */
export function fakeHostNet(options: FakeHostOptions & HostNetOptions = {}): { net: HostNet; host: FakeHost } {
  const host = new FakeHost(options);
  return { net: hostNet(host, options), host };
}

