// Our sampler's tick log merged into V8's profile of the same thread, without I/O.
//
// Under `--sampler viztracer` the addon's sampler thread ticks at the requested interval. At a
// tick, either the JS thread is asked to sample itself (V8's CollectSample, at its next
// interrupt check: a "sample" tick, whose V8 sample carries a timestamp inside the tick's
// window), or the previous request is still pending, and the tick is labelled by what the
// thread was doing instead: idle, busy outside JavaScript, in GC, or waiting for a CPU. The
// labels become samples on synthetic nodes here, so the timeline shows idle and native gaps
// instead of stretching the last JS stack across them.
import { TICK_KIND, type NativeTicks } from '../native';
import { PSEUDO, type Samples, type TickStats } from './samples';

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
export function mergeTicks(v8: Samples, ticks: NativeTicks): Samples {
  const nodes = v8.nodes.slice();
  const root = 0;
  if (nodes.length === 0 || nodes[root].parent !== -1) {
    throw new Error('mergeTicks: the profile has no root node');
  }
  // Pseudo-frames by (parent, name): one V8 made already (an (idle) or (program) from its own
  // timer) is reused, ours are added once.
  const pseudo = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (n.file === '') pseudo.set(`${n.parent}:${n.functionName}`, i);
  });
  const child = (parent: number, name: string): number => {
    const key = `${parent}:${name}`;
    let id = pseudo.get(key);
    if (id === undefined) {
      id = nodes.length;
      nodes.push({ parent, functionName: name, file: '', line: 0, column: 0 });
      pseudo.set(key, id);
    }
    return id;
  };
  const depthOf = (id: number): number => {
    let d = 0;
    for (let p = nodes[id].parent; p >= 0; p = nodes[p].parent) d++;
    return d;
  };
  const commonAncestor = (a: number, b: number): number => {
    let da = depthOf(a);
    let db = depthOf(b);
    while (da > db) ((a = nodes[a].parent), da--);
    while (db > da) ((b = nodes[b].parent), db--);
    while (a !== b) ((a = nodes[a].parent), (b = nodes[b].parent));
    return a;
  };

  // V8's samples, in time order.
  const v8Times = v8.timesMicros;
  const v8Nodes = v8.nodeIds;
  const nV8 = v8Times.length;

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
  let j = 0; // next V8 sample
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
    while (j < nV8 && v8Times[j] < lo) {
      j++;
      stats.droppedV8Samples++;
    }
    if (j < nV8 && v8Times[j] <= hi) {
      evTime.push(v8Times[j]);
      evNode.push(v8Nodes[j++]);
      evCpu.push(ticks.cpu[k]);
      evKind.push(TICK_KIND.sample);
      stats.samples++;
      // A second V8 sample in the same window is its own timer's.
      while (j < nV8 && v8Times[j] <= hi) {
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
    const common = prev >= 0 && next >= 0 ? commonAncestor(prev, next) : root;
    for (; e < end; e++) {
      switch (evKind[e]) {
        case TICK_KIND.idle:
          evNode[e] = common !== root ? common : child(root, PSEUDO.idle);
          stats.idle++;
          break;
        case TICK_KIND.gc:
          evNode[e] = child(root, PSEUDO.gc);
          stats.gc++;
          break;
        case TICK_KIND.runnable:
          evNode[e] = common !== root ? common : child(root, PSEUDO.program);
          stats.runnable++;
          break;
        default:
          evNode[e] = child(common, PSEUDO.program);
          stats.busy++;
      }
    }
  }

  // Events are in tick order; V8's timestamps of kept samples may differ from their tick's
  // start by a µs of rounding, so sort once more by time (stable).
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => evTime[a] - evTime[b] || a - b,
  );
  const timesMicros = new Float64Array(n);
  const nodeIds = new Int32Array(n);
  const cpus = new Int16Array(n);
  for (let r = 0; r < n; r++) {
    const i = order[r];
    timesMicros[r] = evTime[i];
    nodeIds[r] = evNode[i];
    cpus[r] = evCpu[i];
  }
  const endMicros = Math.max(v8.endMicros, n > 0 ? timesMicros[n - 1] : v8.startMicros);
  return { ...v8, nodes, timesMicros, nodeIds, cpus, ticks: stats, endMicros };
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
