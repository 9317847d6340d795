// Pure arithmetic and formatting for the benchmark report: medians, ratios,
// and human units. No clock, no kernel.

/** The median of the samples (mean of the middle two for an even count); null when empty. */
export function median(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile by nearest rank (0 < p <= 100): the smallest sample with at least p% of the samples at or below it; null when empty. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** berth's value divided by another's: below 1, berth takes less. Null when either is missing or the divisor is 0. */
export function ratio(berth: number | null, other: number | null): number | null {
  if (berth === null || other === null || other === 0) return null;
  return berth / other;
}

/** Three significant digits, without exponent notation. */
function sig3(x: number): string {
  if (x === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(Math.min(digits, 6));
}

/** 0.42 ms, 12.3 ms, 845 ms, 1.23 s, 74.1 s. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${sig3(ms)} ms` : `${sig3(ms / 1000)} s`;
}

/** "0.0132 (76× faster)", "2.10 (2.1× slower)", "1.00". */
export function formatRatio(r: number): string {
  const text = sig3(r);
  if (r < 0.95) return `${text} (${sig3(1 / r)}× faster)`;
  if (r > 1.05) return `${text} (${sig3(r)}× slower)`;
  return text;
}

/** "0.25×", "1.00×": a factor between two figures. */
export function formatFactor(x: number): string {
  return `${sig3(x)}×`;
}

/** Bytes in KiB, MiB or GiB with three significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${sig3(v)} ${units[u]}`;
}

/** 12,345 (thousands separated by commas, rounded). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
