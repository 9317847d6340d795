#!/usr/bin/env -S node --min-semi-space-size=4
// berthd: parses dockerd-style flags and daemon.json, brings the host namespace it
// runs in to the stored state, and serves the Docker-style API on unix sockets.
//
// Node's option above keeps V8's young generation at 4 MB or more (two such
// semi-spaces). berthd works in bursts between idle spells, and V8 shrinks that
// generation to 1 MB when the process idles: a 1,000-port start after ten
// seconds of idle then ran a dozen scavenges, each copying the ports still in
// use. With the floor, such a start (create + start, median of the 4th-8th
// after 12 s idle each) took 39.8 ms instead of 59.5, for 3 MiB more at idle.
// Whoever runs this file with node itself passes the option too (the tests'
// BerthHost reads it from this line; scripts/demo.sh runs the file).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DAEMON_OPTIONS, parseDaemonFlags, parseDaemonJson, resolveConfig, DEFAULT_CONFIG, type DaemonConfig } from '../model/daemon-config.js';
import { asBerthError, invalid } from '../model/errors.js';
import { exec, type Exec } from '../host/exec.js';
import { IpSession, batchablePath } from '../host/ip-session.js';
import { ProxyThread } from '../engine/proxy-thread.js';
import { kernelHostNet } from '../host/host-net.js';
import { Firewall, iptablesBackend } from '../engine/firewall.js';
import { IptablesSession } from '../host/iptables-session.js';
import { NftFirewall, nftBackend } from '../engine/nft-firewall.js';
import { NftSession, includeLine } from '../host/nft-session.js';
import { iptablesProgrammer, type RuleProgrammer } from '../engine/rule-programmer.js';
import { retireOtherBackend } from '../engine/backend-switch.js';
import { sqliteStore } from '../engine/sqlite-store.js';
import { unionDesired } from '../render/union.js';
import type { DesiredRules } from '../render/ir.js';
import { BerthEngine } from '../engine/engine.js';
import { startProcess, signalProcess, isAlive, startTimeOf, watchProcess, recordedExitCode } from '../engine/processes.js';
import { createApiServer } from '../api/server.js';
import { watchRules } from '../engine/rule-watch.js';
import { OwnCommits } from '../engine/own-commits.js';
import { iptablesVariant, type IptablesVariant } from '../host/iptables-variant.js';
import { startAccessFirewall } from '../firewall/daemon.js';
import { accessFirewallOf } from '../firewall/registry.js';
import { registerSaveRestore } from '../save/registry.js';
import { SaveRestore } from '../save/service.js';
import { BERTH_VERSION } from '../api/version.js';

type Level = 'debug' | 'info' | 'warn' | 'warning' | 'error';
const verbose = process.env.BERTH_DEBUG === '1';

/** dockerd-style log lines on stderr; debug lines only with BERTH_DEBUG=1. */
function log(level: Level, msg: string): void {
  if (level === 'debug' && !verbose) return;
  const shown = level === 'warn' ? 'warning' : level;
  process.stderr.write(`time="${new Date().toISOString()}" level=${shown} msg=${JSON.stringify(msg)}\n`);
}

function usage(): string {
  const rows = DAEMON_OPTIONS.map((o) => `  ${o.short ? `-${o.short}, ` : '    '}--${o.flag.padEnd(22)} ${o.help}`);
  return `Usage:\tberthd [OPTIONS]\n\nA self-sufficient runtime for Docker-style container networking\n\nOptions:\n${rows.join('\n')}\n`;
}

function loadConfig(argv: readonly string[]): DaemonConfig | null {
  const { flags, help } = parseDaemonFlags(argv);
  if (help) return null;
  const file = flags.configFile ?? DEFAULT_CONFIG.configFile;
  let fromFile = null;
  if (existsSync(file)) fromFile = parseDaemonJson(readFileSync(file, 'utf8'), file);
  else if (flags.configFile) throw invalid(`unable to configure the berth daemon with file ${file}: open ${file}: no such file or directory`);
  return resolveConfig(flags, fromFile, file);
}

