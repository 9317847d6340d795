// Captures reference ("golden") behaviour of the real dockerd 20.10.
//
//   npx tsc -p . && node dist/test/differential/capture.js [NAME...] [--out DIR] [--list]
//
// NAME is a scenario name (see scenarios.ts) or one of the extras
// "inspect", "sysctls", "links". No NAME: every scenario and every extra.
// Each scenario runs against a fresh dockerd in fresh namespaces, so any one
// can be re-captured alone. Output (default test/golden/dockerd/):
//
//   <scenario>.txt        normalized iptables-save after the daemon start and
//                         after each step, as "### after: <step>" sections
//   <scenario>.meta.json  per step: docker argv, exit code, stdout, stderr
//                         (ids replaced by placeholders), daemon warnings
//   inspect/*.json        docker network inspect / docker inspect shapes
//   sysctls.json          what dockerd changed under /proc/sys/net
//   links/*.json          ip -j -d link / addr / route, host and container
//
// Topology of every run: namespace <prefix>-host (dockerd, uplink eth0
// 10.200.0.1/24) --veth-- <prefix>-ext (eth0 10.200.0.2/24).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetnsSet, uniquePrefix, mustRun, runCmd, pollUntil, leftoverNamespaces } from '../helpers/netns.js';
import { startDockerd, type Dockerd } from './dockerd.js';
import { normalizeIptablesSave } from './normalize.js';
import { SCENARIOS, findScenario, stepText, dockerArgv, scenarioSysctls, BASE_SYSCTLS, HTTPD, type Scenario } from './scenarios.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXTRAS = ['inspect', 'sysctls', 'links'] as const;

interface Host {
  readonly set: NetnsSet;
  readonly ns: string;
  readonly ext: string;
  readonly d: Dockerd;
}

// Cleanup of the run in progress, for SIGINT/SIGTERM.
let activeCleanup: (() => Promise<void>) | undefined;
const prefixesUsed: string[] = [];

/**
 * Creates host+ext namespaces, presets sysctls, starts dockerd in host, runs
 * fn, and always cleans up (daemon first, then the namespaces).
 */
async function withHost<T>(
  opts: { flags: readonly string[]; daemonJson?: Readonly<Record<string, unknown>>; sysctls: Readonly<Record<string, string>> },
  fn: (h: Host) => Promise<T>,
  beforeDaemon?: (set: NetnsSet, ns: string) => Promise<void>,
): Promise<T> {
  const set = new NetnsSet(uniquePrefix('bt'));
  prefixesUsed.push(set.prefix);
  let d: Dockerd | undefined;
  const cleanup = async () => {
    await d?.stop();
    await set.cleanup();
  };
  activeCleanup = cleanup;
  try {
    const ns = await set.add('host');
    const ext = await set.add('ext');
    await set.veth({ ns, ifname: 'eth0', addr: '10.200.0.1/24' }, { ns: ext, ifname: 'eth0', addr: '10.200.0.2/24' });
    for (const [k, v] of Object.entries(opts.sysctls)) await mustRun(['nsenter', `--net=${NetnsSet.path(ns)}`, 'sysctl', '-q', '-w', `${k}=${v}`]);
    if (beforeDaemon) await beforeDaemon(set, ns);
    d = await startDockerd(ns, { flags: opts.flags, daemonJson: opts.daemonJson ? { ...opts.daemonJson } : {} });
    return await fn({ set, ns, ext, d });
  } finally {
    await cleanup();
    activeCleanup = undefined;
  }
}

/** Dumps iptables until two reads 100 ms apart agree (bounded): the daemon may still be settling. */
async function settledSave(d: Dockerd): Promise<string> {
  let prev = await d.iptablesSave();
  return pollUntil(
    async () => {
      await new Promise((r) => setTimeout(r, 100));
      const cur = await d.iptablesSave();
      const same = stripVolatile(cur) === stripVolatile(prev);
      prev = cur;
      return same ? cur : false;
    },
    { timeoutMs: 5000, intervalMs: 0, what: 'iptables to settle' },
  );
}

function stripVolatile(dump: string): string {
  return dump
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, ''))
    .join('\n');
}

/** Maps docker ids to stable placeholders; unknown 64-hex ids get <id:N>. */
class IdMap {
  private readonly full = new Map<string, string>();
  private readonly unknown = new Map<string, string>();

  add(id: string, label: string): void {
    if (/^[0-9a-f]{64}$/.test(id) && !this.full.has(id)) this.full.set(id, label);
  }

