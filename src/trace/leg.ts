// One packet's way from its sender to its receiver, in the kernel's order:
//  - from a sandbox: its own routing picks the interface (its namespace has no
//    rules), the veth lands on a host bridge; addressed to the host (the gateway)
//    it is routed, addressed to another sandbox of the bridge it is bridged;
//  - into the host: PREROUTING, the routing decision, then INPUT (one of the
//    host's addresses) or FORWARD + POSTROUTING (another interface);
//  - bridged: with br_netfilter, PREROUTING, FORWARD and POSTROUTING with
//    -i and -o both the bridge;
//  - from the host itself: routing, OUTPUT (rerouted after DNAT), POSTROUTING,
//    and through lo back into PREROUTING and INPUT for its own addresses.
import { formatIpv4, type Ipv4 } from '../model/ipv4.js';
import { viewPacket, type Packet } from './packet.js';
import { runHook } from './hooks.js';
import { addrType, decideRoute, interfaceAddress, ownsAddress, routeText, selectSource, type RouteDecision } from './routing.js';
import { newLegState, type LegState } from './state.js';
import type { CompiledRuleset } from './ruleset.js';
import type { Delivery, Hook, LegResult, Verdict } from './result.js';
import type { SandboxView, World } from './world.js';
import { refusedOnInput, refusedOnOutput } from './martians.js';
import type { HookEnv } from './walk.js';

export type Origin =
  /** Arriving from outside on a host interface. */
  | { readonly kind: 'outside'; readonly iface: string }
  /** Sent by a process of the host namespace. */
  | { readonly kind: 'host' }
  | { readonly kind: 'sandbox'; readonly name: string };

export interface LegInput {
  readonly origin: Origin;
  readonly packet: Packet;
  /** The sender's routing picks the source address (the packet's src is a placeholder). */
  readonly chooseSource: boolean;
  readonly direction: 'original' | 'reply';
  readonly reverse?: LegState['reverse'];
}

export interface LegOutcome {
  readonly result: LegResult;
  readonly sent: Packet;
  /** The packet as delivered; null when it was not. */
  readonly received: Packet | null;
}

interface End {
  readonly verdict: Verdict;
  readonly delivery: Delivery | null;
}

/** A sandbox's port on a host bridge. */
interface Port {
  readonly sandbox: SandboxView;
  readonly bridge: string;
  readonly hairpin: boolean;
}

const LOOPBACK = 0x7f000001;

class Path {
  sent: Packet | null = null;

  constructor(
    private readonly world: World,
    private readonly rs: CompiledRuleset,
    private readonly st: LegState,
  ) {}

  from(origin: Origin, chooseSource: boolean): End {
    switch (origin.kind) {
      case 'sandbox':
        return this.fromSandbox(this.sandbox(origin.name), chooseSource);
      case 'outside':
        this.leave();
        this.route(`arrives from outside on ${origin.iface}`);
        return this.ingress(origin.iface, false, null);
      case 'host':
        return this.output(chooseSource);
    }
  }

  private sandbox(name: string): SandboxView {
    const sb = this.world.sandboxes.find((s) => s.name === name);
    if (sb === undefined) throw new Error(`trace: sandbox ${name} is not in the world`);
    return sb;
  }

  private leave(): void {
    this.sent = this.st.packet;
  }

  private route(text: string): void {
    this.st.steps.push({ kind: 'route', text });
  }

  private setSource(src: Ipv4): void {
    this.st.packet = { ...this.st.packet, src };
  }

  /** What the sandbox's own namespace does to the packet: nothing, unless someone put firewall tables there. */
  private sandboxRules(sb: SandboxView): string {
    if (sb.firewall.length === 0) return 'no firewall rules in its namespace; berth puts none there';
    this.st.certain = false;
    return `its namespace has firewall tables berth does not evaluate: ${sb.firewall.join(', ')}`;
  }

