// The raw data a backend hands over: V8's CPU profile of one thread, plus who that thread is.
// Field comments follow the Chrome DevTools Protocol, Profiler domain
// (https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile).

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
export interface RawProfile {
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

/** One JS thread's profile with the identity that places it in a report. */
export interface ThreadProfile {
  pid: number;
  /** OS thread id; the main thread's is the pid, as gettid() gives on Linux. */
  tid: number;
  threadName: string;
  /** Main thread first (0), then the others. */
  sortIndex: number;
  intervalMicros: number;
  profile: RawProfile;
}
