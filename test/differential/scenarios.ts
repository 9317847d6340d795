// Differential scenarios as plain data, neutral between dockerd and berth.
//
// A scenario starts a fresh daemon (with `daemonFlags`, optional daemon.json
// keys and sysctls preset in the namespace before the daemon starts) in a
// fresh namespace, then runs `steps` in order. After the daemon start and
// after each step the harness records the normalized iptables-save, the exit
// code and the output.
//
// A step is either
//   {cli: argv}                  a docker-compatible command line without the
//                                program name, e.g. ["network","create","appnet"];
//   {run: {flags, cmd}}          a container run: dockerd gets
//                                `run FLAGS bb:latest CMD...`, berth gets
//                                `run FLAGS -- CMD...`.
// `expectFail: true` marks steps that are meant to fail (error scenarios);
// the harness records them either way.
//
// Containers are always named (no random names in messages) and run
// commands that exist both in the busybox image and on a Debian host.

export interface RunSpec {
  readonly flags: readonly string[];
  readonly cmd: readonly string[];
}

export type Step =
  | { readonly cli: readonly string[]; readonly expectFail?: boolean }
  | { readonly run: RunSpec; readonly expectFail?: boolean };

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly daemonFlags: readonly string[];
  /** daemon.json content (same keys as Docker's). */
  readonly daemonJson?: Readonly<Record<string, unknown>>;
  /** sysctls (dotted names) set in the daemon's namespace before it starts. */
  readonly preSysctls?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

/** Long-running command; PID 1 without a SIGTERM handler: use `rm -f`, not `stop`. */
export const SLEEP = ['sleep', '3600'] as const;
/** Exits on SIGTERM at once, so `stop` does not wait for the 10 s grace period. */
export const STOPPABLE = ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"] as const;
/** The image bb:latest holds busybox httpd; on a host use `busybox httpd`. */
export const HTTPD = ['httpd', '-f', '-p', '80'] as const;

const run = (flags: readonly string[], cmd: readonly string[] = SLEEP, expectFail = false): Step =>
  expectFail ? { run: { flags, cmd }, expectFail } : { run: { flags, cmd } };
const cli = (...argv: string[]): Step => ({ cli: argv });
const cliFail = (...argv: string[]): Step => ({ cli: argv, expectFail: true });

