// The marks of one track: a depth level's slices, a counter's series, instants.
//
// The cost of drawing depends on the pixels, not on the slices: each depth level draws only
// its visible run of slices (two binary searches, see depth-index.ts), and slices narrower
// than a pixel are drawn one rectangle per pixel column (longer for neighbours of the same
// name), the other slices inside that pixel being skipped by one more binary search.

import { lowerBound } from '../../trace/sorted';
import type { CounterData, ThreadData } from './data';
import { nextStartingAtOrAfter, visibleRange, type DepthIndex } from './depth-index';
import type { TextFitter } from './dom';
import type { Raster } from './raster';
import type { ViewTransform } from './viewport';

export interface LevelStyle {
  /** Packed pixel colour of a slice, by name index (see color.ts). */
  fill(nameIndex: number): number;
  /** Where labels go (drawn after the raster is on the canvas), null for none. */
  labels: LabelList | null;
  /** Names left unlabelled: a later pass (the search's matches) labels them. */
  skipLabel: Uint8Array | null;
  textColor: string;
}

/** Minimum width, px, for a slice to carry a label. */
const LABEL_MIN = 22;

/**
 * Draws depth `d` of a thread (its slices in `ix`, which may index only some of them) as
 * rectangles from y to y + h into the raster. Returns how many rectangles it drew.
 */
export function drawLevel(
  raster: Raster,
  t: ThreadData,
  ix: DepthIndex,
  d: number,
  y: number,
  h: number,
  vt: ViewTransform,
  style: LevelStyle,
): number {
  const { start, dur, name } = t.cols;
  const [lo, hi] = visibleRange(ix, start, d, vt.t0, vt.t1);
  let rects = 0;
  // The pending run of sub-pixel slices of one name: [runX0, runX1]. (Flushed inline: a
  // closure over these variables would keep them out of registers in this hot loop.)
  let runName = -1;
  let runX0 = 0;
  let runX1 = 0;
  const order = ix.order;
  const t0 = vt.t0;
  const k = vt.k;
  for (let p = lo; p < hi;) {
    const i = order[p];
    const s = start[i];
    const e = s + dur[i];
    if (e < t0) {
      p++; // only with overlapping (badly nested) slices
      continue;
    }
    const x0 = (s - t0) * k;
    const x1 = (e - t0) * k;
    const nm = name[i];
    if (x1 - x0 < 1) {
      // Neighbours of the same name extend the run; another name starts a new one, so that
      // zoomed out, each pixel column shows the colour of a slice that is really there.
      if (runName === nm && x0 <= runX1 + 1) {
        if (x1 > runX1) runX1 = x1;
      } else {
        let from = x0;
        if (runName >= 0) {
          if (x0 < runX1 + 1 && runX1 > x0) from = runX1;
          raster.rect(runX0, y, Math.max(1, runX1 - runX0), h, style.fill(runName));
          rects++;
        }
        runName = nm;
        runX0 = from;
        runX1 = x1 > from ? x1 : from;
      }
      // Slices that start before the next pixel edge are inside this pixel (slices of a
      // level do not overlap), except perhaps the last of them, which may be long: skip to it.
      const edge = t0 + (Math.floor(x1) + 1) / k;
      const q = nextStartingAtOrAfter(ix, start, p + 1, hi, edge);
      p = q - 1 > p ? q - 1 : p + 1;
      continue;
    }
    if (runName >= 0) {
      raster.rect(runX0, y, Math.max(1, runX1 - runX0), h, style.fill(runName));
      rects++;
      runName = -1;
    }
    const cx0 = x0 > -1 ? x0 : -1;
    const cx1 = x1 < vt.width + 1 ? x1 : vt.width + 1;
    // A hairline gap between wide neighbours, so that a row of equal calls reads as several.
    const w = cx1 - cx0 - (x1 - x0 >= 4 ? 1 : 0);
    raster.rect(cx0, y, w, h, style.fill(nm));
    rects++;
    if (style.labels && w >= LABEL_MIN && !style.skipLabel?.[nm]) {
      style.labels.add(nm, cx0, y + h / 2 + 0.5, w, style.textColor);
    }
    p++;
  }
  if (runName >= 0) {
    raster.rect(runX0, y, Math.max(1, runX1 - runX0), h, style.fill(runName));
    rects++;
  }
  return rects;
}

