// The per-thread recorder that instrumented code calls: a preallocated ring buffer of
// entries (code, time) in typed arrays. Nothing here allocates per call.
//
// code = id * 4 + kind, kind 1 enter, 2 exit, 3 exit by a throw (the exit recorded by the
// `finally` right after a throw-exit of the same function is dropped when slices are built).
// Times are `performance.now()` ms; `offsetMicros` turns them into CLOCK_MONOTONIC µs (the
// clock of `process.hrtime` and of V8's sampler), calibrated once at start.
import { performance } from 'node:perf_hooks';
import { RECORDER_KEY, type FunctionInfo } from './transform';

export const ENTER = 1;
export const EXIT = 2;
export const THROW = 3;

/** What a recorder holds, as plain data: what slices are built from. */
export interface Recording {
  codes: Int32Array;
  timesMillis: Float64Array;
  /** Entries ever written; more than the capacity when the ring wrapped. */
  total: number;
  /** Where the next entry goes. */
  next: number;
  functions: FunctionInfo[];
  /** Add to `timesMillis * 1000` for µs of CLOCK_MONOTONIC. */
  offsetMicros: number;
  /** When recording stopped, µs of CLOCK_MONOTONIC: frames still open close here. */
  stopMicros: number;
}

const perf = performance;

export class Recorder {
  codes: Int32Array;
  timesMillis: Float64Array;
  capacity: number;
  next = 0;
  total = 0;
  on = false;
  functions: FunctionInfo[] = [];
  offsetMicros = 0;
  stopMicros = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.codes = new Int32Array(capacity);
    this.timesMillis = new Float64Array(capacity);
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

  private put(code: number): void {
    const i = this.next;
    this.codes[i] = code;
    this.timesMillis[i] = perf.now();
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    this.total++;
  }

  start(): void {
    const hrMicros = Number(process.hrtime.bigint()) / 1000;
    this.offsetMicros = hrMicros - perf.now() * 1000;
    this.on = true;
  }

  stop(): void {
    this.on = false;
    this.stopMicros = perf.now() * 1000 + this.offsetMicros;
  }

  get overflowed(): boolean {
    return this.total > this.capacity;
  }

  /** The entries so far, and forget them (the function table stays: modules are loaded once). */
  take(): Recording {
    const r: Recording = {
      codes: this.codes.slice(),
      timesMillis: this.timesMillis.slice(),
      total: this.total,
      next: this.next,
      functions: this.functions,
      offsetMicros: this.offsetMicros,
      stopMicros: this.stopMicros,
    };
    this.next = 0;
    this.total = 0;
    return r;
  }
}

/** This thread's recorder, created on first use; instrumented code reaches it through the global. */
export function threadRecorder(capacity: number): Recorder {
  const g = globalThis as Record<symbol, unknown>;
  const key = Symbol.for(RECORDER_KEY);
  let r = g[key] as Recorder | undefined;
  if (!r) {
    r = new Recorder(capacity);
    Object.defineProperty(g, key, {
      value: r,
      enumerable: false,
      configurable: true,
      writable: false,
    });
  }
  return r;
}
