// The OS threads of a process as counter tracks: what the addon's thread monitor saw, turned
// into names, sort indexes and CPU % / CPU core series. Pure: no I/O, no addon.
import type { MonitorData, ThreadLabel } from '../native';

/** One counter series of one thread: `{"ph":"C","name":name,"args":{[key]:value}}` events. */
export interface CounterTrack {
  name: string;
  key: string;
  /** µs of CLOCK_MONOTONIC. */
  ts: ArrayLike<number>;
  values: ArrayLike<number>;
  /**
   * Written rounded to this many decimals (the monitor's CPU %: one decimal is more than the
   * measurement is worth, and keeps the report short); rounded as they are written, so the
   * addon's columns are not copied.
   */
  decimals?: number;
}

export interface OsThreadTrack {
  tid: number;
  name: string;
  /** Whether this thread needs its own `thread_name`: not a JS thread (those name themselves). */
  named: boolean;
  sortIndex: number;
  counters: CounterTrack[];
}

/**
 * Sort indexes after the JS threads' (main 0, workers by threadId): libuv's pool, V8's
 * platform workers, then the rest.
 */
export const POOL_SORT_BASE = 1_000_000;
export const V8_SORT_BASE = 1_500_000;
export const OTHER_SORT_BASE = 2_000_000;

/** The OS ids of the pools' threads, in the order they answered the addon's probes. */
export interface PoolThreads {
  libuv: readonly number[];
  v8: readonly number[];
}

/** What the monitor saw, each JS thread's label decoded (null: not set through the Tracer). */
export type MonitorRecord = MonitorData<ThreadLabel | null>;

/**
 * The tracks of every OS thread that ran while monitored (CPU time above zero), and of every
 * JS thread. A thread's name: a JS thread's own name, `libuv-worker N` and `V8 worker N` for
 * the pools' threads found at start (in the order they answered), its `comm` when that says
 * more than `node`, else `thread <tid>`.
 */
export function osThreadTracks(
  data: MonitorRecord,
  pools: PoolThreads,
  options: {
    /**
     * The JS threads' `CPU core` counters come from their own samples (our sampler knows each
     * sample's core): the monitor's are left out, so a thread has one track of that name.
     */
    jsCoreFromSamples?: boolean;
  } = {},
): OsThreadTrack[] {
  const out: OsThreadTrack[] = [];
  data.threads.forEach((t, i) => {
    if (t.cpuMicros <= 0 && !t.js) return;
    const pool = pools.libuv.indexOf(t.tid);
    const v8 = pools.v8.indexOf(t.tid);
    const js = t.js ? t.label : null;
    let name: string;
    let sortIndex: number;
    if (js) {
      ({ name, sortIndex } = js);
    } else if (pool >= 0) {
      name = `libuv-worker ${pool + 1}`;
      sortIndex = POOL_SORT_BASE + pool;
    } else if (v8 >= 0) {
      name = `V8 worker ${v8 + 1}`;
      sortIndex = V8_SORT_BASE + v8;
    } else {
      name = t.name !== '' && t.name !== 'node' ? t.name : `thread ${t.tid}`;
      sortIndex = OTHER_SORT_BASE + i;
    }
    out.push({
      tid: t.tid,
      name,
      named: !t.js,
      sortIndex,
      counters: [
        { name: `CPU % (${name})`, key: 'cpu', ts: t.ts, values: t.cpuPercent, decimals: 1 },
        ...(t.js && options.jsCoreFromSamples
          ? []
          : [{ name: `CPU core (${name})`, key: 'core', ts: t.ts, values: t.core }]),
      ],
    });
  });
  return out.sort((a, b) => a.sortIndex - b.sortIndex || a.tid - b.tid);
}
