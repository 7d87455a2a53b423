// Search: matching names, and walking matches across threads in time order.
import { describe, expect, it } from 'vitest';
import { matchNames, matchSlices, Matches } from '../../src/viewer/page/search';
import { base64ToBytes, decodeCounter, decodeThread } from '../../src/viewer/page/contract';

describe('matchNames', () => {
  it('matches substrings of function names, ignoring case; a blank query is no search', () => {
    const strings = ['fib (/a.js:1)', 'main', 'FibHelper', 'other'];
    expect(Array.from(matchNames(strings, 'fib')!)).toEqual([1, 0, 1, 0]);
    expect(Array.from(matchNames(strings, '  MAIN ')!)).toEqual([0, 1, 0, 0]);
    expect(matchNames(strings, '   ')).toBeNull();
    expect(Array.from(matchNames(strings, 'zzz')!)).toEqual([0, 0, 0, 0]);
  });

  it('matches the name only, not the file; file: matches the file', () => {
    const strings = ['run (/srv/fib.js:3)', 'fib (/srv/main.js:9)', '(garbage collector)'];
    expect(Array.from(matchNames(strings, 'fib')!)).toEqual([0, 1, 0]);
    expect(Array.from(matchNames(strings, 'file:fib.js')!)).toEqual([1, 0, 0]);
    expect(Array.from(matchNames(strings, 'garbage')!)).toEqual([0, 0, 1]);
    expect(matchNames(strings, 'file:')).toBeNull();
  });

  it('lists the matching slices of a thread', () => {
    const matched = Uint8Array.from([0, 1, 0]);
    expect(Array.from(matchSlices(Int32Array.from([1, 0, 2, 1, 1]), matched))).toEqual([0, 3, 4]);
  });
});

describe('Matches', () => {
  // Thread 0 matches start at 10, 30, 30; thread 1's at 5, 30, 50.
  const starts = [Float64Array.from([10, 20, 30, 30]), Float64Array.from([5, 30, 50])];
  const m = new Matches(starts, [Int32Array.from([0, 2, 3]), Int32Array.from([0, 1, 2])]);
  const order = [
    { thread: 1, index: 0 },
    { thread: 0, index: 0 },
    { thread: 0, index: 2 },
    { thread: 0, index: 3 },
    { thread: 1, index: 1 },
    { thread: 1, index: 2 },
  ];

  it('walks forward in time order, ties by thread then index, and wraps', () => {
    expect(m.total).toBe(6);
    let c = m.next(null);
    const seen = [c];
    for (let k = 0; k < 6; k++) seen.push((c = m.next(c)));
    expect(seen).toEqual([...order, order[0]]);
  });

  it('walks backward and wraps', () => {
    let c = m.prev(null);
    const seen = [c];
    for (let k = 0; k < 6; k++) seen.push((c = m.prev(c)));
    expect(seen).toEqual([...[...order].reverse(), order[5]]);
  });

  it('ranks a match among all', () => {
    order.forEach((c, k) => expect(m.rank(c)).toBe(k + 1));
  });

  it('has nothing to walk without matches', () => {
    const none = new Matches(starts, [new Int32Array(0), new Int32Array(0)]);
    expect(none.total).toBe(0);
    expect(none.next(null)).toBeNull();
    expect(none.prev(null)).toBeNull();
  });
});

describe('wire decoding', () => {
  it('views a thread binary as columns and decodes base64', () => {
    const n = 2;
    const buf = new ArrayBuffer(28 * n);
    new Float64Array(buf, 0, n).set([1.5, 2]);
    new Float64Array(buf, 16, n).set([10, 0.5]);
    new Int32Array(buf, 32, n).set([0, 1]);
    new Int32Array(buf, 40, n).set([7, 8]);
    new Int32Array(buf, 48, n).set([-1, 0]);
    const bytes = new Uint8Array(buf);
    const b64 = Buffer.from(bytes).toString('base64');
    const decoded = base64ToBytes(b64);
    expect(Array.from(decoded)).toEqual(Array.from(bytes));
    const c = decodeThread(decoded, n);
    expect(Array.from(c.start)).toEqual([1.5, 2]);
    expect(Array.from(c.dur)).toEqual([10, 0.5]);
    expect(Array.from(c.depth)).toEqual([0, 1]);
    expect(Array.from(c.name)).toEqual([7, 8]);
    expect(Array.from(c.parent)).toEqual([-1, 0]);
    expect(() => decodeThread(decoded, 3)).toThrow(/bytes/);
  });

  it('decodes base64 of every length, with or without padding', () => {
    for (let len = 0; len < 20; len++) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 37 + 11) & 0xff);
      const b64 = Buffer.from(bytes).toString('base64');
      expect(Array.from(base64ToBytes(b64))).toEqual(Array.from(bytes));
      expect(Array.from(base64ToBytes(b64.replace(/=+$/, '')))).toEqual(Array.from(bytes));
    }
  });

  it('copies unaligned bytes before viewing them', () => {
    const raw = new Uint8Array(8 * 3 + 1);
    new Float64Array(raw.buffer, 0, 3).set([1, 2, 3]);
    raw.copyWithin(1, 0, 24);
    const c = decodeCounter(raw.subarray(1), 1, 2);
    expect(Array.from(c.ts)).toEqual([1]);
    expect(Array.from(c.values)).toEqual([2, 3]);
  });
});
