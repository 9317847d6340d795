// CLI outcomes other than success. Only the entry point turns these into an exit code.

/** A failure whose message is printed as-is to stderr (Docker's wording), then exit. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit with a status and print nothing more (the command already reported). */
export class ExitStatus extends Error {
  constructor(readonly exitCode: number) {
    super(`exit status ${exitCode}`);
    this.name = 'ExitStatus';
  }
}
