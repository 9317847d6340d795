// Files berthd hands to a program it runs (a transaction for `nft -i` to include,
// a namespace's lines for `ip -batch`): read once, soon after they are written.

import { rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to `path` (mode 0600) as a new file. The old one is unlinked, not
 * truncated: ext4 flushes a file that is truncated to nothing (auto_da_alloc),
 * which cost up to a millisecond per write while berthd's store commits; an
 * unlinked file's pages are dropped unwritten.
 */
export function writeScratchFile(path: string, text: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, text, { mode: 0o600 });
}
