// The two ends of `berth trace` as the user writes them:
//   --from host | ext:IP | IP | CONTAINER
//   --to   (IP | ext:IP | CONTAINER)[:PORT][/tcp|udp|sctp|icmp]   (tcp by default)
import { invalid } from '../model/errors.js';
import { isIpv4 } from '../model/ipv4.js';
import { PROTOS, type Proto } from './packet.js';

export type EndpointSpec =
  /** The host namespace itself. */
  | { readonly kind: 'host' }
  /** An outside machine with this address, its packets arriving on the interface that routes to it. */
  | { readonly kind: 'outside'; readonly address: string }
  /** An address: a sandbox's, the host's, or else an outside one. */
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'container'; readonly name: string };

/** Anything but the host keyword: a destination is named by its address. */
export type TargetSpec = Exclude<EndpointSpec, { readonly kind: 'host' }>;

export interface DestinationSpec {
  readonly target: TargetSpec;
  readonly port: number | null;
  readonly proto: Proto;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function endpoint(text: string, what: string): TargetSpec {
  if (text.startsWith('ext:')) {
    const address = text.slice(4);
    if (!isIpv4(address)) throw invalid(`${what} ${JSON.stringify(text)}: ext: takes an IPv4 address`);
    return { kind: 'outside', address };
  }
  if (isIpv4(text)) return { kind: 'address', address: text };
  if (NAME.test(text)) return { kind: 'container', name: text };
  throw invalid(`${what} ${JSON.stringify(text)}: expected host, ext:IP, an IPv4 address or a container name`);
}

export function parseSource(text: string): EndpointSpec {
  return text === 'host' ? { kind: 'host' } : endpoint(text, '--from');
}

export function parseDestination(text: string): DestinationSpec {
  const m = /^(.*?)(?::(\d+))?(?:\/([a-z]+))?$/.exec(text);
  const target = m?.[1] ?? '';
  const proto = (m?.[3] ?? 'tcp') as Proto;
  if (!PROTOS.includes(proto)) throw invalid(`--to ${JSON.stringify(text)}: protocol must be tcp, udp, sctp or icmp`);
  const port = m?.[2] === undefined ? null : Number(m[2]);
  if (proto === 'icmp' && port !== null) throw invalid(`--to ${JSON.stringify(text)}: icmp has no port`);
  if (proto !== 'icmp' && port === null) throw invalid(`--to ${JSON.stringify(text)}: give a port (NAME:PORT or IP:PORT[/${proto}])`);
  if (port !== null && (port < 1 || port > 65535)) throw invalid(`--to ${JSON.stringify(text)}: port must be 1-65535`);
  if (target === 'host') throw invalid(`--to ${JSON.stringify(text)}: name the host by one of its addresses`);
  return { target: endpoint(target, '--to'), port, proto };
}
