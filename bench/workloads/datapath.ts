// The datapath: new TCP connections per second from the ext neighbour through a
// port published by berth, with few and with many published ports, on either
// firewall backend.
//
// iptables: each connection's first packet walks nat PREROUTING -> DOCKER (one
// DNAT rule per port, first match wins), filter FORWARD -> DOCKER (one ACCEPT
// per port) and nat POSTROUTING (one hairpin MASQUERADE per port): the cost
// grows with the rules before the match, so the port whose DNAT rule comes first
// and the one whose rule comes last are both measured.
// nftables: the same few rules look the port up in maps and sets, so there is
// no position; one port (the lowest, iptables' "last") is measured.
// Established packets skip all of this (conntrack), so only the connection rate
// shows the cost.
//
// Client and server are small node programs: the server answers "ok" and closes
// (so TIME_WAIT stays on its side), the client keeps CONCURRENCY connections in
// flight for a fixed time and counts the completed ones.
import { HOST_IP } from '../../test/helpers/berthd.js';
import { pollUntil } from '../../test/helpers/netns.js';
import { guarded } from '../cleanup.js';
import { parseDockerNat } from '../nft-floor.js';
import { settle } from '../procs.js';
import type { RunContext } from '../measure.js';
import type { DatapathRow } from '../results.js';
import type { BerthSystem } from '../systems/berth.js';

const FIRST_PORT = 20000;
const CONCURRENCY = 32;
const WARMUP_MS = 1000;

const SERVER = `
const ports = process.argv.slice(1).map(Number);
let bound = 0;
for (const p of ports) {
  require('net').createServer((c) => { c.on('error', () => {}); c.end('ok\\n'); })
    .listen(p, '0.0.0.0', () => { if (++bound === ports.length) console.log('LISTENING'); });
}`;

const CLIENT = `
const [host, port, ms, concurrency] = process.argv.slice(1);
const until = Date.now() + Number(ms);
let done = 0, errors = 0;
function next() {
  if (Date.now() >= until) return;
  let ok = false;
  const c = require('net').connect(Number(port), host);
  c.on('data', () => (ok = true));
  c.on('error', () => errors++);
  c.on('close', () => { if (ok) done++; next(); });
}
for (let i = 0; i < Number(concurrency); i++) next();
setTimeout(() => { console.log(JSON.stringify({ done, errors })); process.exit(0); }, Number(ms) + 500);`;

/** The ports to measure and the size of the ruleset they sit in. */
interface Probed {
  readonly ports: readonly { readonly port: number; readonly position: DatapathRow['position'] }[];
  readonly rules: number;
  readonly elements?: number;
}

async function iptablesPorts(berth: BerthSystem): Promise<Probed> {
  const save = await berth.iptablesSave();
  const order = parseDockerNat(save).publications.map((p) => p.hostPort);
  return {
    ports: [
      { port: order[0]!, position: 'first' },
      { port: order[order.length - 1]!, position: 'last' },
    ],
    rules: save.split('\n').filter((l) => l.startsWith('-A ')).length,
  };
}

interface NftJsonItem {
  readonly rule?: unknown;
  readonly set?: { readonly elem?: readonly unknown[] };
  readonly map?: { readonly elem?: readonly unknown[] };
}

async function nftPorts(berth: BerthSystem): Promise<Probed> {
  const r = await berth.host.nets.exec(berth.host.host, ['nft', '-j', 'list', 'ruleset'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`nft -j list ruleset: ${r.stderr}`);
  const items = (JSON.parse(r.stdout) as { nftables: NftJsonItem[] }).nftables;
  return {
    ports: [{ port: FIRST_PORT, position: null }],
    rules: items.filter((i) => i.rule !== undefined).length,
    elements: items.reduce((n, i) => n + (i.set?.elem?.length ?? 0) + (i.map?.elem?.length ?? 0), 0),
  };
}

/** Completed connections per second during `ms` from ext to HOST_IP:port. */
async function connectionRate(berth: BerthSystem, port: number, ms: number): Promise<{ rate: number; errors: number }> {
  const r = await berth.host.nets.exec(berth.host.ext, [process.execPath, '-e', CLIENT, HOST_IP, String(port), String(ms), String(CONCURRENCY)], {
    timeoutMs: ms + 15_000,
  });
  if (r.code !== 0) throw new Error(`datapath client: exit ${r.code}: ${r.stderr}`);
  const { done, errors } = JSON.parse(r.stdout) as { done: number; errors: number };
  return { rate: done / (ms / 1000), errors };
}

export async function datapath(ctx: RunContext, berth: BerthSystem, publishedCounts: readonly number[], ms: number): Promise<DatapathRow[]> {
  const { host, backend } = berth;
  // Room for tens of thousands of client ports (ext is this run's own namespace).
  await host.nets.exec(host.ext, ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65535']);
  const rows: DatapathRow[] = [];
  for (const published of publishedCounts) {
    ctx.log(`datapath with ${published} published ports: ${berth.name} (${backend})`);
    await berth.addSandbox('dp', { first: FIRST_PORT, count: published, form: 'range' });
    await guarded(
      () => berth.removeSandbox('dp'),
      async () => {
        const { ports, ...size } = backend === 'iptables' ? await iptablesPorts(berth) : await nftPorts(berth);
        const server = host.nets.spawn(host.sandbox('dp'), [process.execPath, '-e', SERVER, ...ports.map((p) => String(p.port))]);
        await guarded(
          () => server.kill(),
          async () => {
            await pollUntil(() => server.output().includes('LISTENING'), { what: 'datapath server listening' });
            for (const { port } of ports) {
              await pollUntil(async () => (await host.nets.probe(host.ext, 'tcp', HOST_IP, port)).ok, { what: `ext -> ${HOST_IP}:${port}` });
            }
            await settle(host.host);
            for (const { port } of ports) await connectionRate(berth, port, WARMUP_MS);
            const rates = ports.map((): number[] => []);
            for (let rep = 0; rep < ctx.reps; rep++) {
              for (const [i, { port }] of ports.entries()) {
                const { rate, errors } = await connectionRate(berth, port, ms);
                if (errors > 0) ctx.log(`datapath: ${errors} failed connections to port ${port}`);
                rates[i]!.push(rate);
              }
            }
            for (const [i, { port, position }] of ports.entries()) rows.push({ backend, published, position, hostPort: port, ...size, rates: rates[i]! });
          },
        );
      },
    );
  }
  return rows;
}
