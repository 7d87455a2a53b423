// Hit-testing the timeline: what is under a point of the tracks, where a named slice is.

import type { CounterData } from './data';
import { sliceNear, visibleRange } from './depth-index';
import { instantNear, lowerBound, type InstantList } from './timeline-draw';
import { levelTop, visibleRows } from './timeline-layout';
import {
  ROW_H,
  TRACK_PAD,
  shortName,
  transform,
  type Row,
  type Selection,
  type TimelineState,
} from './timeline-state';

/** The row at height y of the tracks' content (not of the canvas: add the scroll). */
export function rowAt(s: TimelineState, y: number): Row | null {
  for (const r of s.rows) if (y >= r.top && y < r.top + r.height) return r;
  return null;
}

/** The slice under canvas point (x, y), within 3 px horizontally. */
export function sliceAt(
  s: TimelineState,
  x: number,
  y: number,
  scrollTop: number,
): Selection | null {
  const row = rowAt(s, y + scrollTop);
  if (!row || row.kind !== 'thread') return null;
  const yIn = y + scrollTop - row.top - TRACK_PAD;
  if (yIn < 0) return null;
  const d = Math.floor(yIn / ROW_H);
  const vt = transform(s);
  const t = vt.t0 + x / vt.k;
  const i = sliceNear(row.t.index, row.t.cols.start, row.t.cols.dur, d, t, 3 / vt.k);
  return i < 0 ? null : { thread: row.t, index: i };
}

/** The counter's sample in effect at time t (the last one at or before it), or -1. */
export function counterSampleAt(c: CounterData, t: number): number {
  return lowerBound(c.cols.ts, t + 1e-9) - 1;
}

/** The instant near time t (within 5 px) on a row, else a global one, or null. */
export function instantAt(
  s: TimelineState,
  row: Row | null,
  t: number,
): { list: InstantList; index: number } | null {
  const vt = transform(s);
  const list =
    row?.kind === 'thread' ? row.instants : row?.kind === 'process' ? row.group.instants : null;
  for (const l of [list, s.globalInstants]) {
    if (!l) continue;
    const q = instantNear(l, t, vt);
    if (q >= 0) return { list: l, index: q };
  }
  return null;
}

/**
 * Canvas coordinates of the centre of the first slice on screen named `name` (the full name,
 * or just its function part), or null; `track` limits it to async spans or threads' slices.
 */
export function findSlice(
  s: TimelineState,
  name: string,
  scrollTop: number,
  track?: 'async' | 'thread',
): { x: number; y: number } | null {
  const strings = s.report.meta.strings;
  const wanted = new Set<number>();
  strings.forEach((str, i) => {
    if (str === name || shortName(s, i) === name) wanted.add(i);
  });
  if (wanted.size === 0) return null;
  const vt = transform(s);
  for (const row of visibleRows(s, scrollTop)) {
    if (row.kind !== 'thread') continue;
    if (track !== undefined && !!row.t.info.async !== (track === 'async')) continue;
    const { start, dur, name: names } = row.t.cols;
    for (let d = 0; d < row.t.index.depths; d++) {
      const y = levelTop(row, d) - scrollTop + ROW_H / 2;
      if (y < 2 || y > s.height - 2) continue;
      const [lo, hi] = visibleRange(row.t.index, start, d, vt.t0, vt.t1);
      for (let p = lo; p < hi; p++) {
        const i = row.t.index.order[p];
        if (!wanted.has(names[i])) continue;
        const x0 = Math.max(0, (start[i] - vt.t0) * vt.k);
        const x1 = Math.min(vt.width, (start[i] + dur[i] - vt.t0) * vt.k);
        if (x1 - x0 < 1) continue;
        return { x: (x0 + x1) / 2, y };
      }
    }
  }
  return null;
}
