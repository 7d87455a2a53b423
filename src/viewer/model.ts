// The viewer's model of a report: per thread, columnar arrays of slices sorted by start, with
// their depth and parent, plus counters and instant events. Built incrementally from events
// (any Chrome Trace Event report: ours, VizTracer's, Node's --trace-events), without I/O.
import { StringTable } from '../trace/strings';

/** One thread's slices, sorted by start (longer first on ties, so parents come first). */
export interface ThreadSlices {
  /** µs since the model's `originMicros`. */
  start: Float64Array;
  dur: Float64Array;
  /** 0 for a slice with no parent. */
  depth: Int32Array;
  /** Index into `Model.strings`. */
  name: Int32Array;
  /** Index of the enclosing slice in this thread, -1 for none. */
  parent: Int32Array;
  /** `args` of the slices that have any, by slice index. */
  args: Map<number, Record<string, unknown>>;
}

export interface CounterSeries {
  pid: number;
  /** The tid of its first event (an OS thread's, for the `CPU %` and `CPU core` of `--native`). */
  tid: number;
  /** The counter's event name, e.g. "CPU %". */
  name: string;
  /** The value names (the keys of the events' args). */
  keys: string[];
  /** µs since origin. */
  ts: Float64Array;
  /** values[k * keys.length + j]: key j at sample k. */
  values: Float64Array;
}

export interface Instant {
  pid: number;
  tid: number;
  /** µs since origin. */
  ts: number;
  name: string;
  /** "g" global, "p" process, "t" thread. */
  scope: string;
}

export interface ThreadModel {
  /** Stable index of the thread in the model, used in data URLs. */
  key: number;
  pid: number;
  tid: number;
  name: string;
  /**
   * A track of async spans (`b`/`e` events begun on this tid), not a thread's stack: its
   * slices overlap, so they are laid out in lanes (depth = lane, no parents).
   */
  async?: boolean;
  sortIndex: number;
  maxDepth: number;
  slices: ThreadSlices;
  /** An async track's spans tied to the slices that ran for them (runsOfSpans). */
  runs?: SpanRuns;
}

/**
 * The runs of an async track's spans: pairs (span, slice), sorted by span then slice; `span`
 * indexes the async track's slices, `slice` those of the thread track of the same pid and tid.
 */
export interface SpanRuns {
  span: Int32Array;
  slice: Int32Array;
}

export interface ProcessModel {
  pid: number;
  /** The parent's pid, from the `process_name` metadata's args, when the report says. */
  ppid?: number;
  name: string;
  sortIndex: number;
  threads: ThreadModel[];
  counters: CounterSeries[];
}

export interface Model {
  strings: string[];
  /** Absolute µs of the earliest event: every time in the model is relative to it. */
  originMicros: number;
  durationMicros: number;
  processes: ProcessModel[];
  instants: Instant[];
  metadata: Record<string, unknown> | null;
  /** Events of kinds the viewer does not show (flow events, object snapshots, ...). */
  skipped: number;
  /** E events without a matching B, or B events never ended (closed at the trace's end). */
  unmatched: number;
}

interface RawEvent {
  ph?: unknown;
  name?: unknown;
  cat?: unknown;
  id?: unknown;
  id2?: unknown;
  pid?: unknown;
  tid?: unknown;
  ts?: unknown;
  dur?: unknown;
  s?: unknown;
  args?: unknown;
}

interface ThreadAcc {
  pid: number;
  tid: number;
  ts: number[];
  dur: number[];
  name: number[];
  args: Map<number, Record<string, unknown>>;
  open: { ts: number; name: number; args: Record<string, unknown> | null }[];
  /** An async track's spans of category `async`: their ids, by index of arrival. */
  ids?: Map<number, string>;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const idOf = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return null;
};

export class ModelBuilder {
  private readonly strings = new StringTable();
  private readonly threads = new Map<string, ThreadAcc>();
  private lastThread: ThreadAcc | null = null;
  private readonly processNames = new Map<number, string>();
  private readonly processSort = new Map<number, number>();
  private readonly processParent = new Map<number, number>();
  private readonly threadNames = new Map<string, string>();
  private readonly threadSort = new Map<string, number>();
  private readonly counters = new Map<
    string,
    { pid: number; tid: number; name: string; keys: string[]; ts: number[]; rows: number[][] }
  >();
  private readonly instants: Instant[] = [];
  /** Async spans begun and not yet ended, by (pid, cat, id): nestable, so a stack each. */
  private readonly openAsync = new Map<
    string,
    {
      tid: number;
      ts: number;
      name: number;
      args: Record<string, unknown> | null;
      id: string | null;
    }[]
  >();
  /** Async spans by the (pid, tid) that began them. */
  private readonly asyncSpans = new Map<string, ThreadAcc>();
  private minTs = Infinity;
  private maxTs = -Infinity;
  private skipped = 0;
  private unmatched = 0;
  metadata: Record<string, unknown> | null = null;

