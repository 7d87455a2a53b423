// The load-time transform: instrumented code behaves as the original and records every call.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORDER_KEY } from '../../src/instrument/protocol';
import { instrument, type TransformOptions } from '../../src/instrument/transform';

/**
 * A stand-in for the recorder: a readable log of `>name` (enter), `<name` (exit), `!name`
 * (threw), and for async functions and generators `name~` (suspended), `~name` (resumed).
 * Previews (`fa`, `xr`) and ignored regions (`ig`/`ug`, as `[`/`]`) are logged too.
 */
class FakeRecorder {
  names: string[] = [];
  params: string[][] = [];
  log: string[] = [];
  private serial = 0;
  private ignored = 0;
  private push(l: string): void {
    if (this.ignored === 0) this.log.push(l);
  }
  m(
    _file: string,
    names: string[],
    _lines: number[],
    _flags?: number[] | 0,
    params?: string[][] | 0,
  ): number {
    const base = this.names.length;
    this.names.push(...names);
    this.params.push(...(params || names.map(() => [])));
    return base;
  }
  e(id: number): number {
    this.push(`>${this.names[id]}`);
    return 1;
  }
  x(id: number): void {
    this.push(`<${this.names[id]}`);
  }
  t(id: number, _err?: unknown): void {
    // As the recorder: the exit just recorded by the function's finally becomes a throw-exit.
    const last = this.log[this.log.length - 1];
    const name = this.names[id];
    if (this.ignored === 0 && (last === `<${name}` || last?.startsWith(`<${name}=`)))
      this.log[this.log.length - 1] = `!${name}`;
    else this.push(`!${name}`);
  }
  xr(id: number, v: unknown): void {
    this.push(`<${this.names[id]}=${String(v)}`);
  }
  fa(...values: unknown[]): void {
    this.push(`(${values.map(String).join(',')})`);
  }
  a(id: number): number {
    this.push(`>${this.names[id]}`);
    return ++this.serial;
  }
  s(id: number, st: number): number {
    if (st <= 0) return st;
    this.push(`${this.names[id]}~`);
    return -st;
  }
  r(id: number, st: number): number {
    if (st >= 0) return st;
    this.push(`~${this.names[id]}`);
    return -st;
  }
  ta(id: number, st: number): number {
    if (st === 0) return 0;
    this.r(id, st);
    this.push(`!${this.names[id]}`);
    return 0;
  }
  xa(id: number, st: number, ...ret: unknown[]): number {
    if (st === 0) return 0;
    this.r(id, st);
    this.push(`<${this.names[id]}${ret.length > 0 ? `=${String(ret[0])}` : ''}`);
    return 0;
  }
  ig(): void {
    this.push('[');
    this.ignored++;
  }
  ug(): void {
    this.ignored--;
    this.push(']');
  }
  p<T>(v: T): T {
    return v;
  }
}

const KEY = Symbol.for(RECORDER_KEY);
let rec: FakeRecorder;
beforeEach(() => {
  rec = new FakeRecorder();
  (globalThis as Record<symbol, unknown>)[KEY] = rec;
});
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[KEY];
});

type Outcome = { value: unknown } | { error: string };

/** Runs CommonJS-like code (a function body that returns) and says what came out. */
function evaluate(code: string): Outcome {
  try {
    return { value: new Function(code)() };
  } catch (err) {
    return { error: `${(err as Error).constructor.name}: ${(err as Error).message}` };
  }
}

/** The original and the instrumented program give the same outcome; returns the call log. */
function same(src: string, options: TransformOptions = {}): string[] {
  const expected = evaluate(src);
  const code = instrument(src, '/t.js', undefined, options).code;
  expect(code.split('\n').length).toBe(src.split('\n').length);
  rec.log = [];
  expect(evaluate(code)).toEqual(expected);
  return rec.log;
}

/** As `same`, for code with top-level await (run in an async arrow, left out of the log). */
async function sameAsync(body: string, options: TransformOptions = {}): Promise<string[]> {
  const src = `return (async () => {${body}})();`;
  const settle = async (code: string): Promise<Outcome> => {
    try {
      return { value: await new Function(code)() };
    } catch (err) {
      return { error: String(err) };
    }
  };
  const expected = await settle(src);
  const code = instrument(src, '/t.js', undefined, options).code;
  rec.log = [];
  expect(await settle(code)).toEqual(expected);
  return rec.log.filter((l) => !l.includes('(anonymous)'));
}

