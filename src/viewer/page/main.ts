// The page's shell: header with the report's title and essentials, the search box, tabs for
// the timeline, the flame graph and the functions table; loads the report and wires them.

import './styles.css';
import { loadReport, LoadError, type Report } from './data';
import { Details } from './details';
import { h } from './dom';
import { buildStackTree, type StackTree } from './flame';
import { FlameView, type FlameSource } from './flame-view';
import { formatCount, formatDuration } from './format';
import { FunctionsView } from './functions-view';
import { summarizeOsThreads, summarizeRange } from './range-summary';
import { matchNames, matchSlices, Matches, type Cursor } from './search';
import { Timeline, type Selection } from './timeline';

type Tab = 'timeline' | 'flamegraph' | 'functions';

interface TestHook {
  readonly ready: boolean;
  hitTest(name: string, track?: 'async' | 'thread'): { x: number; y: number } | null;
  /** The arrows drawn from the selection's async span to its runs (see Timeline.flows). */
  flows(): ReturnType<Timeline['flows']>;
  visibleRange(): [number, number];
  /** The processes' and their threads overviews' rows (see Timeline.overview). */
  overview(): ReturnType<Timeline['overview']>;
}

declare global {
  interface Window {
    __viztracer: TestHook;
    /** For performance checks: draws a timeline frame now, returns its time in ms. */
    __viztracerDrawFrame?: () => number;
  }
}

const app = document.getElementById('app') ?? document.body;
let timeline: Timeline | null = null;
/** Set when the page is done: timeline drawn, or nothing to draw. */
let ready = false;

// Read-only hooks for the browser tests. Times are µs since the report's origin.
window.__viztracer = Object.freeze({
  get ready(): boolean {
    return ready;
  },
  hitTest: (name: string, track?: 'async' | 'thread') => timeline?.hitTest(name, track) ?? null,
  flows: () => timeline?.flows() ?? [],
  visibleRange: (): [number, number] => timeline?.visibleRange() ?? [0, 0],
  overview: () => timeline?.overview() ?? [],
});

const status = h('div', { class: 'status', text: 'Loading report…' });
app.replaceChildren(
  h('header', { class: 'topbar' }, h('span', { class: 'brand', text: 'vizviewer' })),
  status,
);

loadReport((done, total) => {
  if (total > 0) status.textContent = `Loading report… ${done} / ${total} tracks`;
}).then(start, (err: unknown) => {
  const detail = err instanceof Error ? err.message : String(err);
  status.className = 'status error';
  status.replaceChildren(
    h('div', { class: 'error-title', text: 'This report cannot be shown' }),
    h('div', { class: 'error-detail', text: detail }),
  );
  if (!(err instanceof LoadError)) {
    status.append(h('div', { class: 'error-hint', text: 'See the browser console for more.' }));
  }
  // Nothing more will load: a server waiting for the page (`--once`) may stop.
  if (!document.getElementById('viztracer-data')) {
    fetch('data/loaded', { cache: 'no-store' }).catch(() => undefined);
  }
  if (!(err instanceof LoadError)) console.error(err);
});

/** The metadata worth a glance, as "label value" chips. */
function essentials(report: Report): string[] {
  const m = report.meta.metadata ?? {};
  const str = (v: unknown): string | null =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  const chips: string[] = [];
  const tool = str(m.tool) ?? 'viztracer';
  const version = str(m.version);
  if (version) chips.push(`${tool} ${version}`);
  const backend = str(m.backend);
  if (backend) chips.push(`backend ${backend}`);
  if (typeof m.intervalMicros === 'number')
    chips.push(`interval ${formatDuration(m.intervalMicros)}`);
  if (typeof m.sampleCount === 'number') chips.push(`${formatCount(m.sampleCount)} samples`);
  const node = str(m.nodeVersion);
  if (node) chips.push(`node ${node}`);
  if (typeof m.droppedSamples === 'number' && m.droppedSamples > 0) {
    chips.push(`${formatCount(m.droppedSamples)} dropped`);
  }
  if (m.overflow === true) chips.push('buffer overflowed');
  if (typeof m.format === 'string') chips.push(`from ${m.format}`);
  if (m.timeline !== false) chips.push(`duration ${formatDuration(report.meta.durationMicros)}`);
  const slices = report.threads.reduce((n, t) => n + t.cols.n, 0);
  chips.push(`${formatCount(slices)} slices`);
  return chips;
}

