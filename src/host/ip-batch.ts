// `ip -batch` scripts: pure builders for the lines a Docker-style bridge driver
// needs, and `applyBatch`, which runs them in one `ip` process.
//
// What the kernel and iproute2 6.1 do with a batch (checked in namespaces, see
// test/integration/host/batch.test.ts):
// - Without `-force`, `ip -batch` stops at the first failing line; every earlier
//   line stays applied, no later line runs. Each line is one netlink request, so
//   a failing `link add` creates nothing (the veth pair, its peer in the other
//   namespace, `master` and `up` come and go together). A `link set` with several
//   attributes is one request too, but the kernel applies its attributes one by
//   one, so it can stop half way: our builders set one thing per `link set`.
// - A kernel error prints the message then `Command failed -:N` (N counts the
//   physical lines of stdin from 1) and `ip` exits 1. An argument that `ip`
//   rejects while parsing (an unknown `netns`, an unknown `master`, a garbage
//   word) makes it exit 255 at once WITHOUT naming the line. applyBatch
//   therefore follows every line with a marker (`link show dev lo`, which prints
//   `1: lo: ...` on stdout, buffered but flushed on exit) and counts the markers
//   to find the failing line in both cases.
// - One batch runs in one namespace: `ip` has no per-line `-n`. A batch in the
//   host namespace can create the veth with its peer already in the sandbox
//   namespace under its final name, MAC and MTU (`peer name eth0 address .. mtu ..
//   netns NS`), and can create the namespace itself (`netns add NS`), but only
//   when `ip` runs without `-n`: `ip -n` unshares the mount namespace first, so
//   the bind mount lives and dies with that ip process; the batch succeeds, then
//   the namespace and any veth moved into it vanish, leaving a dead file in
//   /var/run/netns. applyBatch refuses `netns add|del` with `netns`.
//   It cannot bring the peer up (`peer ... up` fails with
//   ENOTCONN), add its address or route, nor raise the sandbox's `lo`: that is a
//   second batch run in the sandbox namespace (a batch's `thenIn` part): a second
//   process, or, in berthd's long-lived ip (./ip-session.ts), a child it forks
//   with `netns exec NS ip -batch FILE`.
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Exec, ExecResult } from './exec.js';
import { validateNetnsName } from './netns.js';
import { BerthError, invalid, type ErrorKind } from '../model/errors.js';

/** One `ip` command without the leading `ip`, e.g. `link set dev br0 up`. */
export type BatchLine = string;

// ---------------------------------------------------------------------------
// Validation: a batch line is split on blanks; `#` starts a comment, quotes and
// backslashes are interpreted. No word we write may contain any of those.

/** Linux interface name rules (dev_valid_name) plus what a batch line cannot carry. */
export function validateIfName(name: string): string {
  if (
    name === '' ||
    Buffer.byteLength(name) > 15 ||
    name === '.' ||
    name === '..' ||
    /[/:\s"'\\#]/.test(name)
  ) {
    throw invalid(`invalid interface name ${JSON.stringify(name)}`);
  }
  return name;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function validateMac(mac: string): string {
  const m = mac.toLowerCase();
  if (!MAC.test(m)) throw invalid(`invalid MAC address ${JSON.stringify(mac)}`);
  return m;
}

function validateMtu(mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalid(`invalid MTU ${mtu}`);
  return mtu;
}

function validateTxqlen(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw invalid(`invalid txqueuelen ${n}`);
  return n;
}

/** Parses `ADDR/LEN`; returns the family too. */
export function parseCidr(cidr: string): { address: string; prefixLength: number; family: 4 | 6 } {
  const slash = cidr.lastIndexOf('/');
  const address = slash < 0 ? '' : cidr.slice(0, slash);
  const lenText = slash < 0 ? '' : cidr.slice(slash + 1);
  const family = isIP(address);
  const prefixLength = /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if ((family !== 4 && family !== 6) || !(prefixLength >= 0 && prefixLength <= (family === 4 ? 32 : 128))) {
    throw invalid(`invalid address ${JSON.stringify(cidr)}: expected ADDRESS/PREFIXLEN`);
  }
  return { address, prefixLength, family };
}

function validateIp(ip: string): 4 | 6 {
  const family = isIP(ip);
  if (family !== 4 && family !== 6) throw invalid(`invalid IP address ${JSON.stringify(ip)}`);
  return family;
}

function validateDestination(dst: string): string {
  if (dst === 'default') return dst;
  if (dst.includes('/')) {
    parseCidr(dst);
    return dst;
  }
  validateIp(dst);
  return dst;
}

/**
 * A random MAC as dockerd gives its bridges (netutils.GenerateRandomMAC in
 * 20.10: `02:42` then 4 random bytes; the golden capture shows docker0 at
 * 02:42:20:a4:cc:f2). Pass it to addBridge so the bridge's MAC does not follow
 * its lowest-numbered port (see BridgeOptions.mac).
 */
export function randomMac(bytes: Uint8Array = randomBytes(4)): string {
  if (bytes.length < 4) throw invalid('randomMac needs 4 bytes');
  return ['02', '42', ...Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, '0'))].join(':');
}

