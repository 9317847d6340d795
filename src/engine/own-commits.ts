// The processes berthd ran to change the kernel's rules. `nft monitor` names the
// process behind each committed transaction, so the rule watch can tell berthd's
// own commits (nothing to check, nothing to repair) from someone else's (which
// may have changed berth's rules). A one-shot pid is remembered for a short while
// only: long enough for its commit to be reported, not long enough to be reused.
// A long-lived writer (the nft session) is berthd's for as long as it runs.
const REMEMBER_MS = 10_000;

export class OwnCommits {
  private readonly pids = new Map<number, number>(); // pid -> when it was started
  private readonly kept = new Set<number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a process berthd started to commit rules (pass as an exec's onSpawn). */
  readonly note = (pid: number): void => {
    const t = this.now();
    for (const [p, at] of this.pids) if (t - at > REMEMBER_MS) this.pids.delete(p);
    this.pids.set(pid, t);
  };

  /** Records a process that commits rules for berthd until `release`. */
  readonly keep = (pid: number): void => {
    this.kept.add(pid);
  };

  /** The kept process ended: its last commits may still be reported, so it is remembered a while like a one-shot. */
  readonly release = (pid: number): void => {
    if (this.kept.delete(pid)) this.note(pid);
  };

  owns(pid: number): boolean {
    if (this.kept.has(pid)) return true;
    const at = this.pids.get(pid);
    return at !== undefined && this.now() - at <= REMEMBER_MS;
  }
}
