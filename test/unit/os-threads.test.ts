// The monitor's data to named counter tracks, and those tracks as report events.
import { describe, expect, it } from 'vitest';
import type { MonitoredThread, ThreadLabel } from '../../src/native';
import { eventsOfPieces, processEventTexts } from '../../src/report/serialize';
import {
  osThreadTracks,
  OTHER_SORT_BASE,
  POOL_SORT_BASE,
  V8_SORT_BASE,
} from '../../src/trace/os-threads';
import type { SliceTable } from '../../src/trace/convert';

function thread(
  tid: number,
  name: string,
  cpuMicros: number,
  extra: Partial<MonitoredThread<ThreadLabel | null>> = {},
) {
  return {
    tid,
    name,
    js: false,
    label: null,
    cpuMicros,
    ts: Float64Array.of(100, 110),
    cpuPercent: Float32Array.of(12.34, 0),
    core: Int32Array.of(1, 0),
    ...extra,
  };
}

const data = {
  periodMillis: 10,
  monitorTid: 9,
  startTime: 90,
  endTime: 120,
  droppedTicks: 0,
  threads: [
    thread(1, 'node', 50, { js: true, label: { name: 'main', sortIndex: 0 } }),
    thread(2, 'node', 0),
    thread(3, 'node', 10),
    thread(4, 'node', 20),
    thread(5, 'V8 DefaultWorke', 5),
    thread(6, 'node', 7, { js: true, label: { name: 'Worker 1 (w)', sortIndex: 1 } }),
    thread(7, 'node', 3),
  ],
};

describe('osThreadTracks', () => {
  it('names the pool, JS threads, informative comms and the rest; skips idle threads', () => {
    const tracks = osThreadTracks(data, { libuv: [4, 3], v8: [9, 7] });
    expect(tracks.map((t) => [t.tid, t.name, t.named, t.sortIndex])).toEqual([
      [1, 'main', false, 0],
      [6, 'Worker 1 (w)', false, 1],
      [4, 'libuv-worker 1', true, POOL_SORT_BASE],
      [3, 'libuv-worker 2', true, POOL_SORT_BASE + 1],
      [7, 'V8 worker 2', true, V8_SORT_BASE + 1],
      [5, 'V8 DefaultWorke', true, OTHER_SORT_BASE + 4],
    ]);
    // The addon's columns as they are; CPU % is written with one decimal.
    expect(
      tracks[2].counters.map((c) => [c.name, c.key, c.decimals, Array.from(c.values)]),
    ).toEqual([
      ['CPU % (libuv-worker 1)', 'cpu', 1, [Math.fround(12.34), 0]],
      ['CPU core (libuv-worker 1)', 'core', undefined, [1, 0]],
    ]);
  });

  it('calls a thread whose comm is just node by its tid', () => {
    expect(osThreadTracks(data, { libuv: [], v8: [] })[2].name).toBe('thread 3');
  });
});

describe('processEventTexts with OS threads', () => {
  it('names only non-JS threads, once, and writes one counter event a point', () => {
    const empty = { count: 0, sampleCount: 0, names: [] } as unknown as SliceTable;
    const texts = [
      ...eventsOfPieces(
        processEventTexts({
          pid: 1,
          name: 'p',
          args: {},
          threads: [{ tid: 1, name: 'main', sortIndex: 0, slices: empty }],
          osThreads: osThreadTracks(
            { ...data, threads: data.threads.slice(0, 4) },
            { libuv: [4], v8: [] },
          ),
        }),
      ),
    ] as unknown as Record<string, unknown>[];
    const names = texts.filter((e) => e.name === 'thread_name').map((e) => e.args);
    expect(names).toEqual([{ name: 'main' }, { name: 'libuv-worker 1' }, { name: 'thread 3' }]);
    expect(texts.filter((e) => e.ph === 'C' && e.tid === 4)).toEqual([
      { ph: 'C', name: 'CPU % (libuv-worker 1)', pid: 1, tid: 4, ts: 100, args: { cpu: 12.3 } },
      { ph: 'C', name: 'CPU % (libuv-worker 1)', pid: 1, tid: 4, ts: 110, args: { cpu: 0 } },
      { ph: 'C', name: 'CPU core (libuv-worker 1)', pid: 1, tid: 4, ts: 100, args: { core: 1 } },
      { ph: 'C', name: 'CPU core (libuv-worker 1)', pid: 1, tid: 4, ts: 110, args: { core: 0 } },
    ]);
  });
});
