// The per-thread recorder that instrumented code calls: a preallocated ring buffer of
// entries (code, time) in one Float64Array. Nothing here allocates per call.
//
// code = id * 4 + kind, kind 1 enter, 2 exit, 3 exit by a throw (the exit recorded by the
// `finally` right after a throw-exit of the same function is dropped when slices are built).
//
// With the addon (src/native.ts), entries are written by its `put`, which reads the CPU's tick
// counter itself: one call into C++ per entry, about 12 ns here, where `performance.now()`
// alone costs 50. Without the addon, a JavaScript put reads `performance.now()`. Either way
// the raw times become µs of CLOCK_MONOTONIC (the clock of `process.hrtime` and of V8's
// sampler) only when the entries are taken (clock.ts).
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadNative, type NativeAddon } from '../native';
import { fitClock, tscIsStable, type ClockLine, type ClockName, type ClockPair } from './clock';
import { RECORDER_KEY, type FunctionInfo } from './transform';

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
  /** Which clock timed the entries. */
  clock?: ClockName;
}

const perf = performance;

function hrtimeMicros(): number {
  return Number(process.hrtime.bigint()) / 1000;
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
  on = false;
  functions: FunctionInfo[] = [];
  stopMicros = 0;
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
      const now = clock.name === 'hrtime' ? hrtimeMicrosFast : () => perf.now();
      // Where the next entry goes and how many were written: closure variables (cheaper than
      // the ring's header, a double each), copied to the header when read.
      let next = 0;
      let total = 0;
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
          const t = hrtimeMicrosFast();
          return { raw: t, micros: t };
        };
      } else {
        this.knownSlope = 1000;
        this.pairNow = () => ({ raw: perf.now(), micros: hrtimeMicros() });
      }
    } else {
      const addon = clock.addon;
      const useTicks = clock.name !== 'monotonic';
      const made = addon.recorderRing(capacity, useTicks);
      this.ring = made.ring;
      this.put = made.put;
      this.knownSlope = useTicks ? NaN : 1e-3;
      this.pairNow = () => {
        const p = addon.clockPair(useTicks);
        return { raw: p[0], micros: p[1] };
      };
    }
    this.pairs.push(this.pairNow());
  }

  /** A module registers its functions when it starts; returns the id of its first one. */
  m(file: string, names: string[], lines: number[]): number {
    const base = this.functions.length;
    for (let i = 0; i < names.length; i++)
      this.functions.push({ name: names[i], file, line: lines[i] });
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

  /** Exit by a throw. */
  t(id: number): void {
    if (this.on) this.put(id * 4 + THROW);
  }

  /** Passes a value through (the operand of an await/yield, after the suspension is recorded). */
  p<T>(value: T, _closed: unknown): T {
    return value;
  }

  start(): void {
    this.addPair();
    this.on = true;
  }

  stop(): void {
    this.on = false;
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
    return {
      codes,
      timesMillis,
      total,
      next: total > n ? next : 0,
      functions: this.functions,
      offsetMicros: line.intercept,
      stopMicros: this.stopMicros,
      clock: this.clock,
    };
  }
}

/** `process.hrtime()` as µs (for the `hrtime` comparison clock). */
function hrtimeMicrosFast(): number {
  const t = process.hrtime();
  return t[0] * 1e6 + t[1] / 1e3;
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
