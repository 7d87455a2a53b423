// Putting exact slices (instrumented calls, the program's own `logEvent` slices) and sampled
// slices (approximate: a frame's slice starts and ends at the samples that first and last saw
// it, up to an interval late) on one thread's track so that they nest, as Chrome's and
// Perfetto's viewers need: a slice that starts inside another ends inside it. Exact slices
// keep their times; sampled ones are clipped. Pure, no I/O.
import { lowerBound } from './sorted';
import type { SliceTable } from './convert';
import { PSEUDO, sliceName, type SampleNode, type Samples } from './samples';

export interface Span {
  startMicros: number;
  durationMicros: number;
}

/**
 * Which of the program's slices can go on the thread's track: the ones that began and ended in
 * one synchronous run (`sync`) and nest with `exact` (instrumented calls, properly nested) and
 * with each other. The others (an await or a callback in between, or `end()` called from
 * another function than the one that began it) cannot; they are written as async slices.
 * Of two of the program's slices that overlap without nesting, the later one gives way.
 */
export function nestUserSlices<T extends Span & { sync: boolean }>(
  user: readonly T[],
  exact: SliceTable | null,
): { nested: T[]; unnested: T[] } {
  if (user.length === 0) return { nested: [], unnested: [] };
  // Items: exact slices are 0..e-1, the program's e..e+u-1.
  const e = exact?.count ?? 0;
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < e; i++) {
    starts.push(exact!.startMicros[i]);
    ends.push(exact!.startMicros[i] + exact!.durationMicros[i]);
  }
  const unnested: T[] = [];
  const items: number[] = [];
  for (let i = 0; i < e; i++) items.push(i);
  user.forEach((u, k) => {
    starts.push(u.startMicros);
    ends.push(u.startMicros + u.durationMicros);
    if (u.sync) items.push(e + k);
  });
  // By start, longer first; on equal spans the exact slice encloses the program's.
  items.sort((a, b) => starts[a] - starts[b] || ends[b] - ends[a] || a - b);
  const rejected = new Uint8Array(e + user.length);
  for (let k = 0; k < user.length; k++) if (!user[k].sync) rejected[e + k] = 1;
  const stack: number[] = [];
  for (const x of items) {
    for (;;) {
      while (stack.length > 0 && ends[stack[stack.length - 1]] <= starts[x]) stack.pop();
      const top = stack.length > 0 ? stack[stack.length - 1] : -1;
      if (top < 0 || ends[x] <= ends[top]) {
        stack.push(x);
        break;
      }
      // x overlaps top without nesting.
      if (x >= e) {
        rejected[x] = 1;
        break;
      }
      if (top >= e) {
        rejected[top] = 1;
        stack.pop();
        continue;
      }
      // Two exact slices overlap: not ours to fix; keep going as if top had ended.
      stack.pop();
    }
  }
  const nested: T[] = [];
  user.forEach((u, k) => (rejected[e + k] ? unnested : nested).push(u));
  return { nested, unnested };
}

/** Exact spans sorted by start (longer first), with each one's parent and children. */
interface ExactTree {
  start: Float64Array;
  end: Float64Array;
  /** Children of span i (or of the root, at index n), in time order. */
  children: Int32Array[];
}

function exactTree(spans: readonly Span[]): ExactTree {
  const n = spans.length;
  const order = spans.map((_, i) => i);
  order.sort(
    (a, b) =>
      spans[a].startMicros - spans[b].startMicros ||
      spans[b].durationMicros - spans[a].durationMicros ||
      a - b,
  );
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  order.forEach((i, k) => {
    start[k] = spans[i].startMicros;
    end[k] = spans[i].startMicros + spans[i].durationMicros;
  });
  const kids: number[][] = Array.from({ length: n + 1 }, () => []);
  const stack: number[] = [];
  for (let k = 0; k < n; k++) {
    while (stack.length > 0 && end[stack[stack.length - 1]] <= start[k]) stack.pop();
    // A span that overflows the one open around it is treated as its sibling.
    while (stack.length > 0 && end[k] > end[stack[stack.length - 1]]) stack.pop();
    kids[stack.length > 0 ? stack[stack.length - 1] : n].push(k);
    stack.push(k);
  }
  return { start, end, children: kids.map((c) => Int32Array.from(c)) };
}

