// The only module that loads the C++ addon (native/, built by node-gyp or shipped as a
// prebuild), and the typed contract of what it returns. Nothing loads it unless the native
// backend is asked for.
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

/** One thread's samples. Times are µs of CLOCK_MONOTONIC, the inspector's clock. */
export interface NativeProfile {
  nodes: NativeNodes;
  /** The top node's id of each sample. */
  samples: Int32Array;
  /** Each sample's time. */
  timestamps: Float64Array;
  startTime: number;
  endTime: number;
}

/** The profile of a thread that ended (or was terminated) while it was sampling. */
export interface NativeOrphan {
  /** Its OS thread id. */
  tid: number;
  /** What that thread passed to setThreadLabel(). */
  label: string;
  profile: NativeProfile;
}

export interface NativeAddon {
  /** Starts sampling the calling thread; TypeError for a bad interval, Error when running. */
  start(intervalMicros: number): void;
  /** Stops sampling the calling thread; Error when it was not sampling. */
  stop(): NativeProfile;
  /** Opaque text kept with this thread's profile if the thread ends while sampling. */
  setThreadLabel(label: string): void;
  /** The orphaned profiles of every thread of the process; the store is emptied. */
  takeOrphans(): NativeOrphan[];
  /** The calling thread's OS id (gettid); the main thread's is the pid. */
  threadId(): number;
  /** CLOCK_MONOTONIC in µs, the clock of the profiles' timestamps. */
  now(): number;
  /** The CPU core the calling thread runs on now (sched_getcpu). */
  currentCpu(): number;
}

/** Test-only: load the addon from this file instead (to simulate a missing build). */
const ADDON_PATH_ENV = 'VIZTRACER_ADDON_PATH';
const PACKAGE_ROOT = path.join(__dirname, '..');
const FIX = 'run npm rebuild viztracer with a C++ compiler, python3 and make installed';

let loaded: { addon: NativeAddon } | { error: string } | undefined;

/** The addon, or one line saying why it cannot be loaded and how to fix that. */
export function loadNative(): { addon: NativeAddon } | { error: string } {
  if (loaded) return loaded;
  try {
    const override = process.env[ADDON_PATH_ENV];
    const addon = override
      ? (require(path.resolve(override)) as NativeAddon)
      : // node-gyp-build picks prebuilds/<platform>-<arch>/ or build/Release/.
        (require('node-gyp-build') as (dir: string) => NativeAddon)(PACKAGE_ROOT);
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
