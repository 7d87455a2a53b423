// The per-thread recorder that instrumented code calls: a preallocated ring buffer of
// entries (code, time) in one Float64Array. Nothing here allocates per call.
//
// code = id * 4 + kind, kind 1 enter, 2 exit, 3 exit by a throw (the exit recorded by the
// `finally` right after a throw-exit of the same function is dropped when slices are built).
//
// Async functions and generators write, beside each entry, the call's serial in `calls`
// (allocated on first use): positive on the call's first entry and on its final exit,
// negative on a suspension (an exit) and on a resumption (an enter). Notes (argument and
// return value previews, an exception's description) go to `extras`, off the hot ring,
// indexed by ring position and stamped with the entry's sequence number in `extraSeq`, so a
// note whose entry the ring overwrote is recognised as stale. Plain functions never touch
// them: their entries are one `put` each.
//
// With the addon (src/native.ts), entries are written by its `put`, which reads the CPU's tick
// counter itself: one call into C++ per entry, cheaper than `performance.now()` alone
// (docs/benchmarks.md, section 8). Without the addon, a JavaScript put reads
// `performance.now()`. Either way the raw times become µs of CLOCK_MONOTONIC (the clock of
// `process.hrtime` and of V8's sampler) only when the entries are taken (clock.ts).
import * as fs from 'node:fs';
import { loadNative, type NativeAddon } from '../native';
import {
  fitClock,
  monotonicMicros,
  performanceClock,
  performanceNowPair,
  tscIsStable,
  type ClockLine,
  type ClockName,
  type ClockPair,
} from './clock';
import { describeError, preview } from './preview';
import { RECORDER_KEY, type FunctionInfo } from './protocol';

export const ENTER = 1;
export const EXIT = 2;
export const THROW = 3;

/** The ring's layout, in doubles (the same in native/recorder.cc). */
export const RING_NEXT = 0;
export const RING_TOTAL = 1;
export const RING_HEADER = 8;

/** What a recorder holds, as plain data: what slices are built from. */
export interface Recording {
  codes: Int32Array;
  timesMillis: Float64Array;
  /** Entries ever written; more than `codes.length` when the ring wrapped. */
  total: number;
  /** Where the next entry goes. */
  next: number;
  functions: FunctionInfo[];
  /** Add to `timesMillis * 1000` for µs of CLOCK_MONOTONIC. */
  offsetMicros: number;
  /** When recording stopped, µs of CLOCK_MONOTONIC: frames still open close here. */
  stopMicros: number;
  /** Per entry of an async function or generator: its call's serial (see above). */
  calls?: Int32Array | null;
  /** Per entry: notes (`func_args`, `return_value`, `exception`), valid where `extraSeq` matches. */
  extras?: (Record<string, unknown> | undefined)[] | null;
  /** Per entry: the sequence number (0-based, counting every entry written) of the noted entry. */
  extraSeq?: Float64Array | null;
  /** Which clock timed the entries. */
  clock?: ClockName;
}

/** Where a recorder's entries and times come from. */
export type RecorderClock =
  | { name: 'performance.now' | 'hrtime' }
  | { name: 'tsc' | 'cntvct' | 'monotonic'; addon: NativeAddon };

export class Recorder {
  /** Entries the ring holds. */
  readonly capacity: number;
  readonly clock: ClockName;
  /** RING_HEADER doubles (where the next entry goes, entries ever written), then (code, raw time) per entry. */
  readonly ring: Float64Array;
  /** Writes one entry with the time now. */
  readonly put: (code: number) => void;
  /** The time now, raw, as `put` records it (for the event log: see rawToMicros). */
  readonly rawNow: () => number;
  on = false;
  functions: FunctionInfo[] = [];
  stopMicros = 0;
  calls: Int32Array | null = null;
  extras: (Record<string, unknown> | undefined)[] | null = null;
  extraSeq: Float64Array | null = null;
  /** The last call serial given to an async function or generator. */
  private serial = 0;
  /** Nesting of ignored functions running now; recording is off while it is above 0. */
  private ignoreDepth = 0;
  private onAfterIgnore = false;
  /** The error last described, and its description (one throw crosses many frames). */
  private lastError: unknown = undefined;
  private lastErrorText = '';
  /** Readings of (raw time, µs of CLOCK_MONOTONIC), for the clock's line. */
  private pairs: ClockPair[] = [];
  private readonly pairNow: () => ClockPair;
  /** The clock's known rate (µs per raw unit); NaN when it must be measured. */
  private readonly knownSlope: number;
  /** JavaScript puts: brings the ring's header up to date (and first empties it, with reset). */
  private readonly syncHeader: (reset: boolean) => void = (reset) => {
    if (reset) this.ring[RING_NEXT] = this.ring[RING_TOTAL] = 0;
  };

