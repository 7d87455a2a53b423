// V8's CPU profile as the inspector gives it (Profiler.stop; also the `.cpuprofile` format), and
// its one conversion into our `Samples`. Field comments follow the Chrome DevTools Protocol,
// Profiler domain (https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile).
import { indicesOf, sortByTime, urlToFileMemo, type SampleNode, type Samples } from './samples';

/** Profiler.CallFrame / Runtime.CallFrame: where a function is. */
export interface CallFrame {
  /** JavaScript function name; empty for anonymous functions and top-level script code. */
  functionName: string;
  /** Script id, unique per isolate. */
  scriptId: string;
  /** Script URL: `file:///abs/path.js`, `node:internal/...`, or empty for V8's own pseudo-frames. */
  url: string;
  /** 0-based line of the function's start (the inspector's convention), -1 when unknown. */
  lineNumber: number;
  /** 0-based column of the function's start, -1 when unknown. */
  columnNumber: number;
}

/** Profiler.ProfileNode: one node of the call tree; a path from the root is one call stack. */
export interface ProfileNode {
  /** Unique id of the node within the profile. */
  id: number;
  callFrame: CallFrame;
  /** Number of samples where this node was on top of the stack. */
  hitCount?: number;
  /** Ids of the child nodes. */
  children?: number[];
}

/** Profiler.Profile. Times are µs of V8's monotonic clock (CLOCK_MONOTONIC on Linux). */
export interface InspectorProfile {
  /** The nodes; the root is the node no other node names as a child, called `(root)`. */
  nodes: ProfileNode[];
  /** Profiling start timestamp in µs. */
  startTime: number;
  /** Profiling end timestamp in µs. */
  endTime: number;
  /** Ids of the top node of each sample. */
  samples?: number[];
  /**
   * Time intervals between adjacent samples in µs; the first is relative to `startTime`.
   * Can be negative: V8 records samples from its sampler thread and its ticks can arrive out of order.
   */
  timeDeltas?: number[];
}

/**
 * The inspector's profile as `Samples`: deltas summed into absolute times, `file://` URLs
 * made paths, 0-based lines and columns (-1 unknown) made 1-based (0 unknown), nodes listed
 * parents first (breadth first from the root, children in the order of `nodes`), samples put
 * in time order. Pure.
 */
export function fromInspectorProfile(profile: InspectorProfile): Samples {
  const src = profile.nodes;
  const n = src.length;
  const ids = src.map((nd) => nd.id);
  // The inspector links a node to its children; we link it to its parent.
  const childIds: number[] = [];
  const parentOfChild: number[] = [];
  src.forEach((nd, i) => {
    for (const c of nd.children ?? []) {
      childIds.push(c);
      parentOfChild.push(i);
    }
  });
  const childIndex = indicesOf(ids, childIds);
  const parent = new Int32Array(n).fill(-1);
  childIndex.forEach((j, k) => {
    if (j >= 0) parent[j] = parentOfChild[k];
  });
  // Breadth first, without recursion (stacks can be 10,000 frames deep).
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) childStart[parent[i] + 1]++;
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  const fill = childStart.slice(0, n);
  const kids = new Int32Array(n);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) kids[fill[parent[i]]++] = i;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (parent[i] < 0) order.push(i);
  for (let r = 0; r < order.length; r++) {
    const p = order[r];
    for (let k = childStart[p]; k < childStart[p + 1]; k++) order.push(kids[k]);
  }
  // A node on a cycle (no root above it) is left out, and samples on it with it.
  const newIndex = new Int32Array(n).fill(-1);
  order.forEach((i, r) => (newIndex[i] = r));
  const fileOf = urlToFileMemo();
  const nodes: SampleNode[] = order.map((i) => {
    const f = src[i].callFrame;
    return {
      parent: parent[i] < 0 ? -1 : newIndex[parent[i]],
      functionName: f.functionName,
      file: fileOf(f.url),
      line: f.lineNumber >= 0 ? f.lineNumber + 1 : 0,
      column: f.columnNumber >= 0 ? f.columnNumber + 1 : 0,
    };
  });

  const sampled = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const count = Math.min(sampled.length, deltas.length);
  const timesMicros = new Float64Array(count);
  for (let i = 0, t = profile.startTime; i < count; i++) timesMicros[i] = t += deltas[i];
  const nodeIds = indicesOf(
    order.map((i) => ids[i]),
    sampled.length === count ? sampled : sampled.slice(0, count),
  );
  sortByTime(timesMicros, nodeIds);
  return {
    nodes,
    timesMicros,
    nodeIds,
    startMicros: profile.startTime,
    endMicros: profile.endTime,
    sampler: 'v8',
  };
}
