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
 * The floor of the final ruleset of step `after`, one load of each kind per
 * repetition: it takes its turn after the systems', so what the machine went
 * through meanwhile (the references' long runs) weighs on it as on them.
 */
export class FloorSamples {
  private readonly iptablesMs: number[] = [];
  private readonly nftMs: number[] = [];
  private loaded: { readonly save: string; readonly nft: ReturnType<typeof nftEquivalent> } | null = null;

  constructor(private readonly after: string) {}

  /** Loads `save` (the same ruleset every time) once with each program. */
  async sample(save: string): Promise<void> {
    const loaded = (this.loaded ??= { save, nft: nftEquivalent(save) });
    const nets = new NetnsSet(uniquePrefix('bf'));
    await guarded(
      () => nets.cleanup(),
      async () => {
        this.iptablesMs.push(await loadOnce(nets, ['iptables-restore'], loaded.save));
        this.nftMs.push(await loadOnce(nets, ['nft', '-f', '-'], loaded.nft.script));
      },
    );
  }

  /** What was measured; undefined before any sample. */
  result(): Floor | undefined {
    if (this.loaded === null) return undefined;
    const { save, nft } = this.loaded;
    return {
      after: this.after,
      iptablesMs: this.iptablesMs,
      nftMs: this.nftMs,
      iptablesRules: save.split('\n').filter((l) => l.startsWith('-A ')).length,
      nftRules: nft.rules,
      nftElements: nft.elements,
    };
  }
}
