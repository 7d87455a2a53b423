// The timeline view: builds its DOM and is its interface (draw, select, reveal, search, keys).
//
// A time axis with an overview strip, then one track per thread grouped under collapsible
// process headers, counter tracks under their process, instants as marks.
//
// Track labels are DOM (for accessibility and the tests' hooks); the tracks themselves are
// one canvas the size of the viewport, sticky in a scroller whose height is the tracks' total
// height: native vertical scrolling, and only what is on screen is drawn.
//
// The rest of it: timeline-state.ts (the state), timeline-layout.ts (rows and labels),
// timeline-canvas.ts (drawing; one track's marks in timeline-draw.ts), timeline-hit.ts (what
// is under the pointer), timeline-tooltip.ts (its text), timeline-input.ts (pointer and keys).

import type { Report } from './data';
import { h } from './dom';
import { formatDuration } from './format';
import type { Matches } from './search';
import { drawScheduler } from './schedule';
import { spanRunsOf } from './span-runs';
import { TimelinePainter, type DrawnFlow } from './timeline-canvas';
import { findSlice } from './timeline-hit';
import { handleKey, listen, type InputActions } from './timeline-input';
import { layoutRows, levelTop, rowOf } from './timeline-layout';
import {
  createState,
  LABEL_W,
  ROW_H,
  sameSel,
  searchHighlight,
  type Selection,
  type TimelineState,
} from './timeline-state';
import { Tooltip } from './tooltip';
import { clampRange, focusOn, type TimeRange } from './viewport';

export type { Selection } from './timeline-state';

export interface TimelineCallbacks {
  /** A slice was clicked (or the selection cleared, with null). */
  onSelect(sel: Selection | null): void;
  /** After the first frame with all tracks drawn. */
  onFirstDraw(): void;
  /** A range of time was selected with Shift+drag (null: cleared). */
  onSpan?(span: TimeRange | null): void;
}

/** A process's header and its threads overview, as the test hook reports them (CSS px). */
export interface OverviewRow {
  pid: number;
  name: string;
  top: number;
  bottom: number;
  collapsed: boolean;
  threads: {
    name: string;
    tid: number;
    top: number;
    bottom: number;
    cpu: number | null;
    cpuMicros: number;
  }[];
}

export class Timeline {
  readonly root: HTMLElement;
  private readonly axisCanvas: HTMLCanvasElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly inner: HTMLElement;
  private readonly labels: HTMLElement;
  private readonly corner: HTMLElement;
  private readonly tooltip = new Tooltip();

  private readonly s: TimelineState;
  private readonly painter: TimelinePainter;
  private readonly actions: InputActions;
  /** Draws on the next animation frame, once however often it is called before. */
  readonly requestDraw = drawScheduler(() => this.draw());
  private drawnOnce = false;

  constructor(
    report: Report,
    private readonly cb: TimelineCallbacks,
  ) {
    this.s = createState(report);

    this.axisCanvas = h('canvas', { class: 'tl-axis' });
    this.corner = h('div', { class: 'tl-corner' });
    this.canvas = h('canvas', { class: 'tl-canvas', testid: 'timeline' });
    this.labels = h('div', { class: 'tl-labels' });
    this.inner = h('div', { class: 'tl-inner' }, this.labels, this.canvas);
    this.scroller = h('div', { class: 'tl-scroller' }, this.inner);
    this.root = h(
      'div',
      { class: 'timeline' },
      h('div', { class: 'tl-axis-row' }, this.corner, this.axisCanvas),
      this.scroller,
      this.tooltip.el,
    );
    this.canvas.style.marginLeft = `${LABEL_W}px`;
    this.corner.style.width = `${LABEL_W}px`;
    this.labels.style.width = `${LABEL_W}px`;
    this.painter = new TimelinePainter(this.s, this.canvas, this.axisCanvas);
    this.actions = {
      setRange: (r) => this.setRange(r),
      select: (sel) => this.select(sel),
      selectSpan: (span) => this.selectSpan(span),
      reveal: (sel, zoom) => this.reveal(sel, zoom),
      requestDraw: () => this.requestDraw(),
    };
    this.layout();
    // The details pane below grows and shrinks with what it shows: draw at the new size, with
    // the selected slice still on screen (a click near the bottom opens the pane over it).
    new ResizeObserver(() => {
      if (this.s.selection) this.scrollTo(this.s.selection);
      this.requestDraw();
    }).observe(this.scroller);
    const { canvas, axisCanvas, scroller, tooltip } = this;
    listen(this.s, { canvas, axisCanvas, scroller, tooltip }, this.actions);
  }

  /** Rebuilds the rows and their labels (on start and when a process is collapsed). */
  private layout(): void {
    const { rows, labels, height } = layoutRows(
      this.s,
      (pid) => this.toggleProcess(pid),
      (pid) => this.toggleCounters(pid),
    );
    this.s.rows = rows;
    this.labels.replaceChildren(...labels);
    this.inner.style.height = `${height}px`;
    this.labels.style.height = `${height}px`;
    this.requestDraw();
  }

  toggleProcess(pid: number, collapse = !this.s.collapsed.has(pid)): void {
    if (collapse) this.s.collapsed.add(pid);
    else this.s.collapsed.delete(pid);
    this.layout();
  }

  /** Shows or hides a process's OS threads' CPU % and CPU core tracks. */
  toggleCounters(pid: number, open = !this.s.countersOpen.has(pid)): void {
    if (open) this.s.countersOpen.add(pid);
    else this.s.countersOpen.delete(pid);
    this.layout();
  }

