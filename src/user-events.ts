// Events the program logs itself through the API (`logEvent`, `instant`, `counter`): one log
// per JS thread, reached through a global symbol so that every copy of this package loaded in
// the thread (the preload's and the program's `require('viztracer')`) writes to the same one.
// It records only while a Tracer of the thread runs; otherwise every call is a cheap no-op.
//
// Bounded: a ring of at most `capacity` events (the `tracerEntries` option); when it wraps,
// the oldest events are lost and the report says it overflowed. Times are µs of
// CLOCK_MONOTONIC, the samplers' clock: `performance.now()` is `uv_hrtime()` (that clock) minus
// the thread's time origin, so one offset, taken once, turns it into the samplers' time.
// Under `--instrument` the log reads the recorder's clock instead (the addon's tick counter),
// and its readings become µs when the events are taken, by the same line as the recorder's
// entries: a program's slice and the calls around and inside it then order exactly.
import { performanceClock, performanceNowPair } from './instrument/clock';

const LOG_KEY = Symbol.for('viztracer.events');

/** A slice the program logged: `logEvent`. */
export interface UserSlice {
  name: string;
  startMicros: number;
  durationMicros: number;
  /** `args` as JSON text, or null. */
  args: string | null;
  /**
   * Whether it began and ended in the same synchronous run of JavaScript (no await, callback
   * or tick in between): only then can it nest with the thread's stack.
   */
  sync: boolean;
}

/** A point in time the program marked: `instant`. */
export interface UserInstant {
  name: string;
  tsMicros: number;
  /** Chrome's instant scope: thread, process or global. */
  scope: InstantScope;
  args: string | null;
}

/** One reading of a counter: `counter`. */
export interface UserCounter {
  name: string;
  tsMicros: number;
  /** The series and their values, as JSON text of an object of finite numbers. */
  values: string;
}

/** What a thread logged while one Tracer ran. */
export interface UserEvents {
  slices: UserSlice[];
  instants: UserInstant[];
  counters: UserCounter[];
  /** Events lost because the ring wrapped. */
  dropped: number;
}

export type InstantScope = 't' | 'p' | 'g';

/**
 * Times in a log's entries are readings of its clock, made µs of CLOCK_MONOTONIC by finish().
 * A slice's entry has its end's reading (`end`); its `durationMicros` is set at finish().
 */
type Entry =
  | { kind: 1; ev: UserSlice; end: number }
  | { kind: 2; ev: UserInstant }
  | { kind: 3; ev: UserCounter };

/** A clock the log can read instead of its own (the instrumentation recorder's). */
export interface EventClock {
  /** A reading, in the clock's own unit. */
  now(): number;
  /** How readings become µs of CLOCK_MONOTONIC, as of now. */
  toMicros(): (raw: number) => number;
}

const identity = (t: number): number => t;

export class EventLog {
  /** Tracers of this thread running now; the log records while there is one. */
  users = 0;
  capacity = 0;
  /** Entries written since the log was last emptied; more than `ring.length` once it wrapped. */
  total = 0;
  ring: Entry[] = [];
  /**
   * The log's own clock: µs of CLOCK_MONOTONIC, from `performance.now()` plus an offset. Its first
   * reading loads node:perf_hooks and takes the offset, then puts the plain reading in its place.
   */
  private readonly ownClock: EventClock = {
    now: () => {
      const perf = performanceClock();
      // CLOCK_MONOTONIC µs minus `performance.now()` µs, taken once.
      const p = performanceNowPair();
      const offsetMicros = p.micros - p.raw * 1000;
      this.ownClock.now = () => perf.now() * 1000 + offsetMicros;
      return this.ownClock.now();
    },
    toMicros: () => identity,
  };
  /** What the entries' times are read from while Tracers run (chosen by the first). */
  clock: EventClock = this.ownClock;
  /**
   * Counts the ends of synchronous runs of JavaScript seen after a slice began: a microtask and
   * a next-tick callback queued when a slice begins, whichever runs first, mark the end of the
   * run it began in (both queues are FIFO, and any continuation of that run is queued after).
   */
  turn = 0;
  private marking = false;
  private readonly mark = (): void => {
    if (!this.marking) return;
    this.marking = false;
    this.turn++;
  };

  /** A reading of the log's clock (what entries hold). */
  now(): number {
    return this.clock.now();
  }

