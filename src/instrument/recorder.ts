// The per-thread recorder that instrumented code calls: a preallocated ring buffer of
// entries (code, time) in typed arrays. Nothing here allocates per call.
//
// code = id * 4 + kind, kind 1 enter, 2 exit, 3 exit by a throw (the exit recorded by the
// `finally` right after a throw-exit of the same function is dropped when slices are built).
//
// Async functions and generators write, beside each entry, the call's serial in `calls`
// (allocated on first use): positive on the call's first entry and on its final exit,
// negative on a suspension (an exit) and on a resumption (an enter). Notes (argument and
// return value previews, an exception's description) go to `extras`, off the hot arrays,
// indexed by ring position and stamped with the entry's sequence number in `extraSeq`, so a
// note whose entry the ring overwrote is recognised as stale.
// Times are `performance.now()` ms; `offsetMicros` turns them into CLOCK_MONOTONIC µs (the
// clock of `process.hrtime` and of V8's sampler), calibrated once at start.
import { performance } from 'node:perf_hooks';
import { describeError, preview } from './preview';
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
  /** Per entry of an async function or generator: its call's serial (see above). */
  calls?: Int32Array | null;
  /** Per entry: notes (`func_args`, `return_value`, `exception`), valid where `extraSeq` matches. */
  extras?: (Record<string, unknown> | undefined)[] | null;
  /** Per entry: the sequence number (0-based, counting every entry written) of the noted entry. */
  extraSeq?: Float64Array | null;
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

  constructor(capacity: number) {
    this.capacity = capacity;
    this.codes = new Int32Array(capacity);
    this.timesMillis = new Float64Array(capacity);
  }

  /** A module registers its functions when it starts; returns the id of its first one. */
  m(file: string, names: string[], lines: number[], flags?: number[], params?: string[][]): number {
    const base = this.functions.length;
    for (let i = 0; i < names.length; i++) {
      const f: FunctionInfo = { name: names[i], file, line: lines[i] };
      if (flags && flags[i]) f.flags = flags[i];
      if (params) f.params = params[i];
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

  /** Exit by a throw; `error` (what was thrown) is described in `args.exception`. */
  t(id: number, error?: unknown): void {
    if (!this.on) return;
    const i = this.next;
    this.put(id * 4 + THROW);
    if (arguments.length > 1) this.note(i, 'exception', this.describe(error));
  }

  /** Exit, with the return value (under --log_func_retval). */
  xr(id: number, value: unknown): void {
    if (!this.on) return;
    const i = this.next;
    this.put(id * 4 + EXIT);
    this.note(i, 'return_value', preview(value));
  }

  /** The parameters' values of the call just entered (under --log_func_args). */
  fa(...values: unknown[]): void {
    if (!this.on) return;
    const i = this.next === 0 ? this.capacity - 1 : this.next - 1;
    const names = this.functions[this.codes[i] >>> 2]?.params ?? [];
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
      const i = this.next;
      this.putCall(id * 4 + THROW, c);
      this.note(i, 'exception', this.describe(error));
    }
    return 0;
  }

  /** The end of an async function's or generator's call; `value` under --log_func_retval. */
  xa(id: number, state: number, value?: unknown): number {
    if (state === 0) return 0;
    const c = this.r(id, state);
    if (this.on) {
      const i = this.next;
      this.putCall(id * 4 + EXIT, c);
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

  private putCall(code: number, call: number): void {
    const i = this.next;
    this.put(code);
    (this.calls ??= new Int32Array(this.capacity))[i] = call;
  }

  private note(i: number, key: string, value: unknown): void {
    const extras = (this.extras ??= new Array(this.capacity));
    const seq = (this.extraSeq ??= new Float64Array(this.capacity));
    const at = this.total - 1;
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
    // Started inside an ignored function: on at its end.
    if (this.ignoreDepth > 0) [this.on, this.onAfterIgnore] = [false, true];
  }

  stop(): void {
    this.on = false;
    this.onAfterIgnore = false;
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
      // Handed over, not copied: the next window starts them anew (their stamps restart).
      calls: this.calls,
      extras: this.extras,
      extraSeq: this.extraSeq,
    };
    this.calls = null;
    this.extras = null;
    this.extraSeq = null;
    this.lastError = undefined;
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