  private str(s: string): number {
    return this.strings.id(s);
  }

  private thread(pid: number, tid: number): ThreadAcc {
    // Events come in runs of one thread: the last one found, without a key to build.
    const last = this.lastThread;
    if (last !== null && last.pid === pid && last.tid === tid) return last;
    const k = `${pid}:${tid}`;
    let t = this.threads.get(k);
    if (!t) {
      t = { pid, tid, ts: [], dur: [], name: [], args: new Map(), open: [] };
      this.threads.set(k, t);
    }
    this.lastThread = t;
    return t;
  }

  private seen(ts: number, end = ts): void {
    if (ts < this.minTs) this.minTs = ts;
    if (end > this.maxTs) this.maxTs = end;
  }

  add(e: RawEvent): void {
    if (e === null || typeof e !== 'object') {
      this.skipped++;
      return;
    }
    const ph = e.ph;
    const pid = idOf(e.pid) ?? 0;
    const tid = idOf(e.tid) ?? pid;
    const name = typeof e.name === 'string' ? e.name : String(e.name ?? '');
    const args = e.args && typeof e.args === 'object' ? (e.args as Record<string, unknown>) : null;
    const ts = num(e.ts);
    switch (ph) {
      case 'M': {
        const v = args?.name;
        const sort = num(args?.sort_index);
        const ppid = num(args?.ppid);
        if (name === 'process_name' && ppid !== null) this.processParent.set(pid, ppid);
        if (name === 'process_name' && typeof v === 'string') this.processNames.set(pid, v);
        else if (name === 'thread_name' && typeof v === 'string')
          this.threadNames.set(`${pid}:${tid}`, v);
        else if (name === 'process_sort_index' && sort !== null) this.processSort.set(pid, sort);
        else if (name === 'thread_sort_index' && sort !== null)
          this.threadSort.set(`${pid}:${tid}`, sort);
        return;
      }
      case 'X': {
        if (ts === null) break;
        const dur = Math.max(0, num(e.dur) ?? 0);
        const t = this.thread(pid, tid);
        if (args && Object.keys(args).length > 0) t.args.set(t.ts.length, args);
        t.ts.push(ts);
        t.dur.push(dur);
        t.name.push(this.str(name));
        this.seen(ts, ts + dur);
        return;
      }
      case 'B': {
        if (ts === null) break;
        this.thread(pid, tid).open.push({ ts, name: this.str(name), args });
        this.seen(ts);
        return;
      }
      case 'E': {
        if (ts === null) break;
        const t = this.thread(pid, tid);
        const b = t.open.pop();
        if (!b) {
          this.unmatched++;
          return;
        }
        const merged = args ? { ...(b.args ?? {}), ...args } : b.args;
        if (merged && Object.keys(merged).length > 0) t.args.set(t.ts.length, merged);
        t.ts.push(b.ts);
        t.dur.push(Math.max(0, ts - b.ts));
        t.name.push(b.name);
        this.seen(b.ts, ts);
        return;
      }
      case 'b':
      case 'e': {
        const id = asyncId(e);
        if (ts === null || id === null) break;
        const cat = typeof e.cat === 'string' ? e.cat : '';
        const key = `${pid}:${cat}:${id}`;
        let open = this.openAsync.get(key);
        if (ph === 'b') {
          if (!open) this.openAsync.set(key, (open = []));
          // Only spans of category `async` (--instrument's) are named by their runs.
          open.push({ tid, ts, name: this.str(name), args, id: cat === 'async' ? id : null });
          this.seen(ts);
          return;
        }
        const b = open?.pop();
        if (!b) {
          this.unmatched++;
          return;
        }
        if (open!.length === 0) this.openAsync.delete(key);
        this.addAsync(pid, b, ts, args);
        this.seen(b.ts, ts);
        return;
      }
      case 'i':
      case 'I':
      case 'R': {
        if (ts === null) break;
        this.instants.push({ pid, tid, ts, name, scope: typeof e.s === 'string' ? e.s : 't' });
        this.seen(ts);
        return;
      }
      case 'C': {
        if (ts === null || !args) break;
        const key = `${pid}:${name}`;
        let c = this.counters.get(key);
        if (!c) {
          c = { pid, tid, name, keys: [], ts: [], rows: [] };
          this.counters.set(key, c);
        }
        const row: number[] = new Array(c.keys.length).fill(NaN);
        for (const [k, v] of Object.entries(args)) {
          const x = num(v);
          if (x === null) continue;
          let j = c.keys.indexOf(k);
          if (j < 0) {
            j = c.keys.length;
            c.keys.push(k);
            row.push(NaN);
          }
          row[j] = x;
        }
        c.ts.push(ts);
        c.rows.push(row);
        this.seen(ts);
        return;
      }
      default:
        break;
    }
    this.skipped++;
  }