function claimPidfile(path: string): void {
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw invalid(`pid file found, ensure berthd is not running or delete ${path}`);
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${process.pid}\n`);
}

/**
 * The firewall backend the configuration names; iptables knows which rules it
 * applied before. Their commits are noted as berthd's own, for the rule watch.
 * nftables commits through one long-lived nft, ended with `close`.
 */
function ruleProgrammer(
  config: DaemonConfig,
  previouslyApplied: DesiredRules | null,
  own: OwnCommits,
  run: Exec,
  variant: IptablesVariant | null,
): { programmer: RuleProgrammer; tracker: KernelTracker; close: () => Promise<void> } {
  if (config.firewallBackend === 'nftables') {
    // nft includes the transaction file by a quoted path: an exec root no quoted string holds runs `nft -f` instead.
    const session = includeLine(config.execRoot) === null ? undefined : new NftSession({ dir: config.execRoot, onStart: own.keep, onEnd: own.release });
    const nft = new NftFirewall(nftBackend(run, { onSpawn: own.note, ...(session ? { session } : {}) }));
    return { programmer: nft, tracker: nft, close: async () => session?.close() };
  }
  // iptables-nft commits through one long-lived iptables-restore; iptables-legacy's would hold the xtables lock.
  const session = variant === 'nft' ? new IptablesSession({ onStart: own.keep, onEnd: own.release }) : undefined;
  const firewall = new Firewall(iptablesBackend(run, { onSpawn: own.note, ...(session ? { session } : {}) }), previouslyApplied);
  return { programmer: iptablesProgrammer(firewall), tracker: firewall, close: async () => session?.close() };
}

/** A backend that keeps a view of the kernel while the rule watch reports every other process's commit. */
interface KernelTracker {
  trackKernel(on: boolean): void;
  forget(lines: readonly string[]): void;
}

async function main(): Promise<number> {
  const config = loadConfig(process.argv.slice(2));
  if (!config) {
    process.stdout.write(usage());
    return 0;
  }
  mkdirSync(config.dataRoot, { recursive: true, mode: 0o700 });
  mkdirSync(config.execRoot, { recursive: true, mode: 0o700 });
  claimPidfile(config.pidfile);
  const store = sqliteStore(config.dataRoot);
  const stored = store.load();
  const applied = unionDesired(stored.appliedRules, stored.pendingRules);
  if (config.iptables) {
    const retired = await retireOtherBackend(config.firewallBackend, exec, applied);
    if (retired) log('info', `removed ${retired}`);
  }
  const own = new OwnCommits();
  const variant = config.iptables && config.firewallBackend === 'iptables' ? await iptablesVariant(exec) : null;
  // Links, addresses and routes change through one long-lived ip, started now; an exec root
  // that cannot be a word of its batch lines runs one ip per change instead.
  const ip = batchablePath(config.execRoot) ? new IpSession({ dir: config.execRoot }) : null;
  ip?.warm();
  const { programmer, tracker, close: closeFirewall } = ruleProgrammer(config, applied, own, exec, variant);
  const proxies = config.userlandProxy ? new ProxyThread((why) => log('error', `userland proxy thread ${why}: the published ports of running sandboxes have no proxy until they restart`)) : undefined;
  const engine = new BerthEngine({
    config,
    store,
    host: kernelHostNet(exec, {
      ownNamespace: true,
      ...(ip ? { batch: ip.batch } : {}),
      onRetireError: (b, e) => log('warning', `deleting retired bridge ${b}: ${e.message}`),
    }),
    firewall: programmer,
    processes: { start: startProcess, signal: signalProcess, startTimeOf, watch: watchProcess, exitCode: recordedExitCode },
    log: (m) => log('warning', m),
    ...(proxies ? { proxies } : {}),
  });
  for (const w of await engine.start()) log('warning', w);
  // berth firewall (allow/deny helpers in DOCKER-USER): stored rules written now and kept written, apart from the engine's repair.
  const accessFirewall = await startAccessFirewall(engine, log);
  registerSaveRestore(engine, new SaveRestore({ engine, access: accessFirewallOf(engine), berth: BERTH_VERSION }));
  const servers = config.hosts.map((h) =>
    createApiServer(engine, { socketPath: h.slice('unix://'.length), group: config.group || undefined, log }),
  );
  for (const s of servers) await s.listen();
  // nft monitor sees nftables' commits, and iptables' only when iptables is iptables-nft.
  const trackable = config.firewallBackend === 'nftables' || variant === 'nft';
  const watch = config.iptables
    ? watchRules(
        // One watch for all of berthd: the engine's rules first, then the access rules in DOCKER-USER.
        (reason) =>
          void engine
            .repairRules(reason)
            .catch((e: unknown) => log('error', `repair failed: ${asBerthError(e).message}`))
            .then(() => accessFirewall.reapply(reason)),
        {
          log: (m) => log('warning', m),
          owns: (pid) => own.owns(pid),
          onForeignCommit: (lines) => tracker.forget(lines),
          onMonitor: (live) => tracker.trackKernel(live && trackable),
        },
      )
    : null;
  process.stdout.write(`berthd ready\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log('info', 'Processing signal: stopping sandboxes and closing the API');
  watch?.stop();
  accessFirewall.stop();
  await Promise.all(servers.map((s) => s.close()));
  await engine.shutdown();
  await proxies?.close();
  await closeFirewall();
  await ip?.close();
  store.close();
  rmSync(config.pidfile, { force: true });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = asBerthError(e);
    log('error', err.message);
    process.exitCode = 1;
  },
);
