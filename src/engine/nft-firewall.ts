// The nftables backend: berth's behaviour as one table of its own (see
// ../render/nftables/layout.ts), written with one transaction per change (`nft -f`,
// or berthd's long-lived nft session: ../host/nft-session.ts). Nothing
// is read before a change: each transaction declares, flushes and refills what
// it writes, whatever the kernel holds. It writes the sets, maps and chains
// that changed since the last apply (a chain in a transaction costs the kernel
// a wait at commit, and publishing ports changes sets only), and everything on
// the first apply of a run, after damage, or when a partial write fails.
//
// To tell whether a repair is due, the kernel's listing is taken right after
// each apply; each object's block is remembered as listed after it was last
// written, and a later listing is compared with that (the user chain left out).
// The first apply of a run reads the table once: the forward chain's drop
// policy, once berth set it (or found it set), is written with every write of
// that chain, so a repair after the table was deleted restores it; and chains
// of networks removed while berthd was down are deleted, as are sets and maps
// an older berthd's layout had.
import type { DesiredRules } from '../render/ir.js';
import type { LayoutInput } from '../render/iptables/docker-layout.js';
import { renderNftLayout } from '../render/nftables/layout.js';
import { FAMILY, FORWARD_CHAIN, HOOKS, TABLE, USER_CHAIN, isDynamicChain } from '../render/nftables/names.js';
import { printChanges, printTable, printTransaction } from '../render/nftables/print.js';
import { changedPart, objectKeys } from '../render/nftables/diff.js';
import type { NftSet, NftTable } from '../render/nftables/ir.js';
import { ExecError, type Exec } from '../host/exec.js';
import type { NftSession } from '../host/nft-session.js';
import { SessionError } from '../host/process-session.js';
import { systemError } from '../model/errors.js';
import { hasForwardDrop, dynamicChainsIn, ownedBlocks, retiredSetsIn, type Blocks } from './nft-listing.js';
import type { RuleProgrammer } from './rule-programmer.js';

/** Where berth's table goes: the kernel through nft, or a fake. */
export interface NftBackend {
  /** Runs `script` as one transaction (`nft -f`). */
  load(script: string): Promise<void>;
  /** The kernel's listing of berth's table; null when there is none. */
  list(): Promise<string | null>;
}

export interface NftBackendOptions {
  /** Told the pid of each `nft -f` (berthd's own commits, for the rule watch). */
  readonly onSpawn?: (pid: number) => void;
  /** A long-lived nft that commits the transactions instead of one `nft -f` each. */
  readonly session?: NftSession;
}

export function nftBackend(exec: Exec, opts: NftBackendOptions = {}): NftBackend {
  const { onSpawn, session } = opts;
  return {
    async load(script) {
      if (session) {
        await session.load(script).catch((e: unknown) => {
          throw e instanceof SessionError ? loadError(e.stderr, script) : e;
        });
        return;
      }
      const r = await exec(['nft', '-f', '-'], { input: script, ...(onSpawn ? { onSpawn } : {}) });
      if (r.code !== 0) throw loadError(r.stderr, script);
    },
    async list() {
      // Numeric (-n): no names to look up for thousands of ports; listings are only compared with listings.
      const argv = ['nft', '-n', 'list', 'table', FAMILY, TABLE];
      const r = await exec(argv);
      if (r.code === 0) return r.stdout;
      if (/No such file or directory/.test(r.stderr)) return null;
      throw new ExecError(argv, r);
    },
  };
}

/** nft says "<file>:N:C-C: Error: ..." (the file: /dev/stdin, or the session's): name the offending input line. */
function loadError(stderr: string, input: string): Error {
  const m = /^[^\s:]+:(\d+):\d+(?:-\d+)?: Error/m.exec(stderr);
  const line = m ? input.split('\n')[Number(m[1]) - 1] : undefined;
  const detail = line === undefined ? '' : ` (input line ${m?.[1]}: ${line.trim()})`;
  const error = stderr.split('\n').find((l) => l.includes('Error: ')) ?? stderr.trim().split('\n')[0] ?? '';
  return systemError(`nft -f failed${detail}: ${error.trim()}`);
}

const OWN_NO_IPTABLES: DesiredRules = { tables: [] };

export class NftFirewall implements RuleProgrammer {
  /** The table last applied, and its text. */
  private last: { readonly table: NftTable; readonly text: string } | null = null;
  /** Each owned object's block as listed right after it was last written (null: not known). */
  private healthy: Promise<Blocks | null> = Promise.resolve(null);
  private forwardDrop = false;
  /**
   * What may be in the kernel besides the last table's objects (null: the kernel
   * was not read yet): per-network chains, and the sets of older layouts.
   */
  private leftovers: { readonly chains: readonly string[]; readonly sets: readonly NftSet[] } | null = null;
  /**
   * While berthd's rule watch reports every commit (tracked) and none since berth's
   * last write touched its table (trusted), the kernel holds what berth wrote: no
   * listing is needed to know it, and none is taken after a write (listing thousands
   * of elements costs nft far more than writing them). Without that baseline, a
   * commit that does touch the table makes the next check write the table whole.
   */
  private tracked = false;
  private trusted = false;

  constructor(private readonly backend: NftBackend) {}

  desired(): DesiredRules {
    return OWN_NO_IPTABLES;
  }

  applied(): DesiredRules | null {
    return null;
  }

  ownedText(): string {
    return this.last?.text ?? '';
  }

