// berth trace against the kernel: on a Docker-like host (a neighbour, several
// networks and sandboxes, published ports, DOCKER-USER allow-lists by IP, CIDR and
// iprange as in the seeds, a mangle mark, INPUT rules, a REDIRECT, icc off, an
// internal network), and on a second host in hairpin mode (userland proxy off),
// every probe is both traced (`berth trace --json`) and sent for real. The trace's
// verdict must be what the kernel did, and for what gets through, the addresses
// and ports the listener saw and conntrack's reply tuple must be the trace's NAT
// result. Any disagreement fails the suite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, EXT_IP, HOST_IP } from '../helpers/berthd.js';
import { pollUntil, type Spawned } from '../helpers/netns.js';
import type { TraceResult } from '../../src/trace/result.js';

/** A berthd host under test and the addresses of its sandboxes (known once they run). */
interface Lab {
  readonly h: BerthHost;
  readonly ip: Record<string, string>;
}

// Listens on every `proto:port[@address]` given and answers each TCP connection or
// UDP datagram with one JSON line: who it is, the local and the peer address.
const LISTEN = `
const [tag, ...specs] = process.argv.slice(1);
let pending = specs.length;
const ready = () => { if (--pending === 0) console.log('LISTENING'); };
const answer = (local, peer) => JSON.stringify({ tag, local, peer }) + '\\n';
for (const spec of specs) {
  const [proto, rest] = spec.split(':');
  const [port, address = '0.0.0.0'] = rest.split('@');
  if (proto === 'udp') {
    const s = require('dgram').createSocket('udp4');
    s.on('message', (m, r) => s.send(answer(address + ':' + port, r.address + ':' + r.port), r.port, r.address));
    s.bind(Number(port), address, ready);
  } else {
    require('net').createServer((c) => { c.on('error', () => {}); c.end(answer(c.localAddress + ':' + c.localPort, c.remoteAddress + ':' + c.remotePort)); })
      .listen(Number(port), address, ready);
  }
}`;

// One connection or datagram from a fixed source port (and address): prints
// {"ok":true,"reply":...} or {"ok":false,"error":"timeout|ECONNREFUSED|..."}.
const PROBE = `
const [proto, host, port, ms, localAddress, localPort] = process.argv.slice(1);
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
setTimeout(() => done({ ok: false, error: 'timeout' }), Number(ms));
const local = { localPort: Number(localPort), ...(localAddress ? { localAddress } : {}) };
if (proto === 'udp') {
  const s = require('dgram').createSocket('udp4');
  s.on('message', (m) => done({ ok: true, reply: JSON.parse(String(m)) }));
  s.on('error', (e) => done({ ok: false, error: e.code || e.message }));
  s.bind(local.localPort, localAddress || undefined, () => s.send('ping', Number(port), host));
} else {
  let got = '';
  const c = require('net').connect({ host, port: Number(port), ...local });
  c.on('data', (d) => (got += d));
  c.on('end', () => got ? done({ ok: true, reply: JSON.parse(got) }) : done({ ok: false, error: 'empty' }));
  c.on('error', (e) => done({ ok: false, error: e.code || e.message }));
}`;

const PROBE_TIMEOUT_MS = 1200;

interface Probe {
  readonly from: string;
  readonly to: string;
  /** What the topology is built to do (a sanity check on the test itself); `either`: the trace must agree whatever happens. */
  readonly expect: 'ok' | 'blocked' | 'either';
}

interface Real {
  readonly ok: boolean;
  readonly error?: string;
  readonly reply?: { readonly tag: string; readonly local: string; readonly peer: string };
}

const p = (from: string, to: string, expect: Probe['expect']): Probe => ({ from, to, expect });

