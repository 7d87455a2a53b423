// Search by name. A query is matched once against the string table (names are interned, so
// a million slices share a few thousand names); a thread's matches are then the slices whose
// name index matched, kept as sorted index lists. "Next" and "previous" walk all threads in
// time order with one binary search per thread, so no global sorted list of matches (up to
// every slice of the report) is ever built.

/**
 * Which string-table entries match the query (case-insensitive); null for a blank query. A
 * query matches the function's name, the part of `fn (file:line)` before its location; with
 * `file:` in front it matches the location instead (`file:server.ts`, `file:node:internal`).
 */
export function matchNames(strings: readonly string[], query: string): Uint8Array | null {
  let q = query.trim().toLowerCase();
  const byFile = q.startsWith('file:');
  if (byFile) q = q.slice('file:'.length).trim();
  if (q === '') return null;
  const out = new Uint8Array(strings.length);
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i].toLowerCase();
    // `fn (file:line)`: a location is a final parenthesised group after a space.
    const at = s.endsWith(')') ? s.lastIndexOf(' (') : -1;
    const part = byFile ? (at >= 0 ? s.slice(at + 2, -1) : '') : at >= 0 ? s.slice(0, at) : s;
    if (part.includes(q)) out[i] = 1;
  }
  return out;
}

/** Indices (ascending, so by start) of a thread's slices whose name matched. */
export function matchSlices(name: Int32Array, matched: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < name.length; i++) count += matched[name[i]];
  const out = new Int32Array(count);
  let o = 0;
  for (let i = 0; i < name.length; i++) if (matched[name[i]]) out[o++] = i;
  return out;
}

/** A match: the thread's position in the page's thread list and the slice index in it. */
export interface Cursor {
  thread: number;
  index: number;
}

/**
 * All matches of a search in a total order: by start, then thread position, then index
 * (index order is start order within a thread, parents first on equal starts).
 */
export class Matches {
  readonly total: number;

  constructor(
    /** Per thread: its slice starts. */
    private readonly starts: readonly Float64Array[],
    /** Per thread: its matching slice indices, ascending. */
    readonly perThread: readonly Int32Array[],
  ) {
    this.total = perThread.reduce((n, m) => n + m.length, 0);
  }

  /** Whether match (t, i) comes before cursor c. */
  private before(t: number, i: number, c: Cursor): boolean {
    const s = this.starts[t][i];
    const cs = this.starts[c.thread][c.index];
    if (s !== cs) return s < cs;
    if (t !== c.thread) return t < c.thread;
    return i < c.index;
  }

  /** How many of thread t's matches come before c (binary search: they form a prefix). */
  private countBefore(t: number, c: Cursor): number {
    const m = this.perThread[t];
    let lo = 0;
    let hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(t, m[mid], c)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** 1-based position of c among all matches (c should be a match). */
  rank(c: Cursor): number {
    let r = 1;
    for (let t = 0; t < this.perThread.length; t++) r += this.countBefore(t, c);
    return r;
  }

  first(): Cursor | null {
    return this.pick(() => 0, true);
  }

  last(): Cursor | null {
    return this.pick((t) => this.perThread[t].length - 1, false);
  }

  /** The match after c, wrapping to the first; from nothing, the first. */
  next(c: Cursor | null): Cursor | null {
    if (!c) return this.first();
    const found = this.pick((t) => {
      // First match not before c and not c itself.
      let p = this.countBefore(t, c);
      const m = this.perThread[t];
      if (p < m.length && t === c.thread && m[p] === c.index) p++;
      return p;
    }, true);
    return found ?? this.first();
  }

  /** The match before c, wrapping to the last; from nothing, the last. */
  prev(c: Cursor | null): Cursor | null {
    if (!c) return this.last();
    const found = this.pick((t) => this.countBefore(t, c) - 1, false);
    return found ?? this.last();
  }

  /** Among each thread's candidate position, the earliest (or latest) match. */
  private pick(position: (t: number) => number, earliest: boolean): Cursor | null {
    let best: Cursor | null = null;
    for (let t = 0; t < this.perThread.length; t++) {
      const m = this.perThread[t];
      const p = position(t);
      if (p < 0 || p >= m.length) continue;
      const cand = { thread: t, index: m[p] };
      if (!best) best = cand;
      else if (earliest ? this.before(t, cand.index, best) : !this.before(t, cand.index, best))
        best = cand;
    }
    return best;
  }
}
