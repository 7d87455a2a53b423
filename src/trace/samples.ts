// One JS thread's CPU samples as every backend hands them over and every consumer reads them.
// Each backend converts its source's shape once, at its edge (the inspector's time deltas,
// `file://` URLs and 0-based lines stop there); nothing downstream converts back.
import { fileURLToPath } from 'node:url';
import type { SamplerName } from '../native';
import { sliceName } from './frame-name';

export { sliceName };

/** One node of the call tree; a path from the root up to a node is one call stack. */
export interface SampleNode {
  /** The caller's index in `Samples.nodes`; -1 for the root. */
  parent: number;
  /** JavaScript function name; empty for anonymous functions; a `PSEUDO` name for V8's own. */
  functionName: string;
  /**
   * Where the function is: an absolute path for files, otherwise the script's resource name as
   * it is (`node:internal/...`, `https://...`, `evalmachine.<anonymous>`); empty for V8's
   * pseudo-frames and natives.
   */
  file: string;
  /** 1-based line of the function's start; 0 when unknown. */
  line: number;
  /** 1-based column of the function's start; 0 when unknown. */
  column: number;
  /**
   * Where the function is in the JavaScript that ran, when `file`, `line` and `column` are its
   * original source's (a source map said so).
   */
  generated?: { file: string; line: number; column: number };
}

/**
 * The samples of one thread between a start and a stop of its backend, in time order (ties in
 * the order the source gave them): each backend sorts once, so that no consumer has to.
 */
export interface Samples {
  /**
   * The call tree. A node's id is its index here, and parents come before their children,
   * so one pass in order sees every caller before its callees. `nodes[0]` is the root.
   */
  nodes: SampleNode[];
  /** Each sample's time in µs of CLOCK_MONOTONIC (one clock for every process on the host). */
  timesMicros: Float64Array;
  /** Each sample's top node (an index into `nodes`); -1 for a node the source did not list. */
  nodeIds: Int32Array;
  /** Each sample's CPU core, -1 when unknown; from the native backend only. */
  cpus?: Int16Array;
  /** When sampling started, µs of the same clock. */
  startMicros: number;
  /** When sampling stopped; the last sample's frames end here (or at that sample if later). */
  endMicros: number;
  /** Which sampler took the samples (`SamplerName`). */
  sampler: SamplerName;
}

/** The names V8 (and we) give frames that are not JavaScript functions. */
export const PSEUDO = {
  /** The call tree's root: on every stack, never shown. */
  root: '(root)',
  /** The thread waited for work (the event loop); ends every frame. */
  idle: '(idle)',
  /** The thread ran outside JavaScript (V8, Node's native code), or the stack was not walked. */
  program: '(program)',
  gc: '(garbage collector)',
  /** The tracer's own code, with what it calls, shown as one frame: its overhead. */
  own: '(viztracer)',
  /** Where instrumented frames were in a sampled stack (see `stripInstrumentedFrames`). */
  instrumented: '(instrumented code)',
} as const;

/** A V8 pseudo-frame: `(root)`, `(idle)`, `(program)`, `(garbage collector)`. */
export function isPseudo(node: SampleNode): boolean {
  return node.file === '' && node.functionName.startsWith('(') && node.functionName.endsWith(')');
}

/** A node's slice name. */
export function frameName(node: SampleNode): string {
  return sliceName(node.functionName, node.file, node.line);
}

/** A script's resource name as a file: a path for `file://` URLs, anything else as it is. */
export function urlToFile(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/**
 * urlToFile, remembering its answers: a profile names each script once per node of it, and a
 * `file://` URL is parsed as a URL object (2-3 µs each).
 */
export function urlToFileMemo(): (url: string) => string {
  const known = new Map<string, string>();
  return (url) => {
    let file = known.get(url);
    if (file === undefined) known.set(url, (file = urlToFile(url)));
    return file;
  };
}

/**
 * For each of `wanted`, its index in `ids` (node ids: unique, non-negative), -1 for none. Run
 * once per sample: an array lookup, as sources number their nodes from 1, unless ids are sparse.
 * Into `out`, which may be `wanted` itself (each is read before it is written).
 */
export function indicesOf(
  ids: ArrayLike<number>,
  wanted: ArrayLike<number>,
  out: Int32Array = new Int32Array(wanted.length),
): Int32Array {
  let max = -1;
  let dense = true;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0)) dense = false;
    else if (id > max) max = id;
  }
  if (dense && max < 4 * ids.length + 1024) {
    const index = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < ids.length; i++) index[ids[i]] = i;
    for (let i = 0; i < wanted.length; i++) {
      const id = wanted[i];
      out[i] = id >= 0 && id <= max ? (index[id] ?? -1) : -1;
    }
  } else {
    const index = new Map<number, number>();
    for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
    for (let i = 0; i < wanted.length; i++) out[i] = index.get(wanted[i]) ?? -1;
  }
  return out;
}

/**
 * Puts samples in time order in place, ties kept in their order, with their cores when given; a
 * no-op when they are (V8's ticks can arrive out of order, rarely).
 */
export function sortByTime(times: Float64Array, nodeIds: Int32Array, cpus?: Int16Array): void {
  const n = times.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (times[i] < times[i - 1]) sorted = false;
  if (sorted) return;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => times[a] - times[b] || a - b);
  const t = times.slice();
  const ids = nodeIds.slice();
  const c = cpus?.slice();
  for (let i = 0; i < n; i++) {
    times[i] = t[order[i]];
    nodeIds[i] = ids[order[i]];
    if (cpus && c) cpus[i] = c[order[i]];
  }
}
