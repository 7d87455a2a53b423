// The builtins as they were before the program's first line, put back while the tracer saves.
//
// A program may delete or replace what our saving code uses (Array.prototype[Symbol.iterator],
// JSON.stringify, Map, Object.prototype[0] with a getter, fs functions as graceful-fs does,
// process.emit): polyfills, test doubles, zone.js, SES. Node's internals keep "primordials"
// for this; the tracer's code (report building, serializing, the session's end) is plain
// TypeScript on the globals, so instead the preload snapshots the own properties of the
// globals, the intrinsics reachable from them and the builtin modules we use, before the
// program runs, and `withPristineBuiltins` defines them back for the length of a synchronous
// save, then puts the program's back. Nothing of the program runs in between: saves at exit,
// on a signal, by a worker's flush are synchronous. This module itself uses only the
// functions it captured, and index loops (a `for...of` would need the array iterator).
// The modules themselves (an `import * as` would be a copy). node:zlib is loaded and kept only
// when the save needs it (captureBuiltins).
const fs = require('node:fs') as object;
const os = require('node:os') as object;
const path = require('node:path') as object;
const events = require('node:events') as typeof import('node:events');

type Key = string | symbol;

const ownKeys = Reflect.ownKeys;
const getDescriptor = Reflect.getOwnPropertyDescriptor;
const define = Reflect.defineProperty;
const remove = Reflect.deleteProperty;
const getPrototypeOf = Reflect.getPrototypeOf;
const isArray = Array.isArray;
const apply = Reflect.apply;
const SetOf = Set;
const setAdd = Set.prototype.add;
const setHas = Set.prototype.has;

interface Snapshot {
  target: object;
  keys: Key[];
  descriptors: PropertyDescriptor[];
}

/** What was changed to restore one property: put back afterwards (undefined: it was absent). */
interface Change {
  target: object;
  key: Key;
  descriptor: PropertyDescriptor | undefined;
}

let snapshots: Snapshot[] | null = null;