  constructor(capacity: number, clock: RecorderClock = { name: 'performance.now' }) {
    this.capacity = capacity;
    this.clock = clock.name;
    if (!('addon' in clock)) {
      const ring = new Float64Array(RING_HEADER + 2 * capacity);
      this.ring = ring;
      const perf = performanceClock();
      const now = clock.name === 'hrtime' ? monotonicMicros : () => perf.now();
      // Where the next entry goes and how many were written: closure variables (cheaper than
      // the ring's header, a double each), copied to the header when read.
      let next = 0;
      let total = 0;
      this.rawNow = now;
      this.put = (code: number): void => {
        const k = RING_HEADER + 2 * next;
        ring[k] = code;
        ring[k + 1] = now();
        next = next + 1 === capacity ? 0 : next + 1;
        total++;
      };
      this.syncHeader = (reset) => {
        if (reset) next = total = 0;
        ring[RING_NEXT] = next;
        ring[RING_TOTAL] = total;
      };
      if (clock.name === 'hrtime') {
        this.knownSlope = 1;
        this.pairNow = () => {
          const t = monotonicMicros();
          return { raw: t, micros: t };
        };
      } else {
        this.knownSlope = 1000;
        this.pairNow = performanceNowPair;
      }
    } else {
      const addon = clock.addon;
      const useTicks = clock.name !== 'monotonic';
      const made = addon.recorderRing(capacity, useTicks);
      this.ring = made.ring;
      this.put = made.put;
      this.rawNow = () => addon.ticks(useTicks);
      this.knownSlope = useTicks ? NaN : 1e-3;
      this.pairNow = () => {
        const p = addon.clockPair(useTicks);
        return { raw: p[0], micros: p[1] };
      };
    }
    this.pairs.push(this.pairNow());
  }

  /** A module registers its functions when it starts; returns the id of its first one. */
  m(
    file: string,
    names: string[],
    lines: number[],
    flags?: number[] | 0,
    params?: string[][] | 0,
    columns?: number[],
    shifts?: number[],
  ): number {
    const base = this.functions.length;
    for (let i = 0; i < names.length; i++) {
      const f: FunctionInfo = { name: names[i], file, line: lines[i] };
      if (flags && flags[i]) f.flags = flags[i];
      if (params) f.params = params[i];
      if (columns) f.column = columns[i];
      if (shifts && shifts[i]) f.shift = shifts[i];
      this.functions.push(f);
    }
    return base;
  }

  /** Enter. Returns 1, the "not yet suspended" flag of async functions and generators. */
  e(id: number): number {
    if (this.on) this.put(id * 4 + ENTER);
    return 1;
  }

  /** Exit. */
  x(id: number): void {
    if (this.on) this.put(id * 4 + EXIT);
  }

  /**
   * Exit by a throw; `error` (what was thrown) is described in `args.exception`. Instrumented
   * code records the exit first (its finally runs before its catch): that exit, the last
   * entry, becomes the throw-exit.
   */
  t(id: number, error?: unknown): void {
    if (!this.on) return;
    let i = this.lastIndex();
    const k = RING_HEADER + 2 * i;
    if (this.ring[RING_TOTAL] > 0 && this.ring[k] === id * 4 + EXIT) {
      this.ring[k] = id * 4 + THROW;
      // No return value on a throw (--log_func_retval noted undefined).
      const cur = this.extras?.[i];
      if (cur !== undefined && this.extraSeq![i] === this.ring[RING_TOTAL] - 1)
        delete cur.return_value;
    } else {
      this.put(id * 4 + THROW);
      i = this.lastIndex();
    }
    if (arguments.length > 1) this.note(i, 'exception', this.describe(error));
  }

  /** Exit, with the return value (under --log_func_retval). */
  xr(id: number, value: unknown): void {
    if (!this.on) return;
    this.put(id * 4 + EXIT);
    this.note(this.lastIndex(), 'return_value', preview(value));
  }

  /** The parameters' values of the call just entered (under --log_func_args). */
  fa(...values: unknown[]): void {
    if (!this.on) return;
    const i = this.lastIndex();
    const names = this.functions[this.ring[RING_HEADER + 2 * i] >>> 2]?.params ?? [];
    const args: Record<string, string> = {};
    for (let k = 0; k < values.length; k++) args[names[k] ?? `${k}`] = preview(values[k]);
    this.note(i, 'func_args', args);
  }

