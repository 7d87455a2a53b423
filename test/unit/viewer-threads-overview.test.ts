// The threads overview of the viewer: which counters are an OS thread's, and a CPU % track
// averaged per pixel column on one fixed scale.
import { describe, expect, it } from 'vitest';
import type { CounterData } from '../../src/viewer/page/data';
import { isProfilerThread, osThreadCounter } from '../../src/viewer/page/range-summary';
import { columnMeans } from '../../src/viewer/page/timeline-draw';
import { viewTransform } from '../../src/viewer/page/viewport';

const cpu = (ts: number[], values: number[]): CounterData =>
  ({
    info: { key: 0, tid: 1, name: 'CPU % (main)', keys: ['cpu'], count: ts.length },
    pid: 1,
    cols: { n: ts.length, ts: Float64Array.from(ts), values: Float64Array.from(values) },
    min: 0,
    max: 100,
    scale: { lo: 0, hi: 100 },
  }) as CounterData;

describe('osThreadCounter', () => {
  it('reads the OS thread of CPU % and CPU core tracks, and nothing else', () => {
    expect(osThreadCounter('CPU % (libuv-worker 1)')).toEqual({
      kind: 'cpu',
      thread: 'libuv-worker 1',
    });
    expect(osThreadCounter('CPU core (main)')).toEqual({ kind: 'core', thread: 'main' });
    expect(osThreadCounter('CPU %')).toBeNull();
    expect(osThreadCounter('heap')).toBeNull();
  });
});

describe('isProfilerThread', () => {
  it("tells the profiler's own threads from the program's", () => {
    for (const name of ['viztracer-mon', 'viztracer-cmp', 'vz-signals', 'v8:ProfEvntProc']) {
      expect(isProfilerThread(name), name).toBe(true);
    }
    for (const name of ['main', 'libuv-worker 1', 'V8 worker 2', 'viztracer-monitor', 'thread 7']) {
      expect(isProfilerThread(name), name).toBe(false);
    }
  });
});

describe('columnMeans', () => {
  it('averages a step function over each pixel column, time-weighted; NaN before data', () => {
    // 0-100 µs on 10 px: 10 µs a pixel. 100 % from 20 to 35, 0 % from 35 to 60, 50 % after.
    const c = cpu([20, 35, 60], [100, 0, 50]);
    const out = new Float32Array(10);
    const cover = new Float32Array(10);
    columnMeans(c, 0, viewTransform({ start: 0, end: 100 }, 10), 100, out, cover);
    expect(Array.from(out, (v) => (Number.isNaN(v) ? 'NaN' : Math.round(v)))).toEqual([
      'NaN',
      'NaN',
      100,
      50,
      0,
      0,
      50,
      50,
      50,
      50,
    ]);
  });

  it('averages the many samples that fall in one column', () => {
    const n = 100_000;
    const ts = Array.from({ length: n }, (_, i) => i);
    const values = ts.map((i) => (i % 2 === 0 ? 100 : 0));
    const out = new Float32Array(4);
    columnMeans(
      cpu(ts, values),
      0,
      viewTransform({ start: 0, end: n }, 4),
      n,
      out,
      new Float32Array(4),
    );
    for (const v of out) expect(v).toBeCloseTo(50, 0);
  });
});