function proxyModeProbes(ip: Record<string, string>): Probe[] {
  const ext = (last: number): string => `ext:10.200.0.${last}`;
  return [
    // The neighbour to published ports: allow-lists by CIDR (front), IP (back), iprange (docker0).
    p(ext(2), `${HOST_IP}:8080`, 'ok'),
    p(ext(3), `${HOST_IP}:8080`, 'ok'),
    p(ext(20), `${HOST_IP}:8080`, 'blocked'),
    p(ext(7), `${HOST_IP}:8080`, 'blocked'), // marked in mangle, dropped by mark in DOCKER-USER
    p(ext(6), `${HOST_IP}:8080`, 'ok'),
    p(ext(2), `${HOST_IP}:9999`, 'blocked'), // gets there; the answer is dropped by its source port
    p(ext(2), `${HOST_IP}:5353/udp`, 'ok'),
    p(ext(20), `${HOST_IP}:5353/udp`, 'blocked'),
    p(ext(2), `${HOST_IP}:15432`, 'ok'),
    p(ext(3), `${HOST_IP}:15432`, 'blocked'),
    p(ext(3), `${HOST_IP}:8081`, 'ok'),
    p(ext(5), `${HOST_IP}:8081`, 'ok'),
    p(ext(2), `${HOST_IP}:8081`, 'blocked'),
    p(ext(6), `${HOST_IP}:8081`, 'blocked'),
    // The neighbour straight to sandboxes, routed through the host.
    p(ext(2), `${ip['web']}:80`, 'ok'),
    p(ext(2), `${ip['web']}:81`, 'blocked'),
    p(ext(2), `${ip['db']}:5432`, 'ok'),
    p(ext(4), `${ip['db']}:5432`, 'blocked'),
    p(ext(2), `${ip['s1']}:80`, 'blocked'),
    p(ext(3), `${ip['legacy']}:80`, 'ok'),
    p(ext(2), `${ip['web']}:53/udp`, 'ok'),
    // The neighbour to the host's own ports: INPUT rules, REDIRECT.
    p(ext(2), `${HOST_IP}:2222`, 'blocked'),
    p(ext(2), `${HOST_IP}:2223`, 'ok'),
    p(ext(20), `${HOST_IP}:2223`, 'blocked'),
    p(ext(2), `${HOST_IP}:2224`, 'ok'),
    p(ext(2), `${HOST_IP}:5005/udp`, 'blocked'),
    p(ext(2), `${HOST_IP}:5020/udp`, 'ok'),
    // Sandbox to sandbox: same bridge (bridged), across networks (isolation), icc off, internal.
    p('web', 'web2:80', 'ok'),
    p('web2', 'web:81', 'ok'),
    p('web', 'db:5432', 'blocked'),
    p('db', 'web:80', 'blocked'),
    p('legacy', 'web:80', 'blocked'),
    p('q1', 'q2:80', 'blocked'),
    p('s1', 's2:80', 'ok'),
    // Sandboxes out to the world (masquerade) and to the host.
    p('web', `${EXT_IP}:9000`, 'ok'),
    p('web', `${EXT_IP}:9001/udp`, 'ok'),
    p('db', '8.8.8.8:53/udp', 'ok'),
    p('db', `${EXT_IP}:9000`, 'ok'),
    p('q1', `${EXT_IP}:9000`, 'ok'),
    p('legacy', `${EXT_IP}:9000`, 'blocked'), // docker0's allow-list drops the answer
    p('s1', `${EXT_IP}:9000`, 'blocked'),
    p('s1', '172.30.4.1:2223', 'ok'),
    p('web', '172.30.1.1:2223', 'ok'),
    p('web', `${HOST_IP}:2223`, 'ok'),
    p('db', `${HOST_IP}:2222`, 'ok'),
    // The host itself: routed out, DNAT in OUTPUT, to an internal network.
    p('host', 'web:80', 'ok'),
    p('host', `${HOST_IP}:8080`, 'ok'),
    p('host', `${EXT_IP}:9000`, 'ok'),
    p('host', 's1:80', 'ok'),
    p('host', 'db:5432', 'ok'),
  ];
}