  private addAsync(
    pid: number,
    b: {
      tid: number;
      ts: number;
      name: number;
      args: Record<string, unknown> | null;
      id: string | null;
    },
    end: number,
    endArgs: Record<string, unknown> | null,
  ): void {
    const k = `${pid}:${b.tid}`;
    let t = this.asyncSpans.get(k);
    if (!t) {
      t = { pid, tid: b.tid, ts: [], dur: [], name: [], args: new Map(), open: [] };
      this.asyncSpans.set(k, t);
    }
    const merged = endArgs ? { ...(b.args ?? {}), ...endArgs } : b.args;
    if (merged && Object.keys(merged).length > 0) t.args.set(t.ts.length, merged);
    if (b.id !== null) (t.ids ??= new Map()).set(t.ts.length, b.id);
    t.ts.push(b.ts);
    t.dur.push(Math.max(0, end - b.ts));
    t.name.push(b.name);
  }

  build(): Model {
    // Async spans never ended are closed at the end of the trace.
    for (const [key, open] of this.openAsync) {
      const pid = Number(key.slice(0, key.indexOf(':')));
      for (const b of open) {
        this.unmatched++;
        this.addAsync(pid, b, this.maxTs, null);
      }
    }
    this.openAsync.clear();
    const origin = Number.isFinite(this.minTs) ? this.minTs : 0;
    const duration = Number.isFinite(this.maxTs) ? this.maxTs - origin : 0;
    const procs = new Map<number, ProcessModel>();
    const proc = (pid: number): ProcessModel => {
      let p = procs.get(pid);
      if (!p) {
        const ppid = this.processParent.get(pid);
        p = {
          pid,
          ...(ppid !== undefined ? { ppid } : {}),
          name: this.processNames.get(pid) ?? `Process ${pid}`,
          sortIndex: this.processSort.get(pid) ?? pid,
          threads: [],
          counters: [],
        };
        procs.set(pid, p);
      }
      return p;
    };
    // Per thread (`pid:tid`): sorted index → index of arrival, null when they are the same.
    const sliceOrders = new Map<string, Int32Array | null>();
    const accs = [...this.threads.values()].sort((a, b) => a.pid - b.pid || a.tid - b.tid);
    let key = 0;
    for (const t of accs) {
      // B events never ended are closed at the end of the trace.
      for (const b of t.open) {
        this.unmatched++;
        t.ts.push(b.ts);
        t.dur.push(Math.max(0, this.maxTs - b.ts));
        t.name.push(b.name);
        if (b.args && Object.keys(b.args).length > 0) t.args.set(t.ts.length - 1, b.args);
      }
      if (t.ts.length === 0) continue;
      const k = `${t.pid}:${t.tid}`;
      const { slices, order } = sortSlices(t, origin);
      sliceOrders.set(k, order);
      let maxDepth = 0;
      for (let i = 0; i < slices.depth.length; i++)
        if (slices.depth[i] > maxDepth) maxDepth = slices.depth[i];
      proc(t.pid).threads.push({
        key: key++,
        pid: t.pid,
        tid: t.tid,
        name: this.threadNames.get(k) ?? (t.tid === t.pid ? 'main' : `Thread ${t.tid}`),
        sortIndex: this.threadSort.get(k) ?? (t.tid === t.pid ? -1 : t.tid),
        maxDepth: maxDepth + 1,
        slices,
      });
    }
    // Each thread's async spans: a track right below the thread's own.
    for (const t of [...this.asyncSpans.values()].sort((a, b) => a.pid - b.pid || a.tid - b.tid)) {
      const k = `${t.pid}:${t.tid}`;
      const { slices, order } = laneSlices(t, origin);
      const thread = this.threads.get(k);
      const runs =
        thread && t.ids ? runsOfSpans(t.ids, order, thread.args, sliceOrders.get(k) ?? null) : null;
      let maxDepth = 0;
      for (let i = 0; i < slices.depth.length; i++)
        if (slices.depth[i] > maxDepth) maxDepth = slices.depth[i];
      const threadName = this.threadNames.get(k) ?? (t.tid === t.pid ? 'main' : `Thread ${t.tid}`);
      proc(t.pid).threads.push({
        key: key++,
        pid: t.pid,
        tid: t.tid,
        name: `${threadName} (async)`,
        async: true,
        sortIndex: (this.threadSort.get(k) ?? (t.tid === t.pid ? -1 : t.tid)) + 0.5,
        maxDepth: maxDepth + 1,
        slices,
        ...(runs ? { runs } : {}),
      });
    }
    for (const c of this.counters.values()) {
      const order = c.ts.map((_, i) => i).sort((a, b) => c.ts[a] - c.ts[b]);
      const values = new Float64Array(order.length * c.keys.length).fill(NaN);
      order.forEach((i, k) => {
        c.rows[i].forEach((v, j) => (values[k * c.keys.length + j] = v));
      });
      proc(c.pid).counters.push({
        pid: c.pid,
        tid: c.tid,
        name: c.name,
        keys: c.keys,
        ts: Float64Array.from(order, (i) => c.ts[i] - origin),
        values,
      });
    }
    for (const pid of this.processNames.keys()) proc(pid);
    const processes = underParents(
      [...procs.values()].sort((a, b) => a.sortIndex - b.sortIndex || a.pid - b.pid),
    );
    for (const p of processes) p.threads.sort((a, b) => a.sortIndex - b.sortIndex || a.tid - b.tid);
    return {
      strings: this.strings.strings,
      originMicros: origin,
      durationMicros: duration,
      processes,
      instants: this.instants.map((i) => ({ ...i, ts: i.ts - origin })).sort((a, b) => a.ts - b.ts),
      metadata: this.metadata,
      skipped: this.skipped,
      unmatched: this.unmatched,
    };
  }
}