// ---------------------------------------------------------------------------
// Single lines. Names always follow their keyword (`name`, `dev`), so a device
// called `up` or `type` cannot be mistaken for a keyword.

export interface BridgeOptions {
  readonly mtu?: number;
  /**
   * Unset: the kernel picks a random MAC, and then replaces it by the lowest
   * MAC among the ports each time a port joins or leaves (addr_assign_type 1).
   * Docker sets a random MAC explicitly, which pins it (addr_assign_type 3).
   */
  readonly mac?: string;
  readonly txqueuelen?: number;
}

/**
 * `link add name BR [address MAC] [mtu M] [txqueuelen N] type bridge`.
 * No bridge attributes: Docker sets none, and the kernel defaults are what
 * docker0 shows (stp_state 0, forward_delay 1500, hello_time 200, max_age 2000,
 * ageing_time 30000, vlan_filtering 0, mcast_snooping 1).
 */
export function linkAddBridge(name: string, options: BridgeOptions = {}): BatchLine {
  const words = ['link', 'add', 'name', validateIfName(name)];
  if (options.mac !== undefined) words.push('address', validateMac(options.mac));
  if (options.mtu !== undefined) words.push('mtu', String(validateMtu(options.mtu)));
  if (options.txqueuelen !== undefined) words.push('txqueuelen', String(validateTxqlen(options.txqueuelen)));
  words.push('type', 'bridge');
  return words.join(' ');
}

export interface VethPeer {
  /** Name of the peer, created directly in `netns` (a final name such as eth0, or a temporary one). */
  readonly name: string;
  /** Named namespace the peer is created in; absent: same namespace as the host side. */
  readonly netns?: string;
  readonly mac?: string;
  readonly mtu?: number;
  readonly txqueuelen?: number;
}

export interface VethOptions {
  /** MAC of the host side (default: random). */
  readonly mac?: string;
  readonly mtu?: number;
  readonly txqueuelen?: number;
  /** Attach the host side to this bridge in the same request. */
  readonly master?: string;
  /** Bring the host side up in the same request (the peer cannot be: ENOTCONN). */
  readonly up?: boolean;
  readonly peer: VethPeer;
}

/** `link add name V [address MAC] [mtu M] [txqueuelen N] [master BR] [up] type veth peer name P [address MAC] [mtu M] [txqueuelen N] [netns NS]`. */
export function linkAddVeth(name: string, options: VethOptions): BatchLine {
  const words = ['link', 'add', 'name', validateIfName(name)];
  if (options.mac !== undefined) words.push('address', validateMac(options.mac));
  if (options.mtu !== undefined) words.push('mtu', String(validateMtu(options.mtu)));
  if (options.txqueuelen !== undefined) words.push('txqueuelen', String(validateTxqlen(options.txqueuelen)));
  if (options.master !== undefined) words.push('master', validateIfName(options.master));
  if (options.up === true) words.push('up');
  const p = options.peer;
  words.push('type', 'veth', 'peer', 'name', validateIfName(p.name));
  if (p.mac !== undefined) words.push('address', validateMac(p.mac));
  if (p.mtu !== undefined) words.push('mtu', String(validateMtu(p.mtu)));
  if (p.txqueuelen !== undefined) words.push('txqueuelen', String(validateTxqlen(p.txqueuelen)));
  if (p.netns !== undefined) words.push('netns', validateNetnsName(p.netns));
  return words.join(' ');
}