  /** The time now, µs of CLOCK_MONOTONIC. */
  nowMicros(): number {
    return this.clock.toMicros()(this.clock.now());
  }

  /** The current turn, and have its end noticed. */
  currentTurn(): number {
    if (!this.marking) {
      this.marking = true;
      queueMicrotask(this.mark);
      process.nextTick(this.mark);
    }
    return this.turn;
  }

  push(e: Entry): void {
    const n = this.ring.length;
    if (n < this.capacity) this.ring.push(e);
    else this.ring[this.total % this.capacity] = e;
    this.total++;
  }

  /**
   * A Tracer starts: returns its mark (what it takes at its end starts there). `clock`: the
   * instrumentation recorder's, so that the program's slices and its calls, read from the
   * same clock and converted by the same line, order exactly (two calibrations differ by a
   * µs or so). Kept until no Tracer of the thread runs.
   */
  begin(capacity: number, clock?: EventClock): number {
    if (this.users === 0) {
      this.capacity = capacity;
      this.total = 0;
      this.ring = [];
      this.clock = clock ?? this.ownClock;
    }
    this.users++;
    return this.total;
  }

  /** A Tracer stops: the events since its mark. When no Tracer is left the log empties. */
  finish(mark: number): UserEvents {
    this.users = Math.max(0, this.users - 1);
    const out: UserEvents = { slices: [], instants: [], counters: [], dropped: 0 };
    const first = Math.max(mark, this.total - this.ring.length);
    out.dropped = first - mark;
    // New objects: an entry may be taken again by an outer Tracer, from the same readings.
    const us = this.clock.toMicros();
    for (let k = first; k < this.total; k++) {
      const e = this.ring[this.ring.length < this.capacity ? k : k % this.capacity];
      if (e.kind === 1) {
        const start = us(e.ev.startMicros);
        out.slices.push({
          ...e.ev,
          startMicros: start,
          durationMicros: Math.max(0, us(e.end) - start),
        });
      } else if (e.kind === 2) out.instants.push({ ...e.ev, tsMicros: us(e.ev.tsMicros) });
      else out.counters.push({ ...e.ev, tsMicros: us(e.ev.tsMicros) });
    }
    if (this.users === 0) {
      this.ring = [];
      this.total = 0;
      this.clock = this.ownClock;
    }
    return out;
  }
}

/** This thread's log, created on first use. */
export function threadEventLog(): EventLog {
  const g = globalThis as Record<symbol, unknown>;
  let log = g[LOG_KEY] as EventLog | undefined;
  if (!log) {
    log = new EventLog();
    Object.defineProperty(g, LOG_KEY, { value: log, enumerable: false, configurable: true });
  }
  return log;
}

/** The log if a Tracer of this thread is running, else null: the test every call starts with. */
function recording(): EventLog | null {
  const log = (globalThis as Record<symbol, unknown>)[LOG_KEY] as EventLog | undefined;
  return log !== undefined && log.users > 0 ? log : null;
}

// --- The API -------------------------------------------------------------------------------

/** What `logEvent(name)` returns: call `end()` (or let `using` do it) when the work is done. */
export interface EventScope {
  /** Ends the slice; later calls do nothing. */
  end(): void;
  [Symbol.dispose](): void;
}

const DISPOSE: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

const NOOP_SCOPE: EventScope = Object.freeze({
  end(): void {},
  [DISPOSE](): void {},
}) as EventScope;

class Scope implements EventScope {
  private ended = false;
  constructor(
    private readonly log: EventLog,
    private readonly ev: UserSlice,
    private readonly turn: number,
  ) {}

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const log = this.log;
    // The Tracer stopped meanwhile: the slice belongs to no report.
    if (log.users === 0) return;
    const ev = this.ev;
    const end = log.now();
    ev.sync = log.turn === this.turn;
    log.push({ kind: 1, ev, end });
  }

  [Symbol.dispose](): void {
    this.end();
  }
}
if (DISPOSE !== Symbol.dispose) {
  Object.defineProperty(Scope.prototype, DISPOSE, { value: Scope.prototype.end });
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError('Expected the "name" argument to be a non-empty string');
  }
}

