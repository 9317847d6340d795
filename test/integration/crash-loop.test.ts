// berthd killed with SIGKILL at random moments, over and over, in the middle of
// random operations. After every restart: the kernel holds exactly the rules berth's
// stored state renders (nothing orphaned, nothing missing), no sandbox namespace or
// bridge is left without its record, no address or host port is leased twice, every
// sandbox berth calls running is alive — and a sandbox published from the start
// keeps answering a neighbour throughout.
//
// BERTH_CRASH_ITERATIONS (default 110) and BERTH_SEED reproduce a run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, HOST_IP } from '../helpers/berthd.js';
import { LISTENER, pollUntil } from '../helpers/netns.js';
import { parseSave } from '../../src/render/iptables/save-parse.js';
import type { Ruleset } from '../../src/render/ir.js';

const ITERATIONS = Number(process.env.BERTH_CRASH_ITERATIONS ?? 110);
const SEED = Number(process.env.BERTH_SEED ?? Date.now() % 1_000_000);

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed with BERTH_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(random() * xs.length)];

const h = new BerthHost();

interface NetworkJson {
  Name: string;
  Id: string;
  Driver: string;
  Containers: Record<string, { IPv4Address: string }>;
  Options: Record<string, string>;
}
interface ContainerJson {
  Id: string;
  Names: string[];
  State: string;
  Ports: { PublicPort?: number; Type: string; IP?: string }[];
}

async function networks(): Promise<NetworkJson[]> {
  return (await h.api('GET', '/networks')).body as NetworkJson[];
}
async function containers(): Promise<ContainerJson[]> {
  return (await h.api('GET', '/containers/json?all=1')).body as ContainerJson[];
}

/** One random operation through the CLI; resolves whatever its outcome (berthd may die under it). */
async function randomOperation(step: number): Promise<string> {
  const nets = (await networks()).filter((n) => n.Driver === 'bridge' && n.Name !== 'bridge').map((n) => n.Name);
  const ctrs = (await containers()).map((c) => c.Names[0]!.slice(1)).filter((n) => n !== 'anchor');
  const ops: (() => string[] | null)[] = [
    () => ['network', 'create', `net${step}`],
    () => (nets.length > 0 ? ['network', 'rm', pick(nets)!] : null),
    () => ['run', '-d', '--name', `c${step}`, '--network', pick(['bridge', ...nets])!, '-p', `${20000 + step}:80`, '--', 'sleep', '600'],
    () => ['run', '-d', '--name', `c${step}`, '--network', pick(['bridge', ...nets])!, '-P', '--expose', '81', '--', 'sleep', '600'],
    () => (ctrs.length > 0 ? ['rm', '-f', pick(ctrs)!] : null),
    () => (ctrs.length > 0 ? ['stop', '-t', '0', pick(ctrs)!] : null),
    () => (ctrs.length > 0 ? ['start', pick(ctrs)!] : null),
    () => (ctrs.length > 0 && nets.length > 0 ? ['network', 'connect', pick(nets)!, pick(ctrs)!] : null),
    () => (ctrs.length > 0 && nets.length > 0 ? ['network', 'disconnect', pick(nets)!, pick(ctrs)!] : null),
  ];
  let argv: string[] | null = null;
  while (argv === null) argv = pick(ops)!();
  const r = await h.berth(argv);
  return `${argv.join(' ')} -> ${r.code}`;
}

/** The kernel's chains, rule lists by chain (DOCKER-USER's seeded RETURN aside). */
function chains(rs: Ruleset): Map<string, readonly string[]> {
  const m = new Map<string, readonly string[]>();
  for (const t of rs.tables) for (const c of t.chains) if (c.rules.length > 0 && c.name !== 'DOCKER-USER') m.set(`${t.name}/${c.name}`, c.rules);
  return m;
}

async function checkInvariants(context: string): Promise<void> {
  const kernel = chains(parseSave(await h.iptablesSave()));
  const owned = chains(parseSave((await h.api('GET', '/berth/rules')).body as string));
  assert.deepEqual(Object.fromEntries(kernel), Object.fromEntries(owned), `${context}: the kernel holds exactly berth's rules`);

  const nets = await networks();
  const ctrs = await containers();
  for (const n of nets) {
    const addrs = Object.values(n.Containers ?? {}).map((c) => c.IPv4Address);
    assert.equal(new Set(addrs).size, addrs.length, `${context}: an address leased twice on ${n.Name}: ${addrs.join(' ')}`);
  }
  const ports = ctrs.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => `${p.Type}/${p.PublicPort}`));
  assert.equal(new Set(ports).size, ports.length, `${context}: a host port leased twice: ${ports.join(' ')}`);

  const running = ctrs.filter((c) => c.State === 'running').map((c) => h.sandbox(c.Names[0]!.slice(1)));
  const sandboxes = (await h.nets.exec(h.host, ['ip', 'netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(h.sandbox('')));
  assert.deepEqual(sandboxes.sort(), running.sort(), `${context}: a sandbox namespace per running sandbox, no other`);

  const bridges = (await h.nets.exec(h.host, ['ip', '-o', 'link', 'show', 'type', 'bridge'])).stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(': ')[1]!.split('@')[0]!);
  const expected = nets.filter((n) => n.Driver === 'bridge').map((n) => n.Options['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`);
  assert.deepEqual(bridges.sort(), expected.sort(), `${context}: a bridge per network, no other`);

  for (const c of ctrs.filter((x) => x.State === 'running')) {
    const pid = (await h.api('GET', `/containers/${c.Id}/json`)).body as { State: { Pid: number } };
    const alive = await h.nets.exec(h.host, ['kill', '-0', String(pid.State.Pid)]);
    assert.equal(alive.code, 0, `${context}: ${c.Names[0]} is called running but its process is gone`);
  }
}

before(() => h.start());
after(() => h.stop());

test(`berthd killed at random moments (${ITERATIONS} times, seed ${SEED}): state, kernel and traffic stay consistent`, { timeout: 900_000 }, async (t) => {
  await h.ok(['run', '-d', '--name', 'anchor', '-p', '8090:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'anchor']);
  await pollUntil(async () => (await h.nets.probe(h.ext, 'tcp', HOST_IP, 8090, 500)).ok, { timeoutMs: 10000, what: 'anchor published' });

  // A neighbour keeps connecting to the anchor's published port for the whole run.
  let probing = true;
  let probes = 0;
  const failures: string[] = [];
  const prober = (async () => {
    while (probing) {
      const r = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8090, 1500);
      probes++;
      if (!r.ok) failures.push(r.detail);
    }
  })();

  const log: string[] = [];
  try {
    for (let i = 0; i < ITERATIONS; i++) {
      const op = randomOperation(i).catch((e: Error) => `error: ${e.message}`);
      // The CLI itself takes ~100 ms to start: kills land before, during and after the operation.
      await new Promise((r) => setTimeout(r, 60 + Math.floor(random() * 300)));
      await h.stopDaemon('SIGKILL');
      log.push(`${i}: ${await op}`);
      await h.startDaemon();
      await checkInvariants(`after kill ${i} (${log.at(-1)}; seed ${SEED})`);
    }
  } finally {
    probing = false;
    await prober;
  }
  t.diagnostic(`${ITERATIONS} kills; ${log.filter((l) => l.endsWith('-> 0')).length} operations completed before the kill; ${probes} probes, ${failures.length} failed`);
  assert.deepEqual(failures, [], 'the anchor never stopped answering');
});
