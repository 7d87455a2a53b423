// Previews of the program's values: bounded, and nothing of the program runs.
import { describe, expect, it } from 'vitest';
import { describeError, preview } from '../../src/instrument/preview';

/** An object whose every hook into user code throws (and counts). */
function booby(): { obj: object; calls: () => number } {
  let calls = 0;
  const boom = (): never => {
    calls++;
    throw new Error('user code ran');
  };
  const obj = {
    get g() {
      return boom();
    },
    toString: boom,
    valueOf: boom,
    [Symbol.toPrimitive]: boom,
    [Symbol.for('nodejs.util.inspect.custom')]: boom,
    plain: 1,
  };
  return { obj, calls: () => calls };
}

describe('preview', () => {
  it('primitives as they are; strings quoted and cut at 100 characters', () => {
    expect([1, -0, 1.5, NaN, 10n, true, null, undefined].map(preview)).toEqual([
      '1',
      '-0',
      '1.5',
      'NaN',
      '10n',
      'true',
      'null',
      'undefined',
    ]);
    expect(preview('a"b')).toBe('"a\\"b"');
    expect(preview('x'.repeat(150))).toBe(`"${'x'.repeat(100)}…"`);
    expect(preview(Symbol('s'))).toBe('Symbol(s)');
  });

  it('objects: class name and a few own data properties; accessors are not called', () => {
    const { obj, calls } = booby();
    expect(preview(obj)).toBe(
      '{g: [Getter/Setter], toString: [Function boom], valueOf: [Function boom], plain: 1}',
    );
    expect(preview({ a: 1, b: 2, c: 3, d: 4, e: 5 })).toBe('{a: 1, b: 2, c: 3, d: 4, …}');
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    expect(preview(new Point(1, 2))).toBe('Point{x: 1, y: 2}');
    expect(preview(Object.create(null))).toBe('[Object: null prototype]{}');
    expect(preview({ nested: { deep: 1 }, list: [1, 2] })).toBe(
      '{nested: Object{…}, list: Array(2)}',
    );
    expect(calls()).toBe(0);
  });

  it('a getter on the prototype named constructor is not called', () => {
    let called = false;
    const proto = {
      get constructor() {
        called = true;
        return Object;
      },
    };
    expect(preview(Object.create(proto))).toBe('{}');
    expect(called).toBe(false);
  });

  it('proxies: no trap runs', () => {
    let traps = 0;
    const handler = new Proxy(
      {},
      {
        get() {
          traps++;
          return () => {
            throw new Error('trap');
          };
        },
      },
    );
    const p = new Proxy({}, handler);
    const f = new Proxy(function named() {}, handler);
    expect(preview(p)).toBe('Proxy');
    expect(preview(f)).toBe('Proxy');
    expect(preview([p, f])).toBe('Array(2) [Proxy, Proxy]');
    expect(preview({ p })).toBe('{p: Proxy}');
    expect(describeError(p)).toBe('Proxy');
    expect(traps).toBe(0);
  });

  it('arrays, functions, classes and built-ins, bounded', () => {
    expect(preview([1, 'a', [2], {}, 5, 6])).toBe('Array(6) [1, "a", Array(1), Object{…}, …]');
    expect(preview(function f() {})).toBe('[Function f]');
    expect(preview(() => 1)).toBe('[Function (anonymous)]');
    expect(preview(class K {})).toBe('[Function K]');
    expect(preview(async function af() {})).toBe('[AsyncFunction af]');
    expect(preview(new Map([[1, 2]]))).toBe('Map(1)');
    expect(preview(new Set([1, 2]))).toBe('Set(2)');
    expect(preview(new Uint8Array(3))).toBe('Uint8Array(3)');
    expect(preview(new Date(0))).toBe('Date(1970-01-01T00:00:00.000Z)');
    expect(preview(/a+/g)).toBe('/a+/g');
    expect(preview(Promise.resolve(1))).toBe('Promise{…}');
    expect(preview(new TypeError('bad'))).toBe('TypeError: bad');
  });

  it('built-ins replaced by the program later are not called', () => {
    const size = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!;
    let called = false;
    Object.defineProperty(Map.prototype, 'size', {
      configurable: true,
      get() {
        called = true;
        return 99;
      },
    });
    try {
      expect(preview(new Map([[1, 1]]))).toBe('Map(1)');
      expect(called).toBe(false);
    } finally {
      Object.defineProperty(Map.prototype, 'size', size);
    }
  });

  it('a value that cannot be read shows as ?, and never throws', () => {
    // A revoked proxy is still a proxy: no trap, no throw.
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(preview(proxy)).toBe('Proxy');
    const sparse = new Array(3);
    expect(preview(sparse)).toBe('Array(3) [undefined, undefined, undefined]');
  });
});

describe('describeError', () => {
  it('class and message, the message cut at 100 characters', () => {
    class MyError extends Error {}
    expect(describeError(new MyError('oops'))).toBe('MyError: oops');
    expect(describeError(new RangeError('x'.repeat(120)))).toBe(`RangeError: ${'x'.repeat(100)}…`);
    expect(describeError('a string')).toBe('"a string"');
    expect(describeError(42)).toBe('42');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError({ message: 'plain object' })).toBe('Object: plain object');
  });

  it('a message behind a getter is not read', () => {
    let called = false;
    const e = Object.create(Error.prototype, {
      message: {
        get() {
          called = true;
          return 'no';
        },
      },
    });
    expect(describeError(e)).toBe('Error{}');
    expect(called).toBe(false);
  });
});
