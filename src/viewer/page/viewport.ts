// The visible time range, its mapping to pixels and the zoom/pan arithmetic, kept free of the
// DOM.

/** A span of the report's time shown across the timeline's width. */
export interface TimeRange {
  /** µs since the report's origin. */
  start: number;
  end: number;
}

/** A range drawn `width` px wide, as a mapping from time to x: x = (t - t0) * k. */
export interface ViewTransform {
  t0: number;
  t1: number;
  /** px per µs. */
  k: number;
  width: number;
}

export function viewTransform(r: TimeRange, width: number): ViewTransform {
  return { t0: r.start, t1: r.end, k: width / (r.end - r.start), width };
}

export interface Limits {
  /** The range never leaves [min, max]. */
  min: number;
  max: number;
  /** The narrowest range, µs. */
  minSpan: number;
}

/** Limits for a report of `duration` µs: a little room on both sides, zoom down to 1 ns. */
export function limitsFor(duration: number): Limits {
  const d = duration > 0 ? duration : 1;
  const pad = d * 0.02;
  return { min: -pad, max: d + pad, minSpan: 1e-3 };
}

/** Moves (and if needed shrinks) the range into the limits, keeping its span if it can. */
export function clampRange(w: TimeRange, lim: Limits): TimeRange {
  let span = w.end - w.start;
  if (!(span > 0)) span = lim.minSpan;
  span = Math.min(Math.max(span, lim.minSpan), lim.max - lim.min);
  let start = w.start;
  if (start < lim.min) start = lim.min;
  if (start + span > lim.max) start = lim.max - span;
  return { start, end: start + span };
}

/**
 * Zooms by `factor` (< 1 zooms in) keeping time `anchor` at the same place on screen, as a
 * wheel zoom under the cursor does.
 */
export function zoomAround(w: TimeRange, anchor: number, factor: number, lim: Limits): TimeRange {
  const span = w.end - w.start;
  const newSpan = Math.min(Math.max(span * factor, lim.minSpan), lim.max - lim.min);
  const f = span > 0 ? (anchor - w.start) / span : 0.5;
  return clampRange({ start: anchor - f * newSpan, end: anchor - f * newSpan + newSpan }, lim);
}

/** Shifts the range by `delta` µs. */
export function panBy(w: TimeRange, delta: number, lim: Limits): TimeRange {
  return clampRange({ start: w.start + delta, end: w.end + delta }, lim);
}

/** A range showing [start, start + dur] at `share` of its width, centred. */
export function focusOn(start: number, dur: number, lim: Limits, share = 0.4): TimeRange {
  const span = Math.max(dur / share, lim.minSpan * 10, 1);
  const mid = start + dur / 2;
  return clampRange({ start: mid - span / 2, end: mid + span / 2 }, lim);
}
