// The timeline: a time axis with an overview strip, then one track per thread grouped under
// collapsible process headers, counter tracks under their process, instants as marks.
//
// Track labels are DOM (for accessibility and the tests' hooks); the tracks themselves are
// one canvas the size of the viewport, sticky in a scroller whose height is the tracks' total
// height: native vertical scrolling, and only what is on screen is drawn.

import { packHex, Palette, seriesColor } from './color';
import type { CounterData, Report, ThreadData } from './data';
import { buildDepthIndex, sliceNear, visibleRange, type DepthIndex } from './depth-index';
import { fitCanvas, h, TextFitter } from './dom';
import { axisTicks, formatDuration, formatTick, parseFrameName } from './format';
import type { Matches } from './search';
import {
  drawCounterSeries,
  drawInstants,
  drawLevel,
  instantNear,
  LabelList,
  lowerBound,
  type InstantList,
  type LevelStyle,
} from './timeline-draw';
import { Raster } from './raster';
import {
  clampRange,
  focusOn,
  limitsFor,
  panBy,
  zoomAround,
  type Limits,
  type TimeRange,
  viewTransform,
  type ViewTransform,
} from './viewport';
import { drawScheduler } from './schedule';

const LABEL_W = 264;
const ROW_H = 18;
const TRACK_PAD = 5;
const PROC_H = 30;
const COUNTER_H = 48;
const AXIS_H = 48;
const OVERVIEW_H = 20;
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
  axisText: '#5f6368',
  overviewBg: '#f6f7f9',
  activity: '#8fa9c9',
  range: 'rgba(11,87,208,0.10)',
  rangeEdge: '#0b57d0',
  match: '#f29900',
};

/** The raster's colours, packed. */
const P = {
  bg: packHex(C.bg),
  grid: packHex(C.grid),
  procBg: packHex(C.procBg),
  separator: packHex(C.separator),
};

export interface Selection {
  thread: ThreadData;
  index: number;
}

interface ProcessGroup {
  pid: number;
  name: string;
  threads: ThreadData[];
  counters: CounterData[];
  instants: InstantList;
}

type Row = { top: number; height: number } & (
  | { kind: 'process'; group: ProcessGroup; collapsed: boolean }
  | { kind: 'thread'; t: ThreadData; instants: InstantList | null }
  | { kind: 'counter'; c: CounterData }
);

export interface TimelineCallbacks {
  /** A slice was clicked (or the selection cleared, with null). */
  onSelect(sel: Selection | null): void;
  /** After the first frame with all tracks drawn. */
  onFirstDraw(): void;
}

const OVERVIEW_BUCKETS = 1200;

function instantList(items: { ts: number; name: string }[]): InstantList {
  const sorted = [...items].sort((a, b) => a.ts - b.ts);
  return { ts: Float64Array.from(sorted, (i) => i.ts), names: sorted.map((i) => i.name) };
}

export class Timeline {
  readonly root: HTMLElement;
  private readonly axisCanvas: HTMLCanvasElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly inner: HTMLElement;
  private readonly labels: HTMLElement;
  private readonly corner: HTMLElement;
  private readonly tooltip: HTMLElement;

  private readonly groups: ProcessGroup[];
  private readonly globalInstants: InstantList;
  private readonly threadInstants: Map<string, InstantList>;
  private readonly palette: Palette;
  private readonly shortNames: (string | undefined)[] = [];
  private readonly limits: Limits;
  private readonly activity: Float32Array;

  private rows: Row[] = [];
  private readonly collapsed = new Set<number>();
  private range: TimeRange;
  private width = 1;
  private height = 1;
  private readonly fitter = new TextFitter(() => this.canvas.getContext('2d')!);
  /** Draws on the next animation frame, once however often it is called before. */
  readonly requestDraw = drawScheduler(() => this.draw());
  private drawnOnce = false;
  private selection: Selection | null = null;
  private hover: Selection | null = null;
  private search: {
    perThread: (DepthIndex | null)[];
    names: Uint8Array;
    buckets: Uint32Array;
  } | null = null;
  private readonly raster = new Raster();
  private readonly labelList = new LabelList();
  private mouseX: number | null = null;
  private readonly held = new Set<string>();
  private lastKeyStep = 0;

