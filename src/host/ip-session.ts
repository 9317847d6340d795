// A long-lived `ip -batch -` that berthd runs its link, address and route
// changes through, instead of one ip process per change (why:
// ./process-session.ts; for ip it is the spawn: one to two and a half
// milliseconds of berthd's thread each, and a second ip alive while the next
// one starts).
//
// Every line is followed by the marker (`link show dev lo`), whose output ip
// flushes at once: a change is done when its last marker is back, and the
// markers tell how far a process that died got. ip stops at
// a failing line (no -force), saying "Command failed -:N" with N counted from
// its first input line, and exits; the next change starts a fresh process.
//
// Lines for a sandbox's namespace become one line, `netns exec NS ip -batch
// FILE`: ip forks a child that enters NS and runs the file (markers too, on the
// same stdout). So a veth's host side and its sandbox side are one change, with
// no spawn by berthd and no wait for berthd's thread between them. A failing
// child says "Command failed FILE:K", then the parent fails on the exec line.
//
// ip remembers interface indexes by name for as long as it runs: a link that
// someone else deleted and made again would be "not found" under its old index.
// So a change that fails as not-found, in a process that served changes before,
// is run again from its failing line in a fresh process, whose answer counts.
import { join } from 'node:path';
import { writeScratchFile } from './scratch-file.js';
import { ProcessSession, type Heard, type ProcessSessionOptions } from './process-session.js';
import {
  BatchError,
  IP_BATCH_ARGV,
  MARKER,
  checkBatch,
  classifyIpError,
  failureDetail,
  markersIn,
  stoppedAt,
  type BatchLine,
  type BatchRunner,
} from './ip-batch.js';

export interface IpSessionOptions extends Partial<ProcessSessionOptions> {
  /** Directory of the file a namespace's lines are written to (berthd's exec root). */
  readonly dir: string;
}

/** Lines to run in a named namespace. */
interface InNetns {
  readonly netns: string;
  readonly lines: readonly BatchLine[];
}

/** What a change that did not complete heard from its process. */
type Failed = Pick<Heard, 'stdout' | 'stderr' | 'linesBefore'>;

/** Whether a path can stand as a word of an ip batch line (ip splits lines at white space). */
export const batchablePath = (path: string): boolean => !/[\s"'\\#]/.test(path);

export class IpSession {
  private readonly session: ProcessSession;
  private readonly file: string;

  constructor(opts: IpSessionOptions) {
    this.file = join(opts.dir, 'ip-netns.batch');
    if (!batchablePath(this.file)) throw new Error(`${this.file}: not usable in an ip batch line`);
    this.session = new ProcessSession({ command: IP_BATCH_ARGV, name: 'ip', ...opts });
  }

  /** Starts the process now, if none runs, so that the next change finds it waiting. */
  warm(): void {
    this.session.warm();
  }

  /** Runs a batch (and its `thenIn` part) as one change; changes run one at a time, in order. */
  readonly batch: BatchRunner = async (lines, options = {}) => {
    checkBatch(lines, options);
    const inNetns = options.netns !== undefined ? { netns: options.netns, lines } : options.thenIn;
    await this.change(options.netns !== undefined ? [] : lines, inNetns?.lines.length ? inNetns : undefined, false);
  };

  /** Ends the process once the changes queued have run. */
  close(): Promise<void> {
    return this.session.close();
  }

  private async change(host: readonly BatchLine[], inNetns: InNetns | undefined, fresh: boolean): Promise<void> {
    const parent = inNetns ? [...host, `netns exec ${inNetns.netns} ${IP_BATCH_ARGV[0]} -batch ${this.file}`] : host;
    if (parent.length === 0) return;
    const markers = parent.length + (inNetns?.lines.length ?? 0);
    const withMarkers = (lines: readonly BatchLine[]): string => lines.map((l) => `${l}\n${MARKER}\n`).join('');
    const failed = await this.session.exchange(
      () => {
        // Written when the change's turn comes: the change before it has read its own.
        if (inNetns) writeScratchFile(this.file, withMarkers(inNetns.lines));
        return withMarkers(parent);
      },
      (heard): Failed | null | undefined => {
        if (markersIn(heard.stdout) >= markers) {
          heard.stdout = '';
          heard.stderr = ''; // warnings of a change that succeeded
          return null;
        }
        return heard.exited ? { stdout: heard.stdout, stderr: heard.stderr, linesBefore: heard.linesBefore } : undefined;
      },
    );
    if (failed === null) return;
    this.session.warm();
    const e = this.failure(host, inNetns, failed);
    const maybeStale = e.kind === 'not-found' && e.index < host.length && failed.linesBefore > 0;
    if (fresh || !maybeStale) throw e;
    const applied = host.slice(0, e.index);
    try {
      await this.change(host.slice(e.index), inNetns, true);
    } catch (again) {
      throw again instanceof BatchError ? again.after(applied) : again;
    }
  }

  /** The BatchError of a change that stopped, over its host lines then its namespace's. */
  private failure(host: readonly BatchLine[], inNetns: InNetns | undefined, heard: Failed): BatchError {
    // The parent numbers its lines from its start; the child, from its file's. The child's markers follow the host lines'.
    const markers = markersIn(heard.stdout);
    let index = stoppedAt(heard.stderr, markers, host.length, '-', heard.linesBefore);
    let netns: string | undefined;
    if (inNetns && index >= host.length) {
      index = host.length + stoppedAt(heard.stderr, Math.max(markers - host.length, 0), inNetns.lines.length, this.file);
      netns = inNetns.netns;
    }
    const detail = failureDetail(heard.stderr, 'ip exited');
    const result = { code: 1, stdout: heard.stdout, stderr: heard.stderr };
    return new BatchError(classifyIpError(detail), [...host, ...(inNetns?.lines ?? [])], index, detail, netns, result, netns === undefined ? 0 : host.length);
  }
}