/** Pieces of one sampled slice: flat [start0, end0, start1, end1, ...]. */
type Pieces = number[];

/** The part of `[s, e]` inside `parent`'s pieces. */
function intersect(s: number, e: number, parent: Pieces): Pieces {
  const out: Pieces = [];
  for (let i = 0; i < parent.length; i += 2) {
    const a = Math.max(s, parent[i]);
    const b = Math.min(e, parent[i + 1]);
    if (b > a) out.push(a, b);
  }
  return out;
}

/**
 * Rebuilds a table from pieces: sorted by start (the enclosing piece first), depth from the
 * nesting of the pieces, pieces shorter than `minDurationMicros` dropped (what lies inside a
 * piece is shorter, and was cut to it, so it is dropped as well: nesting holds).
 */
function fromPieces(
  approx: SliceTable,
  pieceSrc: number[],
  pieceStart: number[],
  pieceEnd: number[],
): SliceTable {
  const n = pieceStart.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => pieceStart[a] - pieceStart[b] || pieceEnd[b] - pieceEnd[a] || a - b);
  const nameIndex = new Int32Array(n);
  const startMicros = new Float64Array(n);
  const durationMicros = new Float64Array(n);
  const depth = new Int32Array(n);
  // A piece starts on the core its slice started on (the best the samples say).
  const cpu = approx.cpu ? new Int16Array(n) : undefined;
  // A piece keeps its slice's args (its labels).
  const args = approx.args ? new Array<Record<string, unknown> | undefined>(n) : undefined;
  const stack: number[] = [];
  order.forEach((i, k) => {
    while (stack.length > 0 && stack[stack.length - 1] <= pieceStart[i]) stack.pop();
    nameIndex[k] = approx.nameIndex[pieceSrc[i]];
    if (cpu) cpu[k] = approx.cpu![pieceSrc[i]];
    if (args) args[k] = approx.args![pieceSrc[i]];
    startMicros[k] = pieceStart[i];
    durationMicros[k] = pieceEnd[i] - pieceStart[i];
    depth[k] = stack.length + 1;
    stack.push(pieceEnd[i]);
  });
  return {
    count: n,
    names: approx.names,
    nameIndex,
    startMicros,
    durationMicros,
    depth,
    sampleCount: approx.sampleCount,
    ...(cpu ? { cpu } : {}),
    ...(args ? { args } : {}),
    ...(approx.nameArgs ? { nameArgs: approx.nameArgs } : {}),
  };
}

/**
 * Walks a sampled table parents first, cutting each slice into pieces with `cut` (given the
 * slice's span already limited to its parent's pieces), and dropping pieces shorter than
 * `minDurationMicros` before their children are cut to them.
 */
function refit(
  approx: SliceTable,
  cut: (s: number, e: number, parent: Pieces | null, out: Pieces) => void,
  minDurationMicros: number,
  skipName = -1,
): SliceTable {
  const pieceSrc: number[] = [];
  const pieceStart: number[] = [];
  const pieceEnd: number[] = [];
  // The pieces of the slice open at each depth (depth 1 at index 0).
  const open: (Pieces | null)[] = [];
  for (let i = 0; i < approx.count; i++) {
    const d = approx.depth[i];
    open.length = d - 1;
    const parent = d > 1 ? open[d - 2] : null;
    const s = approx.startMicros[i];
    const e = s + approx.durationMicros[i];
    const out: Pieces = [];
    if (approx.nameIndex[i] === skipName) {
      // A placeholder frame: its children are cut as if it were not there.
      open[d - 1] = parent;
      continue;
    }
    cut(s, e, parent, out);
    const kept: Pieces = [];
    for (let k = 0; k < out.length; k += 2) {
      if (out[k + 1] - out[k] < minDurationMicros || out[k + 1] <= out[k]) continue;
      kept.push(out[k], out[k + 1]);
      pieceSrc.push(i);
      pieceStart.push(out[k]);
      pieceEnd.push(out[k + 1]);
    }
    open[d - 1] = kept;
  }
  return fromPieces(approx, pieceSrc, pieceStart, pieceEnd);
}