  private fromSandbox(sb: SandboxView, chooseSource: boolean): End {
    const dst = this.st.packet.dst;
    const where = `sandbox ${sb.name} (${this.sandboxRules(sb)})`;
    if (ownsAddress(sb.net, dst)) {
      if (chooseSource) this.setSource(dst >>> 24 === 127 ? LOOPBACK : dst);
      this.leave();
      this.route(`${where}: ${formatIpv4(dst)} is its own address, the packet never leaves it`);
      return { verdict: 'ACCEPT', delivery: { kind: 'sandbox', name: sb.name } };
    }
    const d = decideRoute(sb.net, dst);
    if (d.kind !== 'unicast') {
      this.leave();
      this.route(`${where}: no route to ${formatIpv4(dst)} (the sender gets "network unreachable")`);
      return { verdict: 'UNREACHABLE', delivery: null };
    }
    if (chooseSource) {
      const src = selectSource(sb.net, d);
      if (src === null) {
        this.leave();
        this.route(`${where}: ${d.dev} has no IPv4 address to send from`);
        return { verdict: 'UNREACHABLE', delivery: null };
      }
      this.setSource(src);
    }
    this.leave();
    const link = sb.links.find((l) => l.ifname === d.dev);
    if (link === undefined) {
      this.st.certain = false;
      this.route(`${where}: route ${routeText(d.route)}; ${d.dev} is not plugged into a bridge berth knows`);
      return { verdict: 'ACCEPT', delivery: { kind: 'outside', iface: d.dev, nextHop: formatIpv4(d.nextHop) } };
    }
    const toHost = addrType(this.world.host, d.nextHop) === 'LOCAL';
    const hop = toHost ? `to the host (${formatIpv4(d.nextHop)})` : `straight to ${formatIpv4(d.nextHop)}`;
    this.route(`${where}: route ${routeText(d.route)}; leaves by ${d.dev} into host bridge ${link.bridge}, ${hop}`);
    const port: Port = { sandbox: sb, bridge: link.bridge, hairpin: link.hairpin };
    if (toHost) return this.ingress(link.bridge, false, port);
    if (this.holder(link.bridge, d.nextHop) === null) {
      this.route(`no sandbox on ${link.bridge} has ${formatIpv4(d.nextHop)}: nobody answers ARP (the sender gets "host unreachable")`);
      return { verdict: 'UNREACHABLE', delivery: null };
    }
    return this.ingress(link.bridge, true, port);
  }

  /**
   * Into the host on `inIface`. `port`: the sandbox's bridge port the frame came
   * in by; `bridged`: the frame goes to another port of that bridge, not to the host.
   */
  private ingress(inIface: string, bridged: boolean, port: Port | null): End {
    const dstBefore = this.st.packet.dst;
    if (bridged && !this.world.host.iptablesBridges.includes(inIface)) {
      this.route(`bridge ${inIface} does not hand bridged traffic to iptables (br_netfilter off for it): no rules apply`);
      return this.deliver(inIface, dstBefore, port);
    }
    const pre = this.hook('PREROUTING', inIface, null, null);
    if (pre !== null) return pre;
    const dst = this.st.packet.dst;
    if (port !== null && bridged && dst === dstBefore) return this.bridgedForward(port);
    if (port !== null && dst !== dstBefore) {
      // br_netfilter: a destination NATed to the bridge the frame came from is bridged there, not routed.
      const d = decideRoute(this.world.host, dst);
      if (d.kind === 'unicast' && d.dev === inIface) {
        this.route(`destination NAT to ${formatIpv4(dst)} on the same bridge: br_netfilter bridges the frame to it`);
        return this.bridgedForward(port);
      }
      if (bridged) this.route(`destination NAT took the bridged packet to ${formatIpv4(dst)}: it goes up to the host's routing`);
    }
    return this.routeInput(inIface, port);
  }