export const SCENARIOS: readonly Scenario[] = [
  // ---- daemon start and daemon flags --------------------------------------
  { name: 'daemon-start', description: 'plain daemon start: base chains, jumps, docker0 masquerade', daemonFlags: [], steps: [] },
  {
    name: 'iptables-false',
    description: '--iptables=false: dockerd touches no table, even with -p',
    daemonFlags: ['--iptables=false'],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80']), cli('network', 'create', 'appnet'), run(['-d', '--name', 'app', '--network', 'appnet', '-p', '8081:80'])],
  },
  {
    name: 'daemon-json-iptables-false',
    description: 'daemon.json {"iptables": false} behaves like the flag',
    daemonFlags: [],
    daemonJson: { iptables: false },
    steps: [run(['-d', '--name', 'web', '-p', '8080:80'])],
  },
  {
    name: 'daemon-bip-mtu',
    description: '--bip and --mtu: docker0 addressing and MTU (see links/), same rule shapes',
    daemonFlags: ['--bip=10.66.0.1/24', '--mtu=1400'],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80'])],
  },
  {
    name: 'daemon-icc-off',
    description: '--icc=false: docker0 intra-bridge DROP instead of ACCEPT; user networks unaffected',
    daemonFlags: ['--icc=false'],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80']), cli('network', 'create', 'appnet')],
  },
  {
    name: 'daemon-ip-masq-off',
    description: '--ip-masq=false: no MASQUERADE for docker0 (hairpin per-port rules still?)',
    daemonFlags: ['--ip-masq=false'],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80']), cli('network', 'create', 'appnet')],
  },
  {
    name: 'daemon-userland-proxy-off',
    description: '--userland-proxy=false: hairpin NAT, route_localnet (see sysctls.json)',
    daemonFlags: ['--userland-proxy=false'],
    steps: [
      run(['-d', '--name', 'web', '-p', '8080:80']),
      run(['-d', '--name', 'loc', '-p', '127.0.0.1:8081:80']),
      cli('network', 'create', 'appnet'),
      run(['-d', '--name', 'app', '--network', 'appnet', '-p', '8082:80']),
    ],
  },
  {
    name: 'daemon-fixed-cidr',
    description: '--fixed-cidr inside the default docker0 subnet: containers get addresses from it',
    daemonFlags: ['--fixed-cidr=172.17.128.0/17'],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80']), cli('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web')],
  },
  {
    name: 'daemon-bip-fixed-cidr',
    description: '--bip with --fixed-cidr',
    daemonFlags: ['--bip=10.70.0.1/16', '--fixed-cidr=10.70.8.0/24'],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80']), cli('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web')],
  },
  {
    name: 'daemon-default-address-pool',
    description: '--default-address-pool: user networks are carved from it',
    daemonFlags: ['--default-address-pool', 'base=10.123.0.0/16,size=24'],
    steps: [
      cli('network', 'create', 'net1'),
      cli('network', 'create', 'net2'),
      cli('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}', 'bridge', 'net1', 'net2'),
    ],
  },
  {
    name: 'daemon-ip-forward-off',
    description: '--ip-forward=false with ip_forward=0 in the namespace: FORWARD policy untouched, run warns',
    daemonFlags: ['--ip-forward=false'],
    preSysctls: { 'net.ipv4.ip_forward': '0' },
    steps: [run(['-d', '--name', 'web', '-p', '8080:80'])],
  },
  {
    name: 'daemon-ip-forward-preset',
    description: 'ip_forward already 1 before dockerd starts: dockerd leaves the FORWARD policy ACCEPT',
    daemonFlags: [],
    preSysctls: { 'net.ipv4.ip_forward': '1' },
    steps: [run(['-d', '--name', 'web', '-p', '8080:80'])],
  },

  // ---- publishing on the default bridge ---------------------------------
  {
    name: 'publish-tcp',
    description: '-p 8080:80: filter DOCKER ACCEPT, nat hairpin MASQUERADE, nat DOCKER DNAT',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80'], HTTPD), cli('port', 'web')],
  },
  {
    name: 'publish-all-expose',
    description: '-P with --expose: ephemeral host ports from ip_local_port_range',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'web', '-P', '--expose', '80', '--expose', '443']), cli('port', 'web')],
  },
  {
    name: 'publish-host-ip',
    description: '-p 127.0.0.1:8081:80: DNAT restricted to -d 127.0.0.1',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'web', '-p', '127.0.0.1:8081:80']), cli('port', 'web')],
  },
  {
    name: 'publish-udp',
    description: '-p 5353:53/udp',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'dns', '-p', '5353:53/udp']), cli('port', 'dns')],
  },
  {
    name: 'publish-sctp',
    description:
      '-p 9999:9999/sctp with the userland proxy. dockerd reserves the host port with a real SCTP socket, so on a kernel '
      + 'without CONFIG_IP_SCTP (like the capture machine) the run fails with "protocol not supported" and no rule is left',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'sc', '-p', '9999:9999/sctp'], SLEEP, true), cli('port', 'sc')],
  },
  {
    name: 'publish-sctp-no-proxy',
    description:
      '-p 9999:9999/sctp with --userland-proxy=false: still needs an SCTP socket to reserve the port, so it fails the same '
      + 'way without CONFIG_IP_SCTP (the message lacks the "Error starting userland proxy:" prefix)',
    daemonFlags: ['--userland-proxy=false'],
    steps: [run(['-d', '--name', 'sc', '-p', '9999:9999/sctp'], SLEEP, true), cli('port', 'sc')],
  },
  {
    name: 'publish-range',
    description: '-p 9000-9003:9000-9003: one rule triple per port',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'web', '-p', '9000-9003:9000-9003']), cli('port', 'web')],
  },
  {
    name: 'publish-two-ports',
    description: 'two -p on one container, and a tcp+udp pair on the same port',
    daemonFlags: [],
    steps: [
      run(['-d', '--name', 'web', '-p', '8080:80', '-p', '8443:443']),
      run(['-d', '--name', 'both', '-p', '5000:5000/tcp', '-p', '5000:5000/udp']),
      cli('port', 'web'),
    ],
  },

  // ---- user-defined networks -----------------------------------------
  {
    name: 'user-network',
    description: 'network create appnet, container on it with -p',
    daemonFlags: [],
    steps: [cli('network', 'create', 'appnet'), run(['-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80'], HTTPD)],
  },
  {
    name: 'two-user-networks',
    description: 'two user networks each with a published container: ISOLATION stages',
    daemonFlags: [],
    steps: [
      cli('network', 'create', 'net1'),
      cli('network', 'create', 'net2'),
      run(['-d', '--name', 'web1', '--network', 'net1', '-p', '8081:80']),
      run(['-d', '--name', 'web2', '--network', 'net2', '-p', '8082:80']),
    ],
  },
  {
    name: 'internal-network',
    description: '--internal network: isolation DROPs, no masquerade, -p ignored',
    daemonFlags: [],
    steps: [cli('network', 'create', '--internal', 'intnet'), run(['-d', '--name', 'web', '--network', 'intnet', '-p', '8080:80']), cli('port', 'web')],
  },
  {
    name: 'bridge-icc-off',
    description: '-o com.docker.network.bridge.enable_icc=false on a user network',
    daemonFlags: [],
    steps: [
      cli('network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', 'noicc'),
      run(['-d', '--name', 'web', '--network', 'noicc', '-p', '8080:80']),
    ],
  },
  {
    name: 'bridge-masq-off',
    description: '-o com.docker.network.bridge.enable_ip_masquerade=false on a user network',
    daemonFlags: [],
    steps: [
      cli('network', 'create', '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', 'nomasq'),
      run(['-d', '--name', 'web', '--network', 'nomasq', '-p', '8080:80']),
    ],
  },
  {
    name: 'bridge-name-option',
    description: '-o com.docker.network.bridge.name=mybr0: rules use mybr0',
    daemonFlags: [],
    steps: [
      cli('network', 'create', '-o', 'com.docker.network.bridge.name=mybr0', 'named'),
      run(['-d', '--name', 'web', '--network', 'named', '-p', '8080:80']),
    ],
  },
  {
    name: 'subnet-gateway-iprange',
    description: '--subnet/--gateway/--ip-range and --ip',
    daemonFlags: [],
    steps: [
      cli('network', 'create', '--subnet', '10.50.0.0/16', '--gateway', '10.50.0.254', '--ip-range', '10.50.8.0/24', 'custom'),
      run(['-d', '--name', 'fixed', '--network', 'custom', '--ip', '10.50.8.10', '-p', '8080:80']),
      run(['-d', '--name', 'auto', '--network', 'custom', '-p', '8081:80']),
      cli('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}}{{end}}', 'fixed', 'auto'),
    ],
  },
  {
    name: 'connect-disconnect',
    description: 'network connect/disconnect of a published container',
    daemonFlags: [],
    steps: [
      cli('network', 'create', 'appnet'),
      run(['-d', '--name', 'web', '-p', '8080:80']),
      cli('network', 'connect', 'appnet', 'web'),
      cli('network', 'disconnect', 'bridge', 'web'),
      cli('network', 'connect', 'bridge', 'web'),
      cli('network', 'disconnect', 'appnet', 'web'),
      cli('port', 'web'),
    ],
  },
  {
    name: 'user-network-connect-published',
    description: 'published container on a user network, connected to a second user network',
    daemonFlags: [],
    steps: [
      cli('network', 'create', 'front'),
      cli('network', 'create', 'back'),
      run(['-d', '--name', 'web', '--network', 'front', '-p', '8080:80']),
      cli('network', 'connect', 'back', 'web'),
      cli('network', 'disconnect', 'front', 'web'),
    ],
  },

  // ---- other network modes ------------------------------------------------
  {
    name: 'network-container-mode',
    description: '--network container:web shares web\'s namespace; -p with it is an error',
    daemonFlags: [],
    steps: [
      run(['-d', '--name', 'web', '-p', '8080:80']),
      run(['-d', '--name', 'side', '--network', 'container:web']),
      run(['-d', '--name', 'bad', '--network', 'container:web', '-p', '8081:80'], SLEEP, true),
    ],
  },
  {
    name: 'network-host',
    description: '--network host with -p: warning, no rules',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'hostweb', '--network', 'host', '-p', '8080:80'])],
  },
  {
    name: 'network-none',
    description: '--network none; then with -p',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'iso', '--network', 'none']), run(['-d', '--name', 'iso2', '--network', 'none', '-p', '8080:80'])],
  },

  // ---- lifecycle ---------------------------------------------------------
  {
    name: 'stop-start',
    description: 'stop then start of a published container: rules removed and re-added',
    daemonFlags: [],
    steps: [
      run(['-d', '--name', 'web', '-p', '8080:80'], STOPPABLE),
      cli('stop', 'web'),
      cli('start', 'web'),
      cli('port', 'web'),
    ],
  },
  {
    name: 'network-rm',
    description: 'network rm: bridge rules removed',
    daemonFlags: [],
    steps: [
      cli('network', 'create', 'appnet'),
      cli('network', 'create', 'other'),
      run(['-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80']),
      cli('rm', '-f', 'web'),
      cli('network', 'rm', 'appnet'),
      cli('network', 'rm', 'other'),
    ],
  },
  {
    name: 'rm-f-published',
    description: 'rm -f of a published container removes its rules',
    daemonFlags: [],
    steps: [run(['-d', '--name', 'web', '-p', '8080:80']), run(['-d', '--name', 'web2', '-p', '8081:80']), cli('rm', '-f', 'web')],
  },

  // ---- error messages -------------------------------------------------------
  {
    name: 'error-port-allocated',
    description: 'publishing the same host port twice',
    daemonFlags: [],
    steps: [
      run(['-d', '--name', 'web', '-p', '8080:80']),
      run(['-d', '--name', 'web2', '-p', '8080:80'], SLEEP, true),
      cli('ps', '-a', '--format', '{{.Names}} {{.Status}}'),
      cli('rm', 'web2'),
      run(['-d', '--name', 'web3', '-p', '127.0.0.1:8080:80'], SLEEP, true),
      cli('rm', '-f', 'web3'),
      run(['-d', '--name', 'web4', '-p', '8080:80/udp']),
    ],
  },
  {
    name: 'error-overlapping-subnets',
    description: 'two networks with overlapping subnets',
    daemonFlags: [],
    steps: [
      cli('network', 'create', '--subnet', '10.10.0.0/16', 'n1'),
      cliFail('network', 'create', '--subnet', '10.10.1.0/24', 'n2'),
      cliFail('network', 'create', '--subnet', '172.17.5.0/24', 'n3'),
    ],
  },
  {
    name: 'error-duplicate-network',
    description: 'network create of an existing name',
    daemonFlags: [],
    steps: [cli('network', 'create', 'appnet'), cliFail('network', 'create', 'appnet'), cliFail('network', 'create', 'bridge')],
  },
  {
    name: 'error-network-in-use',
    description: 'network rm of a network with an active endpoint',
    daemonFlags: [],
    steps: [
      cli('network', 'create', 'appnet'),
      run(['-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80']),
      cliFail('network', 'rm', 'appnet'),
      cliFail('network', 'rm', 'bridge'),
    ],
  },
  {
    name: 'error-unknown-network',
    description: 'unknown network in run, connect, disconnect, rm, inspect',
    daemonFlags: [],
    steps: [
      run(['-d', '--name', 'web', '--network', 'nosuch'], SLEEP, true),
      cli('rm', '-f', 'web'),
      run(['-d', '--name', 'web', '-p', '8080:80']),
      cliFail('network', 'connect', 'nosuch', 'web'),
      cliFail('network', 'disconnect', 'nosuch', 'web'),
      cliFail('network', 'rm', 'nosuch'),
      cliFail('network', 'inspect', 'nosuch'),
      cliFail('network', 'connect', 'bridge', 'nosuchcontainer'),
    ],
  },
  {
    name: 'error-misc',
    description:
      'one-letter container name (invalid), --ip on the default bridge (accepted by 20.10), --ip outside the subnet, '
      + 'bad port, double connect/disconnect, bad gateway/ip-range/subnet',
    daemonFlags: [],
    steps: [
      run(['-d', '--name', 'x'], SLEEP, true),
      run(['-d', '--name', 'ipa', '--ip', '172.17.0.50']),
      cli('rm', '-f', 'ipa'),
      cli('network', 'create', '--subnet', '10.60.0.0/24', 'appnet'),
      run(['-d', '--name', 'ipb', '--network', 'appnet', '--ip', '10.61.0.5'], SLEEP, true),
      cli('rm', '-f', 'ipb'),
      run(['-d', '--name', 'badport', '-p', '70000:80'], SLEEP, true),
      run(['-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80']),
      cliFail('network', 'connect', 'appnet', 'web'),
      cliFail('network', 'disconnect', 'bridge', 'web'),
      cliFail('network', 'create', '--subnet', '10.62.0.0/24', '--gateway', '10.63.0.1', 'badgw'),
      cliFail('network', 'create', '--ip-range', '10.64.0.0/24', 'norange'),
      cliFail('network', 'create', '--internal', '--subnet', 'notacidr', 'badcidr'),
    ],
  },
];

