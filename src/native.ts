// The only module that loads the C++ addon (native/, built by node-gyp or shipped as a
// prebuild), and the typed contract of what it returns. The native backend needs it;
// `--instrument` (for its clock) and the preload's signal watch (src/register.ts) use it when
// it loads, and do without it when it does not.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The call tree of one profile, one entry per node, parents before children. */
export interface NativeNodes {
  /** V8's node id, unique within the profile. */
  id: Int32Array;
  /** The parent's id; -1 for the root. */
  parent: Int32Array;
  /** 1-based line of the function's start, as V8's native API gives it; 0 when unknown. */
  line: Int32Array;
  /** 1-based column of the function's start; 0 when unknown. */
  column: Int32Array;
  /** V8's script id, unique per isolate; 0 for V8's pseudo-frames. */
  scriptId: Int32Array;
  /** Empty for anonymous functions; `(root)`, `(program)`, `(idle)`, `(garbage collector)`. */
  functionName: string[];
  /** The script's resource name as compiled: an absolute path for CommonJS, a URL for ESM. */
  url: string[];
}

/**
 * Which sampler took a profile's samples. Both are V8's own signal-based sampler: `viztracer`
 * tuned to deliver the asked rate (native/cpu_profiler.cc), `v8` as it ships.
 */
export type SamplerName = 'viztracer' | 'v8';

/** One thread's samples. Times are µs of CLOCK_MONOTONIC, the inspector's clock. */
export interface NativeProfile {
  nodes: NativeNodes;
  /** The top node's id of each sample. */
  samples: Int32Array;
  /** Each sample's time. */
  timestamps: Float64Array;
  startTime: number;
  endTime: number;
  sampler: SamplerName;
  /** Each sample's CPU core (sched_getcpu() on the sampled thread at the signal); -1 unknown. */
  cpus: Int16Array;
}

/**
 * How a JS thread's track is named, kept by the addon as text for whichever thread reads it
 * (`backends/native.ts` encodes and decodes it; nothing else sees the text).
 */
export interface ThreadLabel {
  name: string;
  sortIndex: number;
}

/** The profile of a thread that ended (or was terminated) while it was sampling. */
export interface NativeOrphan {
  /** Its OS thread id. */
  tid: number;
  /** What that thread passed to setThreadLabel(). */
  label: string;
  profile: NativeProfile;
}

/**
 * One OS thread of the process as the monitor saw it. Ticks are stored when a value changes
 * (the counters are step functions), and once more when the thread ends or the monitor stops.
 */
export interface MonitoredThread<Label = string> {
  /** OS thread id. */
  tid: number;
  /** Its last `comm` (15 bytes at most; `node` for most of Node 20's threads). */
  name: string;
  /** A JS thread (the main thread or a worker) that loaded the addon. */
  js: boolean;
  /** For a JS thread: what it passed to setThreadLabel(); empty otherwise. */
  label: Label;
  /** CPU time it used while monitored, µs. */
  cpuMicros: number;
  /** Each tick's time, µs of CLOCK_MONOTONIC (the profiles' clock). */
  ts: Float64Array;
  /** CPU time over wall time since the previous reading, in % (100 = one core busy). */
  cpuPercent: Float32Array;
  /** The CPU core it last ran on; -1 when unknown. */
  core: Int32Array;
}

/** What the thread monitor recorded between startMonitor() and stopMonitor(). */
export interface MonitorData<Label = string> {
  periodMillis: number;
  /** The monitor's own OS thread. */
  monitorTid: number;
  startTime: number;
  endTime: number;
  /** Ticks not kept because the cap (1,000,000 for all threads) was reached. */
  droppedTicks: number;
  /** In the order first seen. */
  threads: MonitoredThread<Label>[];
}

