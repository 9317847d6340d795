// The IPv4 routes of the main table as /proc/net/route lists them for the
// reading process's namespace: read without starting `ip`, for the subnet
// allocator, which must keep new networks clear of the host's routes.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { formatIpv4 } from '../model/ipv4.js';

/** Destinations (CIDRs) of the routes in a /proc/net/route text, default routes left out; its words are in the host's byte order. */
export function parseProcRoute(text: string, order: 'LE' | 'BE' = endianness()): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [dst, mask] = [f[1], f[7]];
    if (dst === undefined || mask === undefined || !/^[0-9A-Fa-f]{8}$/.test(dst) || !/^[0-9A-Fa-f]{8}$/.test(mask)) continue;
    const len = prefixLength(Number.parseInt(mask, 16));
    if (len === 0) continue; // default
    out.push(`${dotted(Number.parseInt(dst, 16), order)}/${len}`);
  }
  return out;
}

/** A word /proc printed in the host's byte order, as the address it holds. */
function dotted(word: number, order: 'LE' | 'BE'): string {
  const ip = order === 'BE' ? word : ((word & 0xff) << 24) | (((word >>> 8) & 0xff) << 16) | (((word >>> 16) & 0xff) << 8) | (word >>> 24);
  return formatIpv4(ip);
}

function prefixLength(word: number): number {
  let bits = 0;
  for (let w = word >>> 0; w !== 0; w >>>= 1) bits += w & 1;
  return bits;
}

export async function procRoutes(path = '/proc/net/route'): Promise<string[]> {
  return parseProcRoute(await readFile(path, 'utf8'));
}
