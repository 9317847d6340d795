// Everything the benchmark creates (daemons, namespaces, temp dirs) is released
// through here, on success, on failure and on Ctrl-C alike: each resource is used
// inside `guarded`, whose undo also runs when a signal arrives mid-way.

type Undo = () => Promise<void>;

const pending = new Set<Undo>();
let interrupted: NodeJS.Signals | null = null;

/** Wraps `fn` so that any number of calls run it once and share its outcome. */
function once(fn: Undo): Undo {
  let run: Promise<void> | null = null;
  return () => (run ??= fn());
}

/** Runs `body` with `undo` registered; undo runs once, after body or on a signal, whichever comes first. */
export async function guarded<T>(undo: Undo, body: () => Promise<T>): Promise<T> {
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  const u = once(undo);
  pending.add(u);
  try {
    return await body();
  } finally {
    pending.delete(u);
    await u();
  }
}

async function undoAll(): Promise<void> {
  for (const u of [...pending].reverse()) {
    pending.delete(u);
    await u().catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
  }
}

/** On SIGINT, SIGTERM or SIGHUP: undo everything still registered, then exit 128+signal. */
export function cleanUpOnSignals(): void {
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  for (const [sig, n] of Object.entries(codes) as [NodeJS.Signals, number][]) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = sig;
      process.stderr.write(`\n${sig}: removing the benchmark's namespaces and daemons...\n`);
      void undoAll().finally(() => process.exit(128 + n));
    });
  }
}
