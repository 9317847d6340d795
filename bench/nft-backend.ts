// The nftables backend publishing and removing 1000 ports on one sandbox,
// against the `nft -f` floor: the same final table loaded at once into an empty
// namespace. Standalone (needs root; everything happens in namespaces it makes):
//   node dist/bench/nft-backend.js [RUNS]
// 1. The firewall alone: berth's NftFirewall (render, one `nft -f`) taking a
//    host with one network from 0 to 1000 published ports and back, in userland
//    proxy and hairpin mode; the iptables backend doing the same for reference.
// 2. The whole daemon, through the API socket (no CLI process): a berthd per
//    backend and mode creating and starting a sandbox with 1000 `-p` bindings,
//    then removing it; there the userland proxy opens 1000 listeners.
// Every figure is the median of RUNS runs (default 7), in milliseconds.
import { performance } from 'node:perf_hooks';
import { NetnsSet, mustRun, uniquePrefix } from '../test/helpers/netns.js';
import { BerthHost, type FirewallBackendName } from '../test/helpers/berthd.js';
import { docker0, net, port } from '../test/helpers/layout-fixtures.js';
import { BerthClient } from '../src/cli/client.js';
import { exec, type Exec } from '../src/host/exec.js';
import { Firewall, iptablesBackend } from '../src/engine/firewall.js';
import { NftFirewall, nftBackend } from '../src/engine/nft-firewall.js';
import { iptablesProgrammer, type RuleProgrammer } from '../src/engine/rule-programmer.js';
import { renderNftLayout } from '../src/render/nftables/layout.js';
import { printTable } from '../src/render/nftables/print.js';
import type { LayoutInput } from '../src/render/iptables/docker-layout.js';

const PORTS = 1000;
const FIRST_PORT = 20000;
const runs = Number(process.argv[2] ?? 7);

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (xs: readonly number[]): string => `${median(xs).toFixed(1)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(' ')})`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function inputs(hairpin: boolean): { none: LayoutInput; all: LayoutInput } {
  const none: LayoutInput = { iptables: true, hairpin, networks: [docker0, net('app', '172.18.0.0/16')], ports: [] };
  const ports = Array.from({ length: PORTS }, (_, i) => port('br-app', '172.18.0.2', FIRST_PORT + i, FIRST_PORT + i));
  return { none, all: { ...none, ports } };
}

/** Loads `text` with one `nft -f` into a fresh namespace, `runs` times. */
async function floor(nets: NetnsSet, text: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ns = await nets.add(`floor${i}`);
    out.push(await timed(() => mustRun(['nsenter', `--net=${NetnsSet.path(ns)}`, 'nft', '-f', '-'], { input: text })));
    await nets.remove(ns);
  }
  return out;
}

/** A programmer over a fresh namespace (the same nsenter as the floor), at the state with no port published. */
async function programmer(nets: NetnsSet, name: string, make: (exec: Exec) => RuleProgrammer, start: LayoutInput): Promise<RuleProgrammer> {
  const ns = await nets.add(name);
  const inNs: Exec = (argv, o) => exec(['nsenter', `--net=${NetnsSet.path(ns)}`, ...argv], o);
  const p = make(inNs);
  await p.setForwardPolicyDrop();
  await p.apply(start, () => undefined);
  return p;
}

async function firewallOnly(): Promise<void> {
  const nets = new NetnsSet(uniquePrefix('bn'));
  try {
    for (const hairpin of [false, true]) {
      const { none, all } = inputs(hairpin);
      const table = renderNftLayout(all);
      const empty = renderNftLayout(none);
      if (!table || !empty) throw new Error('nothing rendered');
      const floorAll = await floor(nets, printTable(table));
      const floorNone = await floor(nets, printTable(empty));
      const elements = table.sets.reduce((n, s) => n + s.elements.length, 0);
      console.log(`\n== firewall only, ${hairpin ? 'hairpin mode' : 'userland proxy mode'}: ${PORTS} ports, final table ${elements} elements, ${table.chains.reduce((n, c) => n + c.rules.length, 0)} rules`);
      console.log(`nft -f floor, final table with ${PORTS} ports:  ${fmt(floorAll)}`);
      console.log(`nft -f floor, final table with no port:     ${fmt(floorNone)}`);
      const backends: [string, (e: Exec) => RuleProgrammer][] = [
        ['nftables', (e) => new NftFirewall(nftBackend(e))],
        ['iptables', (e) => iptablesProgrammer(new Firewall(iptablesBackend(e), null))],
      ];
      for (const [name, make] of backends) {
        const p = await programmer(nets, `${name.slice(0, 3)}${hairpin ? 'h' : 'p'}`, make, none);
        const publish: number[] = [];
        const remove: number[] = [];
        for (let i = 0; i < runs; i++) {
          publish.push(await timed(() => p.apply(all, () => undefined)));
          remove.push(await timed(() => p.apply(none, () => undefined)));
        }
        const ratio = (xs: number[]): string => `${(median(xs) / median(floorAll)).toFixed(2)}x the ${PORTS}-port floor`;
        console.log(`${name} backend, publish ${PORTS}:  ${fmt(publish)}  = ${ratio(publish)}`);
        console.log(`${name} backend, remove ${PORTS}:   ${fmt(remove)}  = ${ratio(remove)}`);
      }
    }
  } finally {
    await nets.cleanup();
  }
}

/** The Engine API body of a sandbox on `network` publishing PORTS ports one by one (as the docker CLI sends a range). */
function createBody(network: string): Record<string, unknown> {
  const keys = Array.from({ length: PORTS }, (_, i) => `${FIRST_PORT + i}/tcp`);
  return {
    Cmd: ['sleep', '3600'],
    ExposedPorts: Object.fromEntries(keys.map((k) => [k, {}])),
    HostConfig: { NetworkMode: network, PortBindings: Object.fromEntries(keys.map((k) => [k, [{ HostIp: '', HostPort: k.split('/')[0] }]])) },
  };
}

async function wholeDaemon(): Promise<void> {
  for (const backend of ['nftables', 'iptables'] as FirewallBackendName[]) {
    for (const proxy of [true, false]) {
      const h = new BerthHost(backend);
      try {
        await h.start({ neighbour: false, flags: proxy ? [] : ['--userland-proxy=false'] });
        await h.ok(['network', 'create', 'appnet']);
        const client = new BerthClient(`unix://${h.socket}`);
        const up: number[] = [];
        const down: number[] = [];
        for (let i = 0; i < runs; i++) {
          up.push(
            await timed(async () => {
              const { Id } = await client.containerCreate(`pub${i}`, createBody('appnet'));
              await client.containerStart(Id);
            }),
          );
          down.push(await timed(() => client.containerRemove(`pub${i}`, true)));
        }
        console.log(`\n== berthd (${backend}, userland proxy ${proxy ? 'on' : 'off'}), API: one sandbox with ${PORTS} ports`);
        console.log(`create + start: ${fmt(up)}`);
        console.log(`remove -f:      ${fmt(down)}`);
      } finally {
        await h.stop();
      }
    }
  }
}

await firewallOnly();
await wholeDaemon();
