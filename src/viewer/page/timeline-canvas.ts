// Drawing the timeline's canvases from its state: the tracks, the overview and the ruler.

import { heatColors, packHex, seriesColor } from './color';
import { fitCanvas, TextFitter } from './dom';
import { axisTicks, formatTick } from './format';
import { Raster } from './raster';
import {
  columnMeans,
  drawCounterSeries,
  drawHeatStrip,
  drawInstants,
  drawLevel,
  LabelList,
  type LevelStyle,
} from './timeline-draw';
import { levelTop, rowOf, sliceRect, visibleRows } from './timeline-layout';
import {
  AXIS_H,
  OVERVIEW_H,
  PROC_H,
  ROW_H,
  TRACK_PAD,
  sameSel,
  shortName,
  transform,
  type OsThread,
  type ProcessGroup,
  type Selection,
  type TimelineState,
} from './timeline-state';
import type { ViewTransform } from './viewport';

const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, "DejaVu Sans", sans-serif';

const C = {
  bg: '#ffffff',
  grid: '#eceff1',
  procBg: '#f3f5f7',
  separator: '#e3e6ea',
  text: '#1f2328',
  dimText: '#a0a6ad',
  instant: '#d93025',
  selection: '#0b57d0',
  hover: 'rgba(0,0,0,0.55)',
  spanShade: 'rgba(30,40,60,0.18)',
  spanEdge: 'rgba(30,60,160,0.9)',
  axisText: '#5f6368',
  overviewBg: '#f6f7f9',
  activity: '#8fa9c9',
  range: 'rgba(11,87,208,0.10)',
  rangeEdge: '#0b57d0',
  match: '#f29900',
  flow: '#c2185b',
};

/** An arrow drawn from an async span to a slice that ran for it (canvas coordinates). */
export interface DrawnFlow {
  /** The span's and the run's names, and their start times (µs since the report's origin). */
  from: string;
  fromStart: number;
  to: string;
  toStart: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The raster's colours, packed. */
const P = {
  bg: packHex(C.bg),
  grid: packHex(C.grid),
  procBg: packHex(C.procBg),
  separator: packHex(C.separator),
};

/** The threads overview's CPU % colours, 0 to 100. */
const HEAT = heatColors();

/** Draws the canvases; holds only what drawing reuses from one draw to the next. */
export class TimelinePainter {
  private readonly raster = new Raster();
  private readonly labelList = new LabelList();
  private readonly fitter: TextFitter;
  /** Per pixel column: an overview strip's means, and the time they cover. */
  private means = new Float32Array(0);
  private cover = new Float32Array(0);
  /** The arrows of the last frame (for the tests' hook). */
  drawnFlows: DrawnFlow[] = [];

  constructor(
    private readonly s: TimelineState,
    private readonly canvas: HTMLCanvasElement,
    private readonly axisCanvas: HTMLCanvasElement,
  ) {
    this.fitter = new TextFitter(() => canvas.getContext('2d')!);
  }