describe('instrument: behaviour is the original one', () => {
  it('return values and nested calls', () => {
    const log = same(`
      function fib(n) { return n <= 2 ? 1 : fib(n - 1) + fib(n - 2); }
      return fib(4);`);
    expect(log).toEqual([
      '>fib',
      '>fib',
      '>fib',
      '<fib',
      '>fib',
      '<fib',
      '<fib',
      '>fib',
      '<fib',
      '<fib',
    ]);
  });

  it('a throw through 3 frames records 3 throw-exits, and the error is the same object', () => {
    const log = same(`
      const err = new RangeError('deep');
      function c() { throw err; }
      function b() { c(); }
      function a() { b(); }
      try { a(); } catch (e) { return e === err && e.message; }`);
    // Each function's finally records its exit, which its catch then turns into a throw-exit.
    expect(log).toEqual(['>a', '>b', '>c', '!c', '!b', '!a']);
  });

  it('uncaught errors propagate unchanged', () => {
    same(`function f() { null.x; } return f();`);
  });

  it('arguments (mapped in sloppy mode), rest and spread', () => {
    same(`
      function f(a) { arguments[0] = 2; return [a, arguments.length]; }
      function g(...r) { return r.length + arguments.length; }
      return [f(1, 9), g(1, 2, 3)];`);
  });

  it('new.target, super, derived constructors and class fields', () => {
    const log = same(`
      class A { constructor(x) { this.kind = new.target.name; this.x = x; } m() { return 'A.m'; } }
      class B extends A {
        y = 5;
        z = () => this.y;
        static s = 1;
        constructor() { super(7); }
        m() { return super.m() + '+B.m'; }
        static { B.ready = true; }
      }
      const b = new B();
      return [b.kind, b.x, b.y, b.z(), b.m(), B.ready, B.s];`);
    expect(log).toEqual(expect.arrayContaining(['><static_initializer>', '>B', '>A', '>z', '>m']));
  });

  it('a static block with a comment holding a brace before its own', () => {
    const log = same(`class K { static /* { */ // {
      { K.n = 1; } } return K.n;`);
    expect(log).toEqual(['><static_initializer>', '<<static_initializer>']);
  });

  it('getters, setters, methods in object literals', () => {
    const log = same(`
      const o = { v: 1, get g() { return this.v; }, set g(x) { this.v = x; }, m() { return 3; } };
      o.g = 4;
      return [o.g, o.m()];`);
    expect(log).toEqual(['>set g', '<set g', '>get g', '<get g', '>m', '<m']);
  });

  it('default parameters that read earlier ones and call functions', () => {
    same(`
      function d() { return 2; }
      function f(a, b = a + d(), c = () => a) { return [a, b, c()]; }
      return f(1);`);
  });

  it("strict mode: 'use strict' stays the first statement", () => {
    const src = `'use strict';
      function f() { return this; }
      function g() { 'use strict'; return typeof this; }
      function h() { try { undeclared = 1; } catch (e) { return e.name; } }
      return [f(), g(), h()];`;
    same(src);
    const code = instrument(src, '/t.js').code;
    expect(code.startsWith("'use strict';")).toBe(true);
    expect(code).toContain("function g() { 'use strict';/*__vz*/;__vz.e(");
  });

  it('sloppy mode stays sloppy', () => {
    same(`function f() { return this === globalThis; } return f();`);
  });

  it('this in arrows, and expression-bodied arrows returning objects', () => {
    const log = same(`
      const o = { v: 3, m() { const a = () => ({ v: this.v }); return a(); } };
      const id = x => x, pair = (a, b) => (a, b);
      return [o.m(), id(1), pair(1, 2)];`);
    expect(log).toContain('>a');
    expect(log).toContain('>id');
  });

  it('generators: every resumption is recorded, by next(), return() and throw()', () => {
    const log = same(`
      function* gen(n) { for (let i = 0; i < n; i++) yield i; yield; yield* [7, 8]; return 'done'; }
      const out = [...gen(2)];
      const g = gen(5); g.next(); const r = g.return('early');
      const h = gen(5); h.next(); let caught; try { h.throw(new Error('in')); } catch (e) { caught = e.message; }
      return [out, r, caught];`);
    const run = ['gen~', '~gen'];
    expect(log).toEqual([
      ...['>gen', ...run, ...run, ...run, ...run, '<gen'],
      ...['>gen', ...run, '<gen'],
      ...['>gen', ...run, '!gen'],
    ]);
  });

  it('generators: try/finally around yield, return() into a finally that yields, yield*', () => {
    const log = same(`
      function* inner() { try { yield 1; yield 2; } finally { yield 'cleanup'; } }
      function* outer() { const r = yield* inner(); yield 3; return r; }
      const a = [...outer()];
      const g = inner(); g.next(); const b = [g.return('x'), g.next(), g.next()];
      return [a, b];`);
    expect(log.slice(0, 4)).toEqual(['>outer', 'outer~', '>inner', 'inner~']);
    // return() at a yield inside try: resumed in the finally, which yields again.
    expect(log.slice(-6)).toEqual(['>inner', 'inner~', '~inner', 'inner~', '~inner', '<inner']);
  });

  it('a bare yield at the end of a line stays a statement of its own', () => {
    const log = same(`
      function* g() { let x = 1
        yield
        (x = 2)
        yield
        [x].length
        return x }
      return [...g()];`);
    expect(log.filter((l) => l === '~g')).toHaveLength(2);
  });

  it('async functions: a slice per run, from the call or a resumption to the next await', async () => {
    const log = await sameAsync(`
      async function one() { return 1; }
      async function two() { const a = await one(); const b = await one(); return a + b; }
      return await two();`);
    expect(log).toEqual([
      '>two',
      '>one',
      '<one',
      'two~',
      '~two',
      '>one',
      '<one',
      'two~',
      '~two',
      '<two',
    ]);
  });

  it('async functions: a rejected await resumes in the catch, or ends the call by a throw', async () => {
    const log = await sameAsync(`
      async function caught() { try { await Promise.reject(new Error('x')); } catch (e) { return e.message; } }
      async function fin() { try { await null; return 'f'; } finally { await null; } }
      async function fails() { await Promise.reject(new TypeError('no')); }
      const r = [await caught(), await fin()];
      try { await fails(); } catch (e) { r.push(e.message); }
      return r;`);
    expect(log).toEqual([
      ...['>caught', 'caught~', '~caught', '<caught'],
      ...['>fin', 'fin~', '~fin', 'fin~', '~fin', '<fin'],
      ...['>fails', 'fails~', '~fails', '!fails'],
    ]);
  });

  it('an async function that throws before its first await records the throw', async () => {
    const log = await sameAsync(`
      async function f() { throw new Error('sync part'); }
      return f();`);
    expect(log).toEqual(['>f', '!f']);
  });

  it('async arrows, methods and concurrent calls keep the order of every tick', async () => {
    const log = await sameAsync(`
      const order = [];
      const tick = async (name, n) => { for (let i = 0; i < n; i++) { order.push(name + i); await null; } return name; };
      class K { async m(x) { order.push('m'); return (await tick('k', 2)) + x; } static async s() { return 'S'; } }
      const then = Promise.resolve().then(() => order.push('then1')).then(() => order.push('then2'));
      const r = await Promise.all([tick('a', 3), tick('b', 2), new K().m('!'), K.s(), then]);
      return [r, order];`);
    const enters = log.filter((l) => l.startsWith('>')).length;
    const ends = log.filter((l) => l.startsWith('<') || l.startsWith('!')).length;
    expect(ends).toBe(enters);
    expect(log.filter((l) => l.startsWith('~')).length).toBe(
      log.filter((l) => l.endsWith('~')).length,
    );
  });

  it('for await: suspends around each iteration, resumes in the body and after the loop', async () => {
    const log = await sameAsync(`
      async function* ag(n) { for (let i = 0; i < n; i++) yield i; }
      async function sum() { let s = 0; for await (const v of ag(2)) s += v; return s; }
      return await sum();`);
    expect(log.filter((l) => l.includes('sum'))).toEqual([
      ...['>sum', 'sum~'],
      ...['~sum', 'sum~'],
      ...['~sum', 'sum~'],
      ...['~sum', '<sum'],
    ]);
    expect(log.filter((l) => l === '>ag' || l === '<ag')).toEqual(['>ag', '<ag']);
  });

  it('for await: break, continue to a label, return and throw inside, sync iterables', async () => {
    const log = await sameAsync(`
      async function* ag(n) { try { for (let i = 0; i < n; i++) yield i; } finally { await null; } }
      async function f() {
        const seen = [];
        outer: for (const k of [1, 2]) {
          for await (const v of ag(5)) { if (v === 1) continue outer; seen.push(k, v); }
        }
        for await (const v of ag(5)) { if (v === 2) break; seen.push(v); }
        for await (const v of [Promise.resolve('p'), 'q']) seen.push(v);
        lbl: for await (const v of ag(3)) { seen.push(v); if (v) continue lbl; }
        try { for await (const v of ag(3)) throw new Error('in body ' + v); } catch (e) { seen.push(e.message); }
        for await (const v of ag(3)) return [seen, v];
      }
      return await f();`);
    const fl = log.filter((l) => /^[<>!~]?f~?$/.test(l));
    expect(fl[0]).toBe('>f');
    expect(fl[fl.length - 1]).toBe('<f');
    // Suspensions and resumptions alternate.
    const inner = fl.slice(1, -1);
    inner.forEach((l, i) => expect(l).toBe(i % 2 === 0 ? 'f~' : '~f'));
  });

  it('async generators: return awaits, return() and throw() from the consumer', async () => {
    const log = await sameAsync(`
      async function* ag() { try { yield 1; return Promise.resolve('r'); } finally { await null; } }
      const a = []; for await (const v of ag()) a.push(v);
      const g = ag(); await g.next(); const b = await g.return('early');
      const h = ag(); await h.next(); let c; try { await h.throw(new Error('t')); } catch (e) { c = e.message; }
      return [a, b, c];`);
    const agLog = log.filter((l) => l.includes('ag'));
    expect(agLog[0]).toBe('>ag');
    const ends = agLog.filter((l) => l === '<ag' || l === '!ag');
    expect(ends).toEqual(['<ag', '<ag', '!ag']);
  });

  it('empty bodies (a bug once: the exit came before the entry)', () => {
    const log = same(`
      function none() {}
      const arrow = () => {};
      function strict() {'use strict'}
      class K { static {} }
      async function anone() {}
      function* gnone() {}
      none(); arrow(); strict(); anone(); [...gnone()];
      return 1;`);
    expect(log).toEqual(
      expect.arrayContaining(['>none', '<none', '>arrow', '<arrow', '>strict', '<strict']),
    );
    expect(same(`function ig() {} ig(); return 2;`, { ignoreFunctions: ['ig'] })).toEqual([
      '[',
      ']',
    ]);
  });

  it('function declarations in the body are hoisted as before', () => {
    same(`function outer() { return inner(); function inner() { return 'in'; } } return outer();`);
  });

  it('keeps every line where it was (stack traces need no source map)', () => {
    const src = [
      'function a() {',
      '  return b();',
      '}',
      'function b() {',
      '  return new Error("here").stack.split("\\n")[1];',
      '}',
      'return a();',
    ].join('\n');
    const line = (o: Outcome): string =>
      /:(\d+):\d+\)?$/.exec(String((o as { value: string }).value))![1];
    const code = instrument(src, '/t.js').code;
    expect(code.split('\n').length).toBe(7);
    expect(line(evaluate(code))).toBe(line(evaluate(src)));
  });
});