/**
 * Sysctls set in every scenario's namespace before the daemon starts, then
 * the scenario's own `preSysctls`. A new namespace copies ip_forward from the
 * root namespace, and dockerd only sets the FORWARD policy to DROP when it
 * has to turn forwarding on itself, so without this the layout would depend
 * on the machine the capture ran on.
 */
export const BASE_SYSCTLS: Readonly<Record<string, string>> = { 'net.ipv4.ip_forward': '0' };

/** All sysctls to preset for a scenario (base first, scenario overrides). */
export function scenarioSysctls(sc: Scenario): Record<string, string> {
  return { ...BASE_SYSCTLS, ...(sc.preSysctls ?? {}) };
}

/** The scenario called `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

/** One-line, implementation-neutral text of a step (used in golden section headers). */
export function stepText(step: Step): string {
  if ('cli' in step) return step.cli.map(quote).join(' ');
  return ['run', ...step.run.flags, '--', ...step.run.cmd].map(quote).join(' ');
}

/** docker CLI argv (without the program and -H) for a step. */
export function dockerArgv(step: Step, image = 'bb:latest'): string[] {
  if ('cli' in step) return [...step.cli];
  return ['run', ...step.run.flags, image, ...step.run.cmd];
}

/** berth CLI argv (without the program and -H) for a step. */
export function berthArgv(step: Step): string[] {
  if ('cli' in step) return [...step.cli];
  return ['run', ...step.run.flags, '--', ...step.run.cmd];
}
