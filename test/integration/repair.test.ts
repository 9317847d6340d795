// Repair instead of restart: when berth's rules are flushed or overwritten behind
// its back, berthd notices and restores exactly what it owns, in place; published
// ports carry traffic again, and what survived of the user chain (DOCKER-USER, or
// nftables' berth-user) and foreign rules is left as it is. The time from the
// damage to the restored ruleset is reported. The same damages, in each backend's
// own tool, run on each backend (BERTH_FIREWALL_BACKEND narrows the run to one).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BerthHost, HOST_IP, firewallBackends, type FirewallBackendName } from '../helpers/berthd.js';
import { LISTENER, pollUntil } from '../helpers/netns.js';

type Argv = readonly string[];

/** What damages the rules, as a user or a firewall tool would, in the backend's own terms. */
interface Damages {
  /** A rule of the user's in the user chain, and a foreign one outside berth's. */
  readonly userAndForeign: readonly Argv[];
  /** Empties some of berth's own chains (and, nftables, a map), user chain and foreign rules untouched. */
  readonly partial: readonly Argv[];
  /** Wipes every table: the user's and foreign rules go too. */
  readonly full: readonly Argv[];
  /** An old ruleset file loaded over berth (a firewall reload) ... */
  readonly oldFile: { readonly argv: Argv; readonly text: string };
  /** ... and what the ruleset is once berth restored its rules, from the healthy one before. */
  readonly afterOldFile: (healthy: string) => string;
}

const DAMAGES: Record<FirewallBackendName, Damages> = {
  iptables: {
    userAndForeign: [
      ['iptables', '-I', 'DOCKER-USER', '-s', '10.9.9.9/32', '-j', 'DROP'],
      ['iptables', '-A', 'FORWARD', '-s', '10.8.8.8/32', '-j', 'ACCEPT'],
    ],
    partial: [
      ['iptables', '-F', 'DOCKER'],
      ['iptables', '-t', 'nat', '-F', 'DOCKER'],
      ['iptables', '-D', 'FORWARD', '-j', 'DOCKER-ISOLATION-STAGE-1'],
    ],
    full: ['filter', 'nat'].flatMap((table) => [
      ['iptables', '-t', table, '-F'],
      ['iptables', '-t', table, '-X'],
    ]),
    oldFile: {
      argv: ['iptables-restore'],
      text: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 10.5.5.5/32 -j ACCEPT\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n',
    },
    // berth's rules back, and the restored file's own INPUT rule kept (INPUT's rules print first).
    afterOldFile: (healthy) => healthy.replace(/(\*filter\n(?::.*\n)*)/, '$1-A INPUT -s 10.5.5.5/32 -j ACCEPT\n'),
  },
  nftables: {
    userAndForeign: [
      ['nft', 'add rule ip berth berth-user ip saddr 10.9.9.9 drop'],
      ['nft', 'add table ip other; add chain ip other forward { type filter hook forward priority 10; }; add rule ip other forward ip saddr 10.8.8.8 accept'],
    ],
    partial: [
      ['nft', 'flush chain ip berth forward'],
      ['nft', 'flush chain ip berth prerouting'],
      ['nft', 'flush map ip berth published-any'],
    ],
    full: [['nft', 'flush ruleset']],
    // What `systemctl reload nftables` does with a typical /etc/nftables.conf.
    oldFile: { argv: ['nft', '-f', '-'], text: 'flush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t\tip saddr 10.5.5.5 accept\n\t}\n}\n' },
    // The file's table, then berth's own again.
    afterOldFile: (healthy) =>
      `table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tip saddr 10.5.5.5 accept\n\t}\n}\n${healthy}`,
  },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

for (const backend of firewallBackends()) {
  describe(`on ${backend}`, () => {
    const h = new BerthHost(backend);
    const damages = DAMAGES[backend];
    /** The ruleset before any user or foreign rule was added. */
    let pristine = '';

    /** The ruleset as the backend's tool prints it, without comments and counters. */
    async function rules(): Promise<string> {
      return (await h.rulesetDump())
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .map((l) => l.replace(/\s*\[\d+:\d+\]$/, ''))
        .join('\n');
    }

    async function runAll(commands: readonly Argv[]): Promise<void> {
      for (const argv of commands) {
        const r = await h.nets.exec(h.host, [...argv]);
        assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
      }
    }

    /** Damages the rules, then waits until the ruleset satisfies `restored`; returns the ms it took. */
    async function timeRepair(damage: readonly Argv[], restored: (now: string) => boolean): Promise<number> {
      const t0 = performance.now();
      await runAll(damage);
      await pollUntil(async () => restored(await rules()), { timeoutMs: 5000, intervalMs: 20, what: 'berth to restore its rules' });
      return performance.now() - t0;
    }

    async function publishedPortWorks(): Promise<void> {
      const r = await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080);
      assert.equal(r.ok, true, `the published port should carry traffic again: ${r.detail}`);
    }

    before(async () => {
      await h.start();
      await h.ok(['network', 'create', 'appnet']);
      await h.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', '8080:80', '--', process.execPath, '-e', LISTENER, 'tcp', '0.0.0.0', '80', 'web']);
      await pollUntil(async () => (await h.nets.probe(h.ext, 'tcp', HOST_IP, 8080, 500)).ok, { timeoutMs: 10000, what: 'web published' });
      pristine = await rules();
    });

    after(() => h.stop());

    test("berth's flushed rules are restored; the user chain's contents and foreign rules are kept", async (t) => {
      await runAll(damages.userAndForeign);
      const healthy = await rules();
      const ms = await timeRepair(damages.partial, (now) => now === healthy);
      t.diagnostic(`restored in ${ms.toFixed(0)} ms`);
      await publishedPortWorks();
      assert.match(h.log(), /repaired berth's rules/);
    });

    test('a flush of everything is repaired, repeatedly; the median time is reported', async (t) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        times.push(await timeRepair(damages.full, (now) => now === pristine));
        await publishedPortWorks();
      }
      t.diagnostic(`flush -> restored, 5 runs: ${times.map((x) => x.toFixed(0)).join(', ')} ms; median ${median(times).toFixed(0)} ms`);
    });

    test('loading an old ruleset file over berth is repaired', async () => {
      const healthy = await rules();
      const r = await h.nets.exec(h.host, [...damages.oldFile.argv], { input: damages.oldFile.text });
      assert.equal(r.code, 0, r.stderr);
      const expected = damages.afterOldFile(healthy);
      await pollUntil(async () => (await rules()) === expected, {
        timeoutMs: 5000,
        intervalMs: 20,
        what: "berth to restore its rules after the old file, keeping the file's own rule",
      });
      await publishedPortWorks();
    });
  });
}
