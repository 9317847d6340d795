// `--from` and `--to` in berthd's terms: container names become their sandboxes
// (following `--network container:X`) and addresses, `ext:IP` the host interface
// its packets would arrive on, a bare address whoever holds it.
import type { ContainerRecord, Engine } from '../engine/types.js';
import { invalid } from '../model/errors.js';
import { parseIpv4 } from '../model/ipv4.js';
import type { Origin } from '../trace/leg.js';
import { addrType, decideRoute } from '../trace/routing.js';
import type { EndpointSpec, TargetSpec } from '../trace/spec.js';
import type { HostView, SandboxView, World } from '../trace/world.js';

/** The running sandboxes as the tracer sees them, and by container id. */
export interface Sandboxes {
  readonly views: readonly SandboxView[];
  readonly byContainer: ReadonlyMap<string, SandboxView>;
}

/** A container, following `--network container:X` to the one whose namespace it shares. */
function namespaceOwner(engine: Engine, name: string): ContainerRecord {
  let c = engine.inspectContainer(name);
  for (let hops = 0; c.networkMode.kind === 'container' && hops < 8; hops++) c = engine.inspectContainer(c.networkMode.container);
  return c;
}

interface Source {
  readonly origin: Origin;
  readonly src: number | null;
}

/** An outside machine: its packets arrive on the host interface that routes to it. */
function outside(host: HostView, address: string): Source {
  const ip = parseIpv4(address);
  const d = decideRoute(host, ip);
  if (d.kind === 'local') throw invalid(`${address} is one of the host's own addresses: use --from host`);
  if (d.kind === 'none') throw invalid(`the host has no route to ${address}, so there is no interface its packets would arrive on`);
  return { origin: { kind: 'outside', iface: d.dev }, src: ip };
}

function sandboxOf(engine: Engine, sandboxes: Sandboxes, name: string): SandboxView | 'host' {
  const c = namespaceOwner(engine, name);
  if (c.networkMode.kind === 'host') return 'host';
  if (c.networkMode.kind === 'none') throw invalid(`container ${name} has no network (--network none)`);
  const sb = sandboxes.byContainer.get(c.id);
  if (sb === undefined) throw invalid(`container ${name} is not running`);
  return sb;
}

export function resolveSource(spec: EndpointSpec, world: World, engine: Engine, sandboxes: Sandboxes): Source {
  switch (spec.kind) {
    case 'host':
      return { origin: { kind: 'host' }, src: null };
    case 'outside':
      return outside(world.host, spec.address);
    case 'address': {
      const owner = world.sandboxes.find((s) => s.net.addresses.some((a) => a.address === spec.address));
      if (owner !== undefined) return { origin: { kind: 'sandbox', name: owner.name }, src: parseIpv4(spec.address) };
      if (addrType(world.host, parseIpv4(spec.address)) === 'LOCAL') return { origin: { kind: 'host' }, src: parseIpv4(spec.address) };
      return outside(world.host, spec.address);
    }
    case 'container': {
      const sb = sandboxOf(engine, sandboxes, spec.name);
      return sb === 'host' ? { origin: { kind: 'host' }, src: null } : { origin: { kind: 'sandbox', name: sb.name }, src: null };
    }
  }
}

/** A container's address, on a bridge it shares with the source sandbox when there is one. */
export function resolveDestination(spec: TargetSpec, engine: Engine, sandboxes: Sandboxes, from: Origin): number {
  if (spec.kind !== 'container') return parseIpv4(spec.address);
  const sb = sandboxOf(engine, sandboxes, spec.name);
  if (sb === 'host') throw invalid(`container ${spec.name} shares the host's network: trace to one of the host's addresses`);
  const source = from.kind === 'sandbox' ? sandboxes.views.find((s) => s.name === from.name) : undefined;
  const shared = sb.links.find((l) => source?.links.some((m) => m.bridge === l.bridge));
  const link = shared ?? sb.links[0];
  const address = sb.net.addresses.find((a) => a.ifname === link?.ifname);
  if (address === undefined) throw invalid(`container ${spec.name} has no IPv4 address`);
  return parseIpv4(address.address);
}