  /** Enter an async function or generator: returns the call's serial, its state while it runs. */
  a(id: number): number {
    const c = (this.serial = this.serial >= 0x7fffffff ? 1 : this.serial + 1);
    if (this.on) this.putCall(id * 4 + ENTER, c);
    return c;
  }

  /** Suspend (at an await or yield): the state becomes negative. */
  s(id: number, state: number): number {
    if (state <= 0) return state;
    if (this.on) this.putCall(id * 4 + EXIT, -state);
    return -state;
  }

  /** Resume after a suspension (the state is positive again); nothing if it was running. */
  r(id: number, state: number): number {
    if (state >= 0) return state;
    if (this.on) this.putCall(id * 4 + ENTER, state);
    return -state;
  }

  /** The end of an async function's or generator's call by a throw (resumed first if needed). */
  ta(id: number, state: number, error: unknown): number {
    if (state === 0) return 0;
    const c = this.r(id, state);
    if (this.on) {
      const i = this.putCall(id * 4 + THROW, c);
      this.note(i, 'exception', this.describe(error));
    }
    return 0;
  }

  /** The end of an async function's or generator's call; `value` under --log_func_retval. */
  xa(id: number, state: number, value?: unknown): number {
    if (state === 0) return 0;
    const c = this.r(id, state);
    if (this.on) {
      const i = this.putCall(id * 4 + EXIT, c);
      if (arguments.length > 2) this.note(i, 'return_value', preview(value));
    }
    return 0;
  }

  /** Entering an ignored function: nothing is recorded until the matching `ug`. */
  ig(): void {
    if (this.ignoreDepth++ === 0) {
      this.onAfterIgnore = this.on;
      this.on = false;
    }
  }

  /** Leaving an ignored function. */
  ug(): void {
    if (--this.ignoreDepth === 0 && this.onAfterIgnore) {
      this.onAfterIgnore = false;
      this.on = true;
    }
  }

  /** Writes an entry of an async call, and its serial beside it; returns its ring position. */
  private putCall(code: number, call: number): number {
    this.put(code);
    const i = this.lastIndex();
    let calls = this.calls;
    if (calls === null || i >= calls.length)
      this.calls = calls = grown(Int32Array, calls, i, this.capacity);
    calls[i] = call;
    return i;
  }

  /**
   * The ring position of the entry just written, with the header brought up to date: the
   * native put writes it on every entry, the JavaScript put keeps its position in closure
   * variables, copied here. Only async entries and notes ask; plain calls never do.
   */
  private lastIndex(): number {
    this.syncHeader(false);
    const next = this.ring[RING_NEXT];
    return (next === 0 ? this.capacity : next) - 1;
  }

  /** A note on the entry at ring position `i`, the last one written (lastIndex() just read). */
  private note(i: number, key: string, value: unknown): void {
    let seq = this.extraSeq;
    if (seq === null || i >= seq.length)
      this.extraSeq = seq = grown(Float64Array, seq, i, this.capacity);
    const extras = (this.extras ??= []);
    // Its sequence number: entries written since the last take(), less one.
    const at = this.ring[RING_TOTAL] - 1;
    const cur = extras[i];
    if (cur !== undefined && seq[i] === at) cur[key] = value;
    else extras[i] = { [key]: value };
    seq[i] = at;
  }

  private describe(error: unknown): string {
    if (error !== this.lastError || this.lastErrorText === '') {
      this.lastError = error;
      this.lastErrorText = describeError(error);
    }
    return this.lastErrorText;
  }

  /** Passes a value through (the operand of an await/yield, after the suspension is recorded). */
  p<T>(value: T, _closed: unknown): T {
    return value;
  }

  start(): void {
    this.addPair();
    this.on = true;
    // Started inside an ignored function: on at its end.
    if (this.ignoreDepth > 0) [this.on, this.onAfterIgnore] = [false, true];
  }

  stop(): void {
    this.on = false;
    this.onAfterIgnore = false;
    this.stopMicros = this.addPair().micros;
  }

  private addPair(): ClockPair {
    const p = this.pairNow();
    // The first pair and the newest ones: the line is fitted on the longest span.
    if (this.pairs.length >= 16) this.pairs.splice(1, 1);
    this.pairs.push(p);
    return p;
  }

  /** How raw times become µs of CLOCK_MONOTONIC, from the readings so far. */
  clockLine(): ClockLine {
    if (Number.isNaN(this.knownSlope)) return fitClock(this.pairs, 1 / 2000);
    // A known rate: only the offset is measured (the mean over the readings).
    let sum = 0;
    for (const p of this.pairs) sum += p.micros - p.raw * this.knownSlope;
    return { slope: this.knownSlope, intercept: sum / this.pairs.length };
  }

