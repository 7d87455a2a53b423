// What a report holds before it is written: processes, their threads, and each thread's slices.
import type { SliceTable } from '../trace/convert';
import type { CounterTrack, OsThreadTrack } from '../trace/os-threads';
import type { UserCounter, UserInstant, UserSlice } from '../user-events';

/** What the program logged through the API on one thread, ready to write. */
export interface UserTrack {
  /** Slices that nest with the thread's (written as `ph: "X"` on its track). */
  slices: UserSlice[];
  /** Slices that cannot (they span an await or a callback): async slices, `ph: "b"`/`"e"`. */
  asyncSlices: UserSlice[];
  instants: UserInstant[];
  counters: UserCounter[];
}

export interface ThreadTrack {
  tid: number;
  name: string;
  /** Lower sorts first; the main thread is 0. */
  sortIndex: number;
  slices: SliceTable;
  /** The program's own events (`logEvent`, `instant`, `counter`). */
  user?: UserTrack;
  /** Counters of this thread from its own samples (`CPU core` under our sampler). */
  counters?: CounterTrack[];
}

export interface ProcessTrack {
  pid: number;
  /** The process's track name; null in a worker's partial report (the main thread names it). */
  name: string | null;
  /** Extra facts shown with the process name (parent pid, command). */
  args: Record<string, unknown>;
  threads: ThreadTrack[];
  /** With the native backend, in the main thread's report: every OS thread's CPU counters. */
  osThreads?: OsThreadTrack[];
}
