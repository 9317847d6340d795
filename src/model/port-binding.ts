// Published and exposed ports: `-p`/`--publish`, `--expose`, `-P`, and the Docker API's
// ExposedPorts/PortBindings, parsed like Docker 20.10.
//
// Learned from docker/go-connections v0.4.0 nat (vendored by docker 20.10 CLI and
// daemon): ParsePortSpec, SplitProtoPort, ParsePortRange, with their messages
// `Invalid ip address: X`, `No port specified: X<empty>`, `Invalid containerPort: X`,
// `Invalid hostPort: X`, `Invalid ranges specified for container and host Ports: X and Y`,
// `Invalid proto: X`; from docker/cli 20.10 (cli/command/container/opts.go) the
// `--publish` long syntax and `--expose` (`invalid port format for --expose: X`,
// `invalid range format for --expose: X, error: E`); from moby 20.10
// (daemon/container.go validatePortBindings) `invalid port specification: "X"`; from
// daemon/network.go + nat.SortPortMap the order in which bindings are allocated and
// `-P` adding an ephemeral binding for every exposed port that has none.
//
// Deliberate differences: berth refuses container port 0 (`Invalid containerPort: 0`),
// an unknown protocol in `--expose` / API keys (`Invalid proto: X`), and an unparsable
// HostIp in the API (Docker silently binds 0.0.0.0 instead).

import { invalid } from './errors.js';
import { isIpv4 } from './ipv4.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

export const PROTOS: readonly Proto[] = ['tcp', 'udp', 'sctp'];

/** An inclusive port range; a single port has start === end. */
export interface PortRange {
  readonly start: number;
  readonly end: number;
}

/** One published container port. */
export interface PortBindingSpec {
  readonly hostIp: string; // '' = all addresses (0.0.0.0)
  readonly hostPort: PortRange | null; // null = ephemeral
  readonly containerPort: number;
  readonly proto: Proto;
}

export interface ExposedPort {
  readonly port: number;
  readonly proto: Proto;
}

export interface ParsedPorts {
  readonly bindings: readonly PortBindingSpec[];
  readonly exposed: readonly ExposedPort[];
}

/** A port and its protocol as one number, for keys looked up for every port (no string to build). */
export function portId(port: number, proto: Proto): number {
  return port * 4 + PROTOS.indexOf(proto);
}

/** `80/tcp`, the key Docker uses for a container port. */
export function portKey(p: ExposedPort): string {
  return `${p.port}/${p.proto}`;
}

export function formatPortRange(r: PortRange): string {
  return r.start === r.end ? String(r.start) : `${r.start}-${r.end}`;
}

/** nat.SplitProtoPort: `80/udp` -> udp, 80; `80` -> tcp, 80; `/udp` -> '', ''. */
export function splitProtoPort(raw: string): { readonly proto: string; readonly port: string } {
  // indexOf, not split: this runs for every published port.
  const slash = raw.indexOf('/');
  const port = slash < 0 ? raw : raw.slice(0, slash);
  if (port === '') return { proto: '', port: '' };
  if (slash < 0) return { proto: 'tcp', port };
  const next = raw.indexOf('/', slash + 1);
  const proto = raw.slice(slash + 1, next < 0 ? raw.length : next);
  return { proto: proto === '' ? 'tcp' : proto, port };
}

/** Go's strconv.ParseUint(s, 10, 16) error text, or the value. */
function parseUint16(s: string): number | string {
  if (s === '') return `strconv.ParseUint: parsing "": invalid syntax`;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const digit = s.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`;
    n = n * 10 + digit;
    if (n > 65535) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`;
  }
  return n;
}

/**
 * nat.ParsePortRange: `8000` or `8000-9000` (only the first two `-` parts are read, as
 * in Go). Throws invalid with Go's message.
 */
export function parsePortRange(ports: string): PortRange {
  if (ports === '') throw invalid('Empty string specified for ports.');
  if (!ports.includes('-')) {
    const v = parseUint16(ports);
    if (typeof v === 'string') throw invalid(v);
    return { start: v, end: v };
  }
  const parts = ports.split('-');
  const start = parseUint16(parts[0] ?? '');
  if (typeof start === 'string') throw invalid(start);
  const end = parseUint16(parts[1] ?? '');
  if (typeof end === 'string') throw invalid(end);
  if (end < start) throw invalid(`Invalid range specified for the Port: ${ports}`);
  return { start, end };
}