  /** The tracks, scrolled to `scrollTop`. */
  drawTracks(scrollTop: number): void {
    const s = this.s;
    const ctx = fitCanvas(this.canvas, s.width, s.height);
    const vt = transform(s);
    const raster = this.raster;
    const px = 1 / (this.canvas.width / s.width); // one device pixel, in CSS pixels
    raster.begin(ctx, this.canvas.width / s.width, P.bg);
    for (const tick of axisTicks(vt.t0, vt.t1, vt.width).ticks) {
      raster.rect(Math.round((tick - vt.t0) * vt.k), 0, px, s.height, P.grid);
    }

    // Rectangles first, into the raster; their labels are collected and drawn after it.
    const labels = this.labelList;
    labels.clear();
    const search = s.search;
    const base: LevelStyle = {
      fill: search ? (n) => s.palette.fadedPacked(n) : (n) => s.palette.fillPacked(n),
      labels,
      skipLabel: search?.names ?? null,
      textColor: search ? C.dimText : C.text,
    };
    const bright: LevelStyle = {
      fill: (n) => s.palette.fillPacked(n),
      labels,
      skipLabel: null,
      textColor: C.text,
    };
    const rows = [...visibleRows(s, scrollTop)];
    for (const row of rows) {
      const y = row.top - scrollTop;
      if (row.kind === 'process') {
        raster.rect(0, y, s.width, row.height, P.procBg);
        if (row.collapsed) this.drawSummary(row.group, y, vt);
      } else if (row.kind === 'osthread') {
        // One fixed scale, 0-100 %, for every thread.
        const means = this.columnMeans(row.os);
        drawHeatStrip(raster, means, 100, y + 1, row.height - 2, HEAT);
      } else if (row.kind === 'thread') {
        const tt = row.t;
        const first = Math.max(0, Math.floor((scrollTop - row.top - TRACK_PAD) / ROW_H));
        const last = Math.min(
          tt.index.depths - 1,
          Math.floor((scrollTop + s.height - row.top - TRACK_PAD) / ROW_H),
        );
        const matches = search?.perThread[tt.pos] ?? null;
        for (let d = first; d <= last; d++) {
          const yd = y + TRACK_PAD + d * ROW_H;
          drawLevel(raster, tt, tt.index, d, yd, ROW_H - 1, vt, base);
          if (matches) drawLevel(raster, tt, matches, d, yd, ROW_H - 1, vt, bright);
        }
      }
      raster.rect(0, y + row.height - px, s.width, px, P.separator);
    }
    raster.end(ctx);

    // Then what the canvas API draws better: text, lines, marks, outlines.
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    this.fitter.calibrate();
    labels.draw(ctx, (n) => shortName(s, n), this.fitter);
    for (const row of rows) {
      const y = row.top - scrollTop;
      if (row.kind === 'process')
        drawInstants(ctx, row.group.instants, y, row.height, vt, C.instant);
      else if (row.kind === 'thread' && row.instants) {
        drawInstants(ctx, row.instants, y, row.height, vt, C.instant);
      } else if (row.kind === 'counter') {
        const c = row.c;
        c.info.keys.forEach((key, j) => {
          const color = seriesColor(`${c.info.name}/${key}`);
          drawCounterSeries(
            ctx,
            c,
            j,
            y + 6,
            row.height - 12,
            vt,
            color,
            s.report.meta.durationMicros,
          );
        });
      }
    }
    if (s.globalInstants.ts.length > 0) {
      drawInstants(ctx, s.globalInstants, 0, s.height, vt, C.instant);
    }
    if (s.hover && !sameSel(s.hover, s.selection)) {
      this.outline(ctx, s.hover, C.hover, 1, scrollTop);
    }
    this.drawnFlows.length = 0;
    if (s.flows) this.drawFlows(ctx, scrollTop);
    if (s.selection) this.outline(ctx, s.selection, C.selection, 2, scrollTop);
    if (s.span) {
      // The selected range: what is outside it dimmed, its edges drawn.
      const x0 = (s.span.start - vt.t0) * vt.k;
      const x1 = (s.span.end - vt.t0) * vt.k;
      ctx.fillStyle = C.spanShade;
      ctx.fillRect(0, 0, Math.max(0, x0), s.height);
      ctx.fillRect(x1, 0, Math.max(0, s.width - x1), s.height);
      ctx.fillStyle = C.spanEdge;
      ctx.fillRect(x0, 0, 1, s.height);
      ctx.fillRect(x1, 0, 1, s.height);
    }
  }

  /** An OS thread's CPU % per pixel column of the tracks (a buffer reused by the next call). */
  private columnMeans(os: OsThread): Float32Array {
    const w = Math.max(1, Math.ceil(this.s.width));
    if (this.means.length !== w) {
      this.means = new Float32Array(w);
      this.cover = new Float32Array(w);
    }
    const end = this.s.report.meta.durationMicros;
    columnMeans(os.cpu, 0, transform(this.s), end, this.means, this.cover);
    return this.means;
  }

  /**
   * What an OS thread's strip shows over the visible range: its mean CPU % (null for no data)
   * and the CPU time that adds up to, µs.
   */
  stripCpu(os: OsThread): { mean: number | null; micros: number } {
    const m = this.columnMeans(os);
    let sum = 0;
    let n = 0;
    for (const v of m) {
      if (!Number.isFinite(v)) continue;
      sum += v;
      n++;
    }
    const vt = transform(this.s);
    return { mean: n > 0 ? sum / n : null, micros: sum / 100 / vt.k };
  }