function isObject(v: unknown): v is object {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

function snapshotOf(target: object): Snapshot {
  const keys = ownKeys(target);
  const descriptors: PropertyDescriptor[] = [];
  for (let i = 0; i < keys.length; i++) descriptors[i] = getDescriptor(target, keys[i])!;
  return { target, keys, descriptors };
}

/**
 * Takes the snapshot (once per thread): call before the program's first line. Covers the
 * global object, every global constructor or namespace and its prototype, the intrinsics
 * not reachable as globals (iterator and generator prototypes, %TypedArray%), `process`,
 * EventEmitter.prototype and the builtin modules the save path uses: node:zlib only `withZlib`
 * (a gzipped or pprof report, a push); loading it costs every start half a millisecond.
 */
export function captureBuiltins(withZlib = true): void {
  if (snapshots !== null) return;
  const targets: object[] = [];
  const seen = new Set<object>();
  const add = (o: unknown): void => {
    if (!isObject(o) || seen.has(o)) return;
    seen.add(o);
    targets.push(o);
  };
  add(globalThis);
  for (const key of ownKeys(globalThis)) {
    const d = getDescriptor(globalThis, key);
    // A getter of a global (Node's lazy ones) is not run: its descriptor alone is kept.
    if (!d || !('value' in d) || !isObject(d.value) || d.value === globalThis) continue;
    add(d.value);
    if (typeof d.value === 'function') add((d.value as { prototype?: unknown }).prototype);
  }
  const arrayIterator = [][Symbol.iterator]();
  add(getPrototypeOf(arrayIterator));
  add(getPrototypeOf(getPrototypeOf(arrayIterator)!));
  add(getPrototypeOf(new Map().entries()));
  add(getPrototypeOf(new Set().values()));
  add(getPrototypeOf(''[Symbol.iterator]()));
  add(getPrototypeOf(/x/[Symbol.matchAll]('')));
  const generator = function* () {};
  add(getPrototypeOf(generator));
  add(getPrototypeOf(generator.prototype));
  add(getPrototypeOf(async function () {}));
  add(getPrototypeOf(async function* () {}));
  add(getPrototypeOf(Uint8Array));
  add(getPrototypeOf(Uint8Array.prototype));
  // Globals Node defines as getters, read through their modules.
  const { Buffer } = require('node:buffer') as typeof import('node:buffer');
  const { TextEncoder, TextDecoder } = require('node:util') as typeof import('node:util');
  for (const c of [Buffer, TextEncoder, TextDecoder]) {
    add(c);
    add(c.prototype);
  }
  add(process);
  add(events.EventEmitter);
  add(events.EventEmitter.prototype);
  add(fs);
  add(os);
  add(path);
  if (withZlib) add(require('node:zlib'));
  const out: Snapshot[] = [];
  for (let i = 0; i < targets.length; i++) out[i] = snapshotOf(targets[i]);
  snapshots = out;
}

function same(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return (
    a.value === b.value &&
    a.get === b.get &&
    a.set === b.set &&
    a.writable === b.writable &&
    a.enumerable === b.enumerable &&
    a.configurable === b.configurable
  );
}

function sameKeys(a: Key[], b: Key[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Defines the snapshot back; returns what it changed, to be undone. */
function restore(all: Snapshot[]): Change[] {
  const changes: Change[] = [];
  for (let s = 0; s < all.length; s++) {
    const { target, keys, descriptors } = all[s];
    for (let i = 0; i < keys.length; i++) {
      const was = descriptors[i];
      // Functions, accessors and namespaces, not state (process._eventsCount, a counter);
      // of process only its functions (its argv, env are the program's, the CLI sets argv).
      if ('value' in was && !isObject(was.value)) continue;
      if (target === process && 'value' in was && typeof was.value !== 'function') continue;
      if (target === process && typeof keys[i] === 'string' && (keys[i] as string)[0] === '_')
        continue;
      const now = getDescriptor(target, keys[i]);
      if (now !== undefined && same(now, was)) continue;
      if (define(target, keys[i], was))
        changes[changes.length] = { target, key: keys[i], descriptor: now };
    }
    // What the program added to a builtin (Object.prototype[0] with a getter) is gone
    // meanwhile; not its globals, nor what it sets on process.
    if (target === globalThis || target === process) continue;
    const current = ownKeys(target);
    // Own keys keep their order: the same keys in the same order (nearly always) add nothing.
    if (sameKeys(current, keys)) continue;
    const known = new SetOf<Key>();
    for (let i = 0; i < keys.length; i++) apply(setAdd, known, [keys[i]]);
    for (let i = 0; i < current.length; i++) {
      const key = current[i];
      if (apply(setHas, known, [key])) continue;
      const now = getDescriptor(target, key);
      if (now && now.configurable && remove(target, key))
        changes[changes.length] = { target, key, descriptor: now };
    }
  }
  return changes;
}

function undo(changes: Change[]): void {
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i];
    if (c.descriptor === undefined) remove(c.target, c.key);
    else define(c.target, c.key, c.descriptor);
  }
}

/**
 * Runs `fn` (synchronous: no program code may run meanwhile) with the builtins as they were
 * before the program, then gives the program its own back. Without a snapshot, just runs it.
 */
export function withPristineBuiltins<T>(fn: () => T): T {
  const all = snapshots;
  if (all === null || !isArray(all)) return fn();
  const changes = restore(all);
  try {
    return fn();
  } finally {
    undo(changes);
  }
}

const functionApply = Function.prototype.apply;
const functionCall = Function.prototype.call;

/**
 * `fn`, with its own `apply` and `call`: Node's EventEmitter calls a listener with
 * `listener.apply(this, args)`, which a program's Function.prototype.apply would otherwise
 * decide (the listeners of 'exit' and of signals).
 */
export function sturdy<F extends (...args: never[]) => unknown>(fn: F): F {
  define(fn, 'apply', { value: functionApply, configurable: true });
  define(fn, 'call', { value: functionCall, configurable: true });
  return fn;
}