export interface NativeAddon {
  /**
   * Starts sampling the calling thread, with V8's sampler tuned to the asked rate (the default)
   * or as it ships; TypeError for a bad interval or sampler, Error when running.
   */
  start(intervalMicros: number, sampler?: SamplerName): void;
  /** Stops sampling the calling thread; Error when it was not sampling. */
  stop(): NativeProfile;
  /**
   * Moves what V8 sampled on the calling thread so far into the addon's compact store (it does
   * so by itself every 5 s); Error when it is not sampling. For tests.
   */
  compact(): void;
  /** Opaque text kept with this thread's profile if the thread ends while sampling. */
  setThreadLabel(label: string): void;
  /** The orphaned profiles of every thread of the process; the store is emptied. */
  takeOrphans(): NativeOrphan[];
  /**
   * Starts the process-wide monitor thread (default period 10 ms); TypeError for a bad period,
   * Error when it is already running.
   */
  startMonitor(periodMillis?: number): void;
  /** Stops and joins the monitor thread; Error when it is not running. */
  stopMonitor(): MonitorData;
  /**
   * The OS ids of up to `count` distinct libuv pool threads (one work item each, waiting for
   * the others); blocks at most `timeoutMillis`. TypeError for bad arguments.
   */
  findPoolThreads(count: number, timeoutMillis: number): number[];
  /**
   * The OS ids of the V8 platform's worker threads (one v8::Task each, waiting for the others);
   * blocks at most `timeoutMillis`. TypeError for a bad timeout.
   */
  findPlatformThreads(timeoutMillis: number): number[];
  /** The calling thread's OS id (gettid); the main thread's is the pid. */
  threadId(): number;
  /** The wall clock's epoch ns minus CLOCK_MONOTONIC's, both read together. */
  wallMinusMonotonic(): bigint;
  /**
   * A source map's `mappings` indexed by line, as `indexMappings` in report/source-maps.ts
   * does it in JavaScript (same result: the index, or the offset of a bad byte), in a fraction
   * of the time. TypeError when `mappings` is not a Uint8Array.
   */
  indexMappings(mappings: Uint8Array): Int32Array | number;
  /**
   * The bytes of a regular file in memory of huge pages, where a fresh buffer's 4 KiB pages
   * cost most of reading a 10 MB source map; an errno when it cannot (EINVAL: not a regular
   * file): fs.readFileSync then says why. TypeError when `path` is not a string.
   */
  readFile(path: string): Buffer | number;
  /**
   * An ASCII file as a string V8 neither copies nor decodes (external), or null when it is not
   * all ASCII, cannot be read, or this Node (before 20.4) cannot make such strings.
   */
  readAsciiFile(path: string): string | null;
  /**
   * The mappings of (generated line, column, bias) query triples in `mappings`, whose index
   * indexMappings made, as `lookupMappings` in report/source-maps.ts gives them (source, line,
   * column, name per query; a source of -1: none), each queried line decoded once. An index
   * that does not fit gives no mappings, never a read out of bounds. TypeError for arguments
   * that are not a Uint8Array and two Int32Arrays.
   */
  lookupMappings(mappings: Uint8Array, index: Int32Array, queries: Int32Array): Int32Array;
  /**
   * On one of `signals` (default SIGINT, SIGTERM, SIGHUP), `callback(name)` runs on the main thread as soon as its
   * JavaScript can be interrupted, even inside a synchronous loop; the event loop still gets
   * the signal as before. Main thread only (Error elsewhere), after `process.on(signal)`: the
   * addon's handler goes in front of libuv's.
   */
  watchStopSignals(
    callback: (signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGUSR2') => void,
    signals?: ('SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGUSR2')[],
  ): void;
  /** The program is being stopped: a further watched signal ends the process at once. */
  markStopping(): void;
  /**
   * What `ticks(true)` counts: the x86_64 time-stamp counter, the arm64 virtual counter, or
   * (elsewhere) ns of CLOCK_MONOTONIC. Its rate is measured with `clockPair`.
   */
  tickSource: 'tsc' | 'cntvct' | 'monotonic';
  /**
   * The time as `put` records it: ticks since the addon was loaded, or with `useTicks` false
   * ns of CLOCK_MONOTONIC since then. A plain V8 function: a few ns.
   */
  ticks(useTicks: boolean): number;
  /** [ticks as `ticks(useTicks)` reads them, µs of CLOCK_MONOTONIC, their uncertainty in ticks]. */
  clockPair(useTicks: boolean): [number, number, number];
  /**
   * A ring of `entries` entries for the instrument recorder (`src/instrument/recorder.ts`), in
   * memory of its own (huge pages when the kernel gives them): `ring` is the header (where the
   * next entry goes, entries ever written, …) then (code, time) per entry; `put(code)` writes
   * one entry with the time now (`ticks(useTicks)`). TypeError for a bad size, RangeError when
   * the memory cannot be mapped.
   */
  recorderRing(entries: number, useTicks: boolean): { ring: Float64Array; put(code: number): void };
}

/** Test-only: load the addon from this file instead (to simulate a missing build). */
const ADDON_PATH_ENV = 'VIZTRACER_ADDON_PATH';

const FIX = 'run npm rebuild viztracer with a C++ compiler, python3 and make installed';

let loaded: { addon: NativeAddon } | { error: string } | undefined;

/**
 * The addon, or one line saying why it cannot be loaded and how to fix that. `libDir`: our lib/
 * (this module's folder, but in a launcher the build inlines it into: bundled.ts).
 */
export function loadNative(libDir = __dirname): { addon: NativeAddon } | { error: string } {
  if (loaded) return loaded;
  const packageRoot = path.join(libDir, '..');
  /** The addon `npm install` built here (node-gyp): node-gyp-build's first choice too. */
  const localBuild = path.join(packageRoot, 'build', 'Release', 'viztracer.node');
  try {
    const override = process.env[ADDON_PATH_ENV];
    const addon = override
      ? (require(path.resolve(override)) as NativeAddon)
      : !process.env.PREBUILDS_ONLY && fs.existsSync(localBuild)
        ? // What node-gyp-build would pick first, without its 1-2 ms of loading and lookup.
          (require(localBuild) as NativeAddon)
        : // node-gyp-build picks prebuilds/<platform>-<arch>/ (or build/Debug/).
          (require('node-gyp-build') as (dir: string) => NativeAddon)(packageRoot);
    // The recorder's functions are plain V8 functions, handed over on the global object
    // (native/recorder.h): they join the addon's exports here, and leave the global.
    const key = Symbol.for('viztracer.addon.recorder');
    const g = globalThis as Record<symbol, unknown>;
    Object.assign(addon, g[key]);
    delete g[key];
    loaded = { addon };
  } catch (err) {
    const first = String((err as Error).message ?? err)
      .split('\n')[0]
      .trim();
    loaded = { error: `cannot load the native addon (${first}): ${FIX}` };
  }
  return loaded;
}

/** The addon; throws an Error with the one-line reason when it cannot be loaded. */
export function requireNative(): NativeAddon {
  const r = loadNative();
  if ('error' in r) throw new Error(r.error);
  return r.addon;
}
