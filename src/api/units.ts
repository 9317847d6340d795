// Human-readable durations and times, as Docker prints them (go-units HumanDuration,
// container State.String()). Shared by the API (container Status) and the CLI.

/** Docker's approximation of a duration: "Less than a second", "3 seconds", "About a minute"... */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** Go's zero time as Docker serialises it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Milliseconds since the epoch, or null for an empty/zero/unparseable time. */
export function parseTime(t: string): number | null {
  if (t === '' || t.startsWith('0001-01-01')) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Go's RFC3339Nano-with-fixed-width ("2006-01-02T15:04:05.000000000Z07:00") in the local
 * time zone, as `docker events` prints event times.
 */
export function formatEventTime(unixSeconds: number, nanos?: number): string {
  const ms = Math.floor(unixSeconds * 1000);
  const d = new Date(ms);
  const offMin = -d.getTimezoneOffset();
  const local = new Date(ms + offMin * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const ns = nanos ?? Math.round((unixSeconds - Math.floor(unixSeconds)) * 1e9);
  const base =
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(ns % 1e9, 9)}`;
  if (offMin === 0) return `${base}Z`;
  const sign = offMin > 0 ? '+' : '-';
  const abs = Math.abs(offMin);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
