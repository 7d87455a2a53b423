// The details of the selected slice: name, location, times, self time, args (fetched on
// demand: they are not in the columns), and how often the function appears in the report.

import type { Report } from './data';
import { childrenTime } from './depth-index';
import { h } from './dom';
import { formatCount, formatDuration, parseFrameName } from './format';
import type { RangeOsThread, RangeSummary } from './range-summary';
import { spanRunsOf, type SpanRuns } from './span-runs';
import type { Selection } from './timeline';

/** Rows of a range's function table: the most self time first. */
const RANGE_ROWS = 50;

export interface DetailsActions {
  /** Zooms the timeline onto the slice. */
  focus(sel: Selection): void;
  /** Searches for every slice with this name. */
  findAll(name: string): void;
  /** Selects a slice and brings it on screen. */
  select(sel: Selection): void;
}

export class Details {
  readonly root: HTMLElement;
  private request = 0;

  constructor(
    private readonly report: Report,
    private readonly actions: DetailsActions,
  ) {
    this.root = h('section', {
      class: 'details',
      testid: 'details',
      attrs: { 'aria-live': 'polite' },
    });
    this.show(null);
  }

  /** What ran in a range of time, instead of a slice's details. */
  showRange(r: RangeSummary, osThreads: readonly RangeOsThread[] = []): void {
    this.request++;
    this.root.classList.remove('empty');
    this.root.replaceChildren(rangeView(this.report, r, osThreads));
  }

  show(sel: Selection | null): void {
    this.request++;
    // Empty, the pane is one line high: the tracks get the room.
    this.root.classList.toggle('empty', !sel);
    if (!sel) {
      this.root.replaceChildren(
        h('div', { class: 'details-empty', text: 'Click a slice to see its details.' }),
      );
      return;
    }
    const { meta } = this.report;
    const { cols, info, processName } = sel.thread;
    const i = sel.index;
    const full = meta.strings[cols.name[i]] ?? '';
    const fn = parseFrameName(full);
    const self = Math.max(0, cols.dur[i] - childrenTime(sel.thread.index, cols, i));
    const occurrences = this.report.countByName[cols.name[i]] ?? 0;
    // The exact µs beside the short form, unless the short form is already in µs.
    const micros = (v: number): string => {
      const short = formatDuration(v);
      return short.endsWith(' µs') || v === 0 ? short : `${short}  (${round(v)} µs)`;
    };

    const args = h('pre', { class: 'args', text: 'Loading…' });
    const rows: [string, string][] = [
      ['Name', full],
      ['Function', fn.func],
      ['Location', fn.file === null ? '–' : `${fn.file}:${fn.line}`],
      ['Thread', `${info.name} (tid ${info.tid}) · ${processName}`],
      ['Start', micros(cols.start[i])],
      ['Duration', micros(cols.dur[i])],
      ['Self time', micros(self)],
      ['Depth', String(cols.depth[i])],
      [
        'Occurrences',
        `${formatCount(occurrences)} slice${occurrences === 1 ? '' : 's'} in the report`,
      ],
    ];
    const focus = h('button', { class: 'btn', text: 'Zoom to slice', title: 'Zoom to slice (F)' });
    focus.addEventListener('click', () => this.actions.focus(sel));
    const find = h('button', { class: 'btn', text: 'Find all', title: 'Search for this name' });
    find.addEventListener('click', () => this.actions.findAll(full));
    this.root.replaceChildren(
      h(
        'div',
        { class: 'details-head' },
        h('span', { class: 'details-title', text: fn.func, title: full }),
        h('span', { class: 'details-actions' }, focus, find),
      ),
      h(
        'div',
        { class: 'details-body' },
        h(
          'dl',
          { class: 'details-grid' },
          ...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]),
        ),
        h(
          'div',
          { class: 'details-args' },
          h('div', { class: 'details-label', text: 'Args' }),
          args,
        ),
        runsView(spanRunsOf(this.report, sel), sel, (s) => this.actions.select(s)),
      ),
    );

    const request = this.request;
    this.report.args(sel.thread, i).then(
      (a) => {
        if (request !== this.request) return; // another slice was selected meanwhile
        args.textContent = Object.keys(a).length === 0 ? '(none)' : JSON.stringify(a, null, 2);
      },
      (err: unknown) => {
        if (request !== this.request) return;
        args.textContent = `Could not load the args: ${err instanceof Error ? err.message : String(err)}`;
        args.classList.add('error');
      },
    );
  }
}

