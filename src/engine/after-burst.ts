// Runs a callback once a burst of events is over: `quietMs` after the last
// event, and never later than `maxWaitMs` after the first, so a steady stream
// does not postpone it for ever. The callback gets the last event's value.
export interface BurstTimer<T> {
  /** An event: (re)starts the wait. */
  poke(value: T): void;
  /** Runs the callback now if an event waits for it. */
  flush(): void;
  /** Drops the event waiting, if any. */
  cancel(): void;
}

export function afterBurst<T>(fn: (value: T) => void, quietMs: number, maxWaitMs: number): BurstTimer<T> {
  let pending: NodeJS.Timeout | null = null;
  let first = 0;
  let last: T;
  const run = (): void => {
    pending = null;
    fn(last);
  };
  return {
    poke(value) {
      last = value;
      const now = Date.now();
      if (pending) clearTimeout(pending);
      else first = now;
      pending = setTimeout(run, Math.max(0, Math.min(quietMs, first + maxWaitMs - now)));
    },
    flush() {
      if (pending === null) return;
      clearTimeout(pending);
      run();
    },
    cancel() {
      if (pending) clearTimeout(pending);
      pending = null;
    },
  };
}
