// Entries of one thread's recording → the same SliceTable the sampling converter produces,
// so the writer, merge and viewer need little new. Pure, no I/O.
//
// An async function or generator gives one slice per run on the thread: from its call (or a
// resumption) to its next suspension (or its end). A resumption's slice has `args.resume`,
// its number within the call (1 for the first resumption). An async call (async functions
// and async generators) is also an async span, from its first entry to its end; each run of
// the call names its span in `args.span` (the span's id), so viewers can tie them.
import { asyncEventId, type AsyncSpan, type SliceTable } from '../trace/convert';
import { sliceName } from '../trace/samples';
import { ENTER, EXIT, THROW, type Recording } from './recorder';
import { FN_ASYNC } from './protocol';

export interface SliceOptions {
  /** Frames deeper than this are not kept (their time stays in the ancestor's slice). */
  maxStackDepth?: number;
  /** Slices shorter than this (µs) are dropped; their children are shorter, so nesting holds. */
  minDurationMicros?: number;
  /**
   * The thread's tid: with it, each run of an async call has `args.span`, the id of the call's
   * span (asyncEventId).
   */
  tid?: number;
}

export function recordingSlices(rec: Recording, options: SliceOptions = {}): SliceTable {
  const maxDepth = options.maxStackDepth ?? Infinity;
  const minDur = options.minDurationMicros ?? 0;
  const cap = rec.codes.length;
  const n = Math.min(rec.total, cap);
  // Oldest first: after a wrap the oldest entry is the one about to be overwritten.
  const first = rec.total > cap ? rec.next : 0;

  const names: string[] = [];
  const nameOfFn = new Int32Array(rec.functions.length).fill(-1);
  const nameIds = new Map<string, number>();
  const nameId = (fn: number): number => {
    let id = nameOfFn[fn];
    if (id >= 0) return id;
    const f = rec.functions[fn] ?? { name: `(function ${fn})`, file: '?', line: 0 };
    const s = sliceName(f.name, f.file, f.line);
    id = nameIds.get(s) ?? -1;
    if (id < 0) {
      id = names.length;
      names.push(s);
      nameIds.set(s, id);
    }
    nameOfFn[fn] = id;
    return id;
  };

  // About one slice per two entries: sized once, not grown by doubling through the copies.
  let size = Math.max(1024, (n >> 1) + 1);
  let nameIndex = new Int32Array(size);
  let start = new Float64Array(size);
  let dur = new Float64Array(size);
  let depthCol = new Int32Array(size);
  let threw = new Uint8Array(size);
  const args: (Record<string, unknown> | undefined)[] = [];
  let count = 0;
  const grow = (): void => {
    size *= 2;
    const g32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    const g64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    nameIndex = g32(nameIndex);
    depthCol = g32(depthCol);
    start = g64(start);
    dur = g64(dur);
    const t = new Uint8Array(size);
    t.set(threw);
    threw = t;
  };

  // The open frames: function id and slot (-1 when deeper than the limit, so not kept).
  let stackFn = new Int32Array(256);
  let stackSlot = new Int32Array(256);
  let depth = 0;
  const close = (slot: number, tMicros: number): void => {
    if (slot >= 0) dur[slot] = tMicros - start[slot];
  };
  const off = rec.offsetMicros;
  let lastThrowFn = -1;
  let lastMicros = -Infinity;
  const calls = rec.calls ?? null;
  const extras = rec.extras ?? null;
  const extraSeq = rec.extraSeq ?? null;
  // Sequence number of the first entry read (entries ever written before it).
  const seq0 = rec.total - n;
  const flagsOf = (fn: number): number => rec.functions[fn]?.flags ?? 0;
  // Async calls seen starting: their resumptions so far, and their span (index in `spans`).
  const resumes = new Map<number, number>();
  const openSpans = new Map<number, number>();
  const spans: AsyncSpan[] = [];
  const argsOf = (slot: number): Record<string, unknown> => (args[slot] ??= {});
  const tid = options.tid;
  const spanOfRun = (slot: number, call: number): void => {
    if (slot >= 0 && tid !== undefined && openSpans.has(call)) {
      argsOf(slot).span = asyncEventId(tid, call);
    }
  };
  for (let k = 0; k < n; k++) {
    const i = (first + k) % cap;
    const code = rec.codes[i];
    const kind = code & 3;
    const fn = code >>> 2;
    const t = rec.timesMillis[i] * 1000 + off;
    lastMicros = t;
    const flags = flagsOf(fn);
    const call = flags !== 0 && calls !== null ? calls[i] : 0;
    const extra = extras !== null && extraSeq![i] === seq0 + k ? extras[i] : undefined;
    if (kind === ENTER) {
      lastThrowFn = -1;
      if (depth === stackFn.length) {
        const a = new Int32Array(depth * 2);
        a.set(stackFn);
        stackFn = a;
        const b = new Int32Array(depth * 2);
        b.set(stackSlot);
        stackSlot = b;
      }
      let slot = -1;
      if (depth < maxDepth) {
        if (count === size) grow();
        slot = count++;
        nameIndex[slot] = nameId(fn);
        start[slot] = t;
        dur[slot] = 0;
        depthCol[slot] = depth + 1;
        threw[slot] = 0;
        if (extra !== undefined) args[slot] = { ...extra };
      }
      stackFn[depth] = fn;
      stackSlot[depth] = slot;
      depth++;
      if (call > 0) {
        resumes.set(call, 0);
        if (flags & FN_ASYNC) {
          openSpans.set(call, spans.length);
          spans.push({ nameIndex: nameId(fn), call, startMicros: t, endMicros: t });
          spanOfRun(slot, call);
        }
      } else if (call < 0) {
        const r = resumes.get(-call);
        if (r !== undefined) {
          resumes.set(-call, r + 1);
          if (slot >= 0) argsOf(slot).resume = r + 1;
          spanOfRun(slot, -call);
        }
      }
      continue;
    }
    if (flags === 0 && kind === EXIT && fn === lastThrowFn) {
      // The `finally` after the `catch` that recorded the throw.
      lastThrowFn = -1;
      continue;
    }
    lastThrowFn = kind === THROW ? fn : -1;
    if (call > 0) {
      // The end of an async call: its span ends, whether or not its slice is still here.
      resumes.delete(call);
      const sp = openSpans.get(call);
      if (sp !== undefined) {
        openSpans.delete(call);
        spans[sp].endMicros = t;
        if (kind === THROW) spans[sp].args = { exception: extra?.exception ?? true };
      }
    }
    // Find the frame this exit closes. Frames above it exited without a record (code we do
    // not see, or recording that started inside them): they close here too. An exit with no
    // frame (its entry was overwritten in the ring, or recorded before start) is skipped.
    let d = depth - 1;
    while (d >= 0 && stackFn[d] !== fn) d--;
    if (d < 0) continue;
    while (depth > d + 1) close(stackSlot[--depth], t);
    depth--;
    const slot = stackSlot[depth];
    close(slot, t);
    if (slot >= 0) {
      if (kind === THROW) threw[slot] = 1;
      if (extra !== undefined) Object.assign(argsOf(slot), extra);
    }
  }
  const endMicros = Math.max(rec.stopMicros, lastMicros);
  while (depth > 0) close(stackSlot[--depth], endMicros);
  for (const sp of openSpans.values()) {
    spans[sp].endMicros = endMicros;
    spans[sp].args = { unfinished: true };
  }

  if (minDur > 0) {
    let w = 0;
    for (let r = 0; r < count; r++) {
      if (dur[r] < minDur) continue;
      nameIndex[w] = nameIndex[r];
      start[w] = start[r];
      dur[w] = dur[r];
      depthCol[w] = depthCol[r];
      threw[w] = threw[r];
      args[w] = args[r];
      w++;
    }
    count = w;
    args.length = Math.min(args.length, count);
  }
  const keptSpans =
    minDur > 0 ? spans.filter((sp) => sp.endMicros - sp.startMicros >= minDur) : spans;
  return {
    count,
    names,
    nameIndex: nameIndex.subarray(0, count),
    startMicros: start.subarray(0, count),
    durationMicros: dur.subarray(0, count),
    depth: depthCol.subarray(0, count),
    sampleCount: 0,
    threw: threw.subarray(0, count),
    args: args.length > 0 ? args : undefined,
    spans: keptSpans.length > 0 ? keptSpans : undefined,
  };
}