  constructor(
    private readonly report: Report,
    private readonly cb: TimelineCallbacks,
  ) {
    const meta = report.meta;
    this.palette = new Palette(meta.strings);
    this.limits = limitsFor(meta.durationMicros);
    this.range = clampRange({ start: 0, end: meta.durationMicros || 1 }, this.limits);

    // Instants go to their thread's track, else to their process' header; global ones span
    // every track.
    const threadKey = (pid: number, tid: number): string => `${pid}:${tid}`;
    const byThread = new Map<string, { ts: number; name: string }[]>();
    const byProcess = new Map<number, { ts: number; name: string }[]>();
    const global: { ts: number; name: string }[] = [];
    const known = new Set(report.threads.map((t) => threadKey(t.pid, t.info.tid)));
    for (const i of meta.instants) {
      // Pushed in place: a report can hold many instants.
      if (i.scope === 'g') global.push(i);
      else if (i.scope === 't' && known.has(threadKey(i.pid, i.tid))) {
        const k = threadKey(i.pid, i.tid);
        let list = byThread.get(k);
        if (!list) byThread.set(k, (list = []));
        list.push(i);
      } else {
        let list = byProcess.get(i.pid);
        if (!list) byProcess.set(i.pid, (list = []));
        list.push(i);
      }
    }
    this.globalInstants = instantList(global);
    this.threadInstants = new Map([...byThread].map(([k, v]) => [k, instantList(v)]));
    let pos = 0;
    let cpos = 0;
    this.groups = meta.processes.map((p) => ({
      pid: p.pid,
      name: p.name,
      threads: p.threads.map(() => report.threads[pos++]),
      counters: p.counters.map(() => report.counters[cpos++]),
      instants: instantList(byProcess.get(p.pid) ?? []),
    }));
    this.activity = overviewActivity(report.threads, meta.durationMicros);

    this.axisCanvas = h('canvas', { class: 'tl-axis' });
    this.corner = h('div', { class: 'tl-corner' });
    this.canvas = h('canvas', { class: 'tl-canvas', testid: 'timeline' });
    this.labels = h('div', { class: 'tl-labels' });
    this.inner = h('div', { class: 'tl-inner' }, this.labels, this.canvas);
    this.scroller = h('div', { class: 'tl-scroller' }, this.inner);
    this.tooltip = h('div', { class: 'tooltip', attrs: { role: 'tooltip' } });
    this.tooltip.hidden = true;
    this.root = h(
      'div',
      { class: 'timeline' },
      h('div', { class: 'tl-axis-row' }, this.corner, this.axisCanvas),
      this.scroller,
      this.tooltip,
    );
    this.canvas.style.marginLeft = `${LABEL_W}px`;
    this.corner.style.width = `${LABEL_W}px`;
    this.labels.style.width = `${LABEL_W}px`;
    this.layout();
    this.listen();
  }

  // ---- layout ---------------------------------------------------------------------------