  apply(text: string): string {
    let out = text.replace(/\b[0-9a-f]{64}\b/g, (id) => {
      const known = this.full.get(id);
      if (known) return `<${known}>`;
      if (!this.unknown.has(id)) this.unknown.set(id, `<id:${this.unknown.size + 1}>`);
      return this.unknown.get(id)!;
    });
    for (const [id, label] of this.full) out = out.replace(new RegExp(`\\b${id.slice(0, 12)}\\b`, 'g'), `<${label}:short>`);
    return out;
  }
}

/** Records container, network and endpoint ids, and the bridge-id -> network-name map. */
async function gatherIds(d: Dockerd, ids: IdMap, bridges: Map<string, string>): Promise<void> {
  const nets = await d.docker(['network', 'ls', '--no-trunc', '--format', '{{.ID}}\t{{.Name}}']);
  for (const line of nets.stdout.split('\n').filter(Boolean)) {
    const [id, name] = line.split('\t');
    if (!id || !name) continue;
    ids.add(id, `network:${name}`);
    bridges.set(id.slice(0, 12), name);
  }
  const cts = await d.docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Names}}']);
  const ctIds: string[] = [];
  for (const line of cts.stdout.split('\n').filter(Boolean)) {
    const [id, name] = line.split('\t');
    if (!id || !name) continue;
    ids.add(id, `container:${name}`);
    ctIds.push(id);
  }
  if (ctIds.length > 0) {
    const eps = await d.docker([
      'inspect', '--format', '{{.Name}}{{range $k, $v := .NetworkSettings.Networks}} {{$k}}={{$v.EndpointID}}{{end}}', ...ctIds,
    ]);
    for (const line of eps.stdout.split('\n').filter(Boolean)) {
      const [name, ...pairs] = line.split(' ');
      for (const p of pairs) {
        const [net, ep] = p.split('=');
        if (ep) ids.add(ep, `endpoint:${(name ?? '').replace(/^\//, '')}@${net}`);
      }
    }
  }
}

/** warning/error lines of the daemon log, without timestamps and without containerd/cgroup environment noise. */
function daemonWarnings(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => /level=(warning|error|fatal)/.test(l))
    .filter((l) => !/containerd|devmapper|blkio|module=grpc|shim disconnected/.test(l))
    .map((l) => l.replace(/^time="[^"]*" /, ''));
}