  /** Sizes the canvases to the scroller; call when the view becomes visible or resizes. */
  resize(): void {
    const w = Math.max(1, this.scroller.clientWidth - LABEL_W);
    const hgt = Math.max(1, this.scroller.clientHeight);
    if (w === this.s.width && hgt === this.s.height) return;
    this.s.width = w;
    this.s.height = hgt;
    this.inner.style.minHeight = `${hgt}px`;
    this.requestDraw();
  }

  /** Draws one frame now. Returns the time it took, ms (for the performance tests). */
  draw(): number {
    const t = performance.now();
    if (this.scroller.clientWidth === 0) return 0; // hidden tab
    this.resize();
    this.painter.drawTracks(this.scroller.scrollTop);
    this.painter.drawAxis();
    const span = formatDuration(this.s.range.end - this.s.range.start);
    if (this.corner.textContent !== span) this.corner.textContent = span;
    if (!this.drawnOnce) {
      this.drawnOnce = true;
      this.cb.onFirstDraw();
    }
    return performance.now() - t;
  }

  private setRange(r: TimeRange): void {
    this.s.range = clampRange(r, this.s.limits);
    this.requestDraw();
  }

  /** W/S zoom, A/D pan while held (Perfetto's keys); F focuses the selection, Esc clears it. */
  handleKey(e: KeyboardEvent, down: boolean): boolean {
    return handleKey(this.s, e, down, this.actions);
  }

  /** Releases held keys (on blur: a key released elsewhere never sends keyup here). */
  releaseKeys(): void {
    this.s.held.clear();
  }

  // ---- selection and search ---------------------------------------------------------------

  select(sel: Selection | null): void {
    if (sameSel(sel, this.s.selection)) return;
    this.s.selection = sel;
    this.s.flows = sel ? spanRunsOf(this.s.report, sel) : null;
    this.requestDraw();
    this.cb.onSelect(sel);
  }

  selectSpan(span: TimeRange | null): void {
    if (span === null && this.s.span === null) return;
    this.s.span = span;
    this.requestDraw();
    this.cb.onSpan?.(span);
  }

  get selected(): Selection | null {
    return this.s.selection;
  }

  /**
   * Brings a slice on screen: expands its process, scrolls to its track and, with `zoom`,
   * zooms so that it takes about half the width (otherwise only pans if it is off screen).
   */
  reveal(sel: Selection, zoom: boolean): void {
    const s = this.s;
    if (s.collapsed.has(sel.thread.pid)) this.toggleProcess(sel.thread.pid, false);
    const { start, dur } = sel.thread.cols;
    const t0 = start[sel.index];
    const d = dur[sel.index];
    if (zoom) this.setRange(focusOn(t0, d, s.limits, 0.5));
    else if (t0 + d < s.range.start || t0 > s.range.end) {
      const span = s.range.end - s.range.start;
      this.setRange({ start: t0 + d / 2 - span / 2, end: t0 + d / 2 + span / 2 });
    }
    this.scrollTo(sel);
    this.requestDraw();
  }

  /** Scrolls the tracks so that a slice's level is on screen, if it is not. */
  private scrollTo(sel: Selection): void {
    const row = rowOf(this.s, sel);
    if (!row) return;
    const y = levelTop(row, sel.thread.cols.depth[sel.index]);
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight;
    if (y < top || y + ROW_H > top + height) {
      this.scroller.scrollTop = Math.max(0, y - height / 3);
    }
  }

  /** Highlights the matches of a search (null clears it). */
  setSearch(matches: Matches | null, names: Uint8Array | null): void {
    this.s.search = matches && names ? searchHighlight(this.s.report, matches, names) : null;
    this.requestDraw();
  }

  // ---- hooks for tests ----------------------------------------------------------------------

  visibleRange(): [number, number] {
    return [this.s.range.start, this.s.range.end];
  }

  get ready(): boolean {
    return this.drawnOnce;
  }

  /**
   * The rows of the processes and of their threads overviews, in client coordinates, each OS
   * thread with the mean CPU % its strip shows across the visible range (null when it has no
   * sample there) and the CPU time, µs, that the strip adds up to.
   */
  overview(): OverviewRow[] {
    const box = this.canvas.getBoundingClientRect();
    const y0 = box.top - this.scroller.scrollTop;
    const out: ReturnType<Timeline['overview']> = [];
    for (const row of this.s.rows) {
      if (row.kind === 'process') {
        out.push({
          pid: row.group.pid,
          name: row.group.name,
          top: y0 + row.top,
          bottom: y0 + row.top + row.height,
          collapsed: row.collapsed,
          threads: [],
        });
      } else if (row.kind === 'osthread') {
        const strip = this.painter.stripCpu(row.os);
        out[out.length - 1].threads.push({
          name: row.os.name,
          tid: row.os.tid,
          top: y0 + row.top,
          bottom: y0 + row.top + row.height,
          cpu: strip.mean,
          cpuMicros: strip.micros,
        });
      }
    }
    return out;
  }

  /** The arrows of the last frame, from an async span to its runs, in client coordinates. */
  flows(): DrawnFlow[] {
    const box = this.canvas.getBoundingClientRect();
    return this.painter.drawnFlows.map((f) => ({
      ...f,
      x0: box.left + f.x0,
      y0: box.top + f.y0,
      x1: box.left + f.x1,
      y1: box.top + f.y1,
    }));
  }

  /**
   * Client coordinates of the centre of the first slice on screen named `name` (the full
   * name, or just its function part), or null; `track` limits it to async spans or to the
   * threads' own slices.
   */
  hitTest(name: string, track?: 'async' | 'thread'): { x: number; y: number } | null {
    const at = findSlice(this.s, name, this.scroller.scrollTop, track);
    if (!at) return null;
    const box = this.canvas.getBoundingClientRect();
    return { x: box.left + at.x, y: box.top + at.y };
  }
}