  /** Rebuilds the rows and their labels (on start and when a process is collapsed). */
  private layout(): void {
    this.rows = [];
    const labels: HTMLElement[] = [];
    let y = 0;
    for (const g of this.groups) {
      const collapsed = this.collapsed.has(g.pid);
      const label = h(
        'div',
        {
          class: `tl-label tl-proc${collapsed ? ' collapsed' : ''}`,
          title: `${g.name}\npid ${g.pid} · ${g.threads.length} thread(s) · click to ${collapsed ? 'expand' : 'collapse'}`,
          attrs: { role: 'button', tabindex: '0', 'aria-expanded': String(!collapsed) },
        },
        h('span', { class: 'caret', text: collapsed ? '▸' : '▾' }),
        h('span', { class: 'name', testid: 'process-name', text: g.name }),
      );
      label.addEventListener('click', () => this.toggleProcess(g.pid));
      label.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.toggleProcess(g.pid);
        }
      });
      labels.push(place(label, y, PROC_H));
      this.rows.push({ kind: 'process', group: g, collapsed, top: y, height: PROC_H });
      y += PROC_H;
      if (collapsed) continue;
      for (const t of g.threads) {
        const height = Math.max(1, t.info.maxDepth) * ROW_H + 2 * TRACK_PAD;
        const label = h(
          'div',
          {
            class: 'tl-label tl-thread',
            title: `${t.info.name}\ntid ${t.info.tid} · ${t.info.count} slices · ${t.info.maxDepth} levels`,
          },
          h('span', { class: 'name', testid: 'track-name', text: t.info.name }),
          // A negative tid is the async track of the process, not an OS thread.
          h('span', { class: 'sub', text: t.info.tid >= 0 ? `${t.info.tid}` : '' }),
        );
        labels.push(place(label, y, height));
        const instants = t.info.async
          ? null
          : (this.threadInstants.get(`${t.pid}:${t.info.tid}`) ?? null);
        this.rows.push({ kind: 'thread', t, instants, top: y, height });
        y += height;
      }
      for (const c of g.counters) {
        const label = h(
          'div',
          { class: 'tl-label tl-counter', title: `${c.info.name}\n${c.info.keys.join(', ')}` },
          h('span', { class: 'name', testid: 'track-name', text: c.info.name }),
          h('span', { class: 'sub', text: `max ${formatValue(c.max)}` }),
        );
        labels.push(place(label, y, COUNTER_H));
        this.rows.push({ kind: 'counter', c, top: y, height: COUNTER_H });
        y += COUNTER_H;
      }
    }
    this.labels.replaceChildren(...labels);
    this.inner.style.height = `${y}px`;
    this.labels.style.height = `${y}px`;
    this.requestDraw();
  }

  toggleProcess(pid: number, collapse = !this.collapsed.has(pid)): void {
    if (collapse) this.collapsed.add(pid);
    else this.collapsed.delete(pid);
    this.layout();
  }

  /** Sizes the canvases to the scroller; call when the view becomes visible or resizes. */
  resize(): void {
    const w = Math.max(1, this.scroller.clientWidth - LABEL_W);
    const hgt = Math.max(1, this.scroller.clientHeight);
    if (w === this.width && hgt === this.height) return;
    this.width = w;
    this.height = hgt;
    this.inner.style.minHeight = `${hgt}px`;
    this.requestDraw();
  }

  // ---- drawing ----------------------------------------------------------------------------

  private transform(): ViewTransform {
    return viewTransform(this.range, this.width);
  }

  private shortName(i: number): string {
    return (this.shortNames[i] ??= parseFrameName(this.report.meta.strings[i] ?? '').func);
  }

  /** Draws one frame now. Returns the time it took, ms (for the performance tests). */
  draw(): number {
    const t = performance.now();
    if (this.scroller.clientWidth === 0) return 0; // hidden tab
    this.resize();
    this.drawTracks();
    this.drawAxis();
    const span = formatDuration(this.range.end - this.range.start);
    if (this.corner.textContent !== span) this.corner.textContent = span;
    if (!this.drawnOnce) {
      this.drawnOnce = true;
      this.cb.onFirstDraw();
    }
    return performance.now() - t;
  }

  private drawTracks(): void {
    const ctx = fitCanvas(this.canvas, this.width, this.height);
    const vt = this.transform();
    const scrollTop = this.scroller.scrollTop;
    const raster = this.raster;
    const px = 1 / (this.canvas.width / this.width); // one device pixel, in CSS pixels
    raster.begin(ctx, this.canvas.width / this.width, P.bg);
    for (const tick of axisTicks(vt.t0, vt.t1, vt.width).ticks) {
      raster.rect(Math.round((tick - vt.t0) * vt.k), 0, px, this.height, P.grid);
    }

    // Rectangles first, into the raster; their labels are collected and drawn after it.
    const labels = this.labelList;
    labels.clear();
    const search = this.search;
    const base: LevelStyle = {
      fill: search ? (n) => this.palette.fadedPacked(n) : (n) => this.palette.fillPacked(n),
      labels,
      skipLabel: search?.names ?? null,
      textColor: search ? C.dimText : C.text,
    };
    const bright: LevelStyle = {
      fill: (n) => this.palette.fillPacked(n),
      labels,
      skipLabel: null,
      textColor: C.text,
    };
    const rows = [...this.visibleRows(scrollTop)];
    for (const row of rows) {
      const y = row.top - scrollTop;
      if (row.kind === 'process') {
        raster.rect(0, y, this.width, row.height, P.procBg);
        if (row.collapsed) this.drawSummary(row.group, y, vt);
      } else if (row.kind === 'thread') {
        const tt = row.t;
        const first = Math.max(0, Math.floor((scrollTop - row.top - TRACK_PAD) / ROW_H));
        const last = Math.min(
          tt.index.depths - 1,
          Math.floor((scrollTop + this.height - row.top - TRACK_PAD) / ROW_H),
        );
        const matches = search?.perThread[tt.pos] ?? null;
        for (let d = first; d <= last; d++) {
          const yd = y + TRACK_PAD + d * ROW_H;
          drawLevel(raster, tt, tt.index, d, yd, ROW_H - 1, vt, base);
          if (matches) drawLevel(raster, tt, matches, d, yd, ROW_H - 1, vt, bright);
        }
      }
      raster.rect(0, y + row.height - px, this.width, px, P.separator);
    }
    raster.end(ctx);

    // Then what the canvas API draws better: text, lines, marks, outlines.
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    this.fitter.calibrate();
    labels.draw(ctx, (n) => this.shortName(n), this.fitter);
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
            this.report.meta.durationMicros,
          );
        });
      }
    }
    if (this.globalInstants.ts.length > 0) {
      drawInstants(ctx, this.globalInstants, 0, this.height, vt, C.instant);
    }
    if (this.hover && !sameSel(this.hover, this.selection)) {
      this.outline(ctx, this.hover, C.hover, 1, scrollTop);
    }
    if (this.selection) this.outline(ctx, this.selection, C.selection, 2, scrollTop);
  }

  /** A collapsed process: its threads' outermost slices as thin lanes. */
  private drawSummary(g: ProcessGroup, y: number, vt: ViewTransform): void {
    const room = PROC_H - 12;
    const lanes = Math.min(g.threads.length, Math.floor(room / 2));
    if (lanes === 0) return;
    const laneH = Math.min(6, room / lanes);
    const style: LevelStyle = {
      fill: (n) => this.palette.fillPacked(n),
      labels: null,
      skipLabel: null,
      textColor: C.text,
    };
    for (let j = 0; j < lanes; j++) {
      const t = g.threads[j];
      drawLevel(this.raster, t, t.index, 0, y + 6 + j * laneH, Math.max(1, laneH - 1), vt, style);
    }
  }

  private outline(
    ctx: CanvasRenderingContext2D,
    sel: Selection,
    color: string,
    lw: number,
    scrollTop: number,
  ): void {
    const r = this.sliceRect(sel, scrollTop);
    if (!r) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = lw;
    ctx.strokeRect(r.x + lw / 2, r.y + lw / 2, Math.max(1, r.w - lw), r.h - lw);
  }

  /** Where a slice is on the canvas (x clipped to the canvas), or null when not on screen. */
  private sliceRect(
    sel: Selection,
    scrollTop = this.scroller.scrollTop,
  ): { x: number; y: number; w: number; h: number } | null {
    const row = this.rows.find((r) => r.kind === 'thread' && r.t === sel.thread);
    if (!row) return null;
    const vt = this.transform();
    const { start, dur, depth } = sel.thread.cols;
    const x0 = (start[sel.index] - vt.t0) * vt.k;
    const x1 = (start[sel.index] + dur[sel.index] - vt.t0) * vt.k;
    if (x1 < -2 || x0 > vt.width + 2) return null;
    const y = row.top - scrollTop + TRACK_PAD + depth[sel.index] * ROW_H;
    if (y + ROW_H < 0 || y > this.height) return null;
    const cx0 = Math.max(x0, -2);
    const cx1 = Math.min(Math.max(x1, x0 + 1), vt.width + 2);
    return { x: cx0, y, w: cx1 - cx0, h: ROW_H - 1 };
  }

  private *visibleRows(scrollTop: number): Generator<Row> {
    // Rows are sorted by top: find the first one reaching the viewport.
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.rows[mid];
      if (r.top + r.height <= scrollTop) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.rows.length && this.rows[i].top < scrollTop + this.height; i++) {
      yield this.rows[i];
    }
  }

  private drawAxis(): void {
    const w = this.width;
    const ctx = fitCanvas(this.axisCanvas, w, AXIS_H);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, w, AXIS_H);

    // Overview: the whole report, how busy the threads are, the search's matches, and the
    // visible range.
    const dur = this.report.meta.durationMicros || 1;
    ctx.fillStyle = C.overviewBg;
    ctx.fillRect(0, 0, w, OVERVIEW_H);
    ctx.fillStyle = C.activity;
    const n = this.activity.length;
    for (let px = 0; px < w; px++) {
      const b0 = Math.floor((px / w) * n);
      const b1 = Math.max(b0 + 1, Math.floor(((px + 1) / w) * n));
      let a = 0;
      for (let b = b0; b < b1; b++) a = Math.max(a, this.activity[b]);
      if (a > 0) {
        const hh = Math.max(1, a * (OVERVIEW_H - 4));
        ctx.fillRect(px, OVERVIEW_H - 2 - hh, 1, hh);
      }
    }
    if (this.search) {
      ctx.fillStyle = C.match;
      const bk = this.search.buckets;
      for (let b = 0; b < bk.length; b++) {
        if (bk[b] > 0) ctx.fillRect(Math.floor((b / bk.length) * w), 0, 2, 4);
      }
    }
    const wx0 = (this.range.start / dur) * w;
    const wx1 = (this.range.end / dur) * w;
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
    const vt = this.transform();
    const axis = axisTicks(vt.t0, vt.t1, w);
    ctx.fillStyle = C.axisText;
    for (const tick of axis.ticks) {
      const x = Math.round((tick - vt.t0) * vt.k);
      ctx.fillRect(x, AXIS_H - 10, 1, 10);
      ctx.fillText(formatTick(tick, axis), x + 4, OVERVIEW_H + 13);
    }
    // The selected slice's extent on the ruler.
    if (this.selection) {
      const { start, dur: d } = this.selection.thread.cols;
      const i = this.selection.index;
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
    if (this.globalInstants.ts.length > 0) {
      drawInstants(ctx, this.globalInstants, OVERVIEW_H + 1, 0, vt, C.instant);
    }
    ctx.fillStyle = C.separator;
    ctx.fillRect(0, AXIS_H - 1, w, 1);
  }

  // ---- hit testing ------------------------------------------------------------------------

  private rowAt(y: number): Row | null {
    for (const r of this.rows) if (y >= r.top && y < r.top + r.height) return r;
    return null;
  }

  /** The slice under canvas point (x, y), within 3 px horizontally. */
  private sliceAt(x: number, y: number): Selection | null {
    const row = this.rowAt(y + this.scroller.scrollTop);
    if (!row || row.kind !== 'thread') return null;
    const yIn = y + this.scroller.scrollTop - row.top - TRACK_PAD;
    if (yIn < 0) return null;
    const d = Math.floor(yIn / ROW_H);
    const vt = this.transform();
    const t = vt.t0 + x / vt.k;
    const i = sliceNear(row.t.index, row.t.cols.start, row.t.cols.dur, d, t, 3 / vt.k);
    return i < 0 ? null : { thread: row.t, index: i };
  }

  private canvasPoint(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private showTooltip(e: MouseEvent, lines: string[]): void {
    this.tooltip.replaceChildren(
      ...lines.map((l, i) => h('div', { class: i === 0 ? 'tt-title' : 'tt-line', text: l })),
    );
    this.tooltip.hidden = false;
    const box = this.root.getBoundingClientRect();
    const tw = this.tooltip.offsetWidth;
    let left = e.clientX - box.left + 14;
    if (left + tw > box.width - 4) left = e.clientX - box.left - tw - 14;
    this.tooltip.style.left = `${Math.max(4, left)}px`;
    this.tooltip.style.top = `${e.clientY - box.top + 16}px`;
  }

  private updateHover(e: MouseEvent): void {
    const { x, y } = this.canvasPoint(e);
    const hit = this.sliceAt(x, y);
    if (!sameSel(hit, this.hover)) {
      this.hover = hit;
      this.requestDraw();
    }
    this.canvas.style.cursor = hit ? 'pointer' : 'default';
    if (hit) {
      const { cols } = hit.thread;
      const full = this.report.meta.strings[cols.name[hit.index]] ?? '';
      const fn = parseFrameName(full);
      const lines = [fn.func, formatDuration(cols.dur[hit.index])];
      if (fn.file !== null) lines.push(`${fn.file}:${fn.line}`);
      this.showTooltip(e, lines);
      return;
    }
    const row = this.rowAt(y + this.scroller.scrollTop);
    const vt = this.transform();
    const t = vt.t0 + x / vt.k;
    if (row?.kind === 'counter') {
      const c = row.c;
      const k = lowerBound(c.cols.ts, t + 1e-9) - 1;
      if (k >= 0) {
        const K = c.info.keys.length;
        this.showTooltip(e, [
          c.info.name,
          ...c.info.keys.map((key, j) => `${key}: ${formatValue(c.cols.values[k * K + j])}`),
          `at ${formatDuration(c.cols.ts[k])}`,
        ]);
        return;
      }
    }
    const list =
      row?.kind === 'thread' ? row.instants : row?.kind === 'process' ? row.group.instants : null;
    for (const l of [list, this.globalInstants]) {
      if (!l) continue;
      const q = instantNear(l, t, vt);
      if (q >= 0) {
        this.showTooltip(e, [l.names[q], `instant at ${formatDuration(l.ts[q])}`]);
        return;
      }
    }
    this.tooltip.hidden = true;
  }

  // ---- interaction ------------------------------------------------------------------------

  private setRange(w: TimeRange): void {
    this.range = clampRange(w, this.limits);
    this.requestDraw();
  }

  private listen(): void {
    new ResizeObserver(() => this.requestDraw()).observe(this.scroller);
    this.scroller.addEventListener('scroll', () => this.requestDraw(), { passive: true });

    const onWheel = (e: WheelEvent): void => {
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.height : 1;
      const dx = e.deltaX * unit;
      const dy = e.deltaY * unit;
      e.preventDefault();
      if (e.shiftKey) {
        this.scroller.scrollTop += dy || dx; // Shift+wheel scrolls the tracks
        return;
      }
      const vt = this.transform();
      if (Math.abs(dx) > Math.abs(dy)) {
        this.setRange(panBy(this.range, dx / vt.k, this.limits)); // horizontal wheel pans
        return;
      }
      const r = this.canvas.getBoundingClientRect();
      const anchor = vt.t0 + (e.clientX - r.left) / vt.k;
      this.setRange(zoomAround(this.range, anchor, Math.exp(dy * 0.002), this.limits));
    };
    this.canvas.addEventListener('wheel', onWheel, { passive: false });
    this.axisCanvas.addEventListener('wheel', onWheel, { passive: false });

    // Drag pans (and scrolls vertically); a press without movement is a click.
    let drag: { x: number; y: number; range: TimeRange; scroll: number; moved: boolean } | null =
      null;
    this.canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      this.canvas.setPointerCapture(e.pointerId);
      drag = {
        x: e.clientX,
        y: e.clientY,
        range: this.range,
        scroll: this.scroller.scrollTop,
        moved: false,
      };
    });
    this.canvas.addEventListener('pointermove', (e) => {
      this.mouseX = this.canvasPoint(e).x;
      if (drag) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (!drag.moved && Math.hypot(dx, dy) > 3) {
          drag.moved = true;
          this.tooltip.hidden = true;
          this.canvas.style.cursor = 'grabbing';
        }
        if (drag.moved) {
          const k = this.width / (drag.range.end - drag.range.start);
          this.setRange(panBy(drag.range, -dx / k, this.limits));
          this.scroller.scrollTop = drag.scroll - dy;
        }
        return;
      }
      this.updateHover(e);
    });
    this.canvas.addEventListener('pointerup', (e) => {
      if (!drag) return;
      const wasDrag = drag.moved;
      drag = null;
      this.canvas.style.cursor = 'default';
      if (wasDrag) return;
      const { x, y } = this.canvasPoint(e);
      this.select(this.sliceAt(x, y));
    });
    this.canvas.addEventListener('pointerleave', () => {
      this.mouseX = null;
      this.tooltip.hidden = true;
      if (this.hover) {
        this.hover = null;
        this.requestDraw();
      }
    });

    // The overview: press or drag to move the visible range there.
    let overviewDrag = false;
    const moveTo = (e: PointerEvent): void => {
      const r = this.axisCanvas.getBoundingClientRect();
      const t = ((e.clientX - r.left) / r.width) * (this.report.meta.durationMicros || 1);
      const span = this.range.end - this.range.start;
      this.setRange({ start: t - span / 2, end: t + span / 2 });
    };
    this.axisCanvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      const r = this.axisCanvas.getBoundingClientRect();
      overviewDrag = true;
      this.axisCanvas.setPointerCapture(e.pointerId);
      if (e.clientY - r.top <= OVERVIEW_H) moveTo(e);
      else overviewDrag = false;
    });
    this.axisCanvas.addEventListener('pointermove', (e) => {
      if (overviewDrag) moveTo(e);
    });
    this.axisCanvas.addEventListener('pointerup', () => (overviewDrag = false));
  }

  /** W/S zoom, A/D pan while held (Perfetto's keys); F focuses the selection, Esc clears it. */
  handleKey(e: KeyboardEvent, down: boolean): boolean {
    const key = e.key.toLowerCase();
    if (down && key === 'escape') {
      this.select(null);
      return true;
    }
    if (down && key === 'f' && this.selection) {
      this.reveal(this.selection, true);
      return true;
    }
    if (!['w', 'a', 's', 'd'].includes(key)) return false;
    if (!down) {
      this.held.delete(key);
      return true;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    if (this.held.size === 0) {
      this.lastKeyStep = performance.now();
      requestAnimationFrame((now) => this.keyStep(now));
    }
    this.held.add(key);
    return true;
  }

  /** Releases held keys (on blur: a key released elsewhere never sends keyup here). */
  releaseKeys(): void {
    this.held.clear();
  }

  private keyStep(now: number): void {
    if (this.held.size === 0) return;
    const dt = Math.min(now - this.lastKeyStep, 50);
    this.lastKeyStep = now;
    const span = this.range.end - this.range.start;
    let w = this.range;
    const anchor =
      this.mouseX !== null ? w.start + (this.mouseX / this.width) * span : (w.start + w.end) / 2;
    if (this.held.has('w')) w = zoomAround(w, anchor, Math.exp(-dt * 0.004), this.limits);
    if (this.held.has('s')) w = zoomAround(w, anchor, Math.exp(dt * 0.004), this.limits);
    if (this.held.has('a')) w = panBy(w, -span * dt * 0.0012, this.limits);
    if (this.held.has('d')) w = panBy(w, span * dt * 0.0012, this.limits);
    this.setRange(w);
    requestAnimationFrame((n) => this.keyStep(n));
  }

  // ---- selection and search ---------------------------------------------------------------

  select(sel: Selection | null): void {
    if (sameSel(sel, this.selection)) return;
    this.selection = sel;
    this.requestDraw();
    this.cb.onSelect(sel);
  }

  get selected(): Selection | null {
    return this.selection;
  }

  /**
   * Brings a slice on screen: expands its process, scrolls to its track and, with `zoom`,
   * zooms so that it takes about half the width (otherwise only pans if it is off screen).
   */
  reveal(sel: Selection, zoom: boolean): void {
    if (this.collapsed.has(sel.thread.pid)) this.toggleProcess(sel.thread.pid, false);
    const { start, dur, depth } = sel.thread.cols;
    const s = start[sel.index];
    const d = dur[sel.index];
    if (zoom) this.setRange(focusOn(s, d, this.limits, 0.5));
    else if (s + d < this.range.start || s > this.range.end) {
      const span = this.range.end - this.range.start;
      this.setRange({ start: s + d / 2 - span / 2, end: s + d / 2 + span / 2 });
    }
    const row = this.rows.find((r) => r.kind === 'thread' && r.t === sel.thread);
    if (row) {
      const y = row.top + TRACK_PAD + depth[sel.index] * ROW_H;
      const top = this.scroller.scrollTop;
      if (y < top || y + ROW_H > top + this.height) {
        this.scroller.scrollTop = Math.max(0, y - this.height / 3);
      }
    }
    this.requestDraw();
  }

  /** Highlights the matches of a search (null clears it). */
  setSearch(matches: Matches | null, names: Uint8Array | null): void {
    if (!matches || !names) {
      this.search = null;
    } else {
      const dur = this.report.meta.durationMicros || 1;
      const buckets = new Uint32Array(OVERVIEW_BUCKETS);
      const perThread = this.report.threads.map((t) => {
        const m = matches.perThread[t.pos];
        for (const i of m) {
          const b = Math.floor((t.cols.start[i] / dur) * OVERVIEW_BUCKETS);
          buckets[Math.min(OVERVIEW_BUCKETS - 1, Math.max(0, b))]++;
        }
        return m.length > 0 ? buildDepthIndex(t.cols, t.index.depths, m) : null;
      });
      this.search = { perThread, names, buckets };
    }
    this.requestDraw();
  }

  // ---- hooks for tests ----------------------------------------------------------------------

  visibleRange(): [number, number] {
    return [this.range.start, this.range.end];
  }

  get ready(): boolean {
    return this.drawnOnce;
  }

  /**
   * Client coordinates of the centre of the first slice on screen named `name` (the full
   * name, or just its function part), or null.
   */
  hitTest(name: string): { x: number; y: number } | null {
    const strings = this.report.meta.strings;
    const wanted = new Set<number>();
    strings.forEach((s, i) => {
      if (s === name || this.shortName(i) === name) wanted.add(i);
    });
    if (wanted.size === 0) return null;
    const scrollTop = this.scroller.scrollTop;
    const vt = this.transform();
    const box = this.canvas.getBoundingClientRect();
    for (const row of this.visibleRows(scrollTop)) {
      if (row.kind !== 'thread') continue;
      const { start, dur, name: names } = row.t.cols;
      for (let d = 0; d < row.t.index.depths; d++) {
        const y = row.top - scrollTop + TRACK_PAD + d * ROW_H + ROW_H / 2;
        if (y < 2 || y > this.height - 2) continue;
        const [lo, hi] = visibleRange(row.t.index, start, d, vt.t0, vt.t1);
        for (let p = lo; p < hi; p++) {
          const i = row.t.index.order[p];
          if (!wanted.has(names[i])) continue;
          const x0 = Math.max(0, (start[i] - vt.t0) * vt.k);
          const x1 = Math.min(vt.width, (start[i] + dur[i] - vt.t0) * vt.k);
          if (x1 - x0 < 1) continue;
          return { x: box.left + (x0 + x1) / 2, y: box.top + y };
        }
      }
    }
    return null;
  }
}

