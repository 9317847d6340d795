// Shared by the commands that act on several named objects (start, stop, restart, rm,
// network rm, firewall rm): Docker's per-object output and error report.
import { CliError } from '../errors.js';
import { errorText, rethrowIfFatal } from './errors.js';

/** Runs `op` per named object, printing each name; all failures are reported together (exit 1). */
export async function forEachTarget(
  names: readonly string[],
  out: (s: string) => void,
  op: (name: string) => Promise<unknown>,
): Promise<number> {
  const errors: string[] = [];
  for (const name of names) {
    try {
      await op(name);
      out(`${name}\n`);
    } catch (e) {
      rethrowIfFatal(e);
      errors.push(errorText(e));
    }
  }
  if (errors.length > 0) throw new CliError(errors.join('\n'));
  return 0;
}

/** `-t, --time`: absent unless given, so the daemon applies its default (10 s). */
export const TIME_OPTION = {
  name: 'time',
  short: 't',
  type: 'int',
  help: 'Seconds to wait for stop before killing it (default 10)',
} as const;
