// The timeline's tooltip: its text for a slice, a counter sample or an instant, and its box.

import { h } from './dom';
import { formatDuration, formatValue, parseFrameName } from './format';
import { counterSampleAt, instantAt, rowAt } from './timeline-hit';
import { transform, type Selection, type TimelineState } from './timeline-state';

/** The tooltip box, placed next to the pointer inside its parent (the timeline). */
export class Tooltip {
  readonly el = h('div', { class: 'tooltip', attrs: { role: 'tooltip' } });

  constructor() {
    this.el.hidden = true;
  }

  show(e: MouseEvent, lines: string[]): void {
    const tip = this.el;
    tip.replaceChildren(
      ...lines.map((l, i) => h('div', { class: i === 0 ? 'tt-title' : 'tt-line', text: l })),
    );
    tip.hidden = false;
    const box = tip.parentElement!.getBoundingClientRect();
    const tw = tip.offsetWidth;
    let left = e.clientX - box.left + 14;
    if (left + tw > box.width - 4) left = e.clientX - box.left - tw - 14;
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${e.clientY - box.top + 16}px`;
  }

  hide(): void {
    this.el.hidden = true;
  }
}

/**
 * The tooltip's lines at canvas point (x, y): for the slice there (`hit`), else a counter's
 * sample, else an instant; null for nothing.
 */
export function tooltipLines(
  s: TimelineState,
  hit: Selection | null,
  x: number,
  y: number,
  scrollTop: number,
): string[] | null {
  if (hit) {
    const { cols } = hit.thread;
    const full = s.report.meta.strings[cols.name[hit.index]] ?? '';
    const fn = parseFrameName(full);
    const lines = [fn.func, formatDuration(cols.dur[hit.index])];
    if (fn.file !== null) lines.push(`${fn.file}:${fn.line}`);
    return lines;
  }
  const row = rowAt(s, y + scrollTop);
  const vt = transform(s);
  const t = vt.t0 + x / vt.k;
  if (row?.kind === 'counter') {
    const c = row.c;
    const k = counterSampleAt(c, t);
    if (k >= 0) {
      const K = c.info.keys.length;
      return [
        c.info.name,
        ...c.info.keys.map((key, j) => `${key}: ${formatValue(c.cols.values[k * K + j])}`),
        `at ${formatDuration(c.cols.ts[k])}`,
      ];
    }
  }
  const at = instantAt(s, row, t);
  if (at) return [at.list.names[at.index], `instant at ${formatDuration(at.list.ts[at.index])}`];
  return null;
}