function place(el: HTMLElement, top: number, height: number): HTMLElement {
  el.style.top = `${top}px`;
  el.style.height = `${height}px`;
  return el;
}

function sameSel(a: Selection | null, b: Selection | null): boolean {
  return a === b || (a !== null && b !== null && a.thread === b.thread && a.index === b.index);
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(3);
  return String(Math.round(v * 1000) / 1000);
}

/**
 * How busy the report is over time, for the overview: per bucket, the time covered by
 * outermost slices summed over threads, scaled so that the busiest bucket is 1.
 */
function overviewActivity(threads: readonly ThreadData[], duration: number): Float32Array {
  const out = new Float32Array(OVERVIEW_BUCKETS);
  if (duration <= 0 || threads.length === 0) return out;
  const bw = duration / OVERVIEW_BUCKETS;
  for (const t of threads) {
    const ix = t.index;
    for (let p = ix.offsets[0]; p < ix.offsets[1]; p++) {
      const i = ix.order[p];
      let s = t.cols.start[i];
      const e = s + t.cols.dur[i];
      let b = Math.min(OVERVIEW_BUCKETS - 1, Math.floor(s / bw));
      while (s < e && b < OVERVIEW_BUCKETS) {
        const be = (b + 1) * bw;
        out[b] += (Math.min(e, be) - s) / bw;
        s = be;
        b++;
      }
    }
  }
  let max = 0;
  for (const v of out) max = Math.max(max, v);
  if (max > 0) for (let b = 0; b < out.length; b++) out[b] /= max;
  return out;
}
