// Host-port allocation like libnetwork's portallocator in Docker 20.10, as pure
// functions over plain state (the engine stores and persists the state).
//
// What Docker does (libnetwork/portallocator/portallocator.go, vendored by moby
// v20.10.27):
// - A specific port is taken if free, else `Bind for IP:PORT failed: port is already
//   allocated`, IP being the requested host address (0.0.0.0 when none was given).
// - Port 0 (no host port) takes an ephemeral port from the range the kernel reports in
//   /proc/sys/net/ipv4/ip_local_port_range (fallback 49153-65535); a host range
//   (`9000-9003:80`) takes a port from that range. Each (host IP, proto, range) has a
//   cursor, the last port handed out, starting at the range's end; the search starts
//   just above the cursor and wraps, so a fresh daemon first hands out the bottom of the
//   range and a released port is not reused until the cursor comes round again.
//   `all ports are allocated` when the range is full; `invalid port range: A-B` for a
//   bad range; `unknown protocol` for a protocol other than tcp/udp/sctp.
// - tcp, udp and sctp are independent.
//
// berth's addition: the allocator also knows that a wildcard binding (0.0.0.0) and a
// specific address on the same port and protocol cannot both bind. Docker only finds
// that out when its proxy's bind() fails; berth reports Docker's allocator message.

import { conflict, invalid, unavailable } from './errors.js';
import { portId, type PortRange, type Proto } from './port-binding.js';

export interface HostPortAllocation {
  readonly hostIp: string; // '0.0.0.0' for all addresses
  readonly proto: Proto;
  readonly port: number;
}

export interface PortAllocatorState {
  readonly allocations: readonly HostPortAllocation[];
  /** Last port handed out per `IP/proto/START-END` (Docker's portRange.last). */
  readonly cursors: Readonly<Record<string, number>>;
}

export const EMPTY_PORT_ALLOCATOR_STATE: PortAllocatorState = { allocations: [], cursors: {} };

export interface HostPortRequest {
  readonly hostIp: string; // '' = all addresses
  readonly proto: Proto;
  readonly hostPort: PortRange | null; // null = ephemeral
}

/** The ephemeral range, inclusive. */
export interface EphemeralRange {
  readonly lo: number;
  readonly hi: number;
}

/** Docker's fallback when the kernel's range cannot be read. */
export const DEFAULT_EPHEMERAL_RANGE: EphemeralRange = { lo: 49153, hi: 65535 };

/**
 * Parses the text of /proc/sys/net/ipv4/ip_local_port_range (`32768\t60999\n`); null when
 * it is not two port numbers (Docker then falls back to 49153-65535).
 */
export function parseIpLocalPortRange(text: string): EphemeralRange | null {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (m === null) return null;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) return null;
  return { lo, hi };
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** '' and the wildcard spellings become 0.0.0.0 / ::. */
export function normalizeHostIp(ip: string): string {
  if (ip === '') return '0.0.0.0';
  const lower = ip.toLowerCase();
  if (lower === '::' || /^(0{1,4}:){7}0{1,4}$/.test(lower) || lower === '0:0:0:0:0:0:0:0') return '::';
  return lower;
}

const isV6 = (ip: string) => ip.includes(':');

/** Whether two host addresses cannot bind the same port: equal, or one is its family's wildcard. */
export function hostIpsConflict(a: string, b: string): boolean {
  const x = normalizeHostIp(a);
  const y = normalizeHostIp(b);
  if (x === y) return true;
  if (isV6(x) !== isV6(y)) return false;
  return WILDCARDS.has(x) || WILDCARDS.has(y);
}

function cursorKey(ip: string, proto: Proto, start: number, end: number): string {
  return `${ip}/${proto}/${start}-${end}`;
}

/**
 * Who holds each protocol/port: a conflict check costs the same however many ports are
 * taken. Keyed by one number per protocol/port: this runs for every port.
 */
class Holders {
  private readonly byPort = new Map<number, string[]>();