export const linkUp = (name: string): BatchLine => `link set dev ${validateIfName(name)} up`;
export const linkDown = (name: string): BatchLine => `link set dev ${validateIfName(name)} down`;
export const linkSetMaster = (name: string, master: string): BatchLine =>
  `link set dev ${validateIfName(name)} master ${validateIfName(master)}`;
export const linkSetNoMaster = (name: string): BatchLine => `link set dev ${validateIfName(name)} nomaster`;
/** Before kernel 6.2 the link must be down to be renamed (EBUSY otherwise). */
export const linkRename = (name: string, newName: string): BatchLine =>
  `link set dev ${validateIfName(name)} name ${validateIfName(newName)}`;
export const linkSetMtu = (name: string, mtu: number): BatchLine => `link set dev ${validateIfName(name)} mtu ${validateMtu(mtu)}`;
export const linkSetMac = (name: string, mac: string): BatchLine =>
  `link set dev ${validateIfName(name)} address ${validateMac(mac)}`;
/** Deleting one side of a veth pair deletes the other, wherever it is. */
export const linkDelete = (name: string): BatchLine => `link del dev ${validateIfName(name)}`;
/** Bridge port flag Docker turns on when the userland proxy is off. */
export const bridgePortHairpin = (name: string, on: boolean): BatchLine =>
  `link set dev ${validateIfName(name)} type bridge_slave hairpin ${on ? 'on' : 'off'}`;

export interface AddrOptions {
  /** IPv6 only: skip duplicate address detection, so the address is usable at once (Docker does). */
  readonly nodad?: boolean;
}

/**
 * `addr add CIDR [broadcast +] [nodad] dev DEV`. IPv4 prefixes shorter than /31
 * get `broadcast +` (the computed broadcast), as Docker's netlink library sets it:
 * docker0 shows `inet 172.17.0.1/16 brd 172.17.255.255`.
 */
export function addrAdd(dev: string, cidr: string, options: AddrOptions = {}): BatchLine {
  const { family, prefixLength } = parseCidr(cidr);
  const words = ['addr', 'add', cidr];
  if (family === 4 && prefixLength < 31) words.push('broadcast', '+');
  if (family === 6 && options.nodad === true) words.push('nodad');
  words.push('dev', validateIfName(dev));
  return words.join(' ');
}

export function addrDel(dev: string, cidr: string): BatchLine {
  parseCidr(cidr);
  return `addr del ${cidr} dev ${validateIfName(dev)}`;
}

export const addrFlush = (dev: string): BatchLine => `addr flush dev ${validateIfName(dev)}`;

export interface RouteSpec {
  /** `default`, `ADDR/LEN` or a host address. */
  readonly dst: string;
  readonly via?: string;
  readonly dev?: string;
}

function routeWords(verb: 'add' | 'del', r: RouteSpec): BatchLine {
  const words = ['route', verb, validateDestination(r.dst)];
  if (r.via !== undefined) {
    validateIp(r.via);
    words.push('via', r.via);
  }
  if (r.dev !== undefined) words.push('dev', validateIfName(r.dev));
  return words.join(' ');
}

/** `route add DST [via GW] [dev DEV]`; for `default`, the family follows `via`. */
export const routeAdd = (r: RouteSpec): BatchLine => routeWords('add', r);
export const routeDel = (r: RouteSpec): BatchLine => routeWords('del', r);

/** Only in a batch run without `-n` (see the header). */
export const netnsAdd = (name: string): BatchLine => `netns add ${validateNetnsName(name)}`;
export const netnsDelete = (name: string): BatchLine => `netns del ${validateNetnsName(name)}`;

// ---------------------------------------------------------------------------
// Plans: the lines for one operation of the bridge driver.

export interface BridgePlan {
  readonly name: string;
  readonly mtu?: number;
  readonly mac?: string;
  /** Default 0, as dockerd (`ip -d link` shows no qlen on docker0). */
  readonly txqueuelen?: number;
  /** Gateway addresses with the network's prefix length, e.g. `172.18.0.1/16`. */
  readonly addresses?: readonly string[];
}

/** Create the bridge, give it its gateway addresses, bring it up. */
export function planAddBridge(plan: BridgePlan): BatchLine[] {
  const options: BridgeOptions = {
    ...(plan.mtu !== undefined ? { mtu: plan.mtu } : {}),
    ...(plan.mac !== undefined ? { mac: plan.mac } : {}),
    txqueuelen: plan.txqueuelen ?? 0,
  };
  return [
    linkAddBridge(plan.name, options),
    ...(plan.addresses ?? []).map((a) => addrAdd(plan.name, a)),
    linkUp(plan.name),
  ];
}

