// How a command reports one failure among several (rm, stop, start...): Docker's text.
import { ApiError, ConnectionError } from '../client.js';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.display;
  if (e instanceof ConnectionError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Connection failures abort a multi-object command instead of repeating per object. */
export function rethrowIfFatal(e: unknown): void {
  if (e instanceof ConnectionError) throw e;
}