  constructor(allocations: readonly HostPortAllocation[]) {
    for (let i = 0; i < allocations.length; i++) {
      const a = allocations[i] as HostPortAllocation;
      this.add(a.hostIp, a.proto, a.port);
    }
  }

  busy(ip: string, proto: Proto, port: number): boolean {
    const held = this.byPort.get(portId(port, proto));
    if (held === undefined) return false;
    for (let i = 0; i < held.length; i++) if (hostIpsConflict(held[i] as string, ip)) return true;
    return false;
  }

  add(ip: string, proto: Proto, port: number): void {
    const key = portId(port, proto);
    const held = this.byPort.get(key);
    if (held) held.push(ip);
    else this.byPort.set(key, [ip]);
  }
}

export interface PortChoice {
  readonly port: number;
  readonly state: PortAllocatorState;
}

/** Allocates one host port; returns it with the new state (the input is not changed). */
export function allocateHostPort(state: PortAllocatorState, req: HostPortRequest, ephemeral: EphemeralRange): PortChoice {
  const { ports, state: next } = allocateHostPorts(state, [req], ephemeral);
  return { port: ports[0] as number, state: next };
}

/** One request against the holders, moving the cursors; returns the port. */
function allocateOne(holders: Holders, cursors: Record<string, number>, req: HostPortRequest, ephemeral: EphemeralRange): { ip: string; port: number } {
  if (req.proto !== 'tcp' && req.proto !== 'udp' && req.proto !== 'sctp') throw invalid('unknown protocol');
  const ip = normalizeHostIp(req.hostIp);
  const start = req.hostPort?.start ?? 0;
  const end = req.hostPort?.end ?? 0;

  if (start > 0 && start === end) {
    if (holders.busy(ip, req.proto, start)) throw conflict(`Bind for ${ip}:${start} failed: port is already allocated`);
    return { ip, port: start };
  }

  let lo: number;
  let hi: number;
  if (start === 0 && end === 0) {
    lo = ephemeral.lo;
    hi = ephemeral.hi;
  } else {
    if (start === 0 || end === 0 || end < start || end > 65535) throw invalid(`invalid port range: ${start}-${end}`);
    lo = start;
    hi = end;
  }
  const key = cursorKey(ip, req.proto, lo, hi);
  const last = cursors[key];
  let port = last !== undefined && last >= lo && last <= hi ? last : hi;
  for (let i = 0; i <= hi - lo; i++) {
    port++;
    if (port > hi) port = lo;
    if (!holders.busy(ip, req.proto, port)) {
      cursors[key] = port;
      return { ip, port };
    }
  }
  throw unavailable('all ports are allocated');
}

/**
 * Allocates several ports, all or nothing (Docker releases what it took when one
 * binding of a container fails); the input state is not changed.
 */
export function allocateHostPorts(
  state: PortAllocatorState,
  reqs: readonly HostPortRequest[],
  ephemeral: EphemeralRange,
): { readonly ports: number[]; readonly state: PortAllocatorState } {
  const holders = new Holders(state.allocations);
  const allocations = [...state.allocations];
  const cursors = { ...state.cursors };
  const ports: number[] = [];
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i] as HostPortRequest;
    const { ip, port } = allocateOne(holders, cursors, r, ephemeral);
    holders.add(ip, r.proto, port);
    allocations.push({ hostIp: ip, proto: r.proto, port });
    ports.push(port);
  }
  return { ports, state: { allocations, cursors } };
}

/** Releases one allocation (the cursor stays where it is, as in Docker). */
export function releaseHostPort(state: PortAllocatorState, alloc: HostPortAllocation): PortAllocatorState {
  const ip = normalizeHostIp(alloc.hostIp);
  const i = state.allocations.findIndex((a) => a.proto === alloc.proto && a.port === alloc.port && normalizeHostIp(a.hostIp) === ip);
  if (i < 0) return state;
  return { ...state, allocations: [...state.allocations.slice(0, i), ...state.allocations.slice(i + 1)] };
}