/**
 * Sampled slices around exact ones that the program's code ran (its `logEvent` slices):
 * a sampled frame may enclose an exact slice (it called it) or lie inside it (called from
 * it), but not overlap it partly. Where it does, what the samples say decides (`sampleTimes`,
 * in time order; a sampled slice starts at the first sample that saw its frame and ends at the
 * first that did not):
 * - it begins before the exact slice and ends inside it: a sample inside the exact slice did
 *   not see it, so it did not call it: it ended before the exact slice began;
 * - it begins inside the exact slice and ends after it: if the first sample after the exact
 *   slice's end still saw it, it outlived the exact slice, so it did not run inside it: it was
 *   the caller, seen late (samples can be far apart on a busy machine), and starts with the
 *   exact slice. Otherwise it was called inside and seen leaving late: it ends with the exact
 *   slice.
 */
export function fitAroundExact(
  approx: SliceTable,
  exact: readonly Span[],
  sampleTimes: Float64Array,
  minDurationMicros = 0,
): SliceTable {
  if (exact.length === 0) return approx;
  const t = exactTree(exact);
  const n = t.start.length;
  // Every boundary of an exact span, in time order: index*2 for a start, index*2+1 for an end.
  const bounds = new Int32Array(n * 2);
  const at = (b: number): number => ((b & 1) === 0 ? t.start[b >> 1] : t.end[b >> 1]);
  for (let i = 0; i < bounds.length; i++) bounds[i] = i;
  bounds.sort((a, b) => at(a) - at(b) || a - b);
  const firstAfter = (x: number): number => {
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(bounds[mid]) <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** The time of the first sample at or after x (Infinity if none). */
  const sampleFrom = (x: number): number => {
    const lo = lowerBound(sampleTimes, x);
    return lo < sampleTimes.length ? sampleTimes[lo] : Infinity;
  };
  /** The innermost exact span with start < x < end, or -1. */
  const around = (x: number): number => {
    let found = -1;
    let kids = t.children[n];
    for (;;) {
      let lo = 0;
      let hi = kids.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t.start[kids[mid]] < x) lo = mid + 1;
        else hi = mid;
      }
      const k = lo > 0 ? kids[lo - 1] : -1;
      if (k < 0 || t.end[k] <= x) return found;
      found = k;
      kids = t.children[k];
    }
  };
  const cutOne = (s: number, e: number, out: Pieces): void => {
    const cs = s;
    for (let k = firstAfter(s); k < bounds.length; k++) {
      const b = bounds[k];
      const x = at(b);
      if (x >= e) break;
      const span = b >> 1;
      if ((b & 1) === 0) {
        if (t.end[span] > e) {
          // Ends inside an exact slice it did not enclose.
          e = x;
          break;
        }
      } else if (t.start[span] < cs) {
        // Began inside an exact slice and was not seen to outlive it: called inside it.
        e = x;
        break;
      }
    }
    if (e > cs) out.push(cs, e);
  };
  return refit(
    approx,
    (s, e, parent, out) => {
      // A caller seen late starts with the exact slices it encloses.
      let from = s;
      for (let u = around(s); u >= 0 && t.end[u] < e; u = around(from)) {
        if (!(e > sampleFrom(t.end[u]))) break;
        from = t.start[u];
      }
      const within = parent === null ? [from, e] : intersect(from, e, parent);
      for (let k = 0; k < within.length; k += 2) cutOne(within[k], within[k + 1], out);
    },
    minDurationMicros,
  );
}

/**
 * Sampled slices of what instrumentation cannot see (Node's internals, native code, GC, the
 * program's uninstrumented code), placed among exact slices that cover the program's calls:
 * each lies inside the innermost exact slice open when it began, and outside that slice's
 * exact children (what ran then was the exact call, not the sampled frame), so a sampled slice
 * that spans exact ones is cut into the pieces between them. Slices named `skipName` (a
 * placeholder for instrumented frames) are left out and their children placed as if they were
 * not there.
 */
