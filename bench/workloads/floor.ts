// The floor: what it costs the kernel and one process to load a final ruleset
// at once. Each run loads the iptables-save text with a single iptables-restore
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

/** The floor of `save`, the final ruleset of step `after`. */
export async function measureFloor(save: string, reps: number, after: string): Promise<Floor> {
  const nft = nftEquivalent(save);
  const nets = new NetnsSet(uniquePrefix('bf'));
  return guarded(
    () => nets.cleanup(),
    async () => {
      const iptablesMs: number[] = [];
      const nftMs: number[] = [];
      for (let i = 0; i < reps; i++) {
        iptablesMs.push(await loadOnce(nets, ['iptables-restore'], save));
        nftMs.push(await loadOnce(nets, ['nft', '-f', '-'], nft.script));
      }
      return {
        after,
        iptablesMs,
        nftMs,
        iptablesRules: save.split('\n').filter((l) => l.startsWith('-A ')).length,
        nftRules: nft.rules,
        nftElements: nft.elements,
      };
    },
  );
}
