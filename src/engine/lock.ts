// Serialises the engine's changes: each runs alone, in the order asked.
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  /** Changes running or waiting their turn. */
  private pending = 0;
  private idle: (() => void)[] = [];

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(fn, fn);
    this.tail = result
      .catch(() => undefined)
      .finally(() => {
        if (--this.pending === 0) for (const f of this.idle.splice(0)) setImmediate(f);
      });
    return result;
  }

  /** Runs `fn` once no change runs or waits (soon, if none does), after the last one's caller has had its answer. */
  whenIdle(fn: () => void): void {
    if (this.pending === 0) setImmediate(fn);
    else this.idle.push(fn);
  }
}