  /** A collapsed process: its threads' outermost slices as thin lanes. */
  private drawSummary(g: ProcessGroup, y: number, vt: ViewTransform): void {
    const room = PROC_H - 12;
    const lanes = Math.min(g.threads.length, Math.floor(room / 2));
    if (lanes === 0) return;
    const laneH = Math.min(6, room / lanes);
    const style: LevelStyle = {
      fill: (n) => this.s.palette.fillPacked(n),
      labels: null,
      skipLabel: null,
      textColor: C.text,
    };
    for (let j = 0; j < lanes; j++) {
      const t = g.threads[j];
      drawLevel(this.raster, t, t.index, 0, y + 6 + j * laneH, Math.max(1, laneH - 1), vt, style);
    }
  }

  /**
   * Arrows from the selection's async span to each slice that ran for it: from the span's
   * start to each run's start, from the edge of one row to the facing edge of the other, as
   * S-curves with vertical ends. Only arrows to runs that start on screen are drawn,
   * one per pixel column of runs (zoomed out, thousands of runs share a few); the span and its
   * runs get a thin outline, so that a run narrower than a pixel still shows where it is.
   */
  private drawFlows(ctx: CanvasRenderingContext2D, scrollTop: number): void {
    const s = this.s;
    const f = s.flows!;
    const spanRow = rowOf(s, f.span);
    const runRow = rowOf(s, f.runs[0]);
    if (!spanRow || !runRow) return; // a collapsed process
    const vt = transform(s);
    const strings = s.report.meta.strings;
    const sc = f.span.thread.cols;
    const xOf = (t: number): number => (t - vt.t0) * vt.k;
    const spanTop = levelTop(spanRow, sc.depth[f.span.index]) - scrollTop;
    // Far off screen, an end is brought near it: the canvas draws huge coordinates badly.
    const near = (x: number): number => Math.max(-s.width, Math.min(2 * s.width, x));
    const x0 = xOf(sc.start[f.span.index]);
    const cx0 = near(x0);
    ctx.strokeStyle = C.flow;
    ctx.fillStyle = C.flow;
    ctx.lineWidth = 1.5;
    /** The runs' outlines: x, y, width each. */
    const boxes: number[] = [];
    let lastX = NaN;
    let lastY = NaN;
    for (const run of f.runs) {
      const rc = run.thread.cols;
      const x1 = xOf(rc.start[run.index]);
      const runTop = levelTop(runRow, rc.depth[run.index]) - scrollTop;
      // From the span's edge that faces the run, to the run's edge that faces the span.
      const down = runTop > spanTop;
      const y0 = down ? spanTop + ROW_H - 1 : spanTop;
      const y1 = down ? runTop : runTop + ROW_H - 1;
      // Only to runs that start on screen (arrows to the others would cross it as flat lines
      // that end nowhere to be seen); the curve stays in the box of its ends.
      if (x1 < -2 || x1 > s.width + 2) continue;
      if (Math.max(y0, y1) < 0 || Math.min(y0, y1) > s.height) continue;
      if (Math.abs(x1 - lastX) < 1 && y1 === lastY) continue; // the same pixel column
      lastX = x1;
      lastY = y1;
      const dir = down ? 1 : -1;
      const bend = Math.max(8, Math.abs(y1 - y0) / 2);
      const tip = y1 - dir * 5; // the arrowhead's base
      // A path for each curve and each head: the heads filled as one path of 500 triangles
      // took Chromium 3 to 4 ms more a frame.
      ctx.beginPath();
      ctx.moveTo(cx0, y0);
      ctx.bezierCurveTo(cx0, y0 + dir * bend, x1, tip - dir * bend, x1, tip);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 3.5, tip);
      ctx.lineTo(x1 + 3.5, tip);
      ctx.closePath();
      ctx.fill();
      const rx0 = Math.max(-2, x1);
      const rx1 = Math.min(
        s.width + 2,
        Math.max(x1 + 1, xOf(rc.start[run.index] + rc.dur[run.index])),
      );
      boxes.push(rx0 + 0.5, runTop + 0.5, Math.max(1, rx1 - rx0 - 1));
      this.drawnFlows.push({
        from: strings[sc.name[f.span.index]] ?? '',
        fromStart: sc.start[f.span.index],
        to: strings[rc.name[run.index]] ?? '',
        toStart: rc.start[run.index],
        x0: cx0,
        y0,
        x1: x1,
        y1,
      });
    }
    ctx.lineWidth = 1;
    for (let k = 0; k < boxes.length; k += 3) {
      ctx.strokeRect(boxes[k], boxes[k + 1], boxes[k + 2], ROW_H - 2);
    }
    const sr = sliceRect(s, f.span, scrollTop);
    if (sr) ctx.strokeRect(sr.x + 0.5, sr.y + 0.5, Math.max(1, sr.w - 1), sr.h - 1);
  }

