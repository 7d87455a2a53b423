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
  if (row?.kind === 'osthread') {
    const { os } = row;
    const k = counterSampleAt(os.cpu, t);
    if (k >= 0) {
      const K = os.cpu.info.keys.length;
      const cpu = os.cpu.cols.values[k * K];
      const lines = [os.name, `tid ${os.tid} · pid ${row.group.pid}`, `CPU ${formatValue(cpu)} %`];
      const q = os.core ? counterSampleAt(os.core, t) : -1;
      if (os.core && q >= 0) {
        const core = os.core.cols.values[q * os.core.info.keys.length];
        if (core >= 0) lines.push(`core ${core}`);
      }
      lines.push(`at ${formatDuration(t)}`);
      return lines;
    }
  }
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
