// Longest common subsequence of two rule lists, for order-aware diffs.
// Common head and tail are matched directly; the quadratic table only covers
// the part in between, which is small when few rules changed.

/** Index pairs [i, j] with a[i] === b[j] forming a longest common subsequence, ascending. */
export function lcsPairs(a: readonly string[], b: readonly string[]): Array<readonly [number, number]> {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const n = a.length - head - tail;
  const m = b.length - head - tail;
  const width = m + 1;
  // rest[i * width + j]: LCS length of a[head + i ..] and b[head + j ..] within the middle part.
  const rest = new Uint32Array((n + 1) * width);
  const at = (i: number, j: number): number => rest[i * width + j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      rest[i * width + j] = a[head + i] === b[head + j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }

  const pairs: Array<readonly [number, number]> = [];
  for (let k = 0; k < head; k++) pairs.push([k, k]);
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[head + i] === b[head + j]) {
      pairs.push([head + i, head + j]);
      i++;
      j++;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      i++;
    } else {
      j++;
    }
  }
  for (let k = tail; k > 0; k--) pairs.push([a.length - k, b.length - k]);
  return pairs;
}
