// What a rule's target does to the packet and to the walk through the chains.
import { tryParseIpv4 } from '../model/ipv4.js';
import { parseMarkMask } from './match/mark.js';
import { parseNumber, type MatchOption } from './match/types.js';
import type { TargetSpec } from './rule.js';

/** A NAT target's rewrite, resolved against the packet's path when it applies. */
export interface NatSpec {
  readonly target: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  /** DNAT/SNAT: the (first) new address; null for MASQUERADE/REDIRECT, which take an interface's. */
  readonly address: number | null;
  /** The (first) new port; null keeps the port. */
  readonly port: number | null;
  /** An address or port range: the kernel picks one, berth shows the first. */
  readonly ranged: boolean;
  /** --random / --random-fully: the source port is chosen at random. */
  readonly randomPort: boolean;
}

export type Action =
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'reject'; readonly with: string }
  | { readonly kind: 'return' }
  | { readonly kind: 'jump'; readonly chain: string; readonly goto: boolean }
  /** No effect on the verdict or the addresses (LOG, CHECKSUM, no target at all). */
  | { readonly kind: 'continue'; readonly what: string }
  /** mark = (mark & ~mask) ^ value, as xt_MARK computes it. */
  | { readonly kind: 'mark'; readonly value: number; readonly mask: number }
  | { readonly kind: 'nat'; readonly nat: NatSpec }
  | { readonly kind: 'notrack' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Targets that leave verdict, addresses and marks alone. */
const PASSIVE = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'CHECKSUM', 'TCPMSS', 'CLASSIFY', 'AUDIT']);

function option(spec: TargetSpec, ...flags: string[]): MatchOption | undefined {
  return spec.options.find((o) => flags.includes(o.flag));
}

/** `1.2.3.4`, `1.2.3.4-1.2.3.9`, `1.2.3.4:80`, `1.2.3.4:80-90`, `:80` (DNAT/SNAT). */
function parseNatTo(text: string): { address: number | null; port: number | null; ranged: boolean } | null {
  const m = /^([0-9.]*)(?:-([0-9.]+))?(?::(\d+)(?:-(\d+))?)?$/.exec(text);
  if (!m) return null;
  const address = m[1] === '' || m[1] === undefined ? null : tryParseIpv4(m[1]);
  if (m[1] !== '' && address === null) return null;
  const ranged = (m[2] !== undefined && m[2] !== m[1]) || (m[4] !== undefined && m[4] !== m[3]);
  return { address, port: m[3] === undefined ? null : Number(m[3]), ranged };
}

/** `--to-ports 8080` or `8080-8090`. */
function parsePorts(spec: TargetSpec): { port: number | null; ranged: boolean } | null {
  const text = option(spec, '--to-ports')?.values[0];
  if (text === undefined) return { port: null, ranged: false };
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  return m ? { port: Number(m[1]), ranged: m[2] !== undefined && m[2] !== m[1] } : null;
}

function natAction(spec: TargetSpec): Action {
  const randomPort = option(spec, '--random', '--random-fully') !== undefined;
  const bad: Action = { kind: 'unknown', reason: `${spec.name} with options berth cannot read` };
  if (spec.name === 'DNAT' || spec.name === 'SNAT') {
    const tos = spec.options.filter((o) => o.flag === (spec.name === 'DNAT' ? '--to-destination' : '--to-source'));
    const to = tos.length === 1 ? parseNatTo(tos[0]?.values[0] ?? '') : null;
    if (to === null) return bad;
    return { kind: 'nat', nat: { target: spec.name, address: to.address, port: to.port, ranged: to.ranged, randomPort } };
  }
  const ports = parsePorts(spec);
  if (ports === null) return bad;
  const target = spec.name === 'MASQUERADE' ? 'MASQUERADE' : 'REDIRECT';
  return { kind: 'nat', nat: { target, address: null, port: ports.port, ranged: ports.ranged, randomPort } };
}

function markAction(spec: TargetSpec): Action {
  const [opt, ...more] = spec.options;
  const value = opt?.values[0] ?? '';
  if (opt === undefined || more.length > 0) return { kind: 'unknown', reason: 'MARK with options berth cannot read' };
  if (opt.flag === '--set-xmark' || opt.flag === '--set-mark') {
    const vm = parseMarkMask(value);
    if (vm === null) return { kind: 'unknown', reason: `MARK ${opt.flag} ${value}` };
    // --set-mark V/M clears M|V then sets V; --set-xmark V/M clears M then xors V.
    return { kind: 'mark', value: vm[0], mask: opt.flag === '--set-mark' ? (vm[1] | vm[0]) >>> 0 : vm[1] };
  }
  const bits = parseNumber(value);
  if (bits === null) return { kind: 'unknown', reason: `MARK ${opt.flag} ${value}` };
  if (opt.flag === '--and-mark') return { kind: 'mark', value: 0, mask: ~bits >>> 0 };
  if (opt.flag === '--or-mark') return { kind: 'mark', value: bits >>> 0, mask: bits >>> 0 };
  if (opt.flag === '--xor-mark') return { kind: 'mark', value: bits >>> 0, mask: 0 };
  return { kind: 'unknown', reason: `MARK ${opt.flag}` };
}

/** The action of a rule's target; `isChain` says whether a name is a chain of the same table. */
export function targetAction(spec: TargetSpec | null, isChain: (name: string) => boolean): Action {
  if (spec === null) return { kind: 'continue', what: 'no target' };
  const { name } = spec;
  if (isChain(name)) return { kind: 'jump', chain: name, goto: spec.goto };
  if (spec.goto) return { kind: 'unknown', reason: `goto to ${name}, which is not a chain` };
  switch (name) {
    case 'ACCEPT':
      return { kind: 'accept' };
    case 'DROP':
      return { kind: 'drop' };
    case 'REJECT':
      return { kind: 'reject', with: option(spec, '--reject-with')?.values[0] ?? 'icmp-port-unreachable' };
    case 'RETURN':
      return { kind: 'return' };
    case 'DNAT':
    case 'SNAT':
    case 'MASQUERADE':
    case 'REDIRECT':
      return natAction(spec);
    case 'MARK':
      return markAction(spec);
    case 'NOTRACK':
      return { kind: 'notrack' };
    case 'CT':
      return spec.options.length === 1 && spec.options[0]?.flag === '--notrack'
        ? { kind: 'notrack' }
        : { kind: 'unknown', reason: 'CT other than --notrack' };
    default:
      if (PASSIVE.has(name)) return { kind: 'continue', what: name };
      return { kind: 'unknown', reason: `target ${name}` };
  }
}

/** Targets after which the packet goes on unchanged: an unknown match in front of them does not matter. */
export function isPassive(action: Action): boolean {
  return action.kind === 'continue';
}
