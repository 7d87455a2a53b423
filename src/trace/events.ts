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
  /** Comma-separated categories; ours are `js` for JavaScript frames and `v8` for V8's own. */
  cat: string;
  /** Start, µs. We keep V8's monotonic clock, the same in every process on the host. */
  ts: number;
  /** Duration, µs. */
  dur: number;
}

/** `ph: "M"`: names and sort order of processes and threads; no timestamp. */
export interface MetadataEvent extends BaseEvent {
  ph: 'M';
  name: 'process_name' | 'thread_name' | 'thread_sort_index' | 'process_sort_index' | string;
  args: { name?: string; sort_index?: number; [k: string]: unknown };
}

export type TraceEvent = CompleteEvent | MetadataEvent | (BaseEvent & { ts?: number });

/** `viztracer_metadata`: what wrote the report and how. */
export interface ReportMetadata {
  tool: 'viztracer';
  version: string;
  nodeVersion: string;
  /** `instrument`: every call recorded by instrumented code, no sampling. */
  backend: 'inspector' | 'native' | 'instrument';
  /** The sampling interval; 0 under `instrument`. */
  intervalMicros: number;
  /** Samples V8 reported, all threads and processes. */
  sampleCount: number;
  /** Samples lost (V8's inspector does not report any, so 0 there). */
  droppedSamples: number;
  /** Whether a buffer overflowed and the oldest data was dropped. */
  overflow: boolean;
  /** Wall-clock epoch ns minus the monotonic clock's ns: add it to `ts * 1000` for wall time. */
  baseTimeNanoseconds: bigint;
  /** The command that was traced, as argv. */
  command: string[];
  /** Under `native`: who took the samples, our sampler thread or V8's own. */
  sampler?: 'viztracer' | 'v8';
  /**
   * Under our sampler, all threads together: ticks answered with a V8 sample (`samples`),
   * ticks labelled instead (`idle`, `busy`, `gc`, `runnable`: each a sample of the report),
   * deadlines the sampler thread missed, and V8's own timer samples dropped. `sampleCount`
   * (samples plus labels) over `1e6 / intervalMicros` per second of a thread is its
   * effective rate.
   */
  samplerTicks?: import('./ticks').TickStats;
  [k: string]: unknown;
}
