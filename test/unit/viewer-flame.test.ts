// Aggregation by stack (flame graph) and the functions table's totals.
import { describe, expect, it } from 'vitest';
import type { SliceColumns } from '../../src/viewer/page/contract';
import { buildStackTree, functionTable, sortRows } from '../../src/viewer/page/flame';

/** A thread from [start, dur, depth, parent, name] rows. */
function thread(rows: [number, number, number, number, number][]): SliceColumns {
  return {
    n: rows.length,
    start: Float64Array.from(rows, (r) => r[0]),
    dur: Float64Array.from(rows, (r) => r[1]),
    depth: Int32Array.from(rows, (r) => r[2]),
    parent: Int32Array.from(rows, (r) => r[3]),
    name: Int32Array.from(rows, (r) => r[4]),
  };
}

const MAIN = 0;
const A = 1;
const B = 2;
const STRINGS = ['main', 'a', 'b'];

/** Children of a node as [name, total] pairs, in the tree's order. */
function kids(tree: ReturnType<typeof buildStackTree>, node: number): [string, number][] {
  const out: [string, number][] = [];
  for (let c = tree.firstChild[node]; c >= 0; c = tree.nextSibling[c]) {
    out.push([STRINGS[tree.name[c]], tree.total[c]]);
  }
  return out;
}

describe('buildStackTree', () => {
  // main [0,100) → a [0,30), b [40,90) → a [50,60); then main [100,110) → a [100,105)
  const t1 = thread([
    [0, 100, 0, -1, MAIN],
    [0, 30, 1, 0, A],
    [40, 50, 1, 0, B],
    [50, 10, 2, 2, A],
    [100, 10, 0, -1, MAIN],
    [100, 5, 1, 4, A],
  ]);

  it('merges identical stacks and sums their time', () => {
    const tree = buildStackTree([t1], STRINGS.length);
    expect(tree.total[0]).toBe(110);
    expect(kids(tree, 0)).toEqual([['main', 110]]);
    const main = tree.firstChild[0];
    expect(tree.count[main]).toBe(2);
    expect(kids(tree, main)).toEqual([
      ['b', 50],
      ['a', 35],
    ]);
    expect(tree.self[main]).toBe(25);
    expect(tree.maxDepth).toBe(3);
  });

  it('merges stacks across threads', () => {
    const t2 = thread([
      [0, 20, 0, -1, MAIN],
      [5, 10, 1, 0, A],
    ]);
    const tree = buildStackTree([t1, t2], STRINGS.length);
    expect(tree.total[0]).toBe(130);
    const main = tree.firstChild[0];
    expect(tree.total[main]).toBe(130);
    expect(kids(tree, main)).toEqual([
      ['b', 50],
      ['a', 45],
    ]);
  });

  it('handles an empty thread list', () => {
    const tree = buildStackTree([], 0);
    expect(tree.size).toBe(1);
    expect(tree.total[0]).toBe(0);
    expect(functionTable(tree)).toEqual([]);
  });
});

describe('functionTable', () => {
  it('gives self time, total time and calls', () => {
    const t = thread([
      [0, 100, 0, -1, MAIN],
      [0, 30, 1, 0, A],
      [40, 50, 1, 0, B],
      [50, 10, 2, 2, A],
    ]);
    const rows = functionTable(buildStackTree([t], STRINGS.length));
    const by = Object.fromEntries(rows.map((r) => [STRINGS[r.name], r]));
    expect(by.main).toEqual({ name: MAIN, self: 20, total: 100, calls: 1 });
    expect(by.a).toEqual({ name: A, self: 40, total: 40, calls: 2 });
    expect(by.b).toEqual({ name: B, self: 40, total: 50, calls: 1 });
  });

  it('counts a recursive function once per stack', () => {
    // a [0,100) → a [10,90) → a [20,80) → b [30,40)   (fib-like)
    const t = thread([
      [0, 100, 0, -1, A],
      [10, 80, 1, 0, A],
      [20, 60, 2, 1, A],
      [30, 10, 3, 2, B],
    ]);
    const tree = buildStackTree([t], STRINGS.length);
    const rows = functionTable(tree);
    const a = rows.find((r) => r.name === A)!;
    expect(a.total).toBe(100); // not 100 + 80 + 60
    expect(a.self).toBe(90);
    expect(a.calls).toBe(3);
    const b = rows.find((r) => r.name === B)!;
    expect(b.total).toBe(10);
  });

  it('counts recursion through another function once too', () => {
    // a → b → a: the inner a is inside the outer a's total.
    const t = thread([
      [0, 100, 0, -1, A],
      [10, 50, 1, 0, B],
      [20, 20, 2, 1, A],
    ]);
    const rows = functionTable(buildStackTree([t], STRINGS.length));
    expect(rows.find((r) => r.name === A)!.total).toBe(100);
    expect(rows.find((r) => r.name === B)!.total).toBe(50);
  });

  it('sorts by any column, ties by name', () => {
    const rows = [
      { name: A, self: 5, total: 10, calls: 3 },
      { name: B, self: 5, total: 30, calls: 1 },
      { name: MAIN, self: 9, total: 40, calls: 1 },
    ];
    const label = (n: number): string => STRINGS[n];
    const names = (): string[] => rows.map((r) => STRINGS[r.name]);
    sortRows(rows, 'self', true, label);
    expect(names()).toEqual(['main', 'a', 'b']);
    sortRows(rows, 'total', false, label);
    expect(names()).toEqual(['a', 'b', 'main']);
    sortRows(rows, 'calls', true, label);
    expect(names()).toEqual(['a', 'b', 'main']);
    sortRows(rows, 'name', false, label);
    expect(names()).toEqual(['a', 'b', 'main']);
  });
});
