// The floor: what it costs the kernel and one process to load a final ruleset
// at once. Each sample loads the iptables-save text with a single iptables-restore
// into a fresh, empty namespace, and its map-based nft equivalent with a single
// `nft -f` into another one.
import { NetnsSet, mustRun, uniquePrefix } from '../../test/helpers/netns.js';
import { guarded } from '../cleanup.js';
import { nftEquivalent } from '../nft-floor.js';
import type { Floor } from '../results.js';
import { timed } from '../measure.js';

async function loadOnce(nets: NetnsSet, argv: readonly string[], input: string): Promise<number> {
  const ns = await nets.add('floor');
  const ms = await timed(() => mustRun(['nsenter', `--net=${NetnsSet.path(ns)}`, ...argv], { input }));
  await nets.remove(ns);
  return ms;
}

/**
 * The floor of `save`, the final ruleset of step `after`, one load of each kind
 * per repetition: it takes its turn after the systems', so what the machine went
 * through meanwhile (the references' long runs) weighs on it as on them.
 */
export class FloorSamples {
  private readonly iptablesMs: number[] = [];
  private readonly nftMs: number[] = [];
  private readonly nft: ReturnType<typeof nftEquivalent>;

  constructor(
    private readonly save: string,
    private readonly after: string,
  ) {
    this.nft = nftEquivalent(save);
  }

  /** Loads the ruleset once with each program. */
  async sample(): Promise<void> {
    const nets = new NetnsSet(uniquePrefix('bf'));
    await guarded(
      () => nets.cleanup(),
      async () => {
        this.iptablesMs.push(await loadOnce(nets, ['iptables-restore'], this.save));
        this.nftMs.push(await loadOnce(nets, ['nft', '-f', '-'], this.nft.script));
      },
    );
  }

  result(): Floor {
    return {
      after: this.after,
      iptablesMs: this.iptablesMs,
      nftMs: this.nftMs,
      iptablesRules: this.save.split('\n').filter((l) => l.startsWith('-A ')).length,
      nftRules: this.nft.rules,
      nftElements: this.nft.elements,
    };
  }
}
