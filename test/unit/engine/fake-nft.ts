// A stand-in for the kernel's nftables behind NftFirewall: it keeps berth's table
// as blocks (a set, map or chain each, as `nft list table` shows them): a
// transaction replaces the blocks of the table it fills (the last in the script)
// and drops the chains it deletes. It counts loads and listings; tests damage
// `listing` to play a flush or a deletion.
import type { NftBackend } from '../../../src/engine/nft-firewall.js';

const HEAD = 'table ip berth {\n';

export class FakeNft implements NftBackend {
  listing: string | null = null;
  readonly loads: string[] = [];
  lists = 0;
  private failure: Error | null = null;

  /** The next load fails with `err`, changing nothing. */
  failNextLoad(err: Error): void {
    this.failure = err;
  }

  async load(script: string): Promise<void> {
    await Promise.resolve();
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
    this.loads.push(script);
    const blocks = blocksOf(this.listing ?? '');
    const start = script.lastIndexOf(HEAD);
    for (const [key, block] of blocksOf(script.slice(start, script.indexOf('\n}\n', start) + 3))) blocks.set(key, block);
    for (const [, name] of script.matchAll(/^delete chain ip berth (\S+)$/gm)) blocks.delete(`chain ${name}`);
    this.listing = `${HEAD}${[...blocks.values()].join('\n')}}\n`;
  }

  async list(): Promise<string | null> {
    await Promise.resolve();
    this.lists++;
    return this.listing;
  }
}

function blocksOf(table: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of table.matchAll(/^\t(set|map|chain) (\S+) \{\n(?:\t\t.*\n)*\t\}\n/gm)) blocks.set(`${m[1]} ${m[2]}`, m[0]);
  return blocks;
}
