// Binary search over sorted numbers: the one lower bound, for the report build and the
// viewer's page (no Node imports: the page bundles it).

/** Index of the first element of the sorted `a[lo..hi)` that is >= v (`hi` when none is). */
export function lowerBound(a: ArrayLike<number>, v: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
