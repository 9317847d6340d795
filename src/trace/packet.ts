// The packet the tracer walks through the hooks, and its printable form. Addresses
// are uint32 (model/ipv4); a port is null when nobody said which one it is (a
// client's ephemeral source port): matches on it are then "unknown", never guessed.
import { formatIpv4, type Ipv4 } from '../model/ipv4.js';

export type Proto = 'tcp' | 'udp' | 'sctp' | 'icmp';

export const PROTOS: readonly Proto[] = ['tcp', 'udp', 'sctp', 'icmp'];

/** TCP flag bits as the kernel numbers them. */
export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export interface Packet {
  readonly proto: Proto;
  readonly src: Ipv4;
  readonly dst: Ipv4;
  /** Ports (tcp, udp, sctp); always null for icmp. */
  readonly sport: number | null;
  readonly dport: number | null;
  /** TCP flags (SYN for a connection's first packet, SYN|ACK for its answer). */
  readonly tcpFlags: number;
  /** ICMP type and code (echo-request 8/0, echo-reply 0/0). */
  readonly icmpType: number;
  readonly icmpCode: number;
}

/** A packet as the result shows it: dotted addresses, ports or null. */
export interface PacketView {
  readonly proto: Proto;
  readonly src: string;
  readonly sport: number | null;
  readonly dst: string;
  readonly dport: number | null;
}

export function viewPacket(p: Packet): PacketView {
  return { proto: p.proto, src: formatIpv4(p.src), sport: p.sport, dst: formatIpv4(p.dst), dport: p.dport };
}

/** `10.0.0.1:80`, `10.0.0.1:*` for an unknown port, `10.0.0.1` for icmp. */
export function endpointText(proto: Proto, ip: string, port: number | null): string {
  if (proto === 'icmp') return ip;
  return `${ip}:${port ?? '*'}`;
}

export function packetText(p: PacketView): string {
  return `${p.proto} ${endpointText(p.proto, p.src, p.sport)} -> ${endpointText(p.proto, p.dst, p.dport)}`;
}

/** The answer to `p`: addresses and ports swapped, TCP SYN|ACK, ICMP echo-reply. */
export function replyTo(p: Packet): Packet {
  return {
    proto: p.proto,
    src: p.dst,
    dst: p.src,
    sport: p.dport,
    dport: p.sport,
    tcpFlags: p.proto === 'tcp' ? TCP_FLAGS.SYN | TCP_FLAGS.ACK : 0,
    icmpType: p.proto === 'icmp' ? 0 : p.icmpType,
    icmpCode: 0,
  };
}

/** The first packet of a connection (TCP SYN, ICMP echo-request). */
export function firstPacket(proto: Proto, src: Ipv4, dst: Ipv4, sport: number | null, dport: number | null): Packet {
  const ported = proto !== 'icmp';
  return {
    proto,
    src,
    dst,
    sport: ported ? sport : null,
    dport: ported ? dport : null,
    tcpFlags: proto === 'tcp' ? TCP_FLAGS.SYN : 0,
    icmpType: proto === 'icmp' ? 8 : 0,
    icmpCode: 0,
  };
}
