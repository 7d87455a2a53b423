// Per-request labels: `withLabels({ route: '/users/:id' }, fn)` labels the samples taken while
// `fn` and the async work it starts run. The labels travel with an AsyncLocalStorage; the
// thread's log notes the time each time the labels in force change: when `fn` starts and ends,
// and before and after each async callback (an async_hooks hook, made at the first
// `withLabels`, so a program that never labels pays nothing). At report time each sample takes
// the labels in force at its time. One log per thread, reached through a global symbol like the
// event log, so the program's copy of this package and the preload's share it.
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { lowerBound } from './trace/sorted';
import { threadEventLog } from './user-events';

const LOG_KEY = Symbol.for('viztracer.labels');

/** Labels as a pprof sample carries them: names to string values. */
export type Labels = Readonly<Record<string, string>>;

/** The label changes one Tracer's window saw, for the report build. */
export interface LabelChanges {
  /** µs of CLOCK_MONOTONIC, ascending. */
  timesMicros: Float64Array;
  /** The label set in force from that time: an index into `sets`, 0 for none. */
  ids: Int32Array;
  /** The set in force when the window began. */
  initial: number;
  /** `sets[0]` is empty (no labels). */
  sets: Labels[];
  /** Changes lost because the log was full. */
  dropped: number;
}

class LabelLog {
  readonly storage = new AsyncLocalStorage<number>();
  readonly sets: Labels[] = [{}];
  private readonly ids = new Map<string, number>();
  /** Tracers of this thread running now; the log records while there is one. */
  users = 0;
  capacity = 1_000_000;
  times: number[] = [];
  changes: number[] = [];
  dropped = 0;
  /** The set in force now (as far as the log knows), and those of the callbacks around it. */
  current = 0;
  private readonly stack: number[] = [];
  private hooked = false;

  idOf(labels: Labels): number {
    const key = JSON.stringify(labels);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(labels);
      this.ids.set(key, id);
    }
    return id;
  }

  /** The labels in force change to `id` now. */
  note(id: number): void {
    if (id === this.current) return;
    this.current = id;
    if (this.users === 0) return;
    if (this.times.length >= this.capacity) {
      this.dropped++;
      return;
    }
    this.times.push(threadEventLog().nowMicros());
    this.changes.push(id);
  }

  /** The hook that notes a callback's labels as it starts and the outer ones as it ends. */
  hook(): void {
    if (this.hooked) return;
    this.hooked = true;
    const storage = this.storage;
    createHook({
      before: () => {
        this.stack.push(this.current);
        this.note(storage.getStore() ?? 0);
      },
      after: () => {
        this.note(this.stack.pop() ?? 0);
      },
    }).enable();
  }

  begin(capacity: number): number {
    if (this.users === 0) {
      this.capacity = capacity;
      this.times = [];
      this.changes = [];
      this.dropped = 0;
    }
    this.users++;
    return this.current;
  }

  /** A Tracer stops: the changes since it began (`initial`: the set in force then). */
  finish(initial: number, sinceMicros: number): LabelChanges {
    const from = lowerBound(this.times, sinceMicros);
    const out: LabelChanges = {
      timesMicros: Float64Array.from(this.times.slice(from)),
      ids: Int32Array.from(this.changes.slice(from)),
      initial,
      sets: [...this.sets],
      dropped: this.dropped,
    };
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) {
      this.times = [];
      this.changes = [];
    }
    return out;
  }
}

/** This thread's label log. */
export function threadLabelLog(): LabelLog {
  const g = globalThis as Record<symbol, LabelLog | undefined>;
  return (g[LOG_KEY] ??= new LabelLog());
}

function checkLabels(labels: unknown): asserts labels is Labels {
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) {
    throw new TypeError('Expected the labels to be an object of strings');
  }
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') {
      throw new TypeError(`Expected the label "${k}" to be a string, got ${typeof v}`);
    }
  }
}

/**
 * Runs `fn` with `labels` added to those in force (AsyncLocalStorage semantics: they hold in
 * the async work `fn` starts, across `await`), and returns what it returns.
 */
export function withLabels<T>(labels: Labels, fn: () => T): T {
  checkLabels(labels);
  if (typeof fn !== 'function') throw new TypeError('Expected fn to be a function');
  const log = threadLabelLog();
  log.hook();
  const outer = log.storage.getStore() ?? 0;
  const merged = outer === 0 ? { ...labels } : { ...log.sets[outer], ...labels };
  const id = log.idOf(merged);
  const before = log.current;
  return log.storage.run(id, () => {
    log.note(id);
    try {
      return fn();
    } finally {
      log.note(before);
    }
  });
}

/**
 * Each sample's label set: the last change at or before its time (`initial` before the first).
 * One pass: samples and changes are both in time order.
 */
export function labelsOfSamples(timesMicros: ArrayLike<number>, changes: LabelChanges): Int32Array {
  const out = new Int32Array(timesMicros.length);
  let k = 0;
  let id = changes.initial;
  for (let i = 0; i < timesMicros.length; i++) {
    while (k < changes.timesMicros.length && changes.timesMicros[k] <= timesMicros[i]) {
      id = changes.ids[k++];
    }
    out[i] = id;
  }
  return out;
}
