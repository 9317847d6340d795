// Compensating actions for a multi-step change: registered as each step succeeds,
// run newest first when a later step fails. Undo keeps going past failures and
// logs each one, so one stuck step does not leave the rest behind.
export class Undo {
  private readonly steps: (() => unknown)[] = [];

  push(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(log: (message: string) => void): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop() as () => unknown;
      try {
        await step();
      } catch (e) {
        log(`rollback step failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
