// berthd's side of `berth trace`: the kernel as it is now (read in berthd's own
// namespace, the host, and in each running sandbox's) turned into the tracer's
// world, the names resolved through the engine (trace-resolve.ts), and the pure
// tracer over both.
import type { Engine } from '../engine/types.js';
import type { NetSnapshot, SandboxSnapshot, TraceHost, TraceHostSnapshot } from '../host/trace-host.js';
import type { Link, Route as IpRoute } from '../host/links.js';
import { formatIpv4 } from '../model/ipv4.js';
import { parseSave } from '../render/iptables/save-parse.js';
import type { TraceResult } from '../trace/result.js';
import { parseDestination, parseSource } from '../trace/spec.js';
import { traceConnection } from '../trace/trace.js';
import type { HostView, LocalService, NetView, RouteEntry, SandboxView, World } from '../trace/world.js';
import { resolveDestination, resolveSource, type Sandboxes } from './trace-resolve.js';

export interface TraceQuery {
  readonly from: string;
  readonly to: string;
  /** The client's source port; null: not given. */
  readonly sport: number | null;
}

function routeEntry(r: IpRoute): RouteEntry {
  return { dst: r.dst, type: r.type, dev: r.dev, gateway: r.gateway, prefsrc: r.prefsrc, metric: r.metric };
}

function netView(s: NetSnapshot): NetView {
  return {
    addresses: s.addresses.map((a) => ({ ifname: a.ifname, address: a.local, prefixLength: a.prefixLength })),
    routes: s.routes.map(routeEntry),
    localRoutes: s.localRoutes.map(routeEntry),
  };
}

function hostView(s: TraceHostSnapshot): HostView {
  const caveats: string[] = [];
  if (s.extraRules.length > 0) caveats.push(`policy routing rules are not evaluated (berth assumes the main table): ${s.extraRules.join(', ')}`);
  for (const t of s.foreignNftTables ?? []) caveats.push(`nftables table "${t}" is not evaluated (iptables-save does not show it)`);
  if (/iptables-legacy tables present/.test(s.iptablesSave)) caveats.push('legacy iptables tables are loaded too and are not evaluated');
  // br_netfilter: the namespace's sysctl, or the bridge's own nf_call_iptables (needs the module either way).
  const callAll = s.bridgeNfCallIptables === '1';
  const iptablesBridges =
    s.bridgeNfCallIptables === null ? [] : s.links.filter((l) => l.kind === 'bridge' && (callAll || l.bridge?.nfCallIptables === 1)).map((l) => l.name);
  const interfaceConf = Object.fromEntries(
    s.interfaceConf.map((c) => [c.name, { rpFilter: Number(c.rpFilter ?? 0) || 0, routeLocalnet: c.routeLocalnet === '1' }]),
  );
  return { ...netView(s), ruleset: parseSave(s.iptablesSave), ipForward: s.ipForward === '1', interfaceConf, iptablesBridges, caveats };
}

const bare = (name: string): string => name.replace(/^\//, '');

/** Every running sandbox wired to a bridge, read in its own namespace; hairpin mode from the host's side of its veths. */
async function readSandboxes(engine: Engine, kernel: TraceHost, hostLinks: Promise<readonly Link[]>): Promise<Sandboxes> {
  const bridges = new Map(engine.listNetworks().map((n) => [n.id, n.bridge?.name]));
  const endpoints = engine.endpoints();
  const wired = engine.listContainers(false).filter((c) => c.netns !== '' && endpoints.some((e) => e.containerId === c.id));
  const [snapshots, links] = await Promise.all([Promise.all(wired.map((c) => kernel.sandbox(c.netns))), hostLinks]);
  const hairpin = new Set(links.filter((l) => l.bridgePort?.hairpin === true).map((l) => l.name));
  const views = wired.map((c, i): [string, SandboxView] => {
    const snapshot = snapshots[i] as SandboxSnapshot;
    const ports = endpoints
      .filter((e) => e.containerId === c.id)
      .flatMap((e) => {
        const bridge = bridges.get(e.networkId);
        return bridge === undefined ? [] : [{ ifname: e.ifName, bridge, hairpin: hairpin.has(e.hostIfName) }];
      });
    return [c.id, { name: bare(c.name), net: netView(snapshot), links: ports, firewall: snapshot.nftTables ?? [] }];
  });
  return { views: views.map(([, v]) => v), byContainer: new Map(views) };
}

function localServices(engine: Engine): LocalService[] {
  if (!engine.daemonConfig().userlandProxy) return [];
  return engine.listContainers(false).flatMap((c) =>
    c.ports
      .filter((p) => p.proto !== 'sctp')
      .map((p) => ({
        proto: p.proto,
        port: p.hostPort,
        address: p.hostIp === '0.0.0.0' ? '' : p.hostIp,
        description: `berth's userland proxy for ${bare(c.name)}:${p.containerPort}/${p.proto} listens here and opens its own connection to the sandbox`,
      })),
  );
}

export async function traceFromDaemon(engine: Engine, kernel: TraceHost, q: TraceQuery): Promise<TraceResult> {
  const fromSpec = parseSource(q.from);
  const toSpec = parseDestination(q.to);
  const hostRead = kernel.host();
  const [host, sandboxes] = await Promise.all([hostRead, readSandboxes(engine, kernel, hostRead.then((h) => h.links))]);
  const world: World = {
    host: hostView(host),
    sandboxes: sandboxes.views,
    bridges: engine.listNetworks().flatMap((n) => (n.bridge === null ? [] : [n.bridge.name])),
    localServices: localServices(engine),
  };
  const source = resolveSource(fromSpec, world, engine, sandboxes);
  const dst = resolveDestination(toSpec.target, engine, sandboxes, source.origin);
  const toText = toSpec.target.kind === 'container' ? `${q.to} (${formatIpv4(dst)})` : q.to;
  return traceConnection(world, {
    from: source.origin,
    fromText: q.from,
    toText,
    proto: toSpec.proto,
    src: source.src,
    dst,
    sport: q.sport,
    dport: toSpec.port,
  });
}
