// The one place where an error becomes an HTTP status and Docker's JSON error body.
import type { ServerResponse } from 'node:http';
import { asBerthError, type ErrorKind } from '../model/errors.js';

const STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  system: 500,
  unavailable: 503,
};

/** HTTP status for any error reaching the API (unknown errors are 500). */
export function httpStatusOf(err: unknown): number {
  return STATUS[asBerthError(err).kind];
}

/** Docker's error body: `{"message": "..."}`. */
export function errorBody(err: unknown): { message: string } {
  return { message: asBerthError(err).message };
}

/** Writes the error if the response has not started; otherwise ends the stream. */
export function writeError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(errorBody(err)) + '\n';
  res.writeHead(httpStatusOf(err), {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