function tryPortRange(ports: string): PortRange | null {
  try {
    return parsePortRange(ports);
  } catch {
    return null;
  }
}

function toProto(raw: string): Proto | null {
  const p = raw.toLowerCase();
  return (PROTOS as readonly string[]).includes(p) ? (p as Proto) : null;
}

/** nat's splitParts: [ip, hostPort, containerPort]; more than 3 parts = IPv6 address. */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1] ?? '';
  switch (n) {
    case 1:
      return ['', '', container];
    case 2:
      return ['', parts[0] ?? '', container];
    case 3:
      return [parts[0] ?? '', parts[1] ?? '', container];
    default:
      return [parts.slice(0, n - 2).join(':'), parts[n - 2] ?? '', container];
  }
}

/**
 * The host half of Go's net.SplitHostPort(rawIP + ":"), which nat uses to strip the
 * brackets of `[::1]`. Returns the host or Go's error text.
 */
function splitHostForPort(rawIp: string): { host: string } | { error: string } {
  const hostport = `${rawIp}:`;
  const err = (why: string) => ({ error: `address ${hostport}: ${why}` });
  const i = hostport.length - 1; // the last ':' is the one we appended
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return err("missing ']' in address");
    if (end + 1 === hostport.length) return err('missing port in address');
    if (end + 1 !== i) return hostport[end + 1] === ':' ? err('too many colons in address') : err('missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return err('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) return err("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) return err("unexpected ']' in address");
  return { host };
}

/** Go's net.ParseIP acceptance for IPv6 text (no zone). */
export function isIpv6(text: string): boolean {
  if (text.includes('%') || !text.includes(':')) return false;
  let s = text;
  let groupsNeeded = 8;
  // An embedded IPv4 tail takes two groups.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIpv4(tail)) return false;
    s = `${s.slice(0, lastColon + 1)}0`;
    groupsNeeded = 7;
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const hex = /^[0-9a-fA-F]{1,4}$/;
  if (dbl < 0) {
    const groups = s.split(':');
    return groups.length === groupsNeeded && groups.every((g) => hex.test(g));
  }
  const left = s.slice(0, dbl);
  const right = s.slice(dbl + 2);
  const lg = left === '' ? [] : left.split(':');
  const rg = right === '' ? [] : right.split(':');
  if (![...lg, ...rg].every((g) => hex.test(g))) return false;
  return lg.length + rg.length < groupsNeeded;
}

/** Go's net.ParseIP(s) != nil. */
export function isIp(text: string): boolean {
  return isIpv4(text) || isIpv6(text);
}

/**
 * Parses one `-p` value exactly like nat.ParsePortSpec: `80`, `8080:80`, `8080:80/udp`,
 * `127.0.0.1:8080:80`, `127.0.0.1::80`, `[::1]:8080:80`, `9000-9003:9000-9003`,
 * `9000-9003:80` (one container port, a host range to choose from), `9000-9003`.
 * Returns one binding per container port.
 */
export function parsePortSpec(raw: string): PortBindingSpec[] {
  const [rawIp, hostPort, containerField] = splitParts(raw);
  const { proto, port: containerPort } = splitProtoPort(containerField);

  const split = splitHostForPort(rawIp);
  if ('error' in split) throw invalid(`Invalid ip address ${rawIp}: ${split.error}`);
  const ip = split.host;
  if (ip !== '' && !isIp(ip)) throw invalid(`Invalid ip address: ${ip}`);
  if (containerPort === '') throw invalid(`No port specified: ${raw}<empty>`);

  const ctr = tryPortRange(containerPort);
  if (ctr === null || ctr.start === 0) throw invalid(`Invalid containerPort: ${containerPort}`);

  let host: PortRange = { start: 0, end: 0 };
  if (hostPort !== '') {
    const h = tryPortRange(hostPort);
    if (h === null) throw invalid(`Invalid hostPort: ${hostPort}`);
    host = h;
  }
  if (hostPort !== '' && ctr.end - ctr.start !== host.end - host.start && ctr.end !== ctr.start) {
    throw invalid(`Invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const p = toProto(proto);
  if (p === null) throw invalid(`Invalid proto: ${proto}`);

  const out: PortBindingSpec[] = [];
  for (let i = 0; i <= ctr.end - ctr.start; i++) {
    let hp: PortRange | null = null;
    if (hostPort !== '') {
      hp = ctr.start === ctr.end && host.start !== host.end
        ? { start: host.start, end: host.end }
        : { start: host.start + i, end: host.start + i };
      if (hp.start === 0 && hp.end === 0) hp = null; // HostPort "0": ephemeral, as in Docker
    }
    out.push({ hostIp: ip, hostPort: hp, containerPort: ctr.start + i, proto: p });
  }
  return out;
}

function addExposed(list: ExposedPort[], seen: Set<string>, p: ExposedPort): void {
  const key = portKey(p);
  if (!seen.has(key)) {
    seen.add(key);
    list.push(p);
  }
}

/** nat.ParsePortSpecs: every binding, and every container port they name (exposed). */
export function parsePortSpecs(raws: readonly string[]): ParsedPorts {
  const bindings: PortBindingSpec[] = [];
  const exposed: ExposedPort[] = [];
  const seen = new Set<string>();
  for (const raw of raws) {
    for (const b of parsePortSpec(raw)) {
      bindings.push(b);
      addExposed(exposed, seen, { port: b.containerPort, proto: b.proto });
    }
  }
  return { bindings, exposed };
}

/**
 * The docker CLI's `--publish` long syntax (`published=8080,target=80,protocol=udp`)
 * converted to the short one; other values are returned unchanged.
 */
export function convertPublishLongSyntax(raw: string): string {
  if (!raw.includes('=')) return raw;
  const params = new Map<string, string>([['protocol', 'tcp']]);
  for (const param of raw.split(',')) {
    const opt = param.split('=');
    if (opt.length < 2) throw invalid(`invalid publish opts format (should be name=value but got '${param}')`);
    params.set(opt[0] ?? '', opt[1] ?? '');
  }
  return `${params.get('published') ?? ''}:${params.get('target') ?? ''}/${params.get('protocol') ?? ''}`;
}

/** One `--expose` value: `5000`, `5000-5002`, `5000/udp`. */
export function parseExposeSpec(raw: string): ExposedPort[] {
  if (raw.includes(':')) throw invalid(`invalid port format for --expose: ${raw}`);
  const { proto, port } = splitProtoPort(raw);
  let range: PortRange;
  try {
    range = parsePortRange(port);
  } catch (err) {
    throw invalid(`invalid range format for --expose: ${raw}, error: ${(err as Error).message}`);
  }
  if (range.start === 0) throw invalid(`Invalid containerPort: ${port}`);
  const p = toProto(proto);
  if (p === null) throw invalid(`Invalid proto: ${proto}`);
  const out: ExposedPort[] = [];
  for (let i = range.start; i <= range.end; i++) out.push({ port: i, proto: p });
  return out;
}

/** `docker run -p ... --expose ...` as the CLI builds ExposedPorts and PortBindings. */
export function parsePublishOptions(opts: { readonly publish: readonly string[]; readonly expose: readonly string[] }): ParsedPorts {
  const parsed = parsePortSpecs(opts.publish.map(convertPublishLongSyntax));
  const exposed = [...parsed.exposed];
  const seen = new Set(exposed.map(portKey));
  for (const e of opts.expose) for (const p of parseExposeSpec(e)) addExposed(exposed, seen, p);
  return { bindings: parsed.bindings, exposed };
}

/** `80/tcp` (or `80`, meaning tcp) as a Docker API port key. */
export function parsePortKey(key: string): ExposedPort {
  const { proto, port } = splitProtoPort(key);
  const n = parseUint16(port);
  if (typeof n === 'string' || n === 0) throw invalid(`invalid port specification: ${JSON.stringify(port)}`);
  const p = toProto(proto);
  if (p === null) throw invalid(`Invalid proto: ${proto}`);
  return { port: n, proto: p };
}

export interface ApiPortBinding {
  readonly HostIp?: string;
  readonly HostPort?: string;
}

/**
 * The Docker API's `Config.ExposedPorts` keys and `HostConfig.PortBindings`, validated
 * like the daemon (validatePortBindings) and turned into the internal shape. Exposed
 * are the ExposedPorts, then the ports of the bindings; each key is parsed once.
 * (Indexed loops: in code not yet optimised, for-of and destructuring allocate per port.)
 */
export function parseApiPorts(
  exposedKeys: readonly string[],
  portBindings: Readonly<Record<string, readonly ApiPortBinding[] | null | undefined>>,
): ParsedPorts {
  const exposed: ExposedPort[] = [];
  const seen = new Set<string>();
  const byKey = new Map<string, ExposedPort>();
  const expose = (key: string): ExposedPort => {
    let port = byKey.get(key);
    if (port === undefined) {
      port = parsePortKey(key);
      byKey.set(key, port);
      addExposed(exposed, seen, port);
    }
    return port;
  };
  const bindings: PortBindingSpec[] = [];
  for (let i = 0; i < exposedKeys.length; i++) expose(exposedKeys[i] as string);
  const keys = Object.keys(portBindings);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const port = expose(key);
    const list = portBindings[key] ?? [];
    for (let j = 0; j < list.length; j++) {
      const b = list[j] as ApiPortBinding;
      const hostPortText = splitProtoPort(b.HostPort ?? '').port;
      let hostPort: PortRange | null = null;
      if (hostPortText !== '') {
        const r = tryPortRange(hostPortText);
        if (r === null) throw invalid(`invalid port specification: ${JSON.stringify(b.HostPort ?? '')}`);
        hostPort = r.start === 0 && r.end === 0 ? null : r;
      }
      const hostIp = b.HostIp ?? '';
      if (hostIp !== '' && !isIp(hostIp)) throw invalid(`Invalid ip address: ${hostIp}`);
      bindings.push({ hostIp, hostPort, containerPort: port.port, proto: port.proto });
    }
  }
  return { bindings, exposed };
}

/**
 * The bindings the daemon allocates for a container, in Docker's order (nat.SortPortMap:
 * bindings with the higher explicit host port first, then the higher container port,
 * tcp before the others; all bindings of a port together); with `publishAll` (-P) each
 * exposed port without a binding gets one ephemeral binding on all addresses.
 */
export function planPortBindings(parsed: ParsedPorts, publishAll: boolean): PortBindingSpec[] {
  // Indexed loops and number keys: this runs for every port, often before it is optimised.
  const ports = new Map<number, ExposedPort>();
  for (let i = 0; i < parsed.exposed.length; i++) {
    const p = parsed.exposed[i] as ExposedPort;
    const key = portId(p.port, p.proto);
    if (!ports.has(key)) ports.set(key, p);
  }
  const bindingsOf = new Map<number, PortBindingSpec[]>();
  for (let i = 0; i < parsed.bindings.length; i++) {
    const b = parsed.bindings[i] as PortBindingSpec;
    const key = portId(b.containerPort, b.proto);
    if (!ports.has(key)) ports.set(key, { port: b.containerPort, proto: b.proto });
    const list = bindingsOf.get(key);
    if (list) list.push(b);
    else bindingsOf.set(key, [b]);
  }
  // nat.SortPortMap's order as one number: higher host port, higher port, tcp first; then as given.
  interface Entry { readonly key: number; readonly port: ExposedPort; readonly binding: PortBindingSpec | null; readonly rank: number; readonly seq: number }
  const entries: Entry[] = [];
  const add = (key: number, port: ExposedPort, binding: PortBindingSpec | null): void => {
    const hostStart = binding?.hostPort?.start ?? 0;
    const rank = ((65535 - hostStart) * 65536 + (65535 - port.port)) * 2 + (port.proto === 'tcp' ? 0 : 1);
    entries.push({ key, port, binding, rank, seq: entries.length });
  };
  ports.forEach((port, key) => {
    const mine = bindingsOf.get(key);
    if (mine === undefined) add(key, port, null);
    else for (let i = 0; i < mine.length; i++) add(key, port, mine[i] as PortBindingSpec);
  });
  entries.sort((a, b) => a.rank - b.rank || a.seq - b.seq);
  // All bindings of a port together, where the port first comes in that order.
  const byPort = new Map<number, PortBindingSpec[]>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry;
    let list = byPort.get(e.key);
    if (list === undefined) byPort.set(e.key, (list = []));
    if (e.binding !== null) list.push(e.binding);
    else if (publishAll) list.push({ hostIp: '', hostPort: null, containerPort: e.port.port, proto: e.port.proto });
  }
  const out: PortBindingSpec[] = [];
  byPort.forEach((list) => out.push(...list));
  return out;
}