interface StepRecord {
  step: string;
  dockerArgv: string[];
  expectFail: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

async function captureScenario(sc: Scenario, outDir: string): Promise<void> {
  const t0 = Date.now();
  await withHost({ flags: sc.daemonFlags, daemonJson: sc.daemonJson, sysctls: scenarioSysctls(sc) }, async ({ d }) => {
    const ids = new IdMap();
    const bridges = new Map<string, string>();
    const dumps: { header: string; dump: string }[] = [];
    const steps: StepRecord[] = [];
    await gatherIds(d, ids, bridges);
    dumps.push({ header: 'daemon start', dump: await settledSave(d) });
    for (const step of sc.steps) {
      const argv = dockerArgv(step);
      const r = await d.docker(argv);
      await gatherIds(d, ids, bridges);
      dumps.push({ header: stepText(step), dump: await settledSave(d) });
      steps.push({ step: stepText(step), dockerArgv: argv, expectFail: step.expectFail ?? false, code: r.code, stdout: r.stdout, stderr: r.stderr });
      const surprise = (r.code !== 0) !== (step.expectFail ?? false) ? '  <-- unexpected' : '';
      process.stdout.write(`  ${sc.name}: ${stepText(step)} -> exit ${r.code}${surprise}\n`);
    }
    const txt = dumps.map((x) => `### after: ${x.header}\n${normalizeIptablesSave(x.dump, { bridgeNames: bridges })}`).join('\n');
    await writeFile(join(outDir, `${sc.name}.txt`), txt);
    const meta = {
      scenario: sc.name,
      description: sc.description,
      daemonFlags: sc.daemonFlags,
      daemonJson: sc.daemonJson ?? {},
      sysctls: scenarioSysctls(sc),
      dockerVersion: (await d.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
      iptablesVersion: (await runCmd(['iptables', '--version'])).stdout.trim(),
      steps: steps.map((s) => ({ ...s, stdout: ids.apply(s.stdout), stderr: ids.apply(s.stderr) })),
      // Whether dockerd touched ip6tables at all (it does not without --ipv6/--ip6tables).
      ip6tablesAfterLastStep: normalizeIptablesSave(await d.iptablesSave(6), { bridgeNames: bridges }),
      daemonWarnings: daemonWarnings(d.log()).map((l) => ids.apply(l)),
    };
    await writeFile(join(outDir, `${sc.name}.meta.json`), JSON.stringify(meta, null, 2) + '\n');
  });
  process.stdout.write(`${sc.name}: done in ${Date.now() - t0} ms\n`);
}

// ---- extras ---------------------------------------------------------------

async function captureInspect(outDir: string): Promise<void> {
  const dir = join(outDir, 'inspect');
  await mkdir(dir, { recursive: true });
  await withHost({ flags: [], sysctls: BASE_SYSCTLS }, async ({ d }) => {
    await d.mustDocker(['network', 'create', 'appnet']);
    await d.mustDocker(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', 'bb:latest', ...HTTPD]);
    await d.mustDocker(['run', '-d', '--name', 'web0', '-p', '8081:80', 'bb:latest', ...HTTPD]);
    const save = async (file: string, args: string[]) => {
      const r = await d.mustDocker(args);
      await writeFile(join(dir, file), JSON.stringify(JSON.parse(r.stdout), null, 2) + '\n');
    };
    await save('network-bridge.json', ['network', 'inspect', 'bridge']);
    await save('network-appnet.json', ['network', 'inspect', 'appnet']);
    await save('container-web.json', ['inspect', 'web']);
    await save('container-web0-default-bridge.json', ['inspect', 'web0']);
    await save('network-host-none.json', ['network', 'inspect', 'host', 'none']);
  });
  process.stdout.write('inspect: done\n');
}

// Walks /proc/sys/net of the namespace it runs in and prints {key: value}.
const SYSCTL_DUMP = `
const fs = require('fs'), path = require('path'), out = {};
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else { try { out[p.slice('/proc/sys/'.length).split('/').join('.')] = fs.readFileSync(p, 'utf8').trim().replace(/\\s+/g, ' '); } catch {} }
  }
})('/proc/sys/net');
process.stdout.write(JSON.stringify(out));`;

async function sysctlSnapshot(netPath: string): Promise<Record<string, string>> {
  const r = await mustRun(['nsenter', `--net=${netPath}`, process.execPath, '-e', SYSCTL_DUMP]);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Counters, not settings. */
const VOLATILE_SYSCTL = /nf_conntrack_count|nf_conntrack_buckets|\.stat\b/;
const IFACE_KEY = /^net\.(ipv4|ipv6)\.(conf|neigh)\.([^.]+)\.(.+)$/;

/** Keys that changed between two snapshots (interfaces that are new are compared with their family's `default`). */
function sysctlDiff(before: Record<string, string>, after: Record<string, string>, bridges: ReadonlyMap<string, string>) {
  const changed: Record<string, { before: string; after: string }> = {};
  const newInterfaces: Record<string, Record<string, { default: string; value: string }>> = {};
  const ifName = (n: string) =>
    n.replace(/^veth[0-9a-f]{7}$/, 'veth<7 hex>').replace(/^br-([0-9a-f]{12})$/, (m, id: string) => (bridges.has(id) ? `br-<${bridges.get(id)}>` : m));
  for (const [k, v] of Object.entries(after)) {
    if (VOLATILE_SYSCTL.test(k)) continue;
    if (k in before) {
      if (before[k] !== v) changed[k] = { before: before[k]!, after: v };
      continue;
    }
    const m = IFACE_KEY.exec(k);
    if (!m) {
      changed[k] = { before: '(absent)', after: v };
      continue;
    }
    const [, fam, kind, dev, rest] = m;
    const def = after[`net.${fam}.${kind}.default.${rest}`];
    if (def !== undefined && def !== v) {
      const key = ifName(dev!);
      newInterfaces[key] ??= {};
      newInterfaces[key]![`net.${fam}.${kind}.<dev>.${rest}`] = { default: def, value: v };
    }
  }
  for (const k of Object.keys(before)) if (!(k in after)) changed[k] = { before: before[k]!, after: '(absent)' };
  return { changed, newInterfaces };
}

async function captureSysctls(outDir: string): Promise<void> {
  const variants: { name: string; flags: string[]; sysctls?: Record<string, string> }[] = [
    { name: 'default', flags: [] },
    { name: 'userland-proxy-false', flags: ['--userland-proxy=false'] },
    {
      name: 'bridge-nf-call-preset-0',
      flags: [],
      sysctls: { 'net.bridge.bridge-nf-call-iptables': '0', 'net.bridge.bridge-nf-call-ip6tables': '0' },
    },
    {
      name: 'icc-false-bridge-nf-call-preset-0',
      flags: ['--icc=false'],
      sysctls: { 'net.bridge.bridge-nf-call-iptables': '0', 'net.bridge.bridge-nf-call-ip6tables': '0' },
    },
  ];
  const result: Record<string, unknown> = {
    note:
      'Host namespace: diff of /proc/sys/net before dockerd vs after daemon start and after '
      + '`network create appnet`, `run -d --name web -p 8080:80`, `run -d --name app --network appnet -p 8081:80`. '
      + 'Sysctls preset before dockerd starts: see presetSysctls; "before" is read after presetting. '
      + 'Keys of interfaces dockerd created are listed under newInterfaces only where they differ from the family default. '
      + 'Container: eth0/lo/all keys of the container namespace that differ from a fresh namespace (our host namespace before dockerd). '
      + 'Kernel side effects, not separate writes by dockerd: writing net.ipv4.ip_forward=1 sets conf.*.forwarding=1 and '
      + 'conf.all.accept_redirects=0; ipv6 conf.<dev>.mtu follows the link MTU.',
  };
  for (const v of variants) {
    let before: Record<string, string> = {};
    await withHost(
      { flags: v.flags, sysctls: { ...BASE_SYSCTLS, ...(v.sysctls ?? {}) } },
      async ({ d, ns }) => {
        const hostPath = NetnsSet.path(ns);
        const afterStart = await sysctlSnapshot(hostPath);
        await d.mustDocker(['network', 'create', 'appnet']);
        await d.mustDocker(['run', '-d', '--name', 'web', '-p', '8080:80', 'bb:latest', ...HTTPD]);
        await d.mustDocker(['run', '-d', '--name', 'app', '--network', 'appnet', '-p', '8081:80', 'bb:latest', ...HTTPD]);
        const afterRun = await sysctlSnapshot(hostPath);
        const bridges = new Map<string, string>();
        const nets = await d.mustDocker(['network', 'ls', '--no-trunc', '--format', '{{.ID}}\t{{.Name}}']);
        for (const line of nets.stdout.split('\n').filter(Boolean)) {
          const [id, name] = line.split('\t');
          if (id && name) bridges.set(id.slice(0, 12), name);
        }
        // The values that matter most, read directly.
        const pick = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, afterRun[k] ?? '(absent)']));
        const summary = {
          ...pick([
            'net.ipv4.ip_forward',
            'net.ipv4.ip_local_port_range',
            'net.bridge.bridge-nf-call-iptables',
            'net.bridge.bridge-nf-call-ip6tables',
            'net.ipv4.conf.all.route_localnet',
          ]),
          ...Object.fromEntries(
            Object.keys(afterRun)
              .filter((k) => /^net\.ipv4\.conf\.(docker0|br-[0-9a-f]{12})\.route_localnet$/.test(k))
              .map((k) => [k.replace(/br-([0-9a-f]{12})/, (_m, id: string) => `br-<${bridges.get(id) ?? id}>`), afterRun[k]]),
          ),
          'before dockerd: net.ipv4.ip_forward': before['net.ipv4.ip_forward'],
          'before dockerd: net.bridge.bridge-nf-call-iptables': before['net.bridge.bridge-nf-call-iptables'] ?? '(absent)',
        };
        const pid = await d.containerPid('web');
        const ctr = await sysctlSnapshot(`/proc/${pid}/ns/net`);
        // Container namespace vs a fresh namespace: only global and all/default/lo/eth0 keys.
        const ctrChanged: Record<string, { freshNamespace: string; container: string }> = {};
        for (const [k, val] of Object.entries(ctr)) {
          if (VOLATILE_SYSCTL.test(k)) continue;
          const m = IFACE_KEY.exec(k);
          const fresh = m && m[3] === 'eth0' ? before[`net.${m[1]}.${m[2]}.default.${m[4]}`] : before[k];
          if (fresh !== undefined && fresh !== val) ctrChanged[k] = { freshNamespace: fresh, container: val };
        }
        result[v.name] = {
          daemonFlags: v.flags,
          presetSysctls: { ...BASE_SYSCTLS, ...(v.sysctls ?? {}) },
          summary,
          afterDaemonStart: sysctlDiff(before, afterStart, bridges),
          afterRuns: sysctlDiff(before, afterRun, bridges),
          container: ctrChanged,
        };
      },
      async (_set, ns) => {
        before = await sysctlSnapshot(NetnsSet.path(ns));
      },
    );
  }
  await writeFile(join(outDir, 'sysctls.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write('sysctls: done\n');
}

async function ipJson(netPath: string, args: string[]): Promise<unknown> {
  const r = await mustRun(['nsenter', `--net=${netPath}`, 'ip', '-j', ...args]);
  return JSON.parse(r.stdout || '[]') as unknown;
}

async function linkView(netPath: string): Promise<Record<string, unknown>> {
  return {
    'ip -j -d link show': await ipJson(netPath, ['-d', 'link', 'show']),
    'ip -j addr show': await ipJson(netPath, ['addr', 'show']),
    'ip -j route show': await ipJson(netPath, ['route', 'show']),
  };
}

async function captureLinks(outDir: string): Promise<void> {
  const dir = join(outDir, 'links');
  await mkdir(dir, { recursive: true });
  const cases: { file: string; flags: string[]; setup: string[][]; container: string; note: string }[] = [
    {
      file: 'default-bridge.json',
      flags: [],
      setup: [['run', '-d', '--name', 'web', '-p', '8080:80', 'bb:latest', ...HTTPD]],
      container: 'web',
      note: 'default daemon; one container on docker0 with -p 8080:80',
    },
    {
      file: 'user-network.json',
      flags: [],
      setup: [
        ['network', 'create', 'appnet'],
        ['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', 'bb:latest', ...HTTPD],
        ['network', 'create', '-o', 'com.docker.network.bridge.name=mybr0', '-o', 'com.docker.network.driver.mtu=1450', 'named'],
        ['run', '-d', '--name', 'other', '--network', 'named', 'bb:latest', 'sleep', '3600'],
      ],
      container: 'web',
      note: 'appnet (br-<id>) with web; network "named" (bridge mybr0, driver mtu 1450) with other; container view is web',
    },
    {
      file: 'daemon-bip-mtu.json',
      flags: ['--bip=10.66.0.1/24', '--mtu=1400'],
      setup: [['run', '-d', '--name', 'web', '-p', '8080:80', 'bb:latest', ...HTTPD]],
      container: 'web',
      note: 'dockerd --bip=10.66.0.1/24 --mtu=1400; one container',
    },
  ];
  for (const c of cases) {
    await withHost({ flags: c.flags, sysctls: BASE_SYSCTLS }, async ({ d, ns }) => {
      for (const args of c.setup) await d.mustDocker(args);
      const pid = await d.containerPid(c.container);
      const nets = await d.mustDocker(['network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}}']);
      const out = {
        note: c.note,
        daemonFlags: c.flags,
        dockerSteps: c.setup.map((a) => a.join(' ')),
        networks: nets.stdout.trim().split('\n'),
        host: await linkView(NetnsSet.path(ns)),
        container: { name: c.container, ...(await linkView(`/proc/${pid}/ns/net`)) },
      };
      await writeFile(join(dir, c.file), JSON.stringify(out, null, 2) + '\n');
    });
  }
  process.stdout.write('links: done\n');
}

// ---- main -----------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  let outDir = resolve(REPO_ROOT, 'test/golden/dockerd');
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') outDir = resolve(argv[++i] ?? '.');
    else if (a === '--list') {
      for (const s of SCENARIOS) process.stdout.write(`${s.name}\t${s.description}\n`);
      for (const e of EXTRAS) process.stdout.write(`${e}\t(extra)\n`);
      return 0;
    } else names.push(a);
  }
  const wanted = names.length > 0 ? names : [...SCENARIOS.map((s) => s.name), ...EXTRAS];
  for (const n of wanted) {
    if (!findScenario(n) && !(EXTRAS as readonly string[]).includes(n)) {
      process.stderr.write(`unknown scenario or extra: ${n} (try --list)\n`);
      return 2;
    }
  }
  await mkdir(outDir, { recursive: true });
  let failures = 0;
  for (const n of wanted) {
    try {
      const sc = findScenario(n);
      if (sc) await captureScenario(sc, outDir);
      else if (n === 'inspect') await captureInspect(outDir);
      else if (n === 'sysctls') await captureSysctls(outDir);
      else if (n === 'links') await captureLinks(outDir);
    } catch (e) {
      failures++;
      process.stderr.write(`${n}: FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    }
  }
  // The root namespace must be untouched: no namespaces of ours left, no DOCKER chains.
  for (const p of prefixesUsed) {
    const left = await leftoverNamespaces(p);
    if (left.length > 0) {
      failures++;
      process.stderr.write(`leftover namespaces: ${left.join(' ')}\n`);
    }
  }
  const root = await runCmd(['iptables-save']);
  if (/DOCKER/.test(root.stdout)) {
    failures++;
    process.stderr.write('root namespace iptables-save shows DOCKER chains!\n');
  }
  process.stdout.write(`${wanted.length - failures} ok, ${failures} failed; output in ${outDir}\n`);
  return failures === 0 ? 0 : 1;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`${sig}: cleaning up\n`);
    void (activeCleanup ?? (async () => undefined))().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