/**
 * Processes in their order, except that each child comes right after its parent (and the
 * parent's earlier children): a tree walked depth first, roots in their order.
 */
function underParents(sorted: ProcessModel[]): ProcessModel[] {
  const pids = new Set(sorted.map((p) => p.pid));
  const children = new Map<number, ProcessModel[]>();
  const roots: ProcessModel[] = [];
  for (const p of sorted) {
    if (p.ppid === undefined || p.ppid === p.pid || !pids.has(p.ppid)) roots.push(p);
    else {
      let list = children.get(p.ppid);
      if (!list) children.set(p.ppid, (list = []));
      list.push(p);
    }
  }
  const out: ProcessModel[] = [];
  const seen = new Set<number>();
  const walk = (p: ProcessModel): void => {
    if (seen.has(p.pid)) return;
    seen.add(p.pid);
    out.push(p);
    for (const c of children.get(p.pid) ?? []) walk(c);
  };
  for (const p of roots) walk(p);
  // A cycle of ppids has no root: its processes keep their order.
  for (const p of sorted) walk(p);
  return out;
}

/** An async event's id: `id`, or `id2.local` / `id2.global` (the Trace Event Format's). */
function asyncId(e: RawEvent): string | null {
  const one = (v: unknown): string | null =>
    typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
  const id = one(e.id);
  if (id !== null) return id;
  const id2 = e.id2 && typeof e.id2 === 'object' ? (e.id2 as Record<string, unknown>) : null;
  if (!id2) return null;
  const local = one(id2.local);
  if (local !== null) return `local:${local}`;
  const global = one(id2.global);
  return global !== null ? `global:${global}` : null;
}

/**
 * A thread's slices as columns sorted by start (longer first); depth and parent left to fill.
 * `order`: the index of arrival of each sorted slice, null when the slices came sorted.
 */