  render(input: LayoutInput, forwardDrop?: boolean): string {
    const rendered = renderNftLayout(input);
    return rendered === null ? '' : printTable(this.withPolicy(rendered, forwardDrop ?? this.forwardDrop));
  }

  showsForwardDrop(text: string): boolean {
    return hasForwardDrop(text);
  }

  async apply(input: LayoutInput, beforeChange: (desired: DesiredRules) => void): Promise<boolean> {
    const rendered = renderNftLayout(input);
    if (rendered === null) return false; // --iptables=false: touch nothing
    if (this.leftovers === null) {
      const listing = await this.backend.list();
      this.forwardDrop ||= hasForwardDrop(listing);
      this.leftovers = { chains: dynamicChainsIn(listing), sets: retiredSetsIn(listing) };
    }
    const table = this.withPolicy(rendered);
    const text = printTable(table);
    const last = this.last;
    // Nothing to change: write (all of it) only if the kernel lost some of it.
    const unchanged = last !== null && text === last.text;
    if (unchanged && (await this.intact(table))) return false;
    beforeChange(OWN_NO_IPTABLES);
    const part = last !== null && !unchanged ? changedPart(last.table, table) : table;
    const whole = await this.write(part, table);
    this.last = { table, text };
    this.leftovers = { chains: [], sets: [] };
    if (this.tracked) {
      this.healthy = Promise.resolve(null);
      this.trusted = true;
    } else {
      this.healthy = remember(this.healthy, this.backend.list(), whole ? table : part, whole);
    }
    return true;
  }

  /** Whether every commit is reported to `forget` (berthd's rule watch is live). */
  trackKernel(on: boolean): void {
    this.tracked = on;
    this.trusted = false;
  }

  /** Another process committed; `lines` are what `nft monitor` printed of it: a commit that leaves table ip berth alone changes nothing berth knows. */
  forget(lines: readonly string[]): void {
    const table = new RegExp(`\\b${FAMILY} ${TABLE}\\b`);
    if (lines.some((l) => table.test(l) || /\bruleset\b/.test(l))) this.trusted = false;
  }

  async drifted(input: LayoutInput): Promise<boolean> {
    const rendered = renderNftLayout(input);
    if (rendered === null) return false;
    const table = this.withPolicy(rendered);
    return this.last === null || printTable(table) !== this.last.text || !(await this.intact(table));
  }

  /** The forward policy berth keeps (or `drop`), written into a rendered table. */
  private withPolicy(t: NftTable, drop = this.forwardDrop): NftTable {
    if (!drop) return t;
    return { ...t, chains: t.chains.map((c) => (c.name === FORWARD_CHAIN && c.hook ? { ...c, hook: { ...c.hook, policy: 'drop' as const } } : c)) };
  }

  /** Loads `part` of `table`; a part that fails (the kernel lost what it builds on) is written whole. True: written whole. */
  private async write(part: NftTable, table: NftTable): Promise<boolean> {
    const wanted = new Set(table.chains.map((c) => c.name));
    const known = [...(this.leftovers?.chains ?? []), ...(this.last?.table.chains ?? []).map((c) => c.name).filter(isDynamicChain)];
    const stale = [...new Set(known)].filter((name) => !wanted.has(name));
    // Found by the first apply of a run, which writes whole.
    const staleSets = this.leftovers?.sets ?? [];
    if (part !== table && this.last !== null) {
      try {
        await this.backend.load(printChanges(this.last.table, part, stale));
        return false;
      } catch {
        // retried whole below
      }
    }
    await this.backend.load(printTransaction(table, stale, staleSets));
    return true;
  }

  /** From now on forwarded traffic berth does not accept is dropped: every later apply keeps the policy. */
  async setForwardPolicyDrop(): Promise<void> {
    this.forwardDrop = true;
    await this.loadForwardPolicy('drop');
  }

  async clearForwardPolicyDrop(): Promise<void> {
    this.forwardDrop = false;
    await this.loadForwardPolicy('accept');
  }

  private async loadForwardPolicy(policy: 'accept' | 'drop'): Promise<void> {
    const chain = { name: FORWARD_CHAIN, hook: { ...HOOKS.forward, policy }, rules: [] };
    // The user chain is declared first, as every apply does, so the table lists the same after a repair.
    await this.backend.load(printTable({ family: FAMILY, name: TABLE, sets: [], chains: [chain], userChains: [USER_CHAIN] }));
  }

  /** Whether the kernel still holds each of berth's objects as it was after it was last written. */
  private async intact(table: NftTable): Promise<boolean> {
    if (this.tracked && this.trusted) return true;
    const [healthy, listing] = await Promise.all([this.healthy, this.backend.list()]);
    if (healthy === null || listing === null) return false;
    const keys = objectKeys(table);
    const now = ownedBlocks(listing, new Set(keys));
    return keys.every((key) => healthy.has(key) && healthy.get(key) === now.get(key));
  }
}

/** The blocks of what was just `written`, over the ones remembered for the rest (none needed when written whole). */
async function remember(before: Promise<Blocks | null>, listing: Promise<string | null>, written: NftTable, whole: boolean): Promise<Blocks | null> {
  const [old, now] = await Promise.all([before, listing.catch(() => null)]);
  if (now === null || (old === null && !whole)) return null;
  const fresh = ownedBlocks(now, new Set(objectKeys(written)));
  return whole ? fresh : new Map([...(old ?? []), ...fresh]);
}
