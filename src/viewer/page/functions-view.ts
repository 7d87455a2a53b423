// The functions table: per function, calls, self time and total time (a recursive function's
// time counted once per stack), for the whole report or one thread. Click a header to sort;
// the search box filters the rows; double-click a row to find the function in the timeline.

import { h } from './dom';
import { functionTable, sortRows, type FunctionRow, type SortKey, type StackTree } from './flame';
import { formatCount, formatDuration, formatPercent, locationOf, parseFrameName } from './format';
import type { FlameSource } from './flame-view';

/** Rows rendered at most: the table is for reading the top, not for scrolling 100,000 rows. */
const MAX_ROWS = 1000;

interface Column {
  key: SortKey | null;
  title: string;
  numeric: boolean;
  cell(r: FunctionRow, whole: number): string;
}

export class FunctionsView {
  readonly root: HTMLElement;
  readonly scopeSelect: HTMLSelectElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly headRow: HTMLTableRowElement;
  private readonly info: HTMLElement;
  private scope = -1;
  private rows: FunctionRow[] | null = null;
  private tree: StackTree | null = null;
  private sortKey: SortKey = 'self';
  private descending = true;
  private matched: Uint8Array | null = null;
  private dirty = true;
  private readonly columns: Column[];

  constructor(
    private readonly src: FlameSource,
    scopeSelect: HTMLSelectElement,
    private readonly onFind: (name: string) => void,
  ) {
    this.scopeSelect = scopeSelect;
    const fn = (r: FunctionRow): ReturnType<typeof parseFrameName> =>
      parseFrameName(this.src.strings[r.name] ?? '');
    this.columns = [
      { key: 'name', title: 'Function', numeric: false, cell: (r) => fn(r).func },
      { key: null, title: 'Location', numeric: false, cell: (r) => locationOf(fn(r)) },
      { key: 'calls', title: 'Calls', numeric: true, cell: (r) => formatCount(r.calls) },
      { key: 'self', title: 'Self time', numeric: true, cell: (r) => formatDuration(r.self) },
      { key: null, title: 'Self %', numeric: true, cell: (r, w) => formatPercent(r.self, w) },
      { key: 'total', title: 'Total time', numeric: true, cell: (r) => formatDuration(r.total) },
      { key: null, title: 'Total %', numeric: true, cell: (r, w) => formatPercent(r.total, w) },
    ];
    this.headRow = h('tr');
    this.body = h('tbody');
    this.table = h(
      'table',
      { class: 'fn-table', testid: 'functions-table' },
      h('thead', {}, this.headRow),
      this.body,
    );
    this.info = h('span', { class: 'hint' });
    this.root = h(
      'div',
      { class: 'functions' },
      h(
        'div',
        { class: 'view-bar' },
        h('label', { class: 'scope', text: 'Scope ' }, scopeSelect),
        this.info,
      ),
      h('div', { class: 'fn-scroller' }, this.table),
    );
  }

  setScope(scope: number): void {
    if (scope === this.scope && this.rows) return;
    this.scope = scope;
    this.scopeSelect.value = String(scope);
    this.rows = null;
    this.dirty = true;
  }

  setSearch(matched: Uint8Array | null): void {
    this.matched = matched;
    this.dirty = true;
  }

  private sortBy(key: SortKey): void {
    if (key === this.sortKey) this.descending = !this.descending;
    else {
      this.sortKey = key;
      this.descending = key !== 'name';
    }
    this.dirty = true;
    this.render();
  }

  /** Rebuilds the table if anything changed (call when the view is shown). */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    if (!this.rows) {
      this.tree = this.src.tree(this.scope);
      this.rows = functionTable(this.tree);
    }
    const strings = this.src.strings;
    sortRows(this.rows, this.sortKey, this.descending, (n) => strings[n] ?? '');
    const whole = this.tree!.total[0];

    this.headRow.replaceChildren(
      ...this.columns.map((c) => {
        const active = c.key !== null && c.key === this.sortKey;
        const th = h('th', {
          class: `${c.numeric ? 'num' : ''}${c.key ? ' sortable' : ''}${active ? ' active' : ''}`,
          text: c.title + (active ? (this.descending ? ' ▼' : ' ▲') : ''),
          attrs: c.key
            ? { 'aria-sort': active ? (this.descending ? 'descending' : 'ascending') : 'none' }
            : {},
        });
        if (c.key) {
          const key = c.key;
          th.dataset.sort = key;
          th.addEventListener('click', () => this.sortBy(key));
        }
        return th;
      }),
    );

    const shown = this.matched ? this.rows.filter((r) => this.matched![r.name]) : this.rows;
    const trs = shown.slice(0, MAX_ROWS).map((r) => {
      const tr = h(
        'tr',
        { title: `${strings[r.name] ?? ''}\nDouble-click to find it in the timeline` },
        ...this.columns.map((c) =>
          h('td', { class: c.numeric ? 'num' : '', text: c.cell(r, whole) }),
        ),
      );
      tr.addEventListener('dblclick', () => this.onFind(strings[r.name] ?? ''));
      return tr;
    });
    this.body.replaceChildren(...trs);
    const of = shown.length > MAX_ROWS ? ` (first ${formatCount(MAX_ROWS)} shown)` : '';
    const filtered = this.matched ? ' matching the search' : '';
    this.info.textContent = `${formatCount(shown.length)} functions${filtered}${of} · ${formatDuration(whole)} in all · click a header to sort`;
  }
}
