// The timeline's tooltip text: for a slice, a counter sample or an instant.

import { formatDuration, formatValue, parseFrameName } from './format';
import { counterSampleAt, instantAt, rowAt } from './timeline-hit';
import { transform, type Selection, type TimelineState } from './timeline-state';

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