/** Most runs listed; the arrows show them all. */
const RUN_ROWS = 200;

/**
 * The runs of the selection's async span (its first run and each resumption): their start and
 * duration, each a link that selects it; the span itself first when a run is selected.
 */
function runsView(
  sr: SpanRuns | null,
  sel: Selection,
  select: (sel: Selection) => void,
): HTMLElement | null {
  if (!sr) return null;
  const link = (target: Selection, text: string): HTMLElement => {
    const current = target.thread === sel.thread && target.index === sel.index;
    const a = h('button', {
      class: `link${current ? ' current' : ''}`,
      text,
      title: current ? 'Selected' : 'Select it',
    });
    a.addEventListener('click', () => select(target));
    return a;
  };
  const at = (x: Selection): string =>
    `at ${formatDuration(x.thread.cols.start[x.index])} for ${formatDuration(x.thread.cols.dur[x.index])}`;
  const n = sr.runs.length;
  const items = sr.runs
    .slice(0, RUN_ROWS)
    .map((run, k) => h('li', {}, link(run, `run ${k + 1} ${at(run)}`)));
  return h(
    'div',
    { class: 'details-runs', testid: 'span-runs' },
    h('div', {
      class: 'details-label',
      text: `Async span: ${formatCount(n)} run${n === 1 ? '' : 's'} (arrows on the timeline)`,
    }),
    sel.thread.info.async ? null : h('div', {}, link(sr.span, `the span ${at(sr.span)}`)),
    h('ol', { class: 'runs' }, ...items),
    n > RUN_ROWS
      ? h('div', { class: 'hint', text: `and ${formatCount(n - RUN_ROWS)} more runs` })
      : null,
  );
}

/** A range of time's summary: what ran in it, per thread and per function. */
export function rangeView(
  report: Report,
  r: RangeSummary,
  osThreads: readonly RangeOsThread[] = [],
): HTMLElement {
  const { meta } = report;
  const width = r.endMicros - r.startMicros;
  const pct = (v: number): string => `${((100 * v) / Math.max(width, 1e-9)).toFixed(1)}%`;
  const table = (head: string[], rows: string[][], testid: string): HTMLElement =>
    h(
      'table',
      { class: 'fn-table range-table', testid },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { text: t })))),
      h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((t) => h('td', { text: t }))))),
    );
  const threads = r.threads.map((t) => {
    const th = report.threads[t.thread];
    return [
      `${th.info.name} (tid ${th.info.tid}) · ${th.processName}`,
      formatDuration(t.busy),
      pct(t.busy),
      formatCount(t.count),
    ];
  });
  const functions = r.functions.slice(0, RANGE_ROWS).map((f) => {
    const fn = parseFrameName(meta.strings[f.name] ?? '');
    return [
      fn.func,
      fn.file === null ? '' : `${fn.file}:${fn.line}`,
      formatDuration(f.self),
      formatDuration(f.total),
      formatCount(f.count),
    ];
  });
  const more = r.functions.length - RANGE_ROWS;
  const os = osThreads.map((t) => [
    t.name,
    String(t.pid),
    formatDuration(t.cpuMicros),
    `${t.cpuPercent.toFixed(1)}%`,
    t.cores.map(([core, share]) => `${core}: ${Math.round(share * 100)}%`).join(', ') || '–',
  ]);
  return h(
    'div',
    { class: 'details-body range', testid: 'range-summary' },
    h('div', {
      class: 'details-title',
      text: `Range ${formatDuration(r.startMicros)} – ${formatDuration(r.endMicros)} (${formatDuration(width)})`,
    }),
    os.length > 0
      ? table(['OS thread', 'pid', 'CPU time', 'CPU %', 'cores'], os, 'range-os-threads')
      : null,
    r.threads.length === 0
      ? h('div', { class: 'details-empty', text: 'No JavaScript ran in this range.' })
      : h(
          'div',
          {},
          table(['Thread', 'Busy', 'of range', 'Slices'], threads, 'range-threads'),
          table(['Function', 'Location', 'Self', 'Total', 'Slices'], functions, 'range-functions'),
          more > 0
            ? h('div', { class: 'hint', text: `and ${formatCount(more)} more functions` })
            : null,
        ),
  );
}

function round(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}
