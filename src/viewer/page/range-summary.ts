// What ran in a range of time (a drag with Shift on the timeline): per function its self and
// total time inside the range and its slices' count, and per thread its busy time. Pure, over
// the page's slice columns; a slice counts for the part of it inside the range.
import type { SliceColumns } from './contract';

export interface RangeFunction {
  /** Index into the report's strings. */
  name: number;
  /** µs inside the range with this function on top of its stack. */
  self: number;
  /** µs inside the range with it on the stack (a recursive call counted once). */
  total: number;
  /** Its slices that overlap the range. */
  count: number;
}

export interface RangeThread {
  /** The thread's position in the report. */
  thread: number;
  /** µs inside the range with a slice open. */
  busy: number;
  count: number;
}

export interface RangeSummary {
  startMicros: number;
  endMicros: number;
  /** By self time, largest first. */
  functions: RangeFunction[];
  /** Threads with a slice in the range, busiest first. */
  threads: RangeThread[];
}

export function summarizeRange(
  threads: readonly SliceColumns[],
  startMicros: number,
  endMicros: number,
): RangeSummary {
  const a = Math.min(startMicros, endMicros);
  const b = Math.max(startMicros, endMicros);
  const byName = new Map<number, RangeFunction>();
  const perThread: RangeThread[] = [];
  threads.forEach((c, t) => {
    // A slice's overlap with the range, and what its children's take from its self time.
    const overlap = new Float64Array(c.n);
    const childTime = new Float64Array(c.n);
    let busy = 0;
    let count = 0;
    for (let i = 0; i < c.n; i++) {
      const s = c.start[i];
      if (s >= b) break; // starts are sorted
      const o = Math.min(s + c.dur[i], b) - Math.max(s, a);
      if (o <= 0) continue;
      overlap[i] = o;
      count++;
      const p = c.parent[i];
      if (p >= 0) childTime[p] += o;
      else busy += o;
    }
    if (count === 0) return;
    perThread.push({ thread: t, busy, count });
    for (let i = 0; i < c.n && c.start[i] < b; i++) {
      if (overlap[i] <= 0) continue;
      const name = c.name[i];
      let f = byName.get(name);
      if (!f) byName.set(name, (f = { name, self: 0, total: 0, count: 0 }));
      f.self += Math.max(0, overlap[i] - childTime[i]);
      f.count++;
      // Counted once per stack: not when an enclosing slice has the same name.
      let outer = c.parent[i];
      while (outer >= 0 && c.name[outer] !== name) outer = c.parent[outer];
      if (outer < 0) f.total += overlap[i];
    }
  });
  return {
    startMicros: a,
    endMicros: b,
    functions: [...byName.values()].sort((x, y) => y.self - x.self || y.total - x.total),
    threads: perThread.sort((x, y) => y.busy - x.busy),
  };
}

/** A counter track as the range summary reads it: a step function of time. */
export interface CounterSeries {
  pid: number;
  name: string;
  /** Ascending; each value holds from its time to the next. */
  ts: Float64Array;
  values: Float64Array;
}

export interface RangeOsThread {
  pid: number;
  /** The thread's name, from its counters' `CPU % (name)`. */
  name: string;
  /** Average CPU % over the range (of one core). */
  cpuPercent: number;
  /** CPU time in the range, µs. */
  cpuMicros: number;
  /** [core, share of the range's measured time], most first. */
  cores: [number, number][];
}

const CPU_PERCENT = /^CPU % \((.*)\)$/;
const CPU_CORE = /^CPU core \((.*)\)$/;

/**
 * The threads the profiler itself runs in a `--native` process: the addon's monitor, its
 * profile compactor and its signal thread, and V8's profiler event processor.
 */
const PROFILER_THREAD = /^(viztracer-mon|viztracer-cmp|vz-signals|v8:ProfEvntProc)$/;

/** Whether an OS thread, by its name, is one the profiler runs rather than the program. */
export function isProfilerThread(name: string): boolean {
  return PROFILER_THREAD.test(name);
}

/**
 * The OS thread a counter track is about: `CPU % (<thread>)` (kind `cpu`) and
 * `CPU core (<thread>)` (kind `core`) of `--native`; null for any other counter.
 */
export function osThreadCounter(name: string): { kind: 'cpu' | 'core'; thread: string } | null {
  const cpu = CPU_PERCENT.exec(name);
  if (cpu) return { kind: 'cpu', thread: cpu[1] };
  const core = CPU_CORE.exec(name);
  return core ? { kind: 'core', thread: core[1] } : null;
}

/** Time per value of a step function inside [a, b]. */
function timePerValue(c: CounterSeries, a: number, b: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let k = 0; k < c.ts.length; k++) {
    const from = Math.max(c.ts[k], a);
    const to = Math.min(k + 1 < c.ts.length ? c.ts[k + 1] : b, b);
    if (to > from) out.set(c.values[k], (out.get(c.values[k]) ?? 0) + (to - from));
  }
  return out;
}

/**
 * `ps -T` for a range: every OS thread with CPU counters (`--native`), its average CPU % and CPU
 * time in the range, and the cores it was on, from its `CPU %` and `CPU core` tracks. Threads
 * that used no CPU in the range are left out.
 */
export function summarizeOsThreads(
  counters: readonly CounterSeries[],
  startMicros: number,
  endMicros: number,
): RangeOsThread[] {
  const a = Math.min(startMicros, endMicros);
  const b = Math.max(startMicros, endMicros);
  const cores = new Map<string, Map<number, number>>();
  for (const c of counters) {
    const m = osThreadCounter(c.name);
    if (m?.kind === 'core') cores.set(`${c.pid}\n${m.thread}`, timePerValue(c, a, b));
  }
  const out: RangeOsThread[] = [];
  for (const c of counters) {
    const m = osThreadCounter(c.name);
    if (m?.kind !== 'cpu') continue;
    let weighted = 0;
    for (const [v, t] of timePerValue(c, a, b)) weighted += v * t;
    if (weighted <= 0) continue;
    const perCore = cores.get(`${c.pid}\n${m.thread}`) ?? new Map<number, number>();
    const coreTime = [...perCore.values()].reduce((x, y) => x + y, 0);
    out.push({
      pid: c.pid,
      name: m.thread,
      cpuPercent: weighted / (b - a),
      cpuMicros: weighted / 100,
      cores: [...perCore]
        .filter(([core]) => core >= 0)
        .map(([core, t]): [number, number] => [core, t / coreTime])
        .sort((x, y) => y[1] - x[1]),
    });
  }
  return out.sort((x, y) => y.cpuMicros - x.cpuMicros);
}
