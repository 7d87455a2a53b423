// An async span and the slices that ran for it (its first run and each resumption), from the
// pairs the server sends after an async track's slices (RunColumns). Pure: no DOM.

import { lowerBound } from '../../trace/sorted';
import type { Report, ThreadData } from './data';
import type { Selection } from './timeline-state';

export interface SpanRuns {
  span: Selection;
  /** By start. */
  runs: Selection[];
}

/**
 * The span of a selected slice and its runs: the span itself when an async span is selected,
 * the span it ran for when one of its runs is; null for any other slice.
 */
export function spanRunsOf(report: Report, sel: Selection): SpanRuns | null {
  const t = sel.thread;
  const async = t.info.async ? t : asyncTrackOf(report, t);
  const runs = async?.cols.runs;
  if (!async || !runs) return null;
  let span = sel.index;
  if (!t.info.async) {
    // A slice of the thread: the span it ran for, if any (one scan, on a click).
    const k = runs.slice.indexOf(sel.index);
    if (k < 0) return null;
    span = runs.span[k];
  }
  const thread = threadTrackOf(report, async);
  if (!thread) return null;
  const out: Selection[] = [];
  for (let k = lowerBound(runs.span, span); k < runs.span.length && runs.span[k] === span; k++) {
    out.push({ thread, index: runs.slice[k] });
  }
  return out.length > 0 ? { span: { thread: async, index: span }, runs: out } : null;
}

/** The async track of a thread (the same pid and tid), if it has one. */
function asyncTrackOf(report: Report, t: ThreadData): ThreadData | undefined {
  return report.threads.find((x) => x.info.async && x.pid === t.pid && x.info.tid === t.info.tid);
}

/** The thread track whose slices an async track's spans ran as. */
function threadTrackOf(report: Report, a: ThreadData): ThreadData | undefined {
  return report.threads.find((x) => !x.info.async && x.pid === a.pid && x.info.tid === a.info.tid);
}