/** `ADDR:PORT[/PROTO]` or `NAME:PORT[/PROTO]` → what the client connects to. */
function target(ip: Record<string, string>, to: string): { proto: 'tcp' | 'udp'; host: string; port: string } {
  const m = /^(.*):(\d+)(?:\/(tcp|udp))?$/.exec(to);
  assert.ok(m, `bad probe destination ${to}`);
  const name = m[1] as string;
  return { proto: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp', host: ip[name] ?? name, port: m[2] as string };
}

async function sendReal({ h, ip }: Lab, probe: Probe, sport: number): Promise<Real> {
  const t = target(ip, probe.to);
  const args = [t.proto, t.host, t.port, String(PROBE_TIMEOUT_MS)];
  const node = [process.execPath, '-e', PROBE];
  let r;
  if (probe.from.startsWith('ext:')) r = await h.nets.exec(h.ext, [...node, ...args, probe.from.slice(4), String(sport)]);
  else if (probe.from === 'host') r = await h.nets.exec(h.host, [...node, ...args, '', String(sport)]);
  else r = await h.berth(['exec', probe.from, '--', ...node, ...args, '', String(sport)]);
  assert.equal(r.code, 0, `probe ${probe.from} -> ${probe.to} did not run: ${r.stderr}`);
  return JSON.parse(r.stdout) as Real;
}

async function traced({ h }: Lab, probe: Probe, sport: number): Promise<TraceResult> {
  const r = await h.berth(['trace', '--from', probe.from, '--to', probe.to, '--sport', String(sport), '--json']);
  assert.ok(r.code === 0 || r.code === 1, `berth trace ${probe.from} -> ${probe.to} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TraceResult;
}

/** Conntrack's reply tuple in the host for the connection with this source port: [src:sport, dst:dport]. */
async function conntrackReply(h: BerthHost, proto: string, sport: number): Promise<[string, string] | null> {
  const r = await h.nets.exec(h.host, ['conntrack', '-L', '-p', proto, '--orig-port-src', String(sport)]);
  const line = r.stdout.split('\n').find((l) => l.includes(`sport=${sport} `));
  if (line === undefined) return null;
  const field = (name: string): string[] => [...line.matchAll(new RegExp(`\\b${name}=(\\S+)`, 'g'))].map((m) => m[1] as string);
  const [src, dst, sp, dp] = [field('src')[1], field('dst')[1], field('sport')[1], field('dport')[1]];
  return src && dst && sp && dp ? [`${src}:${sp}`, `${dst}:${dp}`] : null;
}

function listenerTag(t: TraceResult): string {
  const d = t.deliveredTo;
  if (d === null) return '(nothing)';
  return d.kind === 'sandbox' ? d.name : d.kind === 'host' ? 'host' : 'ext';
}

/** Every way the trace and the kernel disagree on this probe (empty: they agree). */
async function disagreements(h: BerthHost, t: TraceResult, real: Real, sport: number): Promise<string[]> {
  const out: string[] = [];
  if (!t.certain) out.push('the trace is uncertain');
  const tracedOk = t.verdict === 'ACCEPT';
  if (tracedOk !== real.ok) return [...out, `trace says ${t.verdict}, the kernel ${real.ok ? 'delivered it' : `did not (${real.error})`}`];
  const proto = t.original.sent.proto;
  if (!real.ok) {
    const expected = t.verdict === 'REJECT' ? ['ECONNREFUSED', 'ECONNRESET'] : t.verdict === 'UNREACHABLE' ? ['timeout', 'EHOSTUNREACH', 'ENETUNREACH'] : ['timeout'];
    if (proto === 'tcp' && !expected.includes(real.error ?? '')) out.push(`trace says ${t.verdict}, the client saw ${real.error}`);
    return out;
  }
  const reply = real.reply;
  const far = t.farEnd;
  if (reply === undefined || far === null) return [...out, 'no far end to compare'];
  if (reply.tag !== listenerTag(t)) out.push(`trace delivers to ${listenerTag(t)}, ${reply.tag} answered`);
  if (reply.peer !== `${far.src}:${far.sport}`) out.push(`trace says the far end sees the source ${far.src}:${far.sport}, it saw ${reply.peer}`);
  if (!reply.local.startsWith('0.0.0.0:') && reply.local !== `${far.dst}:${far.dport}`) {
    out.push(`trace says the far end sees the destination ${far.dst}:${far.dport}, it was ${reply.local}`);
  }
  const ct = await conntrackReply(h, proto, sport);
  if (ct === null) out.push(`conntrack has no ${proto} entry with source port ${sport}`);
  else if (ct[0] !== `${far.dst}:${far.dport}` || ct[1] !== `${far.src}:${far.sport}`) {
    out.push(`conntrack's reply tuple ${ct[0]} -> ${ct[1]} is not the trace's ${far.dst}:${far.dport} -> ${far.src}:${far.sport}`);
  }
  return out;
}

async function bridgeOf(h: BerthHost, network: string): Promise<string> {
  const id = (await h.ok(['network', 'inspect', '-f', '{{.Id}}', network])).trim();
  return `br-${id.slice(0, 12)}`;
}

async function iptables(h: BerthHost, ...args: string[]): Promise<void> {
  const r = await h.nets.exec(h.host, ['iptables', '-w', ...args]);
  assert.equal(r.code, 0, `iptables ${args.join(' ')}: ${r.stderr}`);
}

/** Starts a sandbox whose command is the listener, and waits until it is bound. */
async function sandbox({ h, ip }: Lab, name: string, network: string, specs: string[], publish: string[] = []): Promise<void> {
  await h.ok(['run', '-d', '--name', name, '--network', network, ...publish.flatMap((p) => ['-p', p]), '--', process.execPath, '-e', LISTEN, name, ...specs]);
  await pollUntil(async () => (await h.berth(['logs', name])).stdout.includes('LISTENING'), { timeoutMs: 10000, what: `${name} listening` });
  ip[name] = await h.ip(name);
}

async function listener(h: BerthHost, ns: string, tag: string, specs: string[]): Promise<Spawned> {
  const s = h.nets.spawn(ns, [process.execPath, '-e', LISTEN, tag, ...specs]);
  await pollUntil(() => s.output().includes('LISTENING') || (s.child.exitCode !== null ? Promise.reject(new Error(s.output())) : false), {
    timeoutMs: 5000,
    what: `${tag} listening`,
  });
  return s;
}

/** Builds the lab, then traces and sends every probe (4 at a time); a second test checks the totals. */
function agreementSuite(name: string, setup: (lab: Lab) => Promise<void>, probes: (ip: Record<string, string>) => Probe[], minimum: number): void {
  describe(name, () => {
    const lab: Lab = { h: new BerthHost(), ip: {} };
    const outcomes: { readonly delivered: boolean; readonly problems: readonly string[] }[] = [];
    before(() => setup(lab));
    after(() => lab.h.stop());

    it('probes', { concurrency: 4 }, async (t) => {
      await Promise.all(
        probes(lab.ip).map((probe, i) =>
          t.test(`${probe.from} -> ${probe.to}`, async () => {
            const sport = 41000 + i;
            const trace = await traced(lab, probe, sport);
            const real = await sendReal(lab, probe, sport);
            const problems = await disagreements(lab.h, trace, real, sport);
            outcomes.push({ delivered: real.ok, problems });
            assert.deepEqual(problems, [], `trace and kernel disagree on ${probe.from} -> ${probe.to} (sport ${sport}):\n${JSON.stringify(trace, null, 1).slice(0, 6000)}`);
            if (probe.expect !== 'either') {
              assert.equal(real.ok ? 'ok' : 'blocked', probe.expect, `the topology does not do what this probe expects (${real.error ?? 'delivered'})`);
            }
          }),
        ),
      );
    });

    it(`at least ${minimum} probes, both outcomes, and no disagreement`, (t) => {
      const agreed = outcomes.filter((o) => o.problems.length === 0).length;
      const delivered = outcomes.filter((o) => o.delivered).length;
      t.diagnostic(`trace/kernel agreement: ${agreed}/${outcomes.length} probes (${delivered} delivered, ${outcomes.length - delivered} blocked)`);
      assert.ok(outcomes.length >= minimum, `only ${outcomes.length} probes ran`);
      assert.equal(agreed, outcomes.length);
      assert.ok(delivered > 0 && delivered < outcomes.length, `delivered ${delivered} of ${outcomes.length}`);
    });
  });
}

/** The neighbour's extra addresses and 8.8.8.8, routes both ways, and its listeners. */
async function neighbour(h: BerthHost): Promise<void> {
  const ext = (...args: string[]) => h.nets.exec(h.ext, args);
  for (const last of [3, 4, 5, 6, 7, 20]) await ext('ip', 'addr', 'add', `10.200.0.${last}/24`, 'dev', 'eth0');
  await ext('ip', 'addr', 'add', '8.8.8.8/32', 'dev', 'lo');
  await ext('ip', 'route', 'add', '172.16.0.0/12', 'via', HOST_IP);
  await h.nets.exec(h.host, ['ip', 'route', 'add', 'default', 'via', EXT_IP]);
  await listener(h, h.ext, 'ext', ['tcp:9000', `udp:9001@${EXT_IP}`, 'udp:53@8.8.8.8']);
}

agreementSuite(
  'trace agrees with the kernel (userland proxy on, allow-lists, icc off, internal network)',
  async (lab) => {
    const h = lab.h;
    await h.start();
    await neighbour(h);
    await h.ok(['network', 'create', '--subnet', '172.30.1.0/24', 'front']);
    await h.ok(['network', 'create', '--subnet', '172.30.2.0/24', 'back']);
    await h.ok(['network', 'create', '--subnet', '172.30.3.0/24', '-o', 'com.docker.network.bridge.enable_icc=false', 'quiet']);
    await h.ok(['network', 'create', '--subnet', '172.30.4.0/24', '--internal', 'sealed']);
    await sandbox(lab, 'web', 'front', ['tcp:80', 'tcp:81', 'tcp:9999', 'udp:53'], ['8080:80', '9999:9999', '5353:53/udp']);
    await sandbox(lab, 'web2', 'front', ['tcp:80']);
    await sandbox(lab, 'db', 'back', ['tcp:5432'], ['15432:5432']);
    await sandbox(lab, 'legacy', 'bridge', ['tcp:80'], ['8081:80']);
    await sandbox(lab, 'q1', 'quiet', ['tcp:80']);
    await sandbox(lab, 'q2', 'quiet', ['tcp:80']);
    await sandbox(lab, 's1', 'sealed', ['tcp:80']);
    await sandbox(lab, 's2', 'sealed', ['tcp:80']);
    await listener(h, h.host, 'host', ['tcp:2222', 'tcp:2223', 'udp:5005', 'udp:5020']);

    // The user's own rules, as an operator would add them (the seeds' allow-lists in DOCKER-USER).
    const front = await bridgeOf(h, 'front');
    const user = [
      ['-m', 'comment', '--comment', 'audit', '-j', 'LOG', '--log-prefix', 'trace-test '],
      ['-i', 'eth0', '-o', front, '!', '-s', '10.200.0.0/29', '-j', 'DROP'],
      // As in the seeds, with no exception for answers: it also drops what comes back to docker0's sandboxes.
      ['-i', 'eth0', '-o', 'docker0', '-m', 'iprange', '!', '--src-range', '10.200.0.3-10.200.0.5', '-j', 'DROP'],
      ['-i', front, '-p', 'tcp', '-m', 'tcp', '--sport', '9999', '-j', 'DROP'],
      ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'RETURN'],
      ['-i', 'eth0', '-d', '172.30.2.0/24', '!', '-s', '10.200.0.2', '-j', 'DROP'],
      ['-m', 'mark', '--mark', '0x10', '-s', '10.200.0.7', '-j', 'DROP'],
    ];
    for (const [i, rule] of user.entries()) await iptables(h, '-I', 'DOCKER-USER', String(i + 1), ...rule);
    await iptables(h, '-t', 'mangle', '-A', 'PREROUTING', '-i', 'eth0', '-p', 'tcp', '-m', 'multiport', '--dports', '8080,8443', '-j', 'MARK', '--set-mark', '0x10');
    await iptables(h, '-A', 'INPUT', '-i', 'eth0', '-p', 'tcp', '-m', 'tcp', '--dport', '2222', '-j', 'REJECT', '--reject-with', 'tcp-reset');
    await iptables(h, '-A', 'INPUT', '-p', 'udp', '-m', 'state', '--state', 'NEW', '-m', 'udp', '--dport', '5000:5010', '-j', 'DROP');
    await iptables(h, '-A', 'INPUT', '-i', 'eth0', '-s', '10.200.0.20', '-p', 'tcp', '-m', 'tcp', '--dport', '2223', '-j', 'DROP');
    await iptables(h, '-t', 'nat', '-A', 'PREROUTING', '-i', 'eth0', '-p', 'tcp', '-m', 'tcp', '--dport', '2224', '-j', 'REDIRECT', '--to-ports', '2223');
  },
  proxyModeProbes,
  40,
);

agreementSuite(
  'trace agrees with the kernel in hairpin mode (userland proxy off)',
  async (lab) => {
    await lab.h.start({ flags: ['--userland-proxy=false'] });
    await neighbour(lab.h);
    await lab.h.ok(['network', 'create', '--subnet', '172.30.1.0/24', 'front']);
    await lab.h.ok(['network', 'create', '--subnet', '172.30.2.0/24', 'back']);
    await sandbox(lab, 'web', 'front', ['tcp:80'], ['8080:80']);
    await sandbox(lab, 'web2', 'front', ['tcp:80']);
    await sandbox(lab, 'db', 'back', ['tcp:5432']);
  },
  () => [
    // Back to itself: needs hairpin mode on its bridge port, which dockerd sets in this mode and
    // berth does not (yet): blocked today; whichever way, the trace must say what the kernel does.
    p('web', `${HOST_IP}:8080`, 'either'),
    p('web2', `${HOST_IP}:8080`, 'ok'), // DNAT to another port of the same bridge: bridged
    p('db', `${HOST_IP}:8080`, 'blocked'), // from another network: isolation
    p('host', `127.0.0.1:8080`, 'ok'), // loopback source out of the bridge: route_localnet
    p('host', `${HOST_IP}:8080`, 'ok'),
    p('ext:10.200.0.2', `${HOST_IP}:8080`, 'ok'),
  ],
  6,
);
