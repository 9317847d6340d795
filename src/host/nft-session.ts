// A long-lived `nft -i` that berthd writes its nftables transactions to, instead
// of running one `nft -f` per change (why: ./process-session.ts).
//
// A transaction is written to a file and run with one line, `include "<file>"`:
// nft parses the file and commits it as one batch, as `nft -f <file>` does.
// nft -i prints nothing for a commit and its errors on stderr, and goes on
// reading. After each transaction berthd asks for a table that does not exist,
// named with a fresh token: the error that names the token ends the
// transaction's output, so whatever nft printed before it belongs to the
// transaction. Both go to stderr, in order.
//
// nft -i keeps a history of its input lines, so after `renewAfter` transactions
// the process is ended and the next transaction starts a fresh one.
import { join } from 'node:path';
import { writeScratchFile } from './scratch-file.js';
import { BerthError } from '../model/errors.js';
import { ProcessSession, SessionError, firstError, type Heard, type ProcessSessionOptions } from './process-session.js';

export interface NftSessionOptions extends Partial<ProcessSessionOptions> {
  /** Directory of the transaction file (berthd's exec root). */
  readonly dir: string;
}

/** What the include of a path says; a path nft's quoted strings cannot hold gets no session. */
export function includeLine(path: string): string | null {
  return /["\n\r]/.test(path) ? null : `include "${path}"`;
}

export class NftSession {
  private readonly session: ProcessSession;
  private tokens = 0;
  private readonly file: string;
  private readonly include: string;

  constructor(opts: NftSessionOptions) {
    this.file = join(opts.dir, 'nft-transaction.nft');
    const include = includeLine(this.file);
    if (include === null) throw new BerthError('invalid', `${this.file}: nft cannot include a path with quotes or line breaks`);
    this.include = include;
    this.session = new ProcessSession({ command: ['nft', '-i'], name: 'nft', ...opts });
  }

  /** Commits `script` as one transaction; rejects with nft's errors (a SessionError) when it refuses it. Transactions run one at a time, in order. */
  async load(script: string): Promise<void> {
    const marker = `list table ip berth_sync_${++this.tokens}`;
    const output = await this.session.exchange(() => {
      // Written at once, not through the thread pool: nft starts on the transaction
      // while berthd's thread goes on (starting a sandbox's proxies, say), instead of
      // waiting for that thread to take the write's completion.
      writeScratchFile(this.file, script);
      return `${this.include}\n${marker}\n`;
    }, (heard) => outputBefore(heard, marker));
    if (/^(?:\S+: )?Error: /m.test(output)) throw new SessionError(`nft: ${firstError(output)}`, output);
  }

  /** Ends the nft process once the transactions queued have run. */
  close(): Promise<void> {
    return this.session.close();
  }
}

/** nft's output for the transaction: what stderr holds before the marker's error ("Error: ...\n<marker>\n<carets>\n"), which is consumed with it. */
function outputBefore(heard: Heard, marker: string): string | undefined {
  const at = heard.stderr.indexOf(`\n${marker}\n`);
  const end = at < 0 ? -1 : heard.stderr.indexOf('\n', at + marker.length + 2);
  if (end < 0) return undefined;
  const output = heard.stderr.slice(0, heard.stderr.lastIndexOf('\n', at - 1) + 1);
  heard.stderr = heard.stderr.slice(end + 1);
  heard.stdout = ''; // nothing berth asks prints there
  return output;
}