function start(report: Report): void {
  performance.mark('vz:report');
  const { meta } = report;
  document.title = meta.title ? `${meta.title} – vizviewer` : 'vizviewer';

  // ---- header ----
  const chips = essentials(report).map((c) => h('span', { class: 'chip', text: c }));
  if (meta.unmatched > 0 || meta.skipped > 0) {
    const parts = [];
    if (meta.unmatched > 0) parts.push(`${formatCount(meta.unmatched)} unmatched begin/end`);
    if (meta.skipped > 0) parts.push(`${formatCount(meta.skipped)} events not shown`);
    chips.push(h('span', { class: 'chip warn', text: parts.join(' · ') }));
  }
  // A profile of another format says what it cannot show.
  const notice = meta.metadata?.notice;
  if (typeof notice === 'string') {
    chips.push(h('span', { class: 'chip warn', text: notice, testid: 'notice' }));
  }
  // pprof has no times: its stacks laid out one after another are no timeline.
  const hasTimeline = meta.metadata?.timeline !== false;
  const command = meta.metadata?.command;
  const header = h(
    'header',
    { class: 'topbar' },
    h('span', { class: 'brand', text: 'vizviewer' }),
    h('span', {
      class: 'title',
      text: meta.title,
      title: Array.isArray(command) ? command.map(String).join(' ') : meta.title,
    }),
    h('span', { class: 'chips' }, ...chips),
  );

  let current: Tab = 'timeline';

  // ---- views ----
  const details = new Details(report, {
    focus: (sel) => tl.reveal(sel, true),
    select: (sel) => {
      tl.select(sel);
      tl.reveal(sel, false);
    },
    findAll: (name) => setQuery(name),
  });
  const tl = new Timeline(report, {
    onSelect: (sel: Selection | null) => {
      details.show(sel);
      // A clicked match becomes the search's current one.
      if (sel && matches && matches.perThread[sel.thread.pos].includes(sel.index)) {
        cursor = { thread: sel.thread.pos, index: sel.index };
        showCount();
      }
    },
    onFirstDraw: () => {
      performance.mark('vz:first-draw');
      ready = true;
      report.markLoaded();
    },
    onSpan: (span) => {
      if (span === null) {
        details.show(tl.selected);
        return;
      }
      // Async span tracks are not stacks: left out, as in the flame graph.
      const cols = report.threads.map((t) => (t.info.async ? { ...t.cols, n: 0 } : t.cols));
      // The OS threads' CPU counters (--native): one value per point.
      const counters = report.counters
        .filter((c) => c.info.keys.length === 1)
        .map((c) => ({ pid: c.pid, name: c.info.name, ts: c.cols.ts, values: c.cols.values }));
      details.showRange(
        summarizeRange(cols, span.start, span.end),
        summarizeOsThreads(counters, span.start, span.end),
      );
    },
  });
  timeline = tl;
  window.__viztracerDrawFrame = () => tl.draw();

  const trees = new Map<number, StackTree>();
  const source: FlameSource = {
    strings: meta.strings,
    tree: (scope) => {
      let t = trees.get(scope);
      if (!t) {
        // Async span tracks are not stacks: they stay out of the all-threads aggregate.
        const cols =
          scope < 0
            ? report.threads.filter((x) => !x.info.async).map((x) => x.cols)
            : [report.threads[scope].cols];
        t = buildStackTree(cols, meta.strings.length);
        trees.set(scope, t);
      }
      return t;
    },
    scopeName: (scope) => {
      if (scope < 0) return 'All threads';
      const t = report.threads[scope];
      return `${t.info.name} (${t.processName})`;
    },
  };
  const scopeSelect = (): HTMLSelectElement => {
    const s = h('select', { class: 'select' });
    s.append(h('option', { text: 'All threads', attrs: { value: '-1' } }));
    for (const t of report.threads) {
      s.append(
        h('option', { text: `${t.info.name} · ${t.processName}`, attrs: { value: String(t.pos) } }),
      );
    }
    return s;
  };
  const flame = new FlameView(source, scopeSelect());
  const functions = new FunctionsView(source, scopeSelect(), (name) => {
    setQuery(name);
    if (hasTimeline) showTab('timeline');
  });
  // One scope for both views: changing it in one changes it in the other.
  const setScope = (scope: number): void => {
    flame.setScope(scope);
    functions.setScope(scope);
    if (current === 'functions') functions.render();
  };
  flame.scopeSelect.addEventListener('change', () => setScope(Number(flame.scopeSelect.value)));
  functions.scopeSelect.addEventListener('change', () =>
    setScope(Number(functions.scopeSelect.value)),
  );
  setScope(-1);

  const views: Record<Tab, HTMLElement> = {
    timeline: h('section', { class: 'view view-timeline' }, tl.root, details.root),
    flamegraph: h('section', { class: 'view view-flame' }, flame.root),
    functions: h('section', { class: 'view view-functions' }, functions.root),
  };

  // ---- tabs ----
  const help = h('span', {
    class: 'hint keys',
    text: 'W/S or wheel: zoom · A/D or drag: pan · Shift+drag: select a range · Shift+wheel: scroll · F: focus · Esc: clear',
  });
  const tabNames: [Tab, string][] = [
    ['timeline', 'Timeline'],
    ['flamegraph', 'Flame graph'],
    ['functions', 'Functions'],
  ];
  const tabs = new Map<Tab, HTMLButtonElement>();
  const showTab = (tab: Tab): void => {
    current = tab;
    for (const [t, button] of tabs) {
      button.classList.toggle('active', t === tab);
      button.setAttribute('aria-selected', String(t === tab));
      views[t].hidden = t !== tab;
    }
    help.hidden = tab !== 'timeline';
    if (tab === 'timeline') tl.requestDraw();
    if (tab === 'flamegraph') flame.requestDraw();
    if (tab === 'functions') functions.render();
  };
  for (const [tab, label] of tabNames) {
    const b = h('button', {
      class: 'tab',
      testid: `tab-${tab}`,
      text: label,
      attrs: { role: 'tab' },
    });
    b.addEventListener('click', () => showTab(tab));
    tabs.set(tab, b);
  }

  // ---- search ----
  const input = h('input', {
    class: 'search-input',
    testid: 'search-input',
    attrs: {
      type: 'search',
      placeholder: 'Search functions, or file:name  ( / )',
      spellcheck: 'false',
      'aria-label': 'Search by name',
    },
  });
  const count = h('span', { class: 'search-count', testid: 'search-count' });
  const prev = h('button', {
    class: 'btn icon',
    testid: 'search-prev',
    text: '‹',
    title: 'Previous match (Shift+Enter)',
  });
  const next = h('button', {
    class: 'btn icon',
    testid: 'search-next',
    text: '›',
    title: 'Next match (Enter)',
  });
  let matches: Matches | null = null;
  let cursor: Cursor | null = null;
  /** The query `matches` are for (the box may hold a newer one, not searched yet). */
  let searched = '';

  const showCount = (): void => {
    if (!matches) count.textContent = '';
    else if (matches.total === 0) count.textContent = 'No matches';
    else if (cursor)
      count.textContent = `${formatCount(matches.rank(cursor))} / ${formatCount(matches.total)}`;
    else
      count.textContent = `${formatCount(matches.total)} match${matches.total === 1 ? '' : 'es'}`;
    prev.disabled = next.disabled = !matches || matches.total === 0;
  };
  const runSearch = (): void => {
    searched = input.value;
    const names = matchNames(meta.strings, input.value);
    cursor = null;
    if (!names) {
      matches = null;
    } else {
      matches = new Matches(
        report.threads.map((t) => t.cols.start),
        report.threads.map((t) => matchSlices(t.cols.name, names)),
      );
    }
    tl.setSearch(matches, names);
    flame.setSearch(names);
    functions.setSearch(names);
    if (current === 'functions') functions.render();
    showCount();
  };
  const step = (forward: boolean): void => {
    if (!matches || matches.total === 0) return;
    cursor = forward ? matches.next(cursor) : matches.prev(cursor);
    if (!cursor || !hasTimeline) return;
    if (current !== 'timeline') showTab('timeline');
    const sel = { thread: report.threads[cursor.thread], index: cursor.index };
    tl.select(sel);
    tl.reveal(sel, true);
    showCount();
  };
  let debounce = 0;
  input.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(runSearch, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(debounce);
      if (searched !== input.value) runSearch();
      step(!e.shiftKey);
    } else if (e.key === 'Escape') {
      input.blur();
    }
  });
  const setQuery = (q: string): void => {
    clearTimeout(debounce);
    input.value = q;
    runSearch();
  };
  prev.addEventListener('click', () => step(false));
  next.addEventListener('click', () => step(true));
  showCount();

  const toolbar = h(
    'nav',
    { class: 'toolbar' },
    h('div', { class: 'tabs', attrs: { role: 'tablist' } }, ...tabs.values()),
    help,
    h('div', { class: 'search' }, input, count, prev, next),
  );

  const empty =
    report.threads.length === 0 && report.counters.length === 0
      ? h('div', { class: 'status', text: 'This report has no slices or counters to show.' })
      : null;
  app.replaceChildren(
    header,
    toolbar,
    empty ?? h('main', { class: 'views' }, ...Object.values(views)),
  );
  if (empty) {
    ready = true;
    report.markLoaded();
    return;
  }
  if (!hasTimeline) {
    tabs.get('timeline')!.hidden = true;
    showTab('flamegraph');
    ready = true;
    report.markLoaded();
  } else {
    showTab('timeline');
    tl.resize();
    tl.requestDraw();
  }

  // ---- keys ----
  const typing = (e: KeyboardEvent): boolean => {
    const el = e.target as HTMLElement | null;
    return !!el && (el.tagName === 'INPUT' || el.tagName === 'SELECT' || el.tagName === 'TEXTAREA');
  };
  document.addEventListener('keydown', (e) => {
    if (typing(e)) return;
    if (e.key === '/' || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f')) {
      e.preventDefault();
      input.focus();
      input.select();
      return;
    }
    if (current === 'timeline' && tl.handleKey(e, true)) e.preventDefault();
  });
  document.addEventListener('keyup', (e) => {
    if (current === 'timeline') tl.handleKey(e, false);
  });
  window.addEventListener('blur', () => tl.releaseKeys());
}