export function fitIntoExact(
  approx: SliceTable,
  exact: readonly Span[],
  minDurationMicros = 0,
  skipName = -1,
): SliceTable {
  const t = exactTree(exact);
  const n = t.start.length;
  // The sweep: top-level sampled slices come in start order; `stack` holds the exact spans
  // open at the current time.
  let next = 0;
  const stack: number[] = [];
  const contextAt = (time: number): number => {
    while (next < n && t.start[next] <= time) {
      while (stack.length > 0 && t.end[stack[stack.length - 1]] <= t.start[next]) stack.pop();
      stack.push(next++);
    }
    while (stack.length > 0 && t.end[stack[stack.length - 1]] <= time) stack.pop();
    return stack.length > 0 ? stack[stack.length - 1] : n;
  };
  const gaps = (s: number, e: number, ctx: number, out: Pieces): void => {
    let lo = s;
    let hi = e;
    if (ctx < n) {
      lo = Math.max(lo, t.start[ctx]);
      hi = Math.min(hi, t.end[ctx]);
    }
    const kids = t.children[ctx];
    // The first child that ends after `lo` (children are disjoint and in time order).
    let a = 0;
    let b = kids.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (t.end[kids[mid]] <= lo) a = mid + 1;
      else b = mid;
    }
    let cs = lo;
    for (let k = a; k < kids.length && t.start[kids[k]] < hi; k++) {
      const c = kids[k];
      if (t.start[c] > cs) out.push(cs, t.start[c]);
      cs = Math.max(cs, t.end[c]);
    }
    if (hi > cs) out.push(cs, hi);
  };
  return refit(
    approx,
    (s, e, parent, out) => {
      if (parent === null) gaps(s, e, contextAt(s), out);
      else out.push(...intersect(s, e, parent));
    },
    minDurationMicros,
    skipName,
  );
}

// A file, so that the converter takes the placeholder for the program's code and shows what is
// above it.
const PLACEHOLDER_FILE = 'viztracer:instrumented';

/** The slice name of the placeholder `stripInstrumentedFrames` puts where instrumented frames were. */
export const INSTRUMENTED_PLACEHOLDER = sliceName(PSEUDO.instrumented, PLACEHOLDER_FILE, 0);

/** A new node's place relative to the placeholder. */
const BELOW = 0;
const ABOVE = 1;
/** Above, and a `(viztracer)` frame: what it calls folds into it. */
const OWN = 2;

/**
 * Samples without the frames instrumentation already shows: in each sampled stack, every
 * frame of an instrumented function and every frame below (calling) the deepest one become
 * one placeholder frame (named `INSTRUMENTED_PLACEHOLDER`, to be skipped), and the frames
 * above it (what it called that is not instrumented) stay, as do stacks with no instrumented
 * frame. Node's internals above the placeholder are the program's callees, so they are not
 * hidden as the module loader's frames below the program's code are. Above the placeholder,
 * a frame of the tracer's own code (`isOwn`: the recorder that instrumented code calls) and
 * what it calls, up to the next instrumented frame, become one `(viztracer)` frame: its cost.
 */
export function stripInstrumentedFrames(
  samples: Samples,
  isInstrumented: (node: SampleNode) => boolean,
  isOwn: (node: SampleNode) => boolean = () => false,
): Samples {
  const nodes = samples.nodes;
  // The new index of each node: the placeholder's for instrumented frames, else its copy's.
  const mapped = new Int32Array(nodes.length).fill(-1);
  const out: SampleNode[] = [];
  const place: number[] = []; // per new node: BELOW, ABOVE or OWN
  let placeholder = -1;
  // Parents first, in one pass: the placeholder goes right after the root, before its children.
  for (let i = 0; i < nodes.length; i++) {
    const nd = nodes[i];
    if (nd.parent < 0) {
      mapped[i] = out.length;
      out.push(nd);
      place.push(BELOW);
      if (placeholder < 0) {
        placeholder = out.length;
        out.push({
          parent: mapped[i],
          functionName: PSEUDO.instrumented,
          file: PLACEHOLDER_FILE,
          line: 0,
          column: 0,
        });
        place.push(BELOW);
      }
      continue;
    }
    if (isInstrumented(nd)) {
      mapped[i] = placeholder;
      continue;
    }
    const parent = mapped[nd.parent];
    if (place[parent] === OWN) {
      mapped[i] = parent;
      continue;
    }
    const above = parent === placeholder || place[parent] !== BELOW;
    const own = above && isOwn(nd);
    mapped[i] = out.length;
    out.push(
      own ? { parent, functionName: PSEUDO.own, file: '', line: 0, column: 0 } : { ...nd, parent },
    );
    place.push(own ? OWN : above ? ABOVE : BELOW);
  }
  const nodeIds = samples.nodeIds.map((id) => (id >= 0 ? mapped[id] : -1));
  return { ...samples, nodes: out, nodeIds };
}
