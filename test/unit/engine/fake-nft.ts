// A stand-in for the kernel's nftables behind NftFirewall: it keeps berth's table
// as blocks (a set, map or chain each, laid out as berth prints them) and runs a
// script's statements in order as nft does: a table block creates what is missing
// and adds elements and rules to what exists, `flush` empties, `add element` and
// `delete element` (by key) change one set, `add rule` appends, `delete chain` and
// `delete set` drop one. It counts
// loads and listings; tests damage `listing` to play a flush or a deletion.
import type { NftBackend } from '../../../src/engine/nft-firewall.js';

const HEAD = 'table ip berth {\n';

interface Block {
  readonly kind: 'set' | 'map' | 'chain';
  readonly name: string;
  header: readonly string[]; // type, flags, hook lines (a base chain declared again may change its policy)
  items: string[]; // elements or rules
}

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
    const blocks = new Map(parseBlocks(this.listing ?? '').map((b) => [`${b.kind} ${b.name}`, b]));
    const lines = script.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line === HEAD.trimEnd()) {
        const end = lines.indexOf('}', i);
        for (const b of parseBlocks(lines.slice(i, end + 1).join('\n'))) {
          const have = blocks.get(`${b.kind} ${b.name}`);
          if (have) {
            if (b.header.length > 0) have.header = b.header;
            have.items.push(...b.items.filter((x) => b.kind === 'chain' || !have.items.includes(x)));
          } else {
            blocks.set(`${b.kind} ${b.name}`, b);
          }
        }
        i = end;
        continue;
      }
      let m: RegExpMatchArray | null;
      if ((m = /^flush (set|map|chain) ip berth (\S+)$/.exec(line))) {
        const b = blocks.get(`${m[1]} ${m[2]}`);
        if (b) b.items = [];
      } else if ((m = /^(add|delete) element ip berth (\S+) \{ (.*) \}$/.exec(line))) {
        const b = blocks.get(`set ${m[2]}`) ?? blocks.get(`map ${m[2]}`);
        if (!b) throw new Error(`Error: No such file or directory: ${line}`);
        const given = (m[3] as string).split(', ');
        if (m[1] === 'add') b.items.push(...given.filter((x) => !b.items.includes(x)));
        else b.items = b.items.filter((x) => !given.includes(x.split(' : ')[0] as string));
      } else if ((m = /^add rule ip berth (\S+) (.*)$/.exec(line))) {
        const b = blocks.get(`chain ${m[1]}`);
        if (!b) throw new Error(`Error: No such file or directory: ${line}`);
        b.items.push(m[2] as string);
      } else if ((m = /^delete chain ip berth (\S+)$/.exec(line))) {
        blocks.delete(`chain ${m[1]}`);
      } else if ((m = /^delete (set|map) ip berth (\S+)$/.exec(line))) {
        if (!blocks.delete(`${m[1]} ${m[2]}`)) throw new Error(`Error: No such file or directory: ${line}`);
      } else if ((m = /^add chain ip berth (\S+)$/.exec(line))) {
        if (!blocks.has(`chain ${m[1]}`)) blocks.set(`chain ${m[1]}`, { kind: 'chain', name: m[1] as string, header: [], items: [] });
      }
    }
    this.listing = `${HEAD}${[...blocks.values()].map(printBlock).join('\n')}}\n`;
  }

  async list(): Promise<string | null> {
    await Promise.resolve();
    this.lists++;
    return this.listing;
  }
}

/** The blocks of a table in berth's printed layout. */
function parseBlocks(text: string): Block[] {
  const out: Block[] = [];
  for (const m of text.matchAll(/^\t(set|map|chain) (\S+) \{\n((?:\t\t.*\n)*)\t\}\n/gm)) {
    const kind = m[1] as Block['kind'];
    const header: string[] = [];
    const items: string[] = [];
    let inElements = false;
    for (const raw of (m[3] as string).split('\n').filter(Boolean)) {
      const line = raw.slice(2);
      if (kind !== 'chain' && line === 'elements = {') inElements = true;
      else if (inElements && line === '}') inElements = false;
      else if (inElements) items.push(line.trim().replace(/,$/, ''));
      else if (kind !== 'chain' || line.startsWith('type ')) header.push(line);
      else items.push(line);
    }
    out.push({ kind, name: m[2] as string, header, items });
  }
  return out;
}

function printBlock(b: Block): string {
  const body =
    b.kind === 'chain'
      ? [...b.header, ...b.items].map((l) => `\t\t${l}`)
      : [...b.header.map((l) => `\t\t${l}`), ...(b.items.length > 0 ? ['\t\telements = {', ...b.items.map((e) => `\t\t\t${e},`), '\t\t}'] : [])];
  return `${[`\t${b.kind} ${b.name} {`, ...body, '\t}'].join('\n')}\n`;
}
