// The timeline's state in one place: what it shows, built once from the report, and how now.

import { Palette } from './color';
import type { CounterData, Report, ThreadData } from './data';
import { buildDepthIndex, type DepthIndex } from './depth-index';
import { parseFrameName } from './format';
import { isProfilerThread, osThreadCounter } from './range-summary';
import type { Matches } from './search';
import type { SpanRuns } from './span-runs';
import type { InstantList } from './timeline-draw';
import {
  clampRange,
  limitsFor,
  viewTransform,
  type Limits,
  type TimeRange,
  type ViewTransform,
} from './viewport';

export const LABEL_W = 264;
export const ROW_H = 18;
export const TRACK_PAD = 5;
export const PROC_H = 30;
export const COUNTER_H = 48;
/** A thread's row in a process's threads overview. */
export const OS_ROW_H = 8;
/** The strip of one of the profiler's own threads: thinner, under one label for them all. */
export const PROFILER_ROW_H = 4;
export const AXIS_H = 48;
export const OVERVIEW_H = 20;
export const OVERVIEW_BUCKETS = 1200;

export interface Selection {
  thread: ThreadData;
  index: number;
}

/** An OS thread of a process (`--native`), from its `CPU %` and `CPU core` tracks. */
export interface OsThread {
  name: string;
  tid: number;
  cpu: CounterData;
  core: CounterData | null;
  /** One of the profiler's own threads (they come last, in thin strips). */
  profiler: boolean;
}

export interface ProcessGroup {
  pid: number;
  name: string;
  /** How many ancestors of the process are in the report (children sort under parents). */
  nesting: number;
  threads: ThreadData[];
  /** Its OS threads, the main thread first and the profiler's last: the threads overview. */
  osThreads: OsThread[];
  /** Its counters but the OS threads' `CPU %` and `CPU core`. */
  counters: CounterData[];
  /** The OS threads' `CPU %` and `CPU core` tracks, shown on demand. */
  cpuCounters: CounterData[];
  instants: InstantList;
}

export type Row = { top: number; height: number } & (
  | { kind: 'process'; group: ProcessGroup; collapsed: boolean }
  | { kind: 'thread'; t: ThreadData; instants: InstantList | null }
  | { kind: 'counter'; c: CounterData }
  | { kind: 'osthread'; group: ProcessGroup; os: OsThread }
);

/** A search's matches as the timeline highlights them. */
export interface SearchHighlight {
  /** Per thread (by pos), the index of its matching slices, null for none. */
  perThread: (DepthIndex | null)[];
  /** 1 for the names that match, by name index. */
  names: Uint8Array;
  /** Matches per overview bucket. */
  buckets: Uint32Array;
}

export interface TimelineState {
  readonly report: Report;
  readonly groups: ProcessGroup[];
  /** Instants spanning every track. */
  readonly globalInstants: InstantList;
  /** A thread's instants, by `pid:tid`. */
  readonly threadInstants: Map<string, InstantList>;
  readonly palette: Palette;
  /** Function names by name index, parsed when first drawn. */
  readonly shortNames: (string | undefined)[];
  readonly limits: Limits;
  /** How busy the report is per overview bucket, 0 to 1. */
  readonly activity: Float32Array;

  /** The tracks' rows, top to bottom (see timeline-layout.ts). */
  rows: Row[];
  /** Pids of the collapsed processes. */
  readonly collapsed: Set<number>;
  /** Pids of the processes whose CPU % and CPU core tracks are shown. */
  readonly countersOpen: Set<number>;
  /** The time shown across the tracks. */
  range: TimeRange;
  /** The tracks canvas, CSS px. */
  width: number;
  height: number;
  selection: Selection | null;
  /** The selection's async span and the slices that ran for it, drawn as arrows; or null. */
  flows: SpanRuns | null;
  /** A range of time selected with Shift+drag, null for none. */
  span: TimeRange | null;
  hover: Selection | null;
  search: SearchHighlight | null;
  /** The pointer's x on the tracks canvas, null when it is elsewhere. */
  mouseX: number | null;
  /** W/A/S/D keys held down, and when the last step for them ran. */
  readonly held: Set<string>;
  lastKeyStep: number;
}