function isArgs(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkArgs(args: unknown): void {
  if (args !== undefined && !isArgs(args)) {
    throw new TypeError('Expected the "args" argument to be an object');
  }
}

/** `args` as JSON, taken when the event is logged (later changes to the object do not show). */
function argsText(args: Record<string, unknown> | undefined): string | null {
  if (args === undefined) return null;
  try {
    return JSON.stringify(args);
  } catch (err) {
    // Tracing must not make a program fail: the report says what went wrong instead.
    return JSON.stringify({ viztracer: `args not serializable: ${(err as Error).message}` });
  }
}

function begin(name: string, args: Record<string, unknown> | undefined): EventScope {
  const log = recording();
  if (log === null) return NOOP_SCOPE;
  const turn = log.currentTurn();
  const ev: UserSlice = {
    name,
    // A reading of the log's clock until the log's finish() makes it µs.
    startMicros: log.now(),
    durationMicros: 0,
    args: argsText(args),
    sync: true,
  };
  return new Scope(log, ev, turn);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

function runIn<T>(scope: EventScope, fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scope.end();
    throw err;
  }
  if (isThenable(result)) {
    // Ends when the promise settles; the caller gets a promise of the same outcome (a new one,
    // so that a rejection nobody handles is still reported as unhandled).
    return Promise.resolve(result).then(
      (v) => {
        scope.end();
        return v;
      },
      (err: unknown) => {
        scope.end();
        throw err;
      },
    ) as T;
  }
  scope.end();
  return result;
}

/**
 * A slice on the current thread's track, from this call to `end()`:
 *
 *     const scope = logEvent('load config', { file });
 *     ...
 *     scope.end();            // or: using _ = logEvent('load config');
 *
 * or around a function, whose result it returns (if it returns a promise, the slice ends
 * when the promise settles, and a promise of the same outcome is returned):
 *
 *     const cfg = logEvent('load config', () => loadConfig(file));
 *     const rows = await logEvent('query', { sql }, () => db.query(sql));
 *
 * Without a running tracer in this thread it records nothing (and still runs `fn`).
 */
export function logEvent(name: string, args?: Record<string, unknown>): EventScope;
export function logEvent<T>(name: string, fn: () => T): T;
export function logEvent<T>(
  name: string,
  args: Record<string, unknown> | undefined,
  fn: () => T,
): T;
export function logEvent(name: string, second?: unknown, third?: unknown): unknown {
  checkName(name);
  let args: Record<string, unknown> | undefined;
  let fn: (() => unknown) | undefined;
  if (typeof second === 'function') {
    if (third !== undefined) throw new TypeError('Expected the function to be the last argument');
    fn = second as () => unknown;
  } else {
    checkArgs(second);
    args = second as Record<string, unknown> | undefined;
    if (third !== undefined) {
      if (typeof third !== 'function') {
        throw new TypeError('Expected the "fn" argument to be a function');
      }
      fn = third as () => unknown;
    }
  }
  const scope = begin(name, args);
  return fn ? runIn(scope, fn) : scope;
}

/** A mark at this moment (`ph: "i"`); `scope` is `t` (this thread, the default), `p` or `g`. */
export function instant(name: string, args?: Record<string, unknown>, scope?: InstantScope): void {
  checkName(name);
  checkArgs(args);
  if (scope !== undefined && scope !== 't' && scope !== 'p' && scope !== 'g') {
    throw new TypeError('Expected the "scope" argument to be "t", "p" or "g"');
  }
  const log = recording();
  if (log === null) return;
  log.push({
    kind: 2,
    ev: { name, tsMicros: log.now(), scope: scope ?? 't', args: argsText(args) },
  });
}

/**
 * A reading of a counter (`ph: "C"`): `values` maps each series to a finite number,
 * `counter('heap', { used: 12.5, total: 40 })`. Counters of one name form one track per process.
 */
export function counter(name: string, values: Record<string, number>): void {
  checkName(name);
  if (!isArgs(values)) {
    throw new TypeError('Expected the "values" argument to be an object of numbers');
  }
  let n = 0;
  for (const k in values) {
    if (!Object.prototype.hasOwnProperty.call(values, k)) continue;
    const v = values[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TypeError(
        `Expected the "values" argument to be an object of finite numbers ("${k}" is ${
          typeof v === 'number' ? v : typeof v
        })`,
      );
    }
    n++;
  }
  if (n === 0) throw new TypeError('Expected the "values" argument to have at least one value');
  const log = recording();
  if (log === null) return;
  log.push({ kind: 3, ev: { name, tsMicros: log.now(), values: JSON.stringify(values) } });
}