/** Deleting a bridge releases its ports (they stay, without master) and drops its addresses and routes. */
export const planRemoveBridge = (name: string): BatchLine[] => [linkDelete(name)];

export interface AttachPlan {
  /** The sandbox's named namespace. */
  readonly netns: string;
  /** Add `netns add NETNS` at the head of the host batch (host batch must then run without `-n`). */
  readonly createNetns?: boolean;
  readonly bridge: string;
  /** Host-side veth name, e.g. `veth1a2b3c4`. */
  readonly hostName: string;
  /** Final interface name in the sandbox, e.g. `eth0`. */
  readonly ifName: string;
  /**
   * Create the peer under this name and rename it to `ifName` in the sandbox
   * (Docker's way). Unset: the peer is created as `ifName` directly; if that name
   * is taken in the sandbox, the `link add` fails and creates nothing.
   */
  readonly tempName?: string;
  readonly mtu?: number;
  readonly mac?: string;
  /** Both ends; default 0, as dockerd (no qlen on its veths, host side or eth0). */
  readonly txqueuelen?: number;
  readonly hairpin?: boolean;
  /** Addresses with prefix length, e.g. `172.18.0.2/16`, `fd00::2/64`. */
  readonly addresses: readonly string[];
  readonly gateway?: string;
  readonly gateway6?: string;
  /** Bring the sandbox's `lo` up (default true; a new namespace has it down). */
  readonly loopbackUp?: boolean;
}

export interface AttachBatches {
  /** Run in the host namespace (the bridge's). */
  readonly host: readonly BatchLine[];
  /** Run in the sandbox namespace: `applyBatch(exec, sandbox, { netns })`. */
  readonly sandbox: readonly BatchLine[];
}

/** A veth from `bridge` into the sandbox namespace, configured on both sides: two batches, two processes. */
export function planAttach(plan: AttachPlan): AttachBatches {
  const peerName = plan.tempName ?? plan.ifName;
  const txqueuelen = plan.txqueuelen ?? 0;
  validateIfName(plan.ifName);
  const host: BatchLine[] = [];
  if (plan.createNetns === true) host.push(netnsAdd(plan.netns));
  host.push(
    linkAddVeth(plan.hostName, {
      ...(plan.mtu !== undefined ? { mtu: plan.mtu } : {}),
      txqueuelen,
      master: plan.bridge,
      up: true,
      peer: {
        name: peerName,
        netns: plan.netns,
        ...(plan.mac !== undefined ? { mac: plan.mac } : {}),
        ...(plan.mtu !== undefined ? { mtu: plan.mtu } : {}),
        txqueuelen,
      },
    }),
  );
  if (plan.hairpin !== undefined) host.push(bridgePortHairpin(plan.hostName, plan.hairpin));

  const sandbox: BatchLine[] = [];
  if (plan.loopbackUp !== false) sandbox.push(linkUp('lo'));
  if (plan.tempName !== undefined && plan.tempName !== plan.ifName) sandbox.push(linkRename(plan.tempName, plan.ifName));
  for (const a of plan.addresses) sandbox.push(addrAdd(plan.ifName, a, { nodad: true }));
  sandbox.push(linkUp(plan.ifName));
  // A gateway is only reachable once the link is up (its connected route exists).
  if (plan.gateway !== undefined) {
    if (validateIp(plan.gateway) !== 4) throw invalid(`gateway ${plan.gateway} is not an IPv4 address`);
    sandbox.push(routeAdd({ dst: 'default', via: plan.gateway, dev: plan.ifName }));
  }
  if (plan.gateway6 !== undefined) {
    if (validateIp(plan.gateway6) !== 6) throw invalid(`gateway6 ${plan.gateway6} is not an IPv6 address`);
    sandbox.push(routeAdd({ dst: 'default', via: plan.gateway6, dev: plan.ifName }));
  }
  return { host, sandbox };
}

/**
 * Undo an attach: deleting the host side deletes the peer in the sandbox, its
 * addresses and routes. With `deleteNetns`, the namespace goes too (run without `-n`).
 */
export function planDetach(hostName: string, options: { readonly deleteNetns?: string } = {}): BatchLine[] {
  const lines = [linkDelete(hostName)];
  if (options.deleteNetns !== undefined) lines.push(netnsDelete(options.deleteNetns));
  return lines;
}

