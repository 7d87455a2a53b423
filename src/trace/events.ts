// Chrome Trace Event Format, the parts we write. Field comments from the spec
// ("Trace Event Format", Google, the JSON Object Format section).

/** Fields every event has. */
export interface BaseEvent {
  /** The event type: X complete, M metadata, C counter, i instant, B/E begin/end, b/e async. */
  ph: string;
  /** Event name, shown in the viewer. */
  name: string;
  /** Process id. We write the OS pid. */
  pid: number;
  /** Thread id. We write the OS thread id; the main thread's is the pid. */
  tid: number;
  /** Arbitrary data shown with the event. */
  args?: Record<string, unknown>;
}

/** `ph: "X"`: a slice with a start and a duration, both in µs. */
export interface CompleteEvent extends BaseEvent {
  ph: 'X';
  /**
   * Comma-separated categories. Optional in the format: none on the program's frames (it said
   * `js` for all), `user` on the program's own slices (`logEvent`).
   */
  cat?: string;
  /**
   * Start, µs. We keep V8's monotonic clock, the same in every process on the host. Written
   * with at most three decimals (ns).
   */
  ts: number;
  /** Duration, µs: the end rounded to the ns minus the start rounded to the ns. */
  dur: number;
}

/** `ph: "M"`: names and sort order of processes and threads; no timestamp. */
export interface MetadataEvent extends BaseEvent {
  ph: 'M';
  name: 'process_name' | 'thread_name' | 'thread_sort_index' | 'process_sort_index' | string;
  args: { name?: string; sort_index?: number; [k: string]: unknown };
}

/**
 * `ph: "b"` / `ph: "e"`: the start and end of a nestable async event ("Async Events"). Events
 * with the same `cat` and id belong to one async operation; `id2.local` ids are scoped to the
 * process. We write one per async call under `--instrument`.
 */
export interface AsyncEvent extends BaseEvent {
  ph: 'b' | 'e';
  /** Ours: `async`. */
  cat: string;
  /** A process-local id: ours is `<tid>.<call serial in that thread>`. */
  id2: { local: string };
  /** µs, the same clock as slices. */
  ts: number;
}

export type TraceEvent = CompleteEvent | MetadataEvent | AsyncEvent | (BaseEvent & { ts?: number });

/** `viztracer_metadata`: what wrote the report and how. */
export interface ReportMetadata {
  tool: 'viztracer';
  version: string;
  nodeVersion: string;
  /** `instrument`: every call recorded by instrumented code, no sampling. */
  backend: 'inspector' | 'native' | 'instrument';
  /**
   * Under `instrument`: what timed the calls (`tsc`, `cntvct`, `monotonic`, `performance.now`;
   * comma-separated when processes differed).
   */
  clock?: string;
  /** The sampling interval; 0 under `instrument` without sampling. */
  intervalMicros: number;
  /** Under `instrument` with sampling (`--with_sampling`, `--native`): the sampler. */
  sampling?: 'inspector' | 'native';
  /** Samples V8 reported, all threads and processes. */
  sampleCount: number;
  /** The host's CPUs (the `CPU core` tracks number them from 0). */
  cpus?: number;
  /** Samples lost (V8's inspector does not report any, so 0 there). */
  droppedSamples: number;
  /** Whether a buffer overflowed and the oldest data was dropped. */
  overflow: boolean;
  /** Wall-clock epoch ns minus the monotonic clock's ns: add it to `ts * 1000` for wall time. */
  baseTimeNanoseconds: bigint;
  /** The command that was traced, as argv. */
  command: string[];
  /** Under `native`: V8's sampler tuned to the asked rate (`viztracer`) or as it ships (`v8`). */
  sampler?: 'viztracer' | 'v8';
  [k: string]: unknown;
}