describe('instrument: hygiene', () => {
  it('an insertion after a keyword does not join it: yield/re/, return(x), await(x), typeof', async () => {
    const log = same(`
      function* g() { const r = yield/ab+c/i; yield(r); return[r, typeof(r)]; }
      const it = g();
      return [String(it.next().value), it.next(7).value, it.next().value];`);
    expect(log).toEqual(['>g', 'g~', '~g', 'g~', '~g', '<g']);
    const alog = await sameAsync(`async function f(x) { return(await(x)) * 2; } return f(4);`);
    expect(alog).toEqual(['>f', 'f~', '~f', '<f']);
  });

  it('injected names never meet the program names: a prefix no identifier or text uses', () => {
    const src = `
      var __vz = 1, __vzb = 2;
      function __vzI(__vzE) { let __vzs = __vzE + __vz + __vzb; return __vzs; }
      function* __vzr() { const __vzs = yield 1; return __vzs; }
      const it = __vzr(); it.next();
      return [__vzI(3), it.next(9).value];`;
    expect(same(src)).toEqual(['>__vzr', '__vzr~', '>__vzI', '<__vzI', '~__vzr', '<__vzr']);
    const code = instrument(src, '/t.js').code;
    expect(code).toContain('var __vz1=');
    expect(code).not.toMatch(/__vz\./);
    // An identifier spelled with an escape is seen by its name.
    expect(instrument('var \\u005f_vzs = 1; function f() {}', '/t.js').code).toContain('__vz1');
    // A module that does not use the prefix keeps the short one.
    expect(instrument('function f() {}', '/t.js').code).toContain('var __vz=');
    // Above every number that follows `__vz` in the text, so ours is the highest marker.
    expect(instrument('var __vz7x = 1; function f() {}', '/t.js').code).toContain('var __vz8=');
  });

  it('the header does not read a global the module declares (var Symbol, as lodash)', () => {
    const log = same(`
      var Symbol = 'local', globalThis = 'mine';
      function f() { return Symbol + globalThis; }
      return f();`);
    expect(log).toEqual(['>f', '<f']);
  });

  it('a body whose function declarations a block would change is left as it is', () => {
    // var + function of one name (sloppy), a direct eval, duplicate declarations.
    const log = same(`
      function shown() { return 's'; }
      function a() { var d = typeof d; function d() {} return d + shown(); }
      function b() { if (true) { var d = 1; } function d() {} return d; }
      function c() { eval('0'); function d() {} return typeof d; }
      function e() { function d() { return 1; } function d() { return 2; } return d(); }
      function ok() { function d() {} var x = 1; return typeof d + x; }
      return [a(), b(), c(), e(), ok()];`);
    expect(log).toEqual(['>shown', '<shown', '>d', '<d', '>ok', '<ok']);
  });
});

