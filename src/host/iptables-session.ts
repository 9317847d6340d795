// A long-lived `iptables-restore --noflush` that berthd writes its iptables
// changes to, instead of running one iptables-restore per change (why:
// ./process-session.ts). For iptables-nft only: iptables-legacy's restore holds
// the xtables lock for as long as it runs.
//
// iptables-restore commits each table's block at its COMMIT line and reads the
// kernel's rules afresh for the next block, so changes made by others in between
// are seen. It prints nothing for a commit, but with -v it echoes each comment
// line it reads to stdout, in order: a comment after a change comes back once
// every block before it is committed. A block that fails ends the process with
// "line N failed" (N counted from its first input line) on stderr.
import { ProcessSession, SessionError, type Heard, type ProcessSessionOptions } from './process-session.js';

/** `text` ending with a line break (iptables-restore reads lines); empty stays empty. */
export function endLines(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** The session's program: -v for the echoed comments. */
export const SESSION_ARGV = ['iptables-restore', '-v', '-w', '--noflush'] as const;

export class IptablesSession {
  private readonly session: ProcessSession;
  private marks = 0;

  constructor(opts: Partial<ProcessSessionOptions> = {}) {
    this.session = new ProcessSession({ command: SESSION_ARGV, name: 'iptables-restore', ...opts });
  }

  /**
   * Commits `text` (iptables-restore input) block by block; rejects when a block
   * fails, with iptables-restore's stderr (a SessionError) numbering lines from
   * the start of `text`, as a restore of `text` alone would.
   */
  async restore(text: string): Promise<void> {
    const mark = `# berth-sync ${++this.marks}`;
    const body = endLines(text);
    await this.session.exchange(
      () => `${body}${mark}\n`,
      (heard) => {
        const done = echoed(heard, mark);
        if (done === undefined && heard.exited) throw new SessionError('iptables-restore failed', ownLines(heard.stderr, heard.linesBefore));
        return done;
      },
    );
  }

  /** Ends the process once the changes queued have run. */
  close(): Promise<void> {
    return this.session.close();
  }
}

/** Whether the mark came back on stdout (consumed with what came before it, and the warnings the change gave). */
function echoed(heard: Heard, mark: string): true | undefined {
  const at = heard.stdout.indexOf(`${mark}\n`);
  if (at < 0) return undefined;
  heard.stdout = heard.stdout.slice(at + mark.length + 1);
  heard.stderr = '';
  return true;
}

/** iptables-restore's messages with line numbers counted from this change's first line. */
function ownLines(stderr: string, linesBefore: number): string {
  return stderr.replace(/\bline:? (\d+)/g, (m, n: string) => m.replace(n, String(Number(n) - linesBefore)));
}