export function createState(report: Report): TimelineState {
  const meta = report.meta;
  const limits = limitsFor(meta.durationMicros);

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
  let pos = 0;
  let cpos = 0;
  const ppids = new Map(meta.processes.map((p) => [p.pid, p.ppid]));
  const nesting = (pid: number): number => {
    let n = 0;
    for (let p = ppids.get(pid); p !== undefined && ppids.has(p) && n < 32; p = ppids.get(p)) n++;
    return n;
  };
  return {
    report,
    groups: meta.processes.map((p) => {
      const counters = p.counters.map(() => report.counters[cpos++]);
      const osThreads = osThreadsOf(p.pid, counters);
      // Each thread's CPU % then its CPU core, in the overview's order; then any core track
      // whose thread has no CPU %.
      const cpuCounters = osThreads.flatMap((t) => (t.core ? [t.cpu, t.core] : [t.cpu]));
      const paired = new Set(cpuCounters);
      for (const c of counters) {
        if (osThreadCounter(c.info.name) && !paired.has(c)) cpuCounters.push(c);
      }
      return {
        pid: p.pid,
        name: p.name,
        nesting: nesting(p.pid),
        threads: p.threads.map(() => report.threads[pos++]),
        osThreads,
        counters: counters.filter((c) => !osThreadCounter(c.info.name)),
        cpuCounters,
        instants: instantList(byProcess.get(p.pid) ?? []),
      };
    }),
    globalInstants: instantList(global),
    threadInstants: new Map([...byThread].map(([k, v]) => [k, instantList(v)])),
    palette: new Palette(meta.strings),
    shortNames: [],
    limits,
    activity: overviewActivity(report.threads, meta.durationMicros),
    rows: [],
    collapsed: new Set(),
    countersOpen: new Set(),
    range: clampRange({ start: 0, end: meta.durationMicros || 1 }, limits),
    width: 1,
    height: 1,
    selection: null,
    flows: null,
    span: null,
    hover: null,
    search: null,
    mouseX: null,
    held: new Set(),
    lastKeyStep: 0,
  };
}

/** The current time → x mapping of the tracks. */
export function transform(s: TimelineState): ViewTransform {
  return viewTransform(s.range, s.width);
}

/** The function part of name `i` ("fib" of "fib (/app/fib.js:3)"). */
export function shortName(s: TimelineState, i: number): string {
  return (s.shortNames[i] ??= parseFrameName(s.report.meta.strings[i] ?? '').func);
}

export function sameSel(a: Selection | null, b: Selection | null): boolean {
  return a === b || (a !== null && b !== null && a.thread === b.thread && a.index === b.index);
}

/** A search's matches as highlights: an index of each thread's matches, and their spread. */
export function searchHighlight(
  report: Report,
  matches: Matches,
  names: Uint8Array,
): SearchHighlight {
  const dur = report.meta.durationMicros || 1;
  const buckets = new Uint32Array(OVERVIEW_BUCKETS);
  const perThread = report.threads.map((t) => {
    const m = matches.perThread[t.pos];
    for (const i of m) {
      const b = Math.floor((t.cols.start[i] / dur) * OVERVIEW_BUCKETS);
      buckets[Math.min(OVERVIEW_BUCKETS - 1, Math.max(0, b))]++;
    }
    return m.length > 0 ? buildDepthIndex(t.cols, t.index.depths, m) : null;
  });
  return { perThread, names, buckets };
}

/**
 * A process's OS threads from its counters: the main thread first, then as the report has
 * them, the profiler's own threads last.
 */
function osThreadsOf(pid: number, counters: readonly CounterData[]): OsThread[] {
  const cores = new Map<string, CounterData>();
  for (const c of counters) {
    const m = osThreadCounter(c.info.name);
    if (m?.kind === 'core') cores.set(m.thread, c);
  }
  const out: OsThread[] = [];
  for (const c of counters) {
    const m = osThreadCounter(c.info.name);
    if (m?.kind !== 'cpu') continue;
    out.push({
      name: m.thread,
      tid: c.info.tid,
      cpu: c,
      core: cores.get(m.thread) ?? null,
      profiler: isProfilerThread(m.thread),
    });
  }
  const main = out.findIndex((t) => t.tid === pid);
  if (main > 0) out.unshift(...out.splice(main, 1));
  return [...out.filter((t) => !t.profiler), ...out.filter((t) => t.profiler)];
}

function instantList(items: { ts: number; name: string }[]): InstantList {
  const sorted = [...items].sort((a, b) => a.ts - b.ts);
  return { ts: Float64Array.from(sorted, (i) => i.ts), names: sorted.map((i) => i.name) };
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