// ---------------------------------------------------------------------------
// Running a batch.

export interface ApplyBatchOptions {
  /** Run in this named namespace (`ip -n NS`); absent: the current one. */
  readonly netns?: string;
  /**
   * Lines to run in the namespace `netns` once `lines` have all succeeded, as
   * part of the same batch: a failure in them is a BatchError over both parts'
   * lines, at `lines.length` + its index in these.
   */
  readonly thenIn?: { readonly netns: string; readonly lines: readonly BatchLine[] };
}

/** What the engine and the fakes call; `applyBatch` bound to an exec is the real one. */
export type BatchRunner = (lines: readonly BatchLine[], options?: ApplyBatchOptions) => Promise<void>;

/** A batch stopped at `lines[index]`; `lines.slice(0, index)` are applied, the rest are not. */
export class BatchError extends BerthError {
  readonly lines: readonly BatchLine[];
  /** 0-based index of the failing line; `lines.length` if the failure came after the last one. */
  readonly index: number;
  readonly netns: string | undefined;
  /** What `ip` said, without its `Command failed` lines. */
  readonly detail: string;
  readonly result: ExecResult | undefined;
  /** Where the failing part (the lines run in `netns`) starts in `lines`; the message counts its lines from there. */
  readonly partStart: number;
  constructor(kind: ErrorKind, lines: readonly BatchLine[], index: number, detail: string, netns: string | undefined, result?: ExecResult, partStart = 0) {
    const where = netns === undefined ? '' : ` in netns ${netns}`;
    const failing = lines[index];
    const count = lines.length - partStart;
    super(
      kind,
      failing === undefined
        ? `ip -batch${where} failed after ${count} line(s): ${detail}`
        : `ip -batch${where} failed at line ${index - partStart + 1} of ${count} "${failing}": ${detail}`,
    );
    this.name = 'BatchError';
    this.lines = lines;
    this.index = index;
    this.netns = netns;
    this.detail = detail;
    this.result = result;
    this.partStart = partStart;
  }
  /** 1-based line number of the failing line. */
  get lineNumber(): number {
    return this.index + 1;
  }
  get line(): BatchLine | undefined {
    return this.lines[this.index];
  }
  get applied(): readonly BatchLine[] {
    return this.lines.slice(0, this.index);
  }
  get notApplied(): readonly BatchLine[] {
    return this.lines.slice(this.index);
  }
  /** This failure of a batch run after `lines` had succeeded, as a failure of both together (a failing part in a namespace is still counted alone). */
  after(lines: readonly BatchLine[]): BatchError {
    if (lines.length === 0) return this;
    return new BatchError(this.kind, [...lines, ...this.lines], lines.length + this.index, this.detail, this.netns, this.result, this.netns === undefined ? 0 : lines.length + this.partStart);
  }
}

/** Error kind from what ip / the kernel said. */
export function classifyIpError(detail: string): ErrorKind {
  if (/File exists|already exists|already assigned/i.test(detail)) return 'conflict';
  if (/Cannot find device|does not exist|No such device|No such process|not found|Invalid "netns" value|Cannot open network namespace|No such file or directory/i.test(detail)) {
    return 'not-found';
  }
  if (/Operation not permitted|Permission denied/i.test(detail)) return 'forbidden';
  return 'system';
}

/** Follows every line: it prints (and ip flushes) "1: lo: ..." once the line before it has run. */
export const MARKER = 'link show dev lo';
const MARKER_OUTPUT = /^1: lo: /gm; // lo is ifindex 1 in every namespace
const ANY_COMMAND_FAILED = /^Command failed \S*:\d+$/;

/** How many lines' markers `stdout` holds. */
export const markersIn = (stdout: string): number => (stdout.match(MARKER_OUTPUT) ?? []).length;

/** The physical input line ip names in its "Command failed <input>:N" on `stderr`, if it does (the first such). */
function failedInputLine(stderr: string, input = '-'): number | undefined {
  const prefix = `Command failed ${input}:`;
  for (const line of stderr.split('\n')) {
    if (line.startsWith(prefix) && /^\d+$/.test(line.slice(prefix.length))) return Number(line.slice(prefix.length));
  }
  return undefined;
}