/** Labels collected while rasterizing, drawn on top once the raster is on the canvas. */
export class LabelList {
  private names: number[] = [];
  private xs: number[] = [];
  private ys: number[] = [];
  private ws: number[] = [];
  private colors: string[] = [];

  clear(): void {
    this.names.length = this.xs.length = this.ys.length = this.ws.length = 0;
    this.colors.length = 0;
  }

  add(name: number, x: number, y: number, w: number, color: string): void {
    this.names.push(name);
    this.xs.push(x);
    this.ys.push(y);
    this.ws.push(w);
    this.colors.push(color);
  }

  /** Draws the labels cut to their slices; ctx has the font and a middle baseline set. */
  draw(ctx: CanvasRenderingContext2D, text: (name: number) => string, fitter: TextFitter): void {
    let color = '';
    for (let j = 0; j < this.names.length; j++) {
      const s = fitter.fit(text(this.names[j]), this.ws[j] - 8);
      if (!s) continue;
      if (this.colors[j] !== color) ctx.fillStyle = color = this.colors[j];
      ctx.fillText(s, this.xs[j] + 4, this.ys[j]);
    }
  }
}

export { lowerBound };

// Reused point buffers for counter paths (x, y per emitted point).
let xs = new Float64Array(4096);
let ys = new Float64Array(4096);

/**
 * Draws key j of a counter as a step line with a light area under it. Samples falling in the
 * same pixel column collapse to their range (a vertical stroke), so a counter with millions
 * of samples still draws a few thousand segments.
 */
export function drawCounterSeries(
  ctx: CanvasRenderingContext2D,
  c: CounterData,
  j: number,
  y: number,
  h: number,
  vt: ViewTransform,
  color: string,
  endTime: number,
): void {
  const K = c.info.keys.length;
  const { ts, values } = c.cols;
  if (c.cols.n === 0) return;
  const { lo, hi } = c.scale;
  const span = hi - lo || 1;
  // Clamped: a fixed scale (CPU % 0-100) may have a value a little beyond it.
  const yOf = (v: number): number => y + h - ((Math.min(hi, Math.max(lo, v)) - lo) / span) * h;
  const base = yOf(Math.max(lo, 0));
  const i0 = Math.max(0, lowerBound(ts, vt.t0) - 1);
  const i1 = Math.min(c.cols.n, lowerBound(ts, vt.t1) + 1);
  let m = 0;
  const emit = (x: number, yy: number): void => {
    if (m >= xs.length) {
      const nx = new Float64Array(xs.length * 2);
      nx.set(xs);
      xs = nx;
      const ny = new Float64Array(ys.length * 2);
      ny.set(ys);
      ys = ny;
    }
    xs[m] = x;
    ys[m] = yy;
    m++;
  };
  let lastX = NaN;
  let lastY = NaN;
  for (let i = i0; i < i1; i++) {
    const v = values[i * K + j];
    if (!Number.isFinite(v)) continue;
    const x = Math.min(Math.max((ts[i] - vt.t0) * vt.k, -2), vt.width + 2);
    const yy = yOf(v);
    if (m > 0 && x - lastX < 0.5) {
      // Same pixel column: a vertical stroke to this value keeps the column's range visible.
      emit(lastX, yy);
    } else {
      if (m > 0) emit(x, lastY); // the step: the previous value holds until this sample
      emit(x, yy);
      lastX = x;
    }
    lastY = yy;
  }
  if (m === 0) return;
  const xEnd = Math.min(Math.max((endTime - vt.t0) * vt.k, lastX), vt.width + 2);
  emit(xEnd, lastY);
  ctx.beginPath();
  ctx.moveTo(xs[0], base);
  for (let p = 0; p < m; p++) ctx.lineTo(xs[p], ys[p]);
  ctx.lineTo(xs[m - 1], base);
  ctx.closePath();
  ctx.globalAlpha = 0.18;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.beginPath();
  ctx.moveTo(xs[0], ys[0]);
  for (let p = 1; p < m; p++) ctx.lineTo(xs[p], ys[p]);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.25;
  ctx.stroke();
}

