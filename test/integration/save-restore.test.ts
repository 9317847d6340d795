// berth save / berth restore for real, on each firewall backend: a host with a user
// network, published sandboxes a neighbour reaches (a fixed and an ephemeral host
// port), a stopped sandbox and (iptables) an access rule is saved; the host is then
// wiped as a reboot would leave it (berthd and its sandboxes gone, data-root and
// exec-root deleted, sandbox namespaces and bridges gone, the firewall flushed,
// ip_forward back to 0), a fresh berthd starts, and the restore must bring back the
// same networks, addresses, host ports and rules, with the neighbour reaching the
// sandboxes again. Files that are truncated, of another version or edited by hand,
// a restore that fails halfway (a host port taken on the new host, a program gone),
// a restore berthd is killed in, and a restore onto a berthd that is not empty are
// refused, undone or taken back, leaving rules, links, namespaces and records
// exactly as they were.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthHost, EXT_IP, HOST_IP, firewallBackends } from '../helpers/berthd.js';
import { CLIENT, LISTENER, killNamespacePids, pollUntil, runCmd, type Spawned } from '../helpers/netns.js';

interface ContainerJson {
  Names: string[];
  State: string;
}
interface NetworkJson {
  Name: string;
  Driver: string;
  IPAM: { Config: { Subnet: string; Gateway?: string }[] };
}

/** A program's path on PATH. */
function onPath(name: string): string {
  const found = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => join(d, name)).find((f) => existsSync(f));
  if (!found) throw new Error(`${name} is not on PATH`);
  return found;
}

const SLEEP = onPath('sleep');

