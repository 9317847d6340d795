// Renders the iptables layout dockerd 20.10 programs for a set of bridge networks
// and published ports, as plain data (DesiredRules). Pure: the order of every rule
// follows from the input order, reproducing what dockerd's sequence of -I/-A calls
// leaves behind:
//  - a network's rules are inserted at the top of their chains, so newer networks
//    come first (input `networks` is oldest first);
//  - the jumps to DOCKER-USER and DOCKER-ISOLATION-STAGE-1 are re-inserted at the top
//    of FORWARD after every network, so they stay first;
//  - `icc=false` appends its DROP at the end of FORWARD, oldest network first;
//  - published ports are appended, in the order they were programmed.
// Rules are written exactly as iptables-save prints them (see ir.ts).
import type { DesiredRules, DesiredTable } from '../ir.js';
import { DOCKER, DOCKER_USER, ISOLATION_1, ISOLATION_2 } from './chains.js';

export interface LayoutNetwork {
  readonly bridge: string;
  readonly subnet: string; // CIDR in network form, e.g. 172.18.0.0/16
  readonly icc: boolean;
  readonly ipMasq: boolean;
  readonly internal: boolean;
}

export interface LayoutPort {
  readonly bridge: string;
  readonly proto: 'tcp' | 'udp' | 'sctp';
  readonly hostIp: string; // '' or 0.0.0.0 = every address
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
}

export interface LayoutInput {
  readonly iptables: boolean;
  /** dockerd's hairpin mode: on when the userland proxy is off. */
  readonly hairpin: boolean;
  readonly networks: readonly LayoutNetwork[];
  readonly ports: readonly LayoutPort[];
}

const OWN_NOTHING: DesiredRules = { tables: [] };

/** The one host address a port is published on; null when it is every address. */
export function boundAddress(p: LayoutPort): string | null {
  return p.hostIp && p.hostIp !== '0.0.0.0' ? p.hostIp : null;
}

export function renderDockerLayout(input: LayoutInput): DesiredRules {
  if (!input.iptables) return OWN_NOTHING;
  const newestFirst = [...input.networks].reverse();
  return { tables: [renderFilter(input, newestFirst), renderNat(input, newestFirst), ...renderMangle(input)] };
}

function renderFilter(input: LayoutInput, newestFirst: readonly LayoutNetwork[]): DesiredTable {
  const forward = [`-j ${DOCKER_USER}`, `-j ${ISOLATION_1}`];
  const stage1: string[] = [];
  const stage2: string[] = [];
  for (const n of newestFirst) {
    forward.push(...forwardRules(n));
    stage1.push(...isolationStage1(n));
    if (!n.internal) stage2.push(`-o ${n.bridge} -j DROP`);
  }
  for (const n of input.networks) if (!n.icc) forward.push(`-i ${n.bridge} -o ${n.bridge} -j DROP`);
  const docker = input.ports.map(
    (p) => `-d ${p.containerIp}/32 ! -i ${p.bridge} -o ${p.bridge} -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j ACCEPT`,
  );
  return {
    name: 'filter',
    chains: [
      { name: DOCKER, rules: docker },
      { name: ISOLATION_1, rules: [...stage1, '-j RETURN'] },
      { name: ISOLATION_2, rules: [...stage2, '-j RETURN'] },
    ],
    builtinRules: [{ chain: 'FORWARD', rules: forward }],
    seedChains: [{ name: DOCKER_USER, rules: ['-j RETURN'] }],
  };
}

/** FORWARD rules of one network, top to bottom (the icc DROP is appended separately). */
function forwardRules(n: LayoutNetwork): string[] {
  const icc = n.icc ? [`-i ${n.bridge} -o ${n.bridge} -j ACCEPT`] : [];
  if (n.internal) return icc;
  return [
    `-o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-o ${n.bridge} -j ${DOCKER}`,
    `-i ${n.bridge} ! -o ${n.bridge} -j ACCEPT`,
    ...icc,
  ];
}

/** An internal network is sealed off by its own two drops instead of the two-stage isolation. */
function isolationStage1(n: LayoutNetwork): string[] {
  if (n.internal) return [`! -s ${n.subnet} -o ${n.bridge} -j DROP`, `! -d ${n.subnet} -i ${n.bridge} -j DROP`];
  return [`-i ${n.bridge} ! -o ${n.bridge} -j ${ISOLATION_2}`];
}

function renderNat(input: LayoutInput, newestFirst: readonly LayoutNetwork[]): DesiredTable {
  const postrouting: string[] = [];
  const docker: string[] = [];
  for (const n of newestFirst) {
    if (n.internal) continue;
    if (input.hairpin) postrouting.push(`-o ${n.bridge} -m addrtype --src-type LOCAL -j MASQUERADE`);
    if (n.ipMasq) postrouting.push(`-s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
    if (n.ipMasq && !input.hairpin) docker.push(`-i ${n.bridge} -j RETURN`);
  }
  const hairpins = new Set<string>();
  for (const p of input.ports) {
    // One container port published twice (-p 8080:80 -p 9090:80) needs one hairpin rule:
    // dockerd appends an identical second copy, which a shared chain cannot tell apart.
    const hairpin = `-s ${p.containerIp}/32 -d ${p.containerIp}/32 -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -j MASQUERADE`;
    if (!hairpins.has(hairpin)) {
      hairpins.add(hairpin);
      postrouting.push(hairpin);
    }
    const address = boundAddress(p);
    const dst = address ? `-d ${address}/32 ` : '';
    const notFromBridge = input.hairpin ? '' : `! -i ${p.bridge} `;
    docker.push(`${dst}${notFromBridge}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`);
  }
  const local = `-m addrtype --dst-type LOCAL -j ${DOCKER}`;
  return {
    name: 'nat',
    chains: [{ name: DOCKER, rules: docker }],
    builtinRules: [
      { chain: 'PREROUTING', rules: [local] },
      { chain: 'OUTPUT', rules: [input.hairpin ? local : `! -d 127.0.0.0/8 ${local}`] },
      { chain: 'POSTROUTING', rules: postrouting },
    ],
    seedChains: [],
  };
}

/** dockerd fills SCTP checksums of published SCTP ports in mangle POSTROUTING. */
function renderMangle(input: LayoutInput): DesiredTable[] {
  const sctp = input.ports.filter((p) => p.proto === 'sctp');
  if (sctp.length === 0) return [];
  return [
    {
      name: 'mangle',
      chains: [],
      builtinRules: [{ chain: 'POSTROUTING', rules: sctp.map((p) => `-p sctp -m sctp --sport ${p.containerPort} -j CHECKSUM --checksum-fill`) }],
      seedChains: [],
    },
  ];
}
