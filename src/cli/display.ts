// How the Docker CLI turns API data into text: truncated ids, ellipsis, port lists,
// natural sort, Go's time.String(), and text/tabwriter alignment.
import type { DockerPort } from '../api/shapes.js';

export { shortId as truncateId } from '../model/names.js';

function runes(s: string): string[] {
  return [...s];
}

/** Shortens to `max` display characters, ending with "…" when cut. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const r = runes(s);
  if (r.length <= max) return s;
  if (max === 1) return r[0] ?? '';
  return r.slice(0, max - 1).join('') + '…';
}


function comparePorts(a: DockerPort, b: DockerPort): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  const ai = a.IP ?? '';
  const bi = b.IP ?? '';
  if (ai !== bi) return ai < bi ? -1 : 1;
  const ap = a.PublicPort ?? 0;
  const bp = b.PublicPort ?? 0;
  if (ap !== bp) return ap - bp;
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}

function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * `docker ps` PORTS: sorted; consecutive unpublished ports (or ports published on the
 * same number) grouped into ranges; other mappings as "IP:PUB->PRIV/proto".
 */
export function displayablePorts(ports: readonly DockerPort[]): string {
  const groups = new Map<string, { first: number; last: number }>();
  const order: string[] = [];
  const result: string[] = [];
  const mappings: string[] = [];
  const form = (key: string, first: number, last: number): string => {
    const slash = key.lastIndexOf('/');
    const ip = slash < 0 ? '' : key.slice(0, slash);
    const type = slash < 0 ? key : key.slice(slash + 1);
    let group = first === last ? String(first) : `${first}-${last}`;
    if (ip !== '') group = `${ip}:${group}->${group}`;
    return `${group}/${type}`;
  };
  for (const p of [...ports].sort(comparePorts)) {
    const current = p.PrivatePort;
    let key = p.Type;
    if (p.IP) {
      if ((p.PublicPort ?? 0) !== current) {
        mappings.push(`${joinHostPort(p.IP, p.PublicPort ?? 0)}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: current, last: current });
      order.push(key);
      continue;
    }
    if (current === g.last + 1) {
      g.last = current;
      continue;
    }
    result.push(form(key, g.first, g.last));
    groups.set(key, { first: current, last: current });
  }
  for (const key of order) {
    const g = groups.get(key);
    if (g) result.push(form(key, g.first, g.last));
  }
  return [...result, ...mappings].join(', ');
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Natural order ("net2" < "net10"), as the Docker CLI sorts network names. */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a[i];
    const cb = b[j];
    const da = isDigit(ca);
    const db = isDigit(cb);
    if (da !== db) return da ? -1 : 1;
    if (!da) {
      if (ca !== cb) return (ca as string) < (cb as string) ? -1 : 1;
      i++;
      j++;
      continue;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    const sa = i;
    const sb = j;
    while (isDigit(a[i])) i++;
    while (isDigit(b[j])) j++;
    if (i - sa !== j - sb) return i - sa - (j - sb);
    const na = a.slice(sa, i);
    const nb = b.slice(sb, j);
    if (na !== nb) return na < nb ? -1 : 1;
    if (sa !== sb) return sa - sb;
  }
  return a.length - i - (b.length - j);
}

/** Go's time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST" in local time. */
export function goTimeString(ms: number, fractionNanos?: number): string {
  const d = new Date(ms);
  const offMin = -d.getTimezoneOffset();
  const local = new Date(ms + offMin * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  let s =
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const nanos = fractionNanos ?? (ms % 1000) * 1e6;
  if (nanos > 0) s += `.${pad(nanos, 9).replace(/0+$/, '')}`;
  const sign = offMin >= 0 ? '+' : '-';
  const abs = Math.abs(offMin);
  const zone = `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  return `${s} ${zone} ${offMin === 0 ? 'UTC' : zone}`;
}

/** Nanoseconds of an RFC 3339 time's fraction ("...:05.123456789Z" → 123456789). */
export function fractionNanos(rfc3339: string): number {
  const m = /\.(\d+)/.exec(rfc3339);
  return m?.[1] ? Number(m[1].slice(0, 9).padEnd(9, '0')) : 0;
}