for (const backend of firewallBackends()) {
  describe(`save and restore (${backend})`, () => {
    const h = new BerthHost(backend);
    let dir = '';
    let file = '';

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'berth-save-'));
      file = join(dir, 'host.berth.json');
      await h.start();
    });
    after(async () => {
      await h.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** Sandbox namespaces of this run's berthd. */
    const sandboxes = async (): Promise<string[]> =>
      (await runCmd(['ip', 'netns', 'list'])).stdout
        .split('\n')
        .map((l) => l.split(' ')[0] ?? '')
        .filter((n) => n.startsWith(h.sandbox('')))
        .sort();

    /** berth's part of the host's firewall, as the backend's own tool lists it (counters left out). */
    const kernelRules = async (): Promise<string> => {
      if (backend === 'iptables') return (await h.iptablesSave()).replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '');
      const r = await h.nets.exec(h.host, ['nft', 'list', 'table', 'ip', 'berth']);
      return r.code === 0 ? r.stdout : `(no table: ${r.stderr.trim()})`;
    };

    /** Everything a restore may change: rules, links, namespaces, records. */
    const fingerprint = async () => ({
      rules: await kernelRules(),
      owned: await h.ok(['rules']),
      links: (await h.nets.exec(h.host, ['ip', '-o', 'link', 'show'])).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(': ')[1]!.split('@')[0]!)
        .sort(),
      addresses: (await h.nets.exec(h.host, ['ip', '-o', '-4', 'addr', 'show'])).stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(1, 4).join(' ')).sort(),
      namespaces: await sandboxes(),
      networks: ((await h.api('GET', '/networks')).body as NetworkJson[]).map((n) => `${n.Name} ${n.Driver} ${JSON.stringify(n.IPAM.Config)}`).sort(),
      containers: ((await h.api('GET', '/containers/json?all=1')).body as ContainerJson[]).map((c) => `${c.Names[0]} ${c.State}`).sort(),
      accessRules: backend === 'iptables' ? (await h.ok(['firewall', 'ls', '-q'])).trim() : '',
    });

    const sleeper = (): string => join(dir, 'sleeper');

    /** Processes of berthd's sandboxes (their shims name an exit file under the exec-root). */
    async function sandboxProcesses(): Promise<number[]> {
      const found: number[] = [];
      for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmdline.includes('berth-shim') && cmdline.includes(h.execRoot)) found.push(Number(pid));
      }
      return found;
    }

    /** What a reboot leaves of the host: nothing of berth's. */
    async function wipeHost(): Promise<void> {
      await h.stopDaemon('SIGKILL');
      for (const ns of await sandboxes()) {
        await killNamespacePids(ns);
        await runCmd(['ip', 'netns', 'del', ns]);
      }
      const bridges = (await h.nets.exec(h.host, ['ip', '-o', 'link', 'show', 'type', 'bridge'])).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(': ')[1]!.split('@')[0]!);
      for (const b of bridges) await h.nets.exec(h.host, ['ip', 'link', 'del', b]);
      for (const table of ['filter', 'nat']) {
        await h.nets.exec(h.host, ['iptables', '-t', table, '-F']);
        await h.nets.exec(h.host, ['iptables', '-t', table, '-X']);
      }
      await h.nets.exec(h.host, ['iptables', '-P', 'FORWARD', 'ACCEPT']);
      if (backend === 'nftables') await h.nets.exec(h.host, ['nft', 'flush', 'ruleset']);
      // iptables: forwarding off as after a reboot, so the fresh berthd turns it on (and drops in FORWARD);
      // nftables: on, as a host's sysctl.conf may have it, so the restore must bring berth's drop policy back.
      await h.nets.exec(h.host, ['sysctl', '-qw', `net.ipv4.ip_forward=${backend === 'iptables' ? 0 : 1}`]);
      await rm(h.dataRoot, { recursive: true, force: true });
      await rm(h.execRoot, { recursive: true, force: true });
    }

    const reaches = (port: number, tag: string) =>
      pollUntil(
        async () => {
          const r = await h.nets.probe(h.ext, 'tcp', HOST_IP, port, 800);
          return r.ok && r.detail.startsWith(`pong ${tag} `) ? r : false;
        },
        { timeoutMs: 10000, what: `the neighbour reaching ${tag} on ${HOST_IP}:${port}` },
      );

    let saved: { rules: string; kernel: string; fp: Awaited<ReturnType<typeof fingerprint>>; ephemeral: number; web: string; db: string; mac: string } | null = null;

    test('berth save writes everything berthd owns to one file (mode 0600)', async () => {
      await h.ok(['network', 'create', 'appnet']);
      await h.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'web']);
      await h.ok(['run', '-d', '--name', 'db', '--network', 'appnet', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '7000', 'db']);
      await h.ok(['run', '-d', '--name', 'eph', '-P', '--expose', '5000', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '5000', 'eph']);
      await h.ok(['create', '--name', 'idle', '--network', 'appnet', '--', 'sleep', '600']);
      // A sandbox whose program can be taken away before a restore, so that its launch fails.
      await copyFile(SLEEP, sleeper());
      await chmod(sleeper(), 0o755);
      await h.ok(['run', '-d', '--name', 'late', '-p', '9090:90', '--', sleeper(), '600']);
      if (backend === 'iptables') await h.ok(['firewall', 'allow', '--from', EXT_IP, '--port', '8080']);
      await reaches(8080, 'web');
      const ephemeral = Number((await h.ok(['port', 'eph', '5000'])).trim().split(':').pop());
      assert.ok(ephemeral > 0, 'eph has a host port');
      await reaches(ephemeral, 'eph');

      const out = await h.ok(['save', file]);
      assert.match(out, new RegExp(`^Saved 1 network, 5 containers \\(4 running\\) and ${backend === 'iptables' ? 1 : 0} firewall rules? to ${file}\\n$`));
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const doc = JSON.parse(await readFile(file, 'utf8')) as { format: string; version: number; backend: string; rules: string; sha256: string };
      assert.deepEqual([doc.format, doc.version, doc.backend], ['berth-save', 1, backend]);
      const rules = await h.ok(['rules']);
      assert.equal(doc.rules, rules, 'the file holds the rules exactly as berth rules prints them');
      assert.match(doc.sha256, /^[0-9a-f]{64}$/);
      saved = {
        rules,
        kernel: await kernelRules(),
        fp: await fingerprint(),
        ephemeral,
        web: await h.ip('web'),
        db: await h.ip('db'),
        mac: (await h.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}', 'web'])).trim(),
      };
    });

    test('on a wiped host, bad files, restores that fail halfway and one berthd is killed in change nothing', async () => {
      assert.ok(saved, 'the save test ran');
      await wipeHost();
      await h.startDaemon();
      const fresh = await fingerprint();
      assert.deepEqual(fresh.namespaces, []);
      assert.deepEqual(fresh.networks.map((n) => n.split(' ')[0]), ['bridge', 'host', 'none']);
      const down = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080, 800);
      assert.equal(down.ok, false, `nothing answers on 8080 after the wipe: ${down.detail}`);

      const text = await readFile(file, 'utf8');
      const doc = JSON.parse(text) as Record<string, unknown>;
      const bad = async (name: string, content: string, message: RegExp): Promise<void> => {
        const path = join(dir, name);
        await writeFile(path, content);
        const r = await h.berth(['restore', path]);
        assert.notEqual(r.code, 0, `${name} is refused`);
        assert.match(r.stderr, message, name);
        assert.deepEqual(await fingerprint(), fresh, `${name}: nothing changed`);
      };
      for (const cut of [1, Math.floor(text.length / 3), text.length - 3]) {
        await bad(`cut-${cut}.json`, text.slice(0, cut), new RegExp(`cut-${cut}\\.json is truncated or not a berth save file`));
      }
      await bad('future.json', JSON.stringify({ ...doc, version: 2 }), /future\.json was made by a different version of berth \(save format version 2/);
      await bad('edited.json', text.replace(/"hostPort": 8080/, '"hostPort": 8081'), /edited\.json was changed after berth saved it \(checksum mismatch\)/);

      // The neighbour's port 8080 is taken on the new host: the restore gets as far as the
      // userland proxy of web, fails there, and takes back everything it had done.
      let squatter: Spawned | null = await h.nets.listen(h.host, 'tcp', 8080, { tag: 'squatter' });
      try {
        const r = await h.berth(['restore', file]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /Error starting userland proxy: listen tcp4 0\.0\.0\.0:8080: bind: address already in use/);
        assert.deepEqual(await fingerprint(), fresh, 'a failed restore leaves nothing behind');
      } finally {
        await squatter.kill();
        squatter = null;
      }

      // late's program is gone: the restore gets past its one rule sync and the launch of
      // the other sandboxes, fails at late's, and takes back everything, rules and processes too.
      await rm(sleeper());
      const r = await h.berth(['restore', file]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`exec: "${sleeper()}": stat ${sleeper()}: no such file or directory`));
      assert.deepEqual(await fingerprint(), fresh, 'a restore failing after its rules were written leaves nothing behind');
      assert.deepEqual(await sandboxProcesses(), [], 'the sandboxes it had launched are gone');
      await copyFile(SLEEP, sleeper());
      await chmod(sleeper(), 0o755);

      // berthd is killed (SIGKILL) right after the restore's one rule transaction, with every
      // sandbox wired and none launched: the program that writes its rules is a wrapper that
      // commits them with the real one, then kills berthd before it can hear the answer, when
      // the rules name appnet's bridge. iptables: each change written to iptables-restore
      // (one process per change, or the long-lived session); nftables: the transaction
      // files the long-lived `nft -i` includes (other nft runs pass through).
      const appnetBridge = (doc['state'] as { networks: { name: string; bridge: { name: string } | null }[] }).networks.find((n) => n.name === 'appnet')!.bridge!.name;
      const writer = backend === 'iptables' ? 'iptables-restore' : 'nft';
      const real = onPath(writer);
      const wrapper =
        backend === 'iptables'
          ? [
              '#!/bin/sh',
              // A change is its lines up to its "# berth-sync N" (the long-lived session) or to the end of the input (one restore per change).
              'change() {',
              `  case "$1" in *${appnetBridge}*) printf '%s' "$1" | "${real}" -w --noflush; kill -KILL "$PPID"; exit 1;; esac`,
              `  printf '%s' "$1"`,
              '}',
              '{',
              "  buf=''",
              '  while IFS= read -r line; do',
              `    buf=$(printf '%s%s\\n_' "$buf" "$line"); buf=\${buf%_}`,
              `    case "$line" in '# berth-sync '*) change "$buf"; buf='';; esac`,
              '  done',
              '  change "$buf"',
              `} | "${real}" "$@"`,
              '',
            ].join('\n')
          : [
              '#!/bin/sh',
              `[ "$1" = -i ] || exec "${real}" "$@"`,
              'while IFS= read -r line; do',
              '  case "$line" in',
              `    'include "'*) f=\${line#include \\"}; f=\${f%\\"}; if grep -q '${appnetBridge}' "$f"; then "${real}" -f "$f"; kill -KILL "$PPID"; exit 1; fi;;`,
              '  esac',
              `  printf '%s\\n' "$line"`,
              `done | "${real}" "$@"`,
              '',
            ].join('\n');
      const bin = join(dir, 'bin');
      await mkdir(bin, { recursive: true });
      await writeFile(join(bin, writer), wrapper, { mode: 0o755 });
      await h.stopDaemon();
      await h.startDaemon([], { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
      const crashed = await h.berth(['restore', file]);
      assert.notEqual(crashed.code, 0, 'berthd died under the restore');
      await h.stopDaemon('SIGKILL');
      assert.match(await kernelRules(), new RegExp(appnetBridge), "the restore's rules were written");
      assert.deepEqual(await sandboxes(), ['db', 'eph', 'late', 'web'].map((n) => h.sandbox(n)), 'every running sandbox was wired');
      assert.deepEqual(await sandboxProcesses(), [], 'none was launched');
      await h.startDaemon();
      assert.match(h.log(), /berthd stopped in the middle of a restore: taking it back/);
      assert.deepEqual(await fingerprint(), fresh, 'the interrupted restore is taken back');
    });

    test('berth restore brings back networks, addresses, host ports, rules and connectivity', async () => {
      assert.ok(saved, 'the save test ran');
      const r = await h.berth(['restore', file]);
      assert.equal(r.code, 0, `${r.stderr}\n${h.log().slice(-2000)}`);
      assert.match(r.stdout, /^Restored 1 network \(appnet\), 5 containers \(4 running: [a-z, ]+\) and [01] firewall rules? from .* in (\d+) ms\n$/);
      process.stderr.write(`# restore (${backend}): ${/in (\d+) ms/.exec(r.stdout)?.[1]} ms\n`);

      await reaches(8080, 'web');
      await reaches(saved.ephemeral, 'eph');
      assert.equal((await sandboxProcesses()).length, 4, 'a process per running sandbox');
      assert.equal(await h.ok(['rules']), saved.rules, 'berth rules prints the saved rules');
      assert.equal(await kernelRules(), saved.kernel, "the kernel holds berth's rules as before the wipe");
      const now = await fingerprint();
      assert.deepEqual(now.networks, saved.fp.networks);
      assert.deepEqual(now.containers, saved.fp.containers);
      assert.deepEqual(now.namespaces, saved.fp.namespaces);
      assert.deepEqual(now.accessRules, saved.fp.accessRules);
      assert.equal(await h.ip('web'), saved.web);
      assert.equal(await h.ip('db'), saved.db);
      assert.equal((await h.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}', 'web'])).trim(), saved.mac);
      // The restored sandboxes are berthd's own again: they reach each other, stop and start.
      const fromWeb = await h.berth(['exec', 'web', '--', process.execPath, '-e', CLIENT, 'tcp', saved.db, '7000', '1500']);
      assert.equal(fromWeb.code, 0, `web reaches db: ${fromWeb.stdout}${fromWeb.stderr}`);
      assert.equal(fromWeb.stdout.trim(), `pong db from ${saved.web}`);
      await h.ok(['start', 'idle']);
      await h.ok(['stop', '-t', '1', 'idle']);
    });

    test('a restore onto a berthd that is not empty is refused and changes nothing', async () => {
      const before = await fingerprint();
      const r = await h.berth(['restore', file]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /berthd is not empty: it has 5 containers \(.*\), 1 network \(appnet\)/);
      assert.deepEqual(await fingerprint(), before);
      await reaches(8080, 'web');
    });
  });
}