  /**
   * Raw times (rawNow) to µs of CLOCK_MONOTONIC by the line fitted now, computed exactly as
   * take() and recordingSlices do for the entries: times read from this clock and converted
   * with the same line keep their order with the entries' (the program's own events).
   */
  rawToMicros(): (raw: number) => number {
    const line = this.clockLine();
    const toMillis = line.slope / 1000;
    const off = line.intercept;
    return (raw) => raw * toMillis * 1000 + off;
  }

  /** Entries ever written since the last take(). */
  get total(): number {
    this.syncHeader(false);
    return this.ring[RING_TOTAL];
  }

  /** Forgets the entries. */
  reset(): void {
    this.syncHeader(true);
  }

  get overflowed(): boolean {
    return this.total > this.capacity;
  }

  /** The entries so far, and forget them (the function table stays: modules are loaded once). */
  take(): Recording {
    const ring = this.ring;
    this.syncHeader(false);
    const total = ring[RING_TOTAL];
    const next = ring[RING_NEXT];
    // A ring that never wrapped is copied only as far as it was written.
    const n = Math.min(total, this.capacity);
    const line = this.clockLine();
    const toMillis = line.slope / 1000;
    const codes = new Int32Array(n);
    const timesMillis = new Float64Array(n);
    for (let i = 0, k = RING_HEADER; i < n; i++, k += 2) {
      codes[i] = ring[k];
      timesMillis[i] = ring[k + 1] * toMillis;
    }
    this.reset();
    const r: Recording = {
      codes,
      timesMillis,
      total,
      next: total > n ? next : 0,
      functions: this.functions,
      offsetMicros: line.intercept,
      stopMicros: this.stopMicros,
      clock: this.clock,
      // Handed over, not copied: the next window starts them anew (their stamps restart).
      calls: this.calls,
      extras: this.extras,
      extraSeq: this.extraSeq,
    };
    this.calls = null;
    this.extras = null;
    this.extraSeq = null;
    this.lastError = undefined;
    return r;
  }
}

/**
 * A side column long enough for position `i`: it grows by doubling, up to the ring's capacity,
 * because a column of the ring's full size made at once costs tens of ms of page faults in the
 * middle of the program's first async call (docs/benchmarks.md, sections 8 and 12).
 */
function grown<T extends Int32Array | Float64Array>(
  make: new (size: number) => T,
  a: T | null,
  i: number,
  capacity: number,
): T {
  const b = new make(Math.min(capacity, Math.max(i + 1, 4096, a === null ? 0 : a.length * 2)));
  if (a !== null) b.set(a);
  return b;
}

/** Benchmarks and tests only: which clock `defaultClock()` picks (a ClockName). */
const CLOCK_ENV = 'VIZTRACER_INSTRUMENT_CLOCK';

/**
 * The addon's tick counter when the addon loads and the counter is steady, its
 * CLOCK_MONOTONIC when the counter is not, `performance.now()` without the addon.
 */
export function defaultClock(): RecorderClock {
  const forced = process.env[CLOCK_ENV];
  if (forced === 'performance.now' || forced === 'hrtime') return { name: forced };
  const loaded = loadNative();
  if ('error' in loaded || typeof loaded.addon.recorderRing !== 'function') {
    return { name: 'performance.now' };
  }
  const addon = loaded.addon;
  if (forced === 'monotonic') return { name: 'monotonic', addon };
  if (addon.tickSource === 'tsc') {
    let cpuinfo = '';
    try {
      cpuinfo = fs.readFileSync('/proc/cpuinfo', 'latin1');
    } catch {
      // Not Linux: nothing says the counter is steady.
    }
    return tscIsStable(cpuinfo) ? { name: 'tsc', addon } : { name: 'monotonic', addon };
  }
  return { name: addon.tickSource, addon };
}

/** This thread's recorder, created on first use; instrumented code reaches it through the global. */
export function threadRecorder(capacity: number, clock?: RecorderClock): Recorder {
  const g = globalThis as Record<symbol, unknown>;
  const key = Symbol.for(RECORDER_KEY);
  let r = g[key] as Recorder | undefined;
  if (!r) {
    r = new Recorder(capacity, clock ?? defaultClock());
    Object.defineProperty(g, key, {
      value: r,
      enumerable: false,
      configurable: true,
      writable: false,
    });
  }
  return r;
}