  private bridgedForward(port: Port): End {
    const bridge = port.bridge;
    this.route(`bridged inside ${bridge}: with br_netfilter, FORWARD and POSTROUTING see -i ${bridge} -o ${bridge}`);
    const dst = this.st.packet.dst;
    return this.hook('FORWARD', bridge, bridge, null) ?? this.hook('POSTROUTING', null, bridge, dst) ?? this.deliver(bridge, dst, port);
  }

  private routeInput(inIface: string, port: Port | null): End {
    const host = this.world.host;
    const dst = this.st.packet.dst;
    const refused = refusedOnInput(host, inIface, this.st.packet);
    if (refused !== null) {
      this.route(`routing: dropped before any rule: ${refused}`);
      return { verdict: 'DROP', delivery: null };
    }
    const d = decideRoute(host, dst);
    if (d.kind === 'local') {
      this.route(`routing: ${formatIpv4(dst)} is one of the host's addresses -> INPUT`);
      return this.hook('INPUT', inIface, null, null) ?? this.deliverHost();
    }
    if (d.kind === 'none') return this.noRoute(d, dst);
    if (!host.ipForward) {
      this.route(`routing: ${routeText(d.route)}, but net.ipv4.ip_forward is 0: not forwarded (the sender gets "host unreachable")`);
      return { verdict: 'UNREACHABLE', delivery: null };
    }
    this.route(`routing: ${routeText(d.route)} -> FORWARD out of ${d.dev}`);
    return this.hook('FORWARD', inIface, d.dev, null) ?? this.hook('POSTROUTING', null, d.dev, d.nextHop) ?? this.deliver(d.dev, d.nextHop, port);
  }

  private output(chooseSource: boolean): End {
    const host = this.world.host;
    const dst = this.st.packet.dst;
    let d = decideRoute(host, dst);
    if (d.kind === 'none') {
      this.leave();
      return this.noRoute(d, dst);
    }
    if (chooseSource) {
      const src = d.kind === 'local' ? (d.prefsrc ?? dst) : selectSource(host, d);
      if (src === null) {
        this.leave();
        this.route(`the host has no IPv4 address on ${d.kind === 'unicast' ? d.dev : 'lo'} to send from`);
        return { verdict: 'UNREACHABLE', delivery: null };
      }
      this.setSource(src);
    }
    this.leave();
    this.route(`sent by the host: ${d.kind === 'local' ? `${formatIpv4(dst)} is its own address, out through lo` : `route ${routeText(d.route)}`}`);
    const out = (r: RouteDecision): string => (r.kind === 'unicast' ? r.dev : 'lo');
    const o = this.hook('OUTPUT', null, out(d), null);
    if (o !== null) return o;
    if (this.st.packet.dst !== dst) {
      d = decideRoute(host, this.st.packet.dst);
      if (d.kind === 'none') return this.noRoute(d, this.st.packet.dst);
      this.route(`rerouted after destination NAT: ${d.kind === 'local' ? 'one of the host\'s addresses, through lo' : routeText(d.route)}`);
    }
    const nextHop = d.kind === 'unicast' ? d.nextHop : this.st.packet.dst;
    const refused = d.kind === 'unicast' ? refusedOnOutput(host, d.dev, this.st.packet) : null;
    if (refused !== null) {
      this.route(`routing: dropped: ${refused}`);
      return { verdict: 'DROP', delivery: null };
    }
    const post = this.hook('POSTROUTING', null, out(d), nextHop);
    if (post !== null) return post;
    if (d.kind === 'local') {
      this.route('loops back through lo into the host');
      return this.hook('PREROUTING', 'lo', null, null) ?? this.hook('INPUT', 'lo', null, null) ?? this.deliverHost();
    }
    return this.deliver(d.dev, nextHop, null);
  }

  private noRoute(d: Extract<RouteDecision, { kind: 'none' }>, dst: Ipv4): End {
    const why = d.route === null ? 'no route' : `a ${d.type} route (${routeText(d.route)})`;
    this.route(`routing: ${why} to ${formatIpv4(dst)}`);
    return { verdict: d.type === 'blackhole' ? 'DROP' : 'UNREACHABLE', delivery: null };
  }

