// Our sampler's tick log merged into V8's profile of the same thread, without I/O.
//
// Under `--sampler viztracer` the addon's sampler thread ticks at the requested interval. At a
// tick, either the JS thread is asked to sample itself (V8's CollectSample, at its next
// interrupt check: a "sample" tick, whose V8 sample carries a timestamp inside the tick's
// window), or the previous request is still pending, and the tick is labelled by what the
// thread was doing instead: idle, busy outside JavaScript, in GC, or waiting for a CPU. The
// labels become samples on synthetic nodes here, so the timeline shows idle and native gaps
// instead of stretching the last JS stack across them.
import type { ProfileNode, RawProfile } from './profile';

/** The addon's tick log of one thread (columns; see native/sampler.h). */
export interface SamplerTicks {
  /** µs of CLOCK_MONOTONIC: when the sample was asked for, or when the label was decided. */
  tickMicros: ArrayLike<number>;
  /** Sample ticks: from the request to the start of the sample, µs. */
  delayMicros: ArrayLike<number>;
  /** Sample ticks: how long CollectSample took, µs. */
  durationMicros: ArrayLike<number>;
  /** Sample ticks: the CPU core the thread ran on (sched_getcpu); -1 otherwise. */
  cpu: ArrayLike<number>;
  /** TICK_KIND values. */
  kind: ArrayLike<number>;
  /** Deadlines skipped because the sampler thread itself woke up too late. */
  missed: number;
}

export const TICK_KIND = {
  sample: 0,
  /** Pending; the thread was mostly off the CPU and asleep (event loop, lock, I/O). */
  idle: 1,
  /** Pending; the thread was mostly on the CPU: a builtin or native call without interrupt checks. */
  busy: 2,
  /** Pending; V8 was collecting garbage on the thread. */
  gc: 3,
  /** Pending; mostly off the CPU but runnable: waiting for a core on a busy machine. */
  runnable: 4,
} as const;

/** What the merge found, for the report's metadata. */
export interface TickStats {
  /** Ticks the thread answered with a V8 sample, kept. */
  samples: number;
  idle: number;
  busy: number;
  gc: number;
  runnable: number;
  /** Deadlines the sampler thread did not tick. */
  missed: number;
  /** V8 samples that answer no tick of ours (its own rare timer), dropped. */
  droppedV8Samples: number;
}

export interface MergedProfile {
  /** V8's nodes plus the synthetic ones; samples and deltas in time order. */
  profile: RawProfile;
  /** Per sample of `profile`: the CPU core it was taken on, -1 when unknown (labels). */
  cpu: Int16Array;
  stats: TickStats;
}

const IDLE = '(idle)';
const PROGRAM = '(program)';
const GC = '(garbage collector)';

/**
 * Keeps V8's samples that answer a sample tick (each with the tick's CPU core), drops the
 * others, and adds one sample per labelled tick:
 * - idle: `(idle)` under the root (ends every frame) when the thread left JavaScript in between
 *   (the samples around the gap share no frame: it went back to the event loop); else the
 *   deepest common frame, which waited (a synchronous wait: `fs.readFileSync`, `Atomics.wait`,
 *   a page fault) and whose slice goes on, as V8's sampler shows it;
 * - gc: `(garbage collector)` under the root (the converter nests it on the running stack);
 * - busy: `(program)` under the deepest frame common to the samples before and after the gap:
 *   those frames were (very likely) on the stack throughout, e.g. the function that called
 *   `JSON.parse`, so its slice is not cut by the native call it made;
 * - runnable: that common frame itself (the thread was preempted, not doing something else);
 *   `(program)` when there is none.
 *
 * V8's own sampler thread still runs (its thread is what turns queued samples into the
 * profile) and adds a sample now and then: those are dropped, so that every sample stands for
 * one interval of the requested grid and the count is the ticks'.
 */