function sortedColumns(
  t: ThreadAcc,
  origin: number,
): { slices: ThreadSlices; order: Int32Array | null } {
  const n = t.ts.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const before = (a: number, b: number): number =>
    t.ts[a] - t.ts[b] || t.dur[b] - t.dur[a] || a - b;
  // Slices usually come in this order already (ours do): then there is nothing to sort.
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = before(i - 1, i) < 0;
  if (!sorted) order.sort(before);
  const start = new Float64Array(n);
  const dur = new Float64Array(n);
  const name = new Int32Array(n);
  // In order, a slice's index is the same before and after.
  const args = sorted ? t.args : new Map<number, Record<string, unknown>>();
  for (let k = 0; k < n; k++) {
    const i = order[k];
    start[k] = t.ts[i] - origin;
    dur[k] = t.dur[i];
    name[k] = t.name[i];
    if (!sorted) {
      const a = t.args.get(i);
      if (a) args.set(k, a);
    }
  }
  return {
    slices: {
      start,
      dur,
      depth: new Int32Array(n),
      name,
      parent: new Int32Array(n).fill(-1),
      args,
    },
    order: sorted ? null : order,
  };
}

/**
 * Async spans overlap freely: sorted by start, each goes to the first lane free at its start
 * (its depth); none has a parent.
 */
function laneSlices(
  t: ThreadAcc,
  origin: number,
): { slices: ThreadSlices; order: Int32Array | null } {
  const sorted = sortedColumns(t, origin);
  const s = sorted.slices;
  const laneEnd: number[] = [];
  for (let k = 0; k < s.start.length; k++) {
    let lane = laneEnd.findIndex((end) => end <= s.start[k]);
    if (lane < 0) lane = laneEnd.length;
    laneEnd[lane] = s.start[k] + s.dur[k];
    s.depth[k] = lane;
  }
  return sorted;
}

/** Sorts a thread's slices by start (longer first), then finds each one's parent and depth. */
function sortSlices(
  t: ThreadAcc,
  origin: number,
): { slices: ThreadSlices; order: Int32Array | null } {
  const sorted = sortedColumns(t, origin);
  const s = sorted.slices;
  const { start, dur, depth, parent } = s;
  const stack: number[] = [];
  for (let k = 0; k < start.length; k++) {
    const end = start[k] + dur[k];
    // Pop what ended before this starts, and what this would overflow (badly nested input:
    // it is shown beside, not inside).
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const topEnd = start[top] + dur[top];
      if (topEnd <= start[k] || end > topEnd + 1e-6) stack.pop();
      else break;
    }
    parent[k] = stack.length > 0 ? stack[stack.length - 1] : -1;
    depth[k] = stack.length;
    stack.push(k);
  }
  return sorted;
}

/**
 * Ties a thread's async spans to the slices that ran for them: a slice whose `args.span` is
 * the id of a span (category `async`) of the same pid and tid is a run of it (--instrument
 * writes it on each run of an async call: the first and each resumption). `spanIds` and
 * `sliceArgs` are by index of arrival; `spanOrder` and `sliceOrder` map sorted indices to
 * those (null: the same). Returns null when no slice names a span.
 */
export function runsOfSpans(
  spanIds: ReadonlyMap<number, string>,
  spanOrder: Int32Array | null,
  sliceArgs: ReadonlyMap<number, Record<string, unknown>>,
  sliceOrder: Int32Array | null,
): SpanRuns | null {
  const spanById = new Map<string, number>();
  const sortedOf = (order: Int32Array | null): ((i: number) => number) => {
    if (order === null) return (i) => i;
    const inverse = new Int32Array(order.length);
    for (let k = 0; k < order.length; k++) inverse[order[k]] = k;
    return (i) => inverse[i];
  };
  const spanAt = sortedOf(spanOrder);
  // A reused id (nestable spans of one id) names its first span.
  for (const [i, id] of spanIds) if (!spanById.has(id)) spanById.set(id, spanAt(i));
  const pairs: [number, number][] = [];
  let sliceAt: ((i: number) => number) | null = null;
  for (const [i, a] of sliceArgs) {
    const id = a.span;
    if (typeof id !== 'string') continue;
    const span = spanById.get(id);
    if (span === undefined) continue;
    sliceAt ??= sortedOf(sliceOrder);
    pairs.push([span, sliceAt(i)]);
  }
  if (pairs.length === 0) return null;
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    span: Int32Array.from(pairs, (p) => p[0]),
    slice: Int32Array.from(pairs, (p) => p[1]),
  };
}