/**
 * Key j of a step-function counter averaged per pixel column of the view: the time-weighted
 * mean of the values in force across each column, NaN where there is no sample yet. Costs the
 * samples on screen plus the columns, however many samples fall in one column.
 */
export function columnMeans(
  c: CounterData,
  j: number,
  vt: ViewTransform,
  endTime: number,
  out: Float32Array,
  cover: Float32Array,
): void {
  const W = out.length;
  out.fill(0);
  cover.fill(0);
  const K = c.info.keys.length;
  const { ts, values } = c.cols;
  const n = c.cols.n;
  const i0 = Math.max(0, lowerBound(ts, vt.t0) - 1);
  const i1 = Math.min(n, lowerBound(ts, vt.t1) + 1);
  for (let i = i0; i < i1; i++) {
    const v = values[i * K + j];
    if (!Number.isFinite(v)) continue;
    const x0 = Math.max(0, (ts[i] - vt.t0) * vt.k);
    const x1 = Math.min(W, ((i + 1 < n ? ts[i + 1] : endTime) - vt.t0) * vt.k);
    if (x1 <= x0) continue;
    const p1 = Math.min(W - 1, Math.ceil(x1) - 1);
    for (let p = Math.floor(x0); p <= p1; p++) {
      const o = Math.min(x1, p + 1) - Math.max(x0, p);
      if (o <= 0) continue;
      out[p] += v * o;
      cover[p] += o;
    }
  }
  for (let p = 0; p < W; p++) out[p] = cover[p] > 0 ? out[p] / cover[p] : NaN;
}

/**
 * A strip coloured by value: `means` per pixel column (NaN: nothing drawn) on the fixed scale
 * 0..`top` of `colors` (its last colour for `top` and above). Runs of one colour are one
 * rectangle.
 */
export function drawHeatStrip(
  raster: Raster,
  means: Float32Array,
  top: number,
  y: number,
  h: number,
  colors: Uint32Array,
): void {
  const steps = colors.length - 1;
  let from = 0;
  let level = -1;
  for (let p = 0; p <= means.length; p++) {
    const v = p < means.length ? means[p] : NaN;
    const l = Number.isFinite(v) ? Math.max(0, Math.min(steps, Math.round((v / top) * steps))) : -1;
    if (l === level) continue;
    if (level >= 0) raster.rect(from, y, p - from, h, colors[level]);
    from = p;
    level = l;
  }
}

export interface InstantList {
  /** µs, ascending. */
  ts: Float64Array;
  names: string[];
}

/** Instant events as small downward triangles hanging from y, with a hairline below. */
export function drawInstants(
  ctx: CanvasRenderingContext2D,
  list: InstantList,
  y: number,
  h: number,
  vt: ViewTransform,
  color: string,
): void {
  const lo = lowerBound(list.ts, vt.t0 - 5 / vt.k);
  const hi = lowerBound(list.ts, vt.t1 + 5 / vt.k);
  let lastPx = -Infinity;
  ctx.fillStyle = color;
  for (let i = lo; i < hi; i++) {
    const x = (list.ts[i] - vt.t0) * vt.k;
    if (x - lastPx < 1) continue;
    lastPx = x;
    ctx.globalAlpha = 0.35;
    ctx.fillRect(Math.round(x), y, 1, h);
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.moveTo(x - 4.5, y);
    ctx.lineTo(x + 4.5, y);
    ctx.lineTo(x, y + 7);
    ctx.closePath();
    ctx.fill();
  }
}

/** The instant nearest x (within 5 px), or -1. */
export function instantNear(list: InstantList, t: number, vt: ViewTransform): number {
  const tol = 5 / vt.k;
  const p = lowerBound(list.ts, t);
  let best = -1;
  let gap = tol;
  for (const q of [p - 1, p]) {
    if (q < 0 || q >= list.ts.length) continue;
    const g = Math.abs(list.ts[q] - t);
    if (g <= gap) {
      gap = g;
      best = q;
    }
  }
  return best;
}
