// One error type for the whole of berth. `kind` decides the HTTP status and the
// CLI exit code (mapped in one place each); `message` is what the user reads and,
// where Docker has a message for the same mistake, it is Docker's.

export type ErrorKind = 'invalid' | 'not-found' | 'conflict' | 'forbidden' | 'unavailable' | 'system';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'BerthError';
  }
}

export const invalid = (message: string, cause?: unknown): BerthError => new BerthError('invalid', message, { cause });
export const notFound = (message: string, cause?: unknown): BerthError => new BerthError('not-found', message, { cause });
export const conflict = (message: string, cause?: unknown): BerthError => new BerthError('conflict', message, { cause });
export const forbidden = (message: string, cause?: unknown): BerthError => new BerthError('forbidden', message, { cause });
export const unavailable = (message: string, cause?: unknown): BerthError => new BerthError('unavailable', message, { cause });
export const systemError = (message: string, cause?: unknown): BerthError => new BerthError('system', message, { cause });

/** Every error reaching a surface becomes a BerthError; unknown ones are `system`. */
export function asBerthError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  if (err instanceof Error) return new BerthError('system', err.message, { cause: err });
  return new BerthError('system', String(err));
}
