// The timeline's layout: its rows with their DOM labels, and where rows and slices are.

import type { CounterData } from './data';
import { h } from './dom';
import { formatValue } from './format';
import { osThreadCounter } from './range-summary';
import {
  COUNTER_H,
  OS_ROW_H,
  PROC_H,
  PROFILER_ROW_H,
  ROW_H,
  TRACK_PAD,
  transform,
  type Row,
  type Selection,
  type TimelineState,
} from './timeline-state';

/**
 * The rows for the processes (a collapsed process keeps only its header): under its header,
 * the threads overview (a thin strip per OS thread, `--native`; thinner for the profiler's own
 * threads, which share one label), its threads' tracks, its counters, then its OS threads'
 * CPU % and CPU core tracks when the header's button shows them. Returns the rows, their
 * labels, and their total height.
 */
export function layoutRows(
  s: TimelineState,
  toggleProcess: (pid: number) => void,
  toggleCounters: (pid: number) => void,
): { rows: Row[]; labels: HTMLElement[]; height: number } {
  const rows: Row[] = [];
  const labels: HTMLElement[] = [];
  let y = 0;
  for (const g of s.groups) {
    const collapsed = s.collapsed.has(g.pid);
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
    if (g.cpuCounters.length > 0 && !collapsed) {
      const open = s.countersOpen.has(g.pid);
      label.append(countersButton(g.cpuCounters.length, open, () => toggleCounters(g.pid)));
    }
    // A child process is indented under its parent.
    label.style.paddingLeft = `${6 + 14 * Math.min(g.nesting, 6)}px`;
    button(label, () => toggleProcess(g.pid));
    labels.push(place(label, y, PROC_H));
    rows.push({ kind: 'process', group: g, collapsed, top: y, height: PROC_H });
    y += PROC_H;
    if (collapsed) continue;
    const own = g.osThreads.filter((os) => os.profiler);
    for (const os of g.osThreads) {
      let height = OS_ROW_H;
      if (os.profiler) {
        height = PROFILER_ROW_H;
        if (os === own[0]) {
          // One label for the profiler's own threads, over their thin strips.
          const label = h(
            'div',
            {
              class: 'tl-label tl-osthread tl-profiler',
              title: `The profiler's own threads, CPU % on the same 0-100 scale:\n${own.map((t) => `${t.name} (tid ${t.tid})`).join('\n')}`,
            },
            h('span', { class: 'name', text: 'profiler' }),
            h('span', { class: 'sub', text: `${own.length} thread${own.length === 1 ? '' : 's'}` }),
          );
          labels.push(place(label, y, own.length * PROFILER_ROW_H));
        }
      } else {
        const label = h(
          'div',
          {
            class: 'tl-label tl-osthread',
            title: `${os.name}\ntid ${os.tid} · CPU % on one 0-100 scale for every thread`,
          },
          h('span', { class: 'name', testid: 'osthread-name', text: os.name }),
          h('span', { class: 'sub', text: `${os.tid}` }),
        );
        labels.push(place(label, y, OS_ROW_H));
      }
      rows.push({ kind: 'osthread', group: g, os, top: y, height });
      y += height;
    }
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
        : (s.threadInstants.get(`${t.pid}:${t.info.tid}`) ?? null);
      rows.push({ kind: 'thread', t, instants, top: y, height });
      y += height;
    }
    const counters = s.countersOpen.has(g.pid) ? [...g.counters, ...g.cpuCounters] : g.counters;
    for (const c of counters) {
      const label = h(
        'div',
        { class: 'tl-label tl-counter', title: `${c.info.name}\n${c.info.keys.join(', ')}` },
        h('span', { class: 'name', testid: 'track-name', text: c.info.name }),
        h('span', { class: 'sub', text: scaleText(c) }),
      );
      labels.push(place(label, y, COUNTER_H));
      rows.push({ kind: 'counter', c, top: y, height: COUNTER_H });
      y += COUNTER_H;
    }
  }
  return { rows, labels, height: y };
}

/**
 * The button of a process header that shows (`open`) or hides the process's CPU % and CPU
 * core tracks, drawn after its other tracks.
 */
function countersButton(n: number, open: boolean, toggle: () => void): HTMLElement {
  const el = h('span', {
    class: `tl-counters${open ? ' open' : ''}`,
    testid: 'counters-toggle',
    text: `${open ? '▾' : '▸'} CPU`,
    title: `${open ? 'Hide' : 'Show'} each OS thread's CPU % and CPU core tracks (${n}), below the process's other tracks`,
    attrs: { role: 'button', tabindex: '0', 'aria-expanded': String(open) },
  });
  button(el, (e) => {
    // Not the header's own click, which collapses the process.
    e.stopPropagation();
    toggle();
  });
  return el;
}

/** A label that acts on click, Enter and Space. */
function button(el: HTMLElement, act: (e: Event) => void): void {
  el.addEventListener('click', act);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      act(e);
    }
  });
}

/** A counter's scale as its label says it: the fixed ones of the OS threads, else the max. */
function scaleText(c: CounterData): string {
  const kind = osThreadCounter(c.info.name)?.kind;
  if (kind === 'cpu') return '0–100 %';
  if (kind === 'core') return `cores 0–${Math.round(c.scale.hi - 0.5)}`;
  return `max ${formatValue(c.max)}`;
}

function place(el: HTMLElement, top: number, height: number): HTMLElement {
  el.style.top = `${top}px`;
  el.style.height = `${height}px`;
  return el;
}

/** The rows on screen when the tracks are scrolled to `scrollTop`. */
export function* visibleRows(s: TimelineState, scrollTop: number): Generator<Row> {
  const rows = s.rows;
  // Rows are sorted by top: find the first one reaching the viewport.
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = rows[mid];
    if (r.top + r.height <= scrollTop) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < rows.length && rows[i].top < scrollTop + s.height; i++) {
    yield rows[i];
  }
}

/** The row of a slice's thread, undefined while its process is collapsed. */
export function rowOf(s: TimelineState, sel: Selection): Row | undefined {
  return s.rows.find((r) => r.kind === 'thread' && r.t === sel.thread);
}

/** The top of depth `d` of a thread row, in the tracks' content coordinates. */
export function levelTop(row: Row, d: number): number {
  return row.top + TRACK_PAD + d * ROW_H;
}

/** Where a slice is on the canvas (x clipped to the canvas), or null when not on screen. */
export function sliceRect(
  s: TimelineState,
  sel: Selection,
  scrollTop: number,
): { x: number; y: number; w: number; h: number } | null {
  const row = rowOf(s, sel);
  if (!row) return null;
  const vt = transform(s);
  const { start, dur, depth } = sel.thread.cols;
  const x0 = (start[sel.index] - vt.t0) * vt.k;
  const x1 = (start[sel.index] + dur[sel.index] - vt.t0) * vt.k;
  if (x1 < -2 || x0 > vt.width + 2) return null;
  const y = levelTop(row, depth[sel.index]) - scrollTop;
  if (y + ROW_H < 0 || y > s.height) return null;
  const cx0 = Math.max(x0, -2);
  const cx1 = Math.min(Math.max(x1, x0 + 1), vt.width + 2);
  return { x: cx0, y, w: cx1 - cx0, h: ROW_H - 1 };
}