describe('instrument: --log_func_args, --log_func_retval', () => {
  it('passes the parameters, destructured ones included, and the returned value', async () => {
    const opts = { logFuncArgs: true, logFuncRetval: true };
    const log = same(
      `
      function f(a, { b, c = 2 } = {}, [d] = [4], ...rest) { return a + b + c + d + rest.length; }
      const g = (x) => x * 2;
      function none() {}
      function finallyWins() { try { return 'try'; } finally { return 'finally'; } }
      return [f(1, { b: 2 }, [3], 9, 9), g(4), none(), finallyWins()];`,
      opts,
    );
    expect(log).toEqual([
      '>f',
      '(1,2,2,3,9,9)',
      '<f=10',
      '>g',
      '(4)',
      '<g=8',
      '>none',
      '<none=undefined',
      '>finallyWins',
      '<finallyWins=finally',
    ]);
    const alog = await sameAsync(
      `async function af(v) { await null; return v + 1; } return await af(1);`,
      opts,
    );
    expect(alog).toEqual(['>af', '(1)', 'af~', '~af', '<af=2']);
  });

  it('without the flags the code has none of it', () => {
    const code = instrument('function f(a) { return a; }', '/t.js').code;
    expect(code).not.toMatch(/fa\(|__vzr|xr\(/);
    const { functions } = instrument('function f(a) { return a; }', '/t.js', undefined, {
      logFuncArgs: true,
    });
    expect(functions[0].params).toEqual(['a']);
  });
});

describe('instrument: ignored functions', () => {
  it('a marker comment before a function, a declaration, a method or a property', () => {
    const log = same(`
      function callee() { return 1; }
      /* viztracer-ignore */ function a() { return callee(); }
      // @viztracer-ignore
      const b = () => callee();
      const o = {
        // @viztracer-ignore
        c() { return callee(); },
        d: /* viztracer-ignore */ function () { return callee(); },
      };
      class K {
        /* viztracer-ignore */
        static e() { return callee(); }
      }
      // viztracer-ignore
      // (another comment between is fine)
      function f() { return callee(); }
      function kept() { return callee(); }
      return a() + b() + o.c() + o.d() + K.e() + f() + kept();`);
    // An ignored function and what it calls are not recorded; the rest is.
    expect(log).toEqual([
      ...['[', ']', '[', ']', '[', ']', '[', ']', '[', ']', '[', ']'],
      ...['>kept', '>callee', '<callee', '<kept'],
    ]);
  });

  it('--ignore_function by name; an ignored async function is left alone', async () => {
    const log = same(
      `function skip() { return 1; } const o = { get size() { return 2; } };
      function kept() { return skip() + o.size; } return kept();`,
      { ignoreFunctions: ['skip', 'get size'] },
    );
    expect(log).toEqual(['>kept', '[', ']', '[', ']', '<kept']);
    const alog = await sameAsync(
      `async function skip(x) { await null; return x; } return await skip(3);`,
      { ignoreFunctions: ['skip'] },
    );
    expect(alog).toEqual([]);
  });

  it('an ignored function that throws still ends its ignored region', () => {
    const log = same(
      `function boom() { throw new Error('x'); }
      function after() { return 1; }
      try { boom(); } catch (e) {}
      return after();`,
      { ignoreFunctions: ['boom'] },
    );
    expect(log).toEqual(['[', ']', '>after', '<after']);
  });
});

describe('instrument: the function table', () => {
  it('names as V8 infers them, with 1-based lines', () => {
    const src = [
      'function decl() {}',
      'const v = function () {};',
      'obj.a.b = () => {};',
      'const o = { key: () => {}, ["computed"]: () => {} };',
      'class K { constructor() {} method() {} static st() {} #priv() {} }',
      '(function () {})();',
      'const named = function inner() {};',
      'const C = class { constructor() {} };',
      'function withDefault(cb = () => {}) {}',
    ].join('\n');
    const { functions } = instrument(`const obj = { a: {} };\n${src}`, '/f.js');
    expect(functions.map((f) => `${f.name}:${f.line}`)).toEqual([
      'decl:2',
      'v:3',
      'obj.a.b:4',
      'key:5',
      '(anonymous):5',
      'K:6',
      'method:6',
      'st:6',
      '#priv:6',
      '(anonymous):7',
      'inner:8',
      'C:9',
      'withDefault:10',
      'cb:10',
    ]);
    expect(functions.every((f) => f.file === '/f.js')).toBe(true);
  });

  it('ES modules parse as modules; a file with no function is left alone', () => {
    const esm = instrument(
      'import x from "y";\nexport default function () { return x; }\n',
      '/m.mjs',
      undefined,
      {
        sourceType: 'module',
      },
    );
    expect(esm.functions.map((f) => f.name)).toEqual(['default']);
    const none = 'const a = 1;\nconsole.log(a);\n';
    expect(instrument(none, '/n.js').code).toBe(none);
  });

  it('lines count \\r\\n, \\r and U+2028 as line ends, as V8 does', () => {
    const { functions } = instrument('a;\r\nb;\rc;\u2028function f() {}\n', '/l.js');
    expect(functions[0].line).toBe(4);
  });

  it('a hashbang line stays first', () => {
    const code = instrument('#!/usr/bin/env node\nfunction f() {}\n', '/h.js').code;
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('does not parse: throws, and the caller runs the original', () => {
    expect(() => instrument('function (', '/bad.js')).toThrow(SyntaxError);
  });
});

describe('a module that names a source map', () => {
  const src = [
    '"use strict";function a(){return 1}; const b = async () => { await a() };',
    'class C { m() { return (x) => x } static { a() } }',
    '//# sourceMappingURL=x.js.map',
    '',
  ].join('\n');

  it('moves every character of the source to a place that holds it (for its moved map)', () => {
    const { code, moved } = instrument(src, '/x.js');
    const before = src.split('\n');
    const after = code.split('\n');
    expect(after.length).toBe(before.length);
    for (let l = 0; l < before.length; l++) {
      for (let c = 0; c < before[l].length; c++) {
        expect(after[l][moved(l, c)], `${l}:${c}`).toBe(before[l][c]);
      }
    }
  });

  it("records each function's column, and how far the transform moved it", () => {
    const { code, functions } = instrument(src, '/x.js');
    const before = src.split('\n');
    const after = code.split('\n');
    expect(functions.map((f) => [f.name, f.line, f.column])).toEqual([
      ['a', 1, 14],
      ['b', 1, 48],
      ['m', 2, 11],
      ['(anonymous)', 2, 24],
      ['<static_initializer>', 2, 35],
    ]);
    // The first characters of each function (before its body, where code goes in).
    for (const f of functions) {
      const from = f.column! - 1;
      const to = from + (f.shift ?? 0);
      expect(after[f.line - 1].slice(to, to + 3)).toBe(before[f.line - 1].slice(from, from + 3));
    }
    // The header, on the first line, moved the functions after it.
    expect(functions[0].shift).toBeGreaterThan(0);
  });

  it('records no columns without a map', () => {
    const { functions } = instrument('function a(){}\n', '/x.js');
    expect(functions[0].column).toBeUndefined();
  });
});
