// `fn.toString()` of an instrumented function gives its original text, as the program's own
// code reads it (dependency injection reads parameter names there; String(fn) is a property
// key in `class { [function () {}]() {} }`). Nothing is registered per function: the text
// V8 keeps is the instrumented one, and each run of inserted code in it is bracketed by
// markers (transform.ts) that no original text contains, so stripping them gives the original.
// The one wrapper of Function.prototype.toString is installed once per thread, and shows
// itself as the native one.
import { gapMarkerOf, markerOf } from './protocol';

// Builtins as they are now, before the program's first line: a program that patches
// String.prototype later must not change what we do.
const apply = Reflect.apply;
const uncurry =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (self: unknown, ...args: A): R =>
    apply(fn, self, args);
const indexOf = uncurry(String.prototype.indexOf);
const slice = uncurry(String.prototype.slice);
const charCodeAt = uncurry(String.prototype.charCodeAt);
const includes = uncurry(String.prototype.includes);
const regExpExec = uncurry(RegExp.prototype.exec);
const mathMax = Math.max;
const NumberOf = Number;
const defineProperty = Object.defineProperty;

const ANY_MARKER = '/*__vz';

/** A function's text without what the transform inserted; any other text unchanged. */
export function originalText(text: string): string {
  if (!includes(text, ANY_MARKER)) return text;
  // The module's prefix: its highest-numbered marker (transform.ts, hygienicPrefix).
  const find = /\/\*__vz(\d{0,9})-?\*\//g;
  let max = -1;
  for (let m = regExpExec(find, text); m !== null; m = regExpExec(find, text)) {
    max = mathMax(max, NumberOf(m[1] || 0));
  }
  const prefix = max === 0 ? '__vz' : `__vz${max}`;
  const mark = markerOf(prefix);
  const gap = gapMarkerOf(prefix);
  const stem = `/*${prefix}`;
  let out = '';
  let from = 0;
  for (;;) {
    const at = indexOf(text, stem, from);
    if (at < 0) break;
    // The open marker: `/*P*/`, or ` /*P-*/` whose space before is ours too.
    const isGap = charCodeAt(text, at + stem.length) === 45;
    const close = indexOf(text, mark, at + (isGap ? gap.length - 1 : mark.length));
    out += slice(text, from, isGap ? at - 1 : at);
    // An arrow with an expression body ends inside the run that closes it: the rest is ours.
    if (close < 0) return out;
    from = close + mark.length;
  }
  return out + slice(text, from);
}

let installed = false;

/** Makes Function.prototype.toString give instrumented functions' original text. */
export function installToString(): void {
  if (installed) return;
  installed = true;
  const native = Function.prototype.toString;
  const wrapper = {
    // A method, as the native one: no prototype, not a constructor, length 0.
    toString(this: unknown): string {
      // Its own text is the native one's: `function toString() { [native code] }`.
      if (this === wrapper) return apply(native, native, []);
      return originalText(apply(native, this, []));
    },
  }.toString;
  defineProperty(Function.prototype, 'toString', {
    value: wrapper,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