/**
 * The index of the line a batch of `count` lines stopped at, each line followed by
 * its marker (two input lines per line, counted after `linesBefore`): the one ip
 * names in "Command failed <input>:N", else the first whose marker did not come
 * back (a parse error ends ip without naming its line; nothing ran in a
 * namespace ip could not enter).
 */
export function stoppedAt(stderr: string, markers: number, count: number, input = '-', linesBefore = 0): number {
  const failed = failedInputLine(stderr, input);
  return failed !== undefined ? Math.floor((failed - linesBefore - 1) / 2) : Math.min(markers, count);
}

/** What ip said on `stderr` for a failure, without its "Command failed" lines. */
export function failureDetail(stderr: string, fallback: string): string {
  return (
    stderr
      .split('\n')
      .filter((l) => l.trim() !== '' && !ANY_COMMAND_FAILED.test(l))
      .join('; ') || fallback
  );
}
const LISTING = /^(-\S+\s+)*(\S+\s+)?(show|list|lst|ls|get|monitor)\b/;

/** Throws `invalid` for a line applyBatch would refuse (also used by the fake). */
export function checkLine(line: BatchLine, inNetns: boolean): void {
  if (line.includes('\n') || line.includes('\r') || /["'\\#]/.test(line) || line.trim() === '') {
    throw invalid(`invalid ip batch line ${JSON.stringify(line)}`);
  }
  // Listing commands would print output that could be taken for a marker.
  if (LISTING.test(line.trim())) throw invalid(`ip batch line must not list: ${JSON.stringify(line)}`);
  if (inNetns && /^netns\s+(add|a|del|delete|d)\b/.test(line.trim())) {
    throw invalid(`"${line}" cannot run under ip -n (the namespace file would not be mounted)`);
  }
}

/** A batch in the caller's namespace. */
export const IP_BATCH_ARGV = ['ip', '-batch', '-'] as const;

/** Checks a batch's lines and namespaces before anything runs. */
export function checkBatch(lines: readonly BatchLine[], options: ApplyBatchOptions): void {
  if (options.netns !== undefined) validateNetnsName(options.netns);
  for (const line of lines) checkLine(line, options.netns !== undefined);
  if (options.thenIn !== undefined) {
    validateNetnsName(options.thenIn.netns);
    for (const line of options.thenIn.lines) checkLine(line, true);
  }
}

/**
 * Runs `ip [-n NS] -batch -` with the lines on stdin, stopping at the first
 * failure, which becomes a BatchError naming the failing line. No process for
 * an empty batch. A `thenIn` part is a second process.
 */
export const applyBatch = (execFn: Exec, lines: readonly BatchLine[], options: ApplyBatchOptions = {}): Promise<void> =>
  inTwoSteps(async (part, { netns }) => {
    if (part.length === 0) return;
    const argv = netns !== undefined ? ['ip', '-n', netns, '-batch', '-'] : IP_BATCH_ARGV;
    const result = await execFn(argv, { input: part.map((l) => `${l}\n${MARKER}\n`).join('') });
    if (result.code !== 0) throw batchFailure(part, result, netns);
  })(lines, options);

/** A runner of one part at a time as a BatchRunner: the `thenIn` part runs after the first has succeeded. */
export function inTwoSteps(runPart: (lines: readonly BatchLine[], where: { readonly netns?: string }) => Promise<void>): BatchRunner {
  return async (lines, options = {}) => {
    checkBatch(lines, options);
    await runPart(lines, options.netns === undefined ? {} : { netns: options.netns });
    const then = options.thenIn;
    if (then === undefined) return;
    try {
      await runPart(then.lines, { netns: then.netns });
    } catch (e) {
      throw e instanceof BatchError ? e.after(lines) : e;
    }
  };
}

/** Maps a failed `ip -batch` run of `lines` (with markers) to a BatchError. Exported for tests. */
export function batchFailure(lines: readonly BatchLine[], result: ExecResult, netns: string | undefined): BatchError {
  const detail = failureDetail(result.stderr, `exit status ${result.code}`);
  const index = stoppedAt(result.stderr, markersIn(result.stdout), lines.length);
  return new BatchError(classifyIpError(detail), lines, index, detail, netns, result);
}

/** `applyBatch` bound to an exec, as a BatchRunner. */
export const ipBatchRunner =
  (execFn: Exec): BatchRunner =>
  (lines, options) =>
    applyBatch(execFn, lines, options);