  private outline(
    ctx: CanvasRenderingContext2D,
    sel: Selection,
    color: string,
    lw: number,
    scrollTop: number,
  ): void {
    const r = sliceRect(this.s, sel, scrollTop);
    if (!r) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = lw;
    ctx.strokeRect(r.x + lw / 2, r.y + lw / 2, Math.max(1, r.w - lw), r.h - lw);
  }

  /** The overview of the whole report over the ruler of the visible range. */
  drawAxis(): void {
    const s = this.s;
    const w = s.width;
    const ctx = fitCanvas(this.axisCanvas, w, AXIS_H);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, w, AXIS_H);

    // Overview: the whole report, how busy the threads are, the search's matches, and the
    // visible range.
    const dur = s.report.meta.durationMicros || 1;
    ctx.fillStyle = C.overviewBg;
    ctx.fillRect(0, 0, w, OVERVIEW_H);
    ctx.fillStyle = C.activity;
    const n = s.activity.length;
    for (let px = 0; px < w; px++) {
      const b0 = Math.floor((px / w) * n);
      const b1 = Math.max(b0 + 1, Math.floor(((px + 1) / w) * n));
      let a = 0;
      for (let b = b0; b < b1; b++) a = Math.max(a, s.activity[b]);
      if (a > 0) {
        const hh = Math.max(1, a * (OVERVIEW_H - 4));
        ctx.fillRect(px, OVERVIEW_H - 2 - hh, 1, hh);
      }
    }
    if (s.search) {
      ctx.fillStyle = C.match;
      const bk = s.search.buckets;
      for (let b = 0; b < bk.length; b++) {
        if (bk[b] > 0) ctx.fillRect(Math.floor((b / bk.length) * w), 0, 2, 4);
      }
    }
    const wx0 = (s.range.start / dur) * w;
    const wx1 = (s.range.end / dur) * w;
    ctx.fillStyle = 'rgba(0,0,0,0.06)';
    ctx.fillRect(0, 0, Math.max(0, wx0), OVERVIEW_H);
    ctx.fillRect(wx1, 0, Math.max(0, w - wx1), OVERVIEW_H);
    ctx.fillStyle = C.range;
    ctx.fillRect(wx0, 0, Math.max(1, wx1 - wx0), OVERVIEW_H);
    ctx.strokeStyle = C.rangeEdge;
    ctx.lineWidth = 1;
    ctx.strokeRect(
      Math.round(wx0) + 0.5,
      0.5,
      Math.max(1, Math.round(wx1 - wx0) - 1),
      OVERVIEW_H - 1,
    );
    ctx.fillStyle = C.separator;
    ctx.fillRect(0, OVERVIEW_H, w, 1);

    // Ruler.
    const vt = transform(s);
    const axis = axisTicks(vt.t0, vt.t1, w);
    ctx.fillStyle = C.axisText;
    for (const tick of axis.ticks) {
      const x = Math.round((tick - vt.t0) * vt.k);
      ctx.fillRect(x, AXIS_H - 10, 1, 10);
      ctx.fillText(formatTick(tick, axis), x + 4, OVERVIEW_H + 13);
    }
    // The selected slice's extent on the ruler.
    if (s.selection) {
      const { start, dur: d } = s.selection.thread.cols;
      const i = s.selection.index;
      const x0 = Math.max(-1, (start[i] - vt.t0) * vt.k);
      const x1 = Math.min(w + 1, (start[i] + d[i] - vt.t0) * vt.k);
      if (x1 >= 0 && x0 <= w) {
        ctx.fillStyle = 'rgba(11,87,208,0.15)';
        ctx.fillRect(x0, AXIS_H - 12, Math.max(1, x1 - x0), 12);
        ctx.fillStyle = C.selection;
        ctx.fillRect(x0, AXIS_H - 12, 1, 12);
        ctx.fillRect(Math.max(x0, x1 - 1), AXIS_H - 12, 1, 12);
      }
    }
    if (s.globalInstants.ts.length > 0) {
      drawInstants(ctx, s.globalInstants, OVERVIEW_H + 1, 0, vt, C.instant);
    }
    ctx.fillStyle = C.separator;
    ctx.fillRect(0, AXIS_H - 1, w, 1);
  }
}
