// What ran in a range of time: self, total and count per function, busy time per thread.
import { describe, expect, it } from 'vitest';
import type { SliceColumns } from '../../src/viewer/page/contract';
import { summarizeOsThreads, summarizeRange } from '../../src/viewer/page/range-summary';

/** Slices as [name, start, dur, parent]. */
function cols(rows: [number, number, number, number][]): SliceColumns {
  return {
    n: rows.length,
    name: Int32Array.from(rows.map((r) => r[0])),
    start: Float64Array.from(rows.map((r) => r[1])),
    dur: Float64Array.from(rows.map((r) => r[2])),
    parent: Int32Array.from(rows.map((r) => r[3])),
    depth: Int32Array.from(rows.map((r) => (r[3] < 0 ? 0 : 1))),
  };
}

describe('summarizeRange', () => {
  // main 0..100 > fib 10..60 > fib 20..40; main > log 70..80. A second thread: work 50..150.
  const a = cols([
    [0, 0, 100, -1],
    [1, 10, 50, 0],
    [1, 20, 20, 1],
    [2, 70, 10, 0],
  ]);
  const b = cols([[3, 50, 100, -1]]);

  it('counts the part of each slice inside the range, self without children, recursion once', () => {
    const r = summarizeRange([a, b], 30, 75);
    const f = Object.fromEntries(r.functions.map((x) => [x.name, [x.self, x.total, x.count]]));
    expect(f).toEqual({
      0: [10, 45, 1], // main 30..75 (45) minus fib 30..60 (30) and log 70..75 (5)
      1: [30, 30, 2], // fib 30..60 on the stack (once), self 40..60 + 30..40
      2: [5, 5, 1],
      3: [25, 25, 1], // work 50..75
    });
    expect(r.threads).toEqual([
      { thread: 0, busy: 45, count: 4 },
      { thread: 1, busy: 25, count: 1 },
    ]);
  });

  it('takes the range either way round, and has nothing outside the slices', () => {
    expect(summarizeRange([a, b], 75, 30)).toEqual(summarizeRange([a, b], 30, 75));
    const none = summarizeRange([a], 200, 300);
    expect(none.functions).toEqual([]);
    expect(none.threads).toEqual([]);
  });
});

describe('summarizeOsThreads', () => {
  const series = (pid: number, name: string, pts: [number, number][]) => ({
    pid,
    name,
    ts: Float64Array.from(pts.map((p) => p[0])),
    values: Float64Array.from(pts.map((p) => p[1])),
  });

  it('gives each thread its CPU time, average CPU % and cores in the range, like ps -T', () => {
    const r = summarizeOsThreads(
      [
        // main: 100% from 0 to 50, then 0; on core 1 until 30, then core 0.
        series(7, 'CPU % (main)', [
          [0, 100],
          [50, 0],
        ]),
        series(7, 'CPU core (main)', [
          [0, 1],
          [30, 0],
        ]),
        // a pool thread: 50% all along, no core track.
        series(7, 'CPU % (libuv-worker 1)', [[0, 50]]),
        // an idle thread: left out.
        series(7, 'CPU % (V8 worker 1)', [[0, 0]]),
      ],
      20,
      100,
    );
    expect(r).toEqual([
      { pid: 7, name: 'libuv-worker 1', cpuPercent: 50, cpuMicros: 40, cores: [] },
      {
        pid: 7,
        name: 'main',
        cpuPercent: 37.5,
        cpuMicros: 30,
        cores: [
          [0, 0.875],
          [1, 0.125],
        ],
      },
    ]);
  });
});
