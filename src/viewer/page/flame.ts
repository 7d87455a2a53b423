// Aggregation by stack for the flame graph and the functions table. Every slice is a node of
// a call tree keyed by its stack (the names from the root down): identical stacks, in one
// thread or across threads, merge into one node whose total is the sum of their durations.
// Slices come parents first, so one pass with a slice → node array builds the tree.

import type { SliceColumns } from './contract';

export interface StackTree {
  /** Nodes; node 0 is the root (no name, the sum of everything). */
  size: number;
  /** String-table index, -1 for the root. */
  name: Int32Array;
  parent: Int32Array;
  /** 0 for the root, 1 for the stacks' outermost frames. */
  depth: Int32Array;
  /** µs spent in this stack, children included. */
  total: Float64Array;
  /** µs in this stack minus its children. */
  self: Float64Array;
  /** Slices merged into this node. */
  count: Float64Array;
  /** Children, sorted by total descending, as linked lists. -1 ends a list. */
  firstChild: Int32Array;
  nextSibling: Int32Array;
  /** 1 when the node's name also appears among its ancestors (a recursive call). */
  recursive: Uint8Array;
  maxDepth: number;
}

/** Merges the slices of `threads` by stack. `strings` is the size of the string table. */
export function buildStackTree(threads: readonly SliceColumns[], strings: number): StackTree {
  const name: number[] = [-1];
  const parent: number[] = [-1];
  const depth: number[] = [0];
  const total: number[] = [0];
  const count: number[] = [0];
  // (parent node, name) → child node. Keys stay exact below 2^53: nodes ≤ slices + 1.
  const width = strings + 1;
  const children = new Map<number, number>();
  for (const t of threads) {
    const nodeOf = new Int32Array(t.n);
    for (let i = 0; i < t.n; i++) {
      const p = t.parent[i] >= 0 && t.parent[i] < i ? nodeOf[t.parent[i]] : 0;
      const key = p * width + t.name[i];
      let node = children.get(key);
      if (node === undefined) {
        node = name.length;
        children.set(key, node);
        name.push(t.name[i]);
        parent.push(p);
        depth.push(depth[p] + 1);
        total.push(0);
        count.push(0);
      }
      total[node] += t.dur[i];
      count[node]++;
      nodeOf[i] = node;
    }
  }
  const size = name.length;
  const tree: StackTree = {
    size,
    name: Int32Array.from(name),
    parent: Int32Array.from(parent),
    depth: Int32Array.from(depth),
    total: Float64Array.from(total),
    self: new Float64Array(size),
    count: Float64Array.from(count),
    firstChild: new Int32Array(size).fill(-1),
    nextSibling: new Int32Array(size).fill(-1),
    recursive: new Uint8Array(size),
    maxDepth: 0,
  };
  // The root's total is what its children add up to.
  for (let n = 1; n < size; n++) if (tree.parent[n] === 0) tree.total[0] += tree.total[n];
  // Self = total - children's totals (never negative: badly nested input could make it so).
  tree.self.set(tree.total);
  for (let n = 1; n < size; n++) tree.self[tree.parent[n]] -= tree.total[n];
  for (let n = 0; n < size; n++) {
    if (tree.self[n] < 0) tree.self[n] = 0;
    if (tree.depth[n] > tree.maxDepth) tree.maxDepth = tree.depth[n];
  }
  linkChildren(tree);
  markRecursion(tree, strings);
  return tree;
}

/** Builds the sorted child lists: the widest child first, as flame graphs usually draw. */
function linkChildren(tree: StackTree): void {
  const ids = new Int32Array(tree.size - 1);
  for (let n = 1; n < tree.size; n++) ids[n - 1] = n;
  // Sorted by total ascending, then pushed to the front of their parent's list: each list
  // ends up descending. Ties keep first-seen order (stable sort, then reversed by pushing).
  const sorted = Array.from(ids).sort((a, b) => tree.total[a] - tree.total[b] || b - a);
  for (const n of sorted) {
    const p = tree.parent[n];
    tree.nextSibling[n] = tree.firstChild[p];
    tree.firstChild[p] = n;
  }
}

/**
 * Marks nodes whose function is already on the stack above them. A depth-first walk keeps,
 * per name, how many ancestors on the current path carry it.
 */
function markRecursion(tree: StackTree, strings: number): void {
  const active = new Int32Array(strings + 1);
  const stack: number[] = [];
  const children = (n: number): void => {
    for (let c = tree.firstChild[n]; c >= 0; c = tree.nextSibling[c]) stack.push(c);
  };
  // Entries >= 0 enter a node; ~n (negative) leaves node n.
  children(0);
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e < 0) {
      active[tree.name[~e]]--;
      continue;
    }
    const nm = tree.name[e];
    if (active[nm] > 0) tree.recursive[e] = 1;
    active[nm]++;
    stack.push(~e);
    children(e);
  }
}

export interface FunctionRow {
  /** String-table index. */
  name: number;
  /** µs in the function itself, over all its stacks. */
  self: number;
  /** µs with the function on the stack, counted once per stack when it recurses. */
  total: number;
  /** Slices of the function. */
  calls: number;
}

/** Per function: self and total time, and calls. */
export function functionTable(tree: StackTree): FunctionRow[] {
  const rows = new Map<number, FunctionRow>();
  for (let n = 1; n < tree.size; n++) {
    const nm = tree.name[n];
    let r = rows.get(nm);
    if (!r) {
      r = { name: nm, self: 0, total: 0, calls: 0 };
      rows.set(nm, r);
    }
    r.self += tree.self[n];
    r.calls += tree.count[n];
    // An inner recursive call's time is already inside the outer call's total.
    if (!tree.recursive[n]) r.total += tree.total[n];
  }
  return [...rows.values()];
}

export type SortKey = 'name' | 'self' | 'total' | 'calls';

/** Sorts rows by `key` (names through `label`), ties by name, in place. */
export function sortRows(
  rows: FunctionRow[],
  key: SortKey,
  descending: boolean,
  label: (name: number) => string,
): FunctionRow[] {
  const dir = descending ? -1 : 1;
  const byName = (a: FunctionRow, b: FunctionRow): number =>
    label(a.name) < label(b.name) ? -1 : label(a.name) > label(b.name) ? 1 : 0;
  return rows.sort((a, b) => {
    const c = key === 'name' ? byName(a, b) : a[key] - b[key];
    return c !== 0 ? dir * c : byName(a, b);
  });
}