export function mergeTicks(raw: RawProfile, ticks: SamplerTicks): MergedProfile {
  const nodes: ProfileNode[] = raw.nodes.map((n) => ({
    ...n,
    children: n.children ? [...n.children] : [],
  }));
  const byId = new Map<number, ProfileNode>();
  for (const n of nodes) byId.set(n.id, n);
  const parentOf = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const root = nodes.find((n) => !parentOf.has(n.id));
  let nextId = nodes.reduce((m, n) => Math.max(m, n.id), 0) + 1;
  if (!root) throw new Error('mergeTicks: the profile has no root node');

  const synthetic = new Map<string, number>(); // `${parent}:${name}` -> id
  const child = (parent: number, name: string): number => {
    const key = `${parent}:${name}`;
    let id = synthetic.get(key);
    if (id !== undefined) return id;
    const p = byId.get(parent)!;
    // A node V8 made already (an (idle) or (program) from its own timer) is reused.
    for (const c of p.children ?? []) {
      const n = byId.get(c)!;
      if (n.callFrame.functionName === name && n.callFrame.url === '') id = c;
    }
    if (id === undefined) {
      id = nextId++;
      const node: ProfileNode = {
        id,
        callFrame: { functionName: name, scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 },
        hitCount: 0,
        children: [],
      };
      nodes.push(node);
      byId.set(id, node);
      parentOf.set(id, parent);
      p.children!.push(id);
    }
    synthetic.set(key, id);
    return id;
  };
  const depthOf = (id: number): number => {
    let d = 0;
    for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) d++;
    return d;
  };
  const commonAncestor = (a: number, b: number): number => {
    let da = depthOf(a);
    let db = depthOf(b);
    while (da > db) ((a = parentOf.get(a)!), da--);
    while (db > da) ((b = parentOf.get(b)!), db--);
    while (a !== b) ((a = parentOf.get(a)!), (b = parentOf.get(b)!));
    return a;
  };

  // V8's samples in time order.
  const v8Samples = raw.samples ?? [];
  const deltas = raw.timeDeltas ?? [];
  const nV8 = Math.min(v8Samples.length, deltas.length);
  const v8Times = new Float64Array(nV8);
  for (let i = 0, t = raw.startTime; i < nV8; i++) v8Times[i] = t += deltas[i];
  const v8Order = Array.from({ length: nV8 }, (_, i) => i).sort(
    (a, b) => v8Times[a] - v8Times[b] || a - b,
  );

  // Ticks in the order they happened (a sample tick at its start: its record is written at its
  // end, after the labels of ticks that passed while it was pending).
  const nTicks = ticks.kind.length;
  const at = (k: number): number =>
    ticks.kind[k] === TICK_KIND.sample
      ? ticks.tickMicros[k] + ticks.delayMicros[k]
      : ticks.tickMicros[k];
  const tickOrder = Array.from({ length: nTicks }, (_, k) => k).sort(
    (a, b) => at(a) - at(b) || a - b,
  );

  const stats: TickStats = {
    samples: 0,
    idle: 0,
    busy: 0,
    gc: 0,
    runnable: 0,
    missed: ticks.missed,
    droppedV8Samples: 0,
  };
  // Events in time order: a kept V8 sample (node, cpu) or a label (kind, node resolved later).
  const evTime: number[] = [];
  const evNode: number[] = [];
  const evCpu: number[] = [];
  const evKind: number[] = [];
  let j = 0; // next V8 sample (in v8Order)
  for (const k of tickOrder) {
    const kind = ticks.kind[k];
    if (kind !== TICK_KIND.sample) {
      evTime.push(ticks.tickMicros[k]);
      evNode.push(-1);
      evCpu.push(-1);
      evKind.push(kind);
      continue;
    }
    // V8's timestamps are whole µs, truncated: the window is widened to whole µs.
    const lo = Math.floor(at(k));
    const hi = Math.ceil(at(k) + ticks.durationMicros[k]);
    while (j < nV8 && v8Times[v8Order[j]] < lo) {
      j++;
      stats.droppedV8Samples++;
    }
    if (j < nV8 && v8Times[v8Order[j]] <= hi) {
      const i = v8Order[j++];
      evTime.push(v8Times[i]);
      evNode.push(v8Samples[i]);
      evCpu.push(ticks.cpu[k]);
      evKind.push(TICK_KIND.sample);
      stats.samples++;
      // A second V8 sample in the same window is its own timer's.
      while (j < nV8 && v8Times[v8Order[j]] <= hi) {
        j++;
        stats.droppedV8Samples++;
      }
    }
  }
  stats.droppedV8Samples += nV8 - j;

  // Labels: each gap between two kept samples resolved against both.
  const n = evTime.length;
  let prev = -1; // node of the last kept sample
  for (let e = 0; e < n;) {
    if (evKind[e] === TICK_KIND.sample) {
      prev = evNode[e++];
      continue;
    }
    let end = e;
    while (end < n && evKind[end] !== TICK_KIND.sample) end++;
    const next = end < n ? evNode[end] : -1;
    const common = prev >= 0 && next >= 0 ? commonAncestor(prev, next) : root.id;
    for (; e < end; e++) {
      switch (evKind[e]) {
        case TICK_KIND.idle:
          evNode[e] = common !== root.id ? common : child(root.id, IDLE);
          stats.idle++;
          break;
        case TICK_KIND.gc:
          evNode[e] = child(root.id, GC);
          stats.gc++;
          break;
        case TICK_KIND.runnable:
          evNode[e] = common !== root.id ? common : child(root.id, PROGRAM);
          stats.runnable++;
          break;
        default:
          evNode[e] = child(common, PROGRAM);
          stats.busy++;
      }
    }
  }

  // Events are in tick order; V8's timestamps of kept samples may differ from their tick's
  // start by a µs of rounding, so sort once more by time (stable).
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => evTime[a] - evTime[b] || a - b,
  );
  const samples = new Array<number>(n);
  const timeDeltas = new Array<number>(n);
  const cpu = new Int16Array(n);
  for (const nd of nodes) nd.hitCount = 0;
  let last = raw.startTime;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    samples[r] = evNode[i];
    timeDeltas[r] = evTime[i] - last;
    last = evTime[i];
    cpu[r] = evCpu[i];
    byId.get(evNode[i])!.hitCount!++;
  }
  const endTime = Math.max(raw.endTime, last);
  return { profile: { nodes, startTime: raw.startTime, endTime, samples, timeDeltas }, cpu, stats };
}

/** The tick counts of several windows (or threads) added up; null when none has any. */
export function sumTicks(all: readonly (TickStats | null | undefined)[]): TickStats | null {
  let sum: TickStats | null = null;
  for (const t of all) {
    if (!t) continue;
    sum ??= { samples: 0, idle: 0, busy: 0, gc: 0, runnable: 0, missed: 0, droppedV8Samples: 0 };
    for (const k of Object.keys(sum) as (keyof TickStats)[]) sum[k] += t[k];
  }
  return sum;
}