  /** Runs a hook; null when the packet goes on, its end when dropped or rejected. */
  private hook(hook: Hook, inIface: string | null, outIface: string | null, nextHop: Ipv4 | null): End | null {
    const net = this.world.host;
    const env: HookEnv = {
      hook,
      inIface,
      outIface,
      addrType: (ip) => addrType(net, ip),
      natAddress: (target) => {
        if (target === 'MASQUERADE') return outIface === null ? null : interfaceAddress(net, outIface, nextHop ?? this.st.packet.dst);
        if (hook === 'OUTPUT') return LOOPBACK;
        return inIface === null ? null : interfaceAddress(net, inIface, this.st.packet.src);
      },
    };
    const v = runHook(this.rs, env, this.st);
    if (v.kind === 'accept') return null;
    return { verdict: v.kind === 'drop' ? 'DROP' : 'REJECT', delivery: null };
  }

  private holder(bridge: string, ip: Ipv4): SandboxView | null {
    const text = formatIpv4(ip);
    return (
      this.world.sandboxes.find((s) =>
        s.links.some((l) => l.bridge === bridge && s.net.addresses.some((a) => a.ifname === l.ifname && a.address === text)),
      ) ?? null
    );
  }

  /** Out of `dev` to `nextHop`; `port` is where the frame came in, if by a bridge port. */
  private deliver(dev: string, nextHop: Ipv4, port: Port | null): End {
    const sb = this.holder(dev, nextHop);
    if (sb !== null && port !== null && sb === port.sandbox && dev === port.bridge && !port.hairpin) {
      this.route(`${sb.name}'s bridge port is not in hairpin mode: ${dev} does not send a frame back out of the port it came in by`);
      return { verdict: 'DROP', delivery: null };
    }
    if (sb !== null) {
      this.route(`delivered to sandbox ${sb.name} on ${dev} (${this.sandboxRules(sb)})`);
      return { verdict: 'ACCEPT', delivery: { kind: 'sandbox', name: sb.name } };
    }
    if (this.world.bridges.includes(dev)) {
      this.route(`no sandbox on ${dev} has ${formatIpv4(nextHop)}: nobody answers ARP (the sender gets "host unreachable")`);
      return { verdict: 'UNREACHABLE', delivery: null };
    }
    this.route(`leaves the host by ${dev} towards ${formatIpv4(nextHop)}`);
    return { verdict: 'ACCEPT', delivery: { kind: 'outside', iface: dev, nextHop: formatIpv4(nextHop) } };
  }

  private deliverHost(): End {
    const p = this.st.packet;
    const service = this.world.localServices.find(
      (s) => s.proto === p.proto && s.port === p.dport && (s.address === '' || s.address === formatIpv4(p.dst)),
    );
    this.route(`delivered to the host's own stack${service ? `: ${service.description}` : ''}`);
    return { verdict: 'ACCEPT', delivery: { kind: 'host' } };
  }
}

export function traceLeg(world: World, rs: CompiledRuleset, input: LegInput): LegOutcome {
  const st = newLegState(input.packet, input.direction === 'reply' ? 'REPLY' : 'ORIGINAL', input.reverse);
  if (input.direction === 'reply') {
    st.steps.push({ kind: 'note', text: 'conntrack: this is the answer of a tracked connection (ESTABLISHED, reply direction); nat rules are not consulted' });
  }
  const path = new Path(world, rs, st);
  const end = path.from(input.origin, input.chooseSource);
  const sent = path.sent ?? st.packet;
  const received = end.verdict === 'ACCEPT' ? st.packet : null;
  return {
    sent,
    received,
    result: {
      direction: input.direction,
      conntrack: st.ct,
      sent: viewPacket(sent),
      steps: st.steps,
      nat: st.nat,
      verdict: end.verdict,
      deliveredTo: end.delivery,
      received: received === null ? null : viewPacket(received),
      certain: st.certain,
    },
  };
}
