// Splits what `nft monitor` prints into commits: the lines of one transaction,
// then its "# new generation N by process P" line. The output is read as bytes
// and only the generation lines are decoded: the lines of berthd's own commits
// (thousands for a sandbox with many ports) are dropped undecoded, and only
// another process's commit is turned into text.

const GENERATION = Buffer.from('# new generation');
const LF = 0x0a;

/** `# new generation 42 by process 1234 (iptables-nft-re)` -> 1234; null when not such a line, -1 when it names no process. */
export function generationPid(line: string): number | null {
  if (!line.startsWith('# new generation')) return null;
  const m = /by process (\d+)/.exec(line);
  return m ? Number(m[1]) : -1;
}

export class MonitorCommits {
  /** Complete lines read so far. */
  lines = 0;
  private partial: Buffer | null = null; // the bytes after the last line break
  private batch: Buffer[] = []; // complete lines printed of the commit under way

  /** Reads a chunk; calls `onCommit` for each generation line it completes, with the process it names and the commit's lines (decoded when asked). */
  push(chunk: Buffer, onCommit: (pid: number, lines: () => string[]) => void): void {
    const data = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    const end = data.lastIndexOf(LF) + 1; // data[0, end) is whole lines
    this.partial = end < data.length ? Buffer.from(data.subarray(end)) : null;
    for (let i = data.indexOf(LF); i !== -1 && i < end; i = data.indexOf(LF, i + 1)) this.lines++;
    let from = 0;
    for (let at = data.indexOf(GENERATION); at !== -1 && at < end; at = data.indexOf(GENERATION, at + 1)) {
      if (at > 0 && data[at - 1] !== LF) continue;
      const lineEnd = data.indexOf(LF, at);
      const parts = [...this.batch, data.subarray(from, at)];
      this.batch = [];
      onCommit(generationPid(data.toString('latin1', at, lineEnd)) ?? -1, () => {
        const text = Buffer.concat(parts).toString('utf8');
        return text === '' ? [] : text.slice(0, -1).split('\n');
      });
      from = lineEnd + 1;
      at = lineEnd;
    }
    if (from < end) this.batch.push(data.subarray(from, end));
  }
}
