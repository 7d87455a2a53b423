// Finding the slices in a time range fast. A thread's slices are sorted by start; grouped by
// depth they stay sorted, and at one depth they do not overlap (they are siblings or cousins),
// so the ones visible in [t0, t1) are a contiguous run found by two binary searches.
//
// Badly nested input can still overlap at one depth (the model puts a slice that overflows its
// would-be parent beside it), so the first search is over the running maximum of the ends,
// which is non-decreasing whatever the input: nothing visible is ever skipped.

export interface DepthIndex {
  /** Slice indices grouped by depth, by start within a depth. */
  order: Int32Array;
  /** Depth d's slices are order[offsets[d] .. offsets[d + 1]). */
  offsets: Int32Array;
  /** maxEnd[k] = max over order[offsets[d] .. k] of start + dur (within k's depth). */
  maxEnd: Float64Array;
  depths: number;
}

interface Columns {
  start: Float64Array;
  dur: Float64Array;
  depth: Int32Array;
}

/**
 * Groups slices by depth (a counting sort, stable, so starts stay sorted). With `subset`
 * (ascending slice indices), only those slices are indexed: the search's matches.
 */
export function buildDepthIndex(cols: Columns, depths: number, subset?: Int32Array): DepthIndex {
  const m = subset ? subset.length : cols.start.length;
  const at = (k: number): number => (subset ? subset[k] : k);
  let levels = Math.max(depths, 1);
  for (let k = 0; k < m; k++) {
    const d = cols.depth[at(k)];
    if (d + 1 > levels) levels = d + 1;
  }
  const offsets = new Int32Array(levels + 1);
  for (let k = 0; k < m; k++) offsets[cols.depth[at(k)] + 1]++;
  for (let d = 0; d < levels; d++) offsets[d + 1] += offsets[d];
  const fill = offsets.slice(0, levels);
  const order = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const i = at(k);
    order[fill[cols.depth[i]]++] = i;
  }
  const maxEnd = new Float64Array(m);
  for (let d = 0; d < levels; d++) {
    let run = -Infinity;
    for (let k = offsets[d]; k < offsets[d + 1]; k++) {
      const i = order[k];
      const end = cols.start[i] + cols.dur[i];
      if (end > run) run = end;
      maxEnd[k] = run;
    }
  }
  return { order, offsets, maxEnd, depths: levels };
}

/** The first position of depth d whose slice (or an earlier one) ends after t0. */
export function firstEndingAfter(ix: DepthIndex, d: number, t0: number): number {
  let lo = ix.offsets[d];
  let hi = ix.offsets[d + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ix.maxEnd[mid] > t0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first position in [lo, hi) whose slice starts at or after t. */
export function firstStartingAtOrAfter(
  ix: DepthIndex,
  start: Float64Array,
  lo: number,
  hi: number,
  t: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (start[ix.order[mid]] >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The same as firstStartingAtOrAfter, for an answer expected near lo: galloping (1, 2, 4, ...
 * positions ahead) then a binary search costs O(log distance) rather than O(log (hi - lo)).
 * The timeline skips through a level pixel by pixel, each skip a few slices long.
 */
export function nextStartingAtOrAfter(
  ix: DepthIndex,
  start: Float64Array,
  lo: number,
  hi: number,
  t: number,
): number {
  const order = ix.order;
  let a = lo;
  let step = 1;
  let b = lo;
  while (b < hi && start[order[b]] < t) {
    a = b + 1;
    b += step;
    step *= 2;
  }
  return firstStartingAtOrAfter(ix, start, a, Math.min(b, hi), t);
}

/**
 * Positions [lo, hi) of depth d that may intersect [t0, t1): every slice that does is in
 * the range (with well-nested input, every slice in it does).
 */
export function visibleRange(
  ix: DepthIndex,
  start: Float64Array,
  d: number,
  t0: number,
  t1: number,
): [number, number] {
  if (d < 0 || d >= ix.depths) return [0, 0];
  const lo = firstEndingAfter(ix, d, t0);
  const hi = firstStartingAtOrAfter(ix, start, lo, ix.offsets[d + 1], t1);
  return [lo, hi];
}

/**
 * The slice at depth d closest to time t, within `tolerance` µs; -1 when none. A slice
 * containing t wins; otherwise the nearer of its neighbours, so that clicks on slices
 * narrower than a pixel still select something.
 */
export function sliceNear(
  ix: DepthIndex,
  start: Float64Array,
  dur: Float64Array,
  d: number,
  t: number,
  tolerance = 0,
): number {
  if (d < 0 || d >= ix.depths) return -1;
  const a = ix.offsets[d];
  const b = ix.offsets[d + 1];
  // Last slice starting at or before t.
  const k = firstStartingAtOrAfter(ix, start, a, b, t + 1e-9) - 1;
  let best = -1;
  let bestGap = Infinity;
  for (const p of [k, k - 1, k + 1]) {
    if (p < a || p >= b) continue;
    const i = ix.order[p];
    const s = start[i];
    const e = s + dur[i];
    const gap = t < s ? s - t : t > e ? t - e : 0;
    if (gap < bestGap || (gap === bestGap && gap === 0 && best >= 0 && dur[i] < dur[best])) {
      best = i;
      bestGap = gap;
    }
  }
  return bestGap <= tolerance ? best : -1;
}

/** Sum of the durations of i's direct children: they are at depth + 1 within i's span. */
export function childrenTime(
  ix: DepthIndex,
  cols: Columns & { parent: Int32Array },
  i: number,
): number {
  const d = cols.depth[i] + 1;
  if (d >= ix.depths) return 0;
  const s = cols.start[i];
  const [lo, hi] = visibleRange(ix, cols.start, d, s, s + cols.dur[i]);
  let sum = 0;
  for (let k = lo; k < hi; k++) {
    const c = ix.order[k];
    if (cols.parent[c] === i) sum += cols.dur[c];
  }
  // Zero-length children at i's very start end at s and are not "after s": they add nothing.
  return sum;
}
