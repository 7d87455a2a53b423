// The per-depth index of the timeline: the visible range of a level, hit testing, self time.
import { describe, expect, it } from 'vitest';
import {
  buildDepthIndex,
  childrenTime,
  sliceNear,
  visibleRange,
} from '../../src/viewer/page/depth-index';

/** Columns from [start, dur, depth, parent] rows (already sorted by start). */
function cols(rows: [number, number, number, number][]) {
  return {
    start: Float64Array.from(rows, (r) => r[0]),
    dur: Float64Array.from(rows, (r) => r[1]),
    depth: Int32Array.from(rows, (r) => r[2]),
    parent: Int32Array.from(rows, (r) => r[3]),
  };
}

// 0: [0,100) d0        3: [120,200) d0
// 1: [10,30) d1 of 0   4: [130,140) d1 of 3
// 2: [40,90) d1 of 0   5: [150,160) d1 of 3
//                      6: [152,155) d2 of 5
const c = cols([
  [0, 100, 0, -1],
  [10, 20, 1, 0],
  [40, 50, 1, 0],
  [120, 80, 0, -1],
  [130, 10, 1, 3],
  [150, 10, 1, 3],
  [152, 3, 2, 5],
]);
const ix = buildDepthIndex(c, 3);
const visible = (d: number, t0: number, t1: number): number[] => {
  const [lo, hi] = visibleRange(ix, c.start, d, t0, t1);
  return Array.from(ix.order.subarray(lo, hi));
};

describe('buildDepthIndex', () => {
  it('groups slices by depth, by start within a depth', () => {
    expect(Array.from(ix.offsets)).toEqual([0, 2, 6, 7]);
    expect(Array.from(ix.order)).toEqual([0, 3, 1, 2, 4, 5, 6]);
    expect(ix.depths).toBe(3);
  });

  it('indexes a subset only (search matches)', () => {
    const sub = buildDepthIndex(c, 3, Int32Array.from([2, 3, 6]));
    expect(Array.from(sub.order)).toEqual([3, 2, 6]);
    expect(Array.from(sub.offsets)).toEqual([0, 1, 2, 3]);
  });
});

describe('visibleRange', () => {
  it('finds the slices of a level intersecting the range', () => {
    expect(visible(0, 0, 1000)).toEqual([0, 3]);
    expect(visible(0, 100, 120)).toEqual([]); // the gap between the two roots
    expect(visible(0, 99, 121)).toEqual([0, 3]);
    expect(visible(1, 35, 135)).toEqual([2, 4]);
    expect(visible(1, 30, 40)).toEqual([]); // end and start are exclusive
    expect(visible(2, 0, 1000)).toEqual([6]);
    expect(visible(3, 0, 1000)).toEqual([]);
  });

  it('never misses a long slice that overlaps a later one at the same depth', () => {
    // Badly nested input: 0 = [0,100), 1 = [10,20) both at depth 0.
    const bad = cols([
      [0, 100, 0, -1],
      [10, 10, 0, -1],
    ]);
    const bix = buildDepthIndex(bad, 1);
    const [lo, hi] = visibleRange(bix, bad.start, 0, 50, 60);
    expect(Array.from(bix.order.subarray(lo, hi))).toContain(0);
  });

  it('stays exact on a large random level', () => {
    const n = 20000;
    const start = new Float64Array(n);
    const dur = new Float64Array(n);
    let t = 0;
    for (let i = 0; i < n; i++) {
      t += (i * 7919) % 13;
      start[i] = t;
      dur[i] = (i * 104729) % 11;
      t += dur[i];
    }
    const big = { start, dur, depth: new Int32Array(n) };
    const bix = buildDepthIndex(big, 1);
    for (const [t0, t1] of [
      [0, 10],
      [5000, 5100],
      [t - 50, t + 50],
      [123.5, 124.5],
    ]) {
      const [lo, hi] = visibleRange(bix, start, 0, t0, t1);
      const got = Array.from(bix.order.subarray(lo, hi)).filter((i) => start[i] + dur[i] > t0);
      const want: number[] = [];
      for (let i = 0; i < n; i++) if (start[i] < t1 && start[i] + dur[i] > t0) want.push(i);
      expect(got).toEqual(want);
    }
  });
});

describe('sliceNear', () => {
  it('finds the slice containing a time', () => {
    expect(sliceNear(ix, c.start, c.dur, 0, 50)).toBe(0);
    expect(sliceNear(ix, c.start, c.dur, 1, 155)).toBe(5);
    expect(sliceNear(ix, c.start, c.dur, 2, 153)).toBe(6);
  });

  it('finds nothing in a gap, unless within the tolerance', () => {
    expect(sliceNear(ix, c.start, c.dur, 1, 35)).toBe(-1);
    expect(sliceNear(ix, c.start, c.dur, 1, 36, 6)).toBe(2);
    expect(sliceNear(ix, c.start, c.dur, 1, 31, 6)).toBe(1);
    expect(sliceNear(ix, c.start, c.dur, 5, 10)).toBe(-1);
  });
});

describe('childrenTime', () => {
  it('sums the direct children only', () => {
    expect(childrenTime(ix, c, 0)).toBe(70);
    expect(childrenTime(ix, c, 3)).toBe(20); // not 6's 3 µs: a grandchild
    expect(childrenTime(ix, c, 5)).toBe(3);
    expect(childrenTime(ix, c, 6)).toBe(0);
  });
});
