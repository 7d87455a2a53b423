// fn.toString() of an instrumented function: the text V8 keeps, without the marked runs of
// inserted code, is the original text, for every shape of function and class.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORDER_KEY } from '../../src/instrument/protocol';
import { originalText } from '../../src/instrument/to-string';
import { instrument, type TransformOptions } from '../../src/instrument/transform';

const KEY = Symbol.for(RECORDER_KEY);
const nativeToString = Function.prototype.toString;
beforeEach(() => {
  // A recorder that records nothing: here only the header and a static block run.
  const noop = (): number => 0;
  (globalThis as Record<symbol, unknown>)[KEY] = new Proxy({}, { get: () => noop });
});
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[KEY];
});

/** The texts of the functions a CommonJS-like body returns, as V8 gives them. */
function texts(code: string): string[] {
  const fns = new Function(code)() as ((...a: unknown[]) => unknown)[];
  return fns.map((f) => nativeToString.call(f));
}

/** Every function's original text comes back from its instrumented text. */
function roundTrip(src: string, options: TransformOptions = {}): string[] {
  const plain = texts(src);
  const code = instrument(src, '/t.js', undefined, options).code;
  const instrumented = texts(code);
  expect(instrumented).not.toEqual(plain); // the transform did change them
  expect(instrumented.map(originalText)).toEqual(plain);
  return plain;
}

const SHAPES = `
  function plain(a, b /* c */) { 'use strict'; return a + b; }
  const arrow = (x) => x * 2;
  const parenBody = (x) => (x, x);
  const asyncArrow = async (x, y) => x / await y;
  async function af(p) { const v = await(p); for await (const q of [v]) {} return v; }
  function* gen() { const r = yield/re/g; yield; yield* [r]; return r; }
  async function* agen() { yield 1; return 2; }
  class Svc extends Object { constructor(dep, other) { super(); this.d = dep; }
    static { this.s = 1; } get g() { return 1; } set g(v) {} m(a = () => 1) { return a; } }
  const obj = { m() { return 1; }, async *n() {}, [function () {}]() {} };
  function dividesAfter(a) { return a/ (function () { return 1; })(); }
  function tried() { try { return 1; } catch { return 2; } finally {} }
  return [plain, arrow, parenBody, asyncArrow, af, gen, agen, Svc, Svc.prototype.m, obj.m, obj.n,
    Object.getOwnPropertyDescriptor(Svc.prototype, 'g').get, dividesAfter, tried];`;

describe('originalText', () => {
  it('gives back every function and class as written', () => {
    expect(roundTrip(SHAPES)).toHaveLength(14);
  });

  it('also with argument and return value previews', () => {
    roundTrip(SHAPES, { logFuncArgs: true, logFuncRetval: true });
  });

  it('with a module prefix other than __vz, and marker-like comments of the program', () => {
    // The program's own `/*__vz*/` comments stay: our prefix is then __vz1.
    const plain = roundTrip(`
      function f(/*__vz*/ a) { return a /*__vz*/; }
      const g = async () => /*__vz5*/ await 1;
      return [f, g];`);
    expect(plain[0]).toBe('function f(/*__vz*/ a) { return a /*__vz*/; }');
  });

  it('leaves any other text as it is', () => {
    for (const t of ['function max() { [native code] }', 'class A {}', '() => 1 /* __vz */'])
      expect(originalText(t)).toBe(t);
  });
});
