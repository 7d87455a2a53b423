// The viewer's model: events of any Chrome trace into sorted, nested, columnar thread tracks.
import { describe, expect, it } from 'vitest';
import { ModelBuilder, type Model } from '../../src/viewer/model';
import { wireMeta, threadBinary } from '../../src/viewer/wire';

function build(events: object[]): Model {
  const b = new ModelBuilder();
  for (const e of events) b.add(e);
  return b.build();
}

/** One line per slice: indented by depth, `name start+dur ^parent`. */
function show(m: Model, key = 0): string {
  const t = m.processes.flatMap((p) => p.threads).find((x) => x.key === key)!;
  const s = t.slices;
  return Array.from(s.start, (start, i) => {
    const parent = s.parent[i] >= 0 ? ` ^${s.parent[i]}` : '';
    return `${'  '.repeat(s.depth[i])}${m.strings[s.name[i]]} ${start}+${s.dur[i]}${parent}`;
  }).join('\n');
}

describe('ModelBuilder', () => {
  it('sorts X slices by start, parents first, and finds depth and parent', () => {
    const m = build([
      { ph: 'X', name: 'c', pid: 1, tid: 1, ts: 1020, dur: 5 },
      { ph: 'X', name: 'a', pid: 1, tid: 1, ts: 1000, dur: 100 },
      { ph: 'X', name: 'b', pid: 1, tid: 1, ts: 1000, dur: 50 },
      { ph: 'X', name: 'd', pid: 1, tid: 1, ts: 1060, dur: 10 },
      { ph: 'X', name: 'e', pid: 1, tid: 1, ts: 1200, dur: 1 },
    ]);
    expect(show(m)).toBe(
      ['a 0+100', '  b 0+50 ^0', '    c 20+5 ^1', '  d 60+10 ^0', 'e 200+1'].join('\n'),
    );
    expect(m.originMicros).toBe(1000);
    expect(m.durationMicros).toBe(201);
    expect(m.processes[0].threads[0].maxDepth).toBe(3);
  });

  it('keeps each slice’s args with it, whether the slices came sorted or not', () => {
    const ev = (name: string, ts: number, args?: object) => ({
      ph: 'X',
      name,
      pid: 1,
      tid: 1,
      ts,
      dur: 1,
      ...(args ? { args } : {}),
    });
    for (const events of [
      [ev('a', 0), ev('b', 2, { n: 'b' }), ev('c', 4, { n: 'c' })],
      [ev('c', 4, { n: 'c' }), ev('a', 0), ev('b', 2, { n: 'b' })],
    ]) {
      const s = build(events).processes[0].threads[0].slices;
      expect([...s.args].map(([i, a]) => [i, a.n])).toEqual([
        [1, 'b'],
        [2, 'c'],
      ]);
    }
  });

  it('pairs B and E events, closes unended B at the end, and counts unmatched E', () => {
    const m = build([
      { ph: 'B', name: 'outer', pid: 1, tid: 2, ts: 0, args: { a: 1 } },
      { ph: 'B', name: 'inner', pid: 1, tid: 2, ts: 10 },
      { ph: 'E', pid: 1, tid: 2, ts: 20, args: { r: 2 } },
      { ph: 'E', pid: 1, tid: 2, ts: 30 },
      { ph: 'E', pid: 1, tid: 2, ts: 31 },
      { ph: 'B', name: 'never ended', pid: 1, tid: 2, ts: 40 },
      { ph: 'X', name: 'last', pid: 1, tid: 2, ts: 45, dur: 5 },
    ]);
    expect(show(m)).toBe(
      ['outer 0+30', '  inner 10+10 ^0', 'never ended 40+10', '  last 45+5 ^2'].join('\n'),
    );
    expect(m.unmatched).toBe(2);
    const args = m.processes[0].threads[0].slices.args;
    expect(args.get(0)).toEqual({ a: 1 });
    expect(args.get(1)).toEqual({ r: 2 });
  });

  it('puts async spans (b/e, by cat and id) on a track of their own, in lanes', () => {
    const id = (local: string): object => ({ id2: { local } });
    const m = build([
      { ph: 'M', name: 'thread_name', pid: 1, tid: 1, args: { name: 'main' } },
      { ph: 'X', name: 'sync', pid: 1, tid: 1, ts: 0, dur: 5 },
      { ph: 'b', cat: 'async', name: 'f', pid: 1, tid: 1, ts: 0, ...id('1.1') },
      { ph: 'b', cat: 'async', name: 'f', pid: 1, tid: 1, ts: 2, ...id('1.2') },
      { ph: 'e', cat: 'async', name: 'f', pid: 1, tid: 1, ts: 10, ...id('1.1') },
      {
        ph: 'e',
        cat: 'async',
        name: 'f',
        pid: 1,
        tid: 1,
        ts: 8,
        ...id('1.2'),
        args: { exception: 'E: x' },
      },
      { ph: 'b', cat: 'async', name: 'g', pid: 1, tid: 1, ts: 9, id: 7 },
      { ph: 'e', cat: 'other', name: 'g', pid: 1, tid: 1, ts: 20, id: 7 },
      { ph: 'b', cat: 'async', name: 'h', pid: 1, tid: 1, ts: 12, id: '0x8' },
      { ph: 'e', cat: 'async', name: 'h', pid: 1, tid: 1, ts: 15, id: '0x8' },
    ]);
    const threads = m.processes[0].threads;
    expect(threads.map((t) => `${t.name}${t.async ? ' async' : ''}`)).toEqual([
      'main',
      'main (async) async',
    ]);
    // Concurrent calls overlap: lanes, no parents. 'g' never ended (its e has another cat): closed at the last time seen.
    expect(show(m, threads[1].key)).toBe(['f 0+10', '  f 2+6', '  g 9+6', 'h 12+3'].join('\n'));
    expect(threads[1].slices.args.get(1)).toEqual({ exception: 'E: x' });
    expect(m.unmatched).toBe(2);
    expect(wireMeta(m, 't').processes[0].threads[1].async).toBe(true);
  });

  it('names processes and threads from metadata and sorts them', () => {
    const m = build([
      { ph: 'M', name: 'process_name', pid: 7, tid: 7, args: { name: 'node app.js (pid 7)' } },
      { ph: 'M', name: 'thread_name', pid: 7, tid: 70, args: { name: 'Worker 1 (w)' } },
      { ph: 'M', name: 'thread_name', pid: 7, tid: 7, args: { name: 'main' } },
      { ph: 'M', name: 'thread_sort_index', pid: 7, tid: 7, args: { sort_index: 0 } },
      { ph: 'M', name: 'thread_sort_index', pid: 7, tid: 70, args: { sort_index: 1 } },
      { ph: 'X', name: 'w', pid: 7, tid: 70, ts: 5, dur: 1 },
      { ph: 'X', name: 'm', pid: 7, tid: 7, ts: 6, dur: 1 },
      { ph: 'X', name: 'other', pid: 3, tid: '3', ts: 1, dur: 1 },
    ]);
    expect(m.processes.map((p) => p.name)).toEqual(['Process 3', 'node app.js (pid 7)']);
    expect(m.processes[1].threads.map((t) => t.name)).toEqual(['main', 'Worker 1 (w)']);
    expect(m.processes[0].threads[0].tid).toBe(3);
  });

  it('puts child processes right after their parent (ppid in process_name), deepest last', () => {
    const proc = (pid: number, ppid: number) => ({
      ph: 'M',
      name: 'process_name',
      pid,
      tid: pid,
      args: { name: `p${pid}`, ppid },
    });
    const m = build([
      proc(30, 10),
      proc(20, 1),
      proc(10, 1),
      proc(40, 30),
      proc(15, 20),
      { ph: 'X', name: 'f', pid: 10, tid: 10, ts: 1, dur: 1 },
    ]);
    expect(m.processes.map((p) => `${p.pid}<${p.ppid}`)).toEqual([
      '10<1',
      '30<10',
      '40<30',
      '20<1',
      '15<20',
    ]);
    expect(wireMeta(m, 't').processes[1].ppid).toBe(10);
  });

  it('gives a counter the tid of its events (an OS thread of --native)', () => {
    const m = build([
      { ph: 'C', name: 'CPU % (libuv-worker 1)', pid: 1, tid: 7, ts: 1, args: { cpu: 90 } },
      { ph: 'C', name: 'CPU % (libuv-worker 1)', pid: 1, tid: 7, ts: 2, args: { cpu: 80 } },
    ]);
    expect(m.processes[0].counters[0].tid).toBe(7);
    expect(wireMeta(m, 't').processes[0].counters[0]).toMatchObject({ tid: 7, count: 2 });
  });

  it('keeps counters per process and series, and instants, relative to the origin', () => {
    const m = build([
      { ph: 'X', name: 'f', pid: 1, tid: 1, ts: 100, dur: 10 },
      { ph: 'C', name: 'CPU %', pid: 1, tid: 1, ts: 120, args: { user: 50, sys: 5 } },
      { ph: 'C', name: 'CPU %', pid: 1, tid: 1, ts: 110, args: { user: 40 } },
      { ph: 'i', name: 'mark', pid: 1, tid: 1, ts: 105, s: 'p' },
      { ph: 's', name: 'flow', pid: 1, tid: 1, ts: 1, id: 1 },
    ]);
    const c = m.processes[0].counters[0];
    expect(c.keys).toEqual(['user', 'sys']);
    expect(Array.from(c.ts)).toEqual([10, 20]);
    expect(Array.from(c.values)).toEqual([40, NaN, 50, 5]);
    expect(m.instants).toEqual([{ pid: 1, tid: 1, ts: 5, name: 'mark', scope: 'p' }]);
    expect(m.skipped).toBe(1);
  });

  it('puts user async slices (b/e) on the async track of their thread, in lanes where they overlap', () => {
    const m = build([
      { ph: 'X', name: 'f', pid: 1, tid: 1, ts: 100, dur: 100 },
      { ph: 'b', cat: 'user', id: '1.0', name: 'fetch', pid: 1, tid: 1, ts: 110, args: { u: 1 } },
      { ph: 'b', cat: 'user', id: '1.1', name: 'fetch', pid: 1, tid: 1, ts: 120 },
      { ph: 'e', cat: 'user', id: '1.0', name: 'fetch', pid: 1, tid: 1, ts: 150 },
      { ph: 'e', cat: 'user', id: '1.1', name: 'fetch', pid: 1, tid: 1, ts: 170 },
      { ph: 'b', cat: 'user', id: '1.2', name: 'later', pid: 1, tid: 1, ts: 160 },
      { ph: 'e', cat: 'user', id: '1.2', name: 'later', pid: 1, tid: 1, ts: 180 },
      { ph: 'e', cat: 'user', id: 'none', name: 'x', pid: 1, tid: 1, ts: 180 },
    ]);
    const [main, async] = m.processes[0].threads;
    expect(main.name).toBe('main');
    expect(async).toMatchObject({ name: 'main (async)', tid: 1, async: true, maxDepth: 2 });
    const s = async.slices;
    expect(Array.from(s.start)).toEqual([10, 20, 60]);
    expect(Array.from(s.dur)).toEqual([40, 50, 20]);
    expect(Array.from(s.depth)).toEqual([0, 1, 0]);
    expect(Array.from(s.parent)).toEqual([-1, -1, -1]);
    expect(s.args.get(0)).toEqual({ u: 1 });
    expect(m.unmatched).toBe(1);
  });

  it('describes the model for the page and packs a thread as typed columns', () => {
    const m = build([
      { ph: 'M', name: 'process_name', pid: 1, tid: 1, args: { name: '<b>p</b>' } },
      { ph: 'X', name: 'f', pid: 1, tid: 1, ts: 10, dur: 4 },
      { ph: 'X', name: 'g', pid: 1, tid: 1, ts: 11, dur: 1 },
    ]);
    const meta = wireMeta(m, 'r.json');
    expect(meta.processes[0]).toEqual({
      pid: 1,
      name: '<b>p</b>',
      threads: [{ key: 0, tid: 1, name: 'main', count: 2, maxDepth: 2 }],
      counters: [],
    });
    const bin = threadBinary(m.processes[0].threads[0]);
    expect(bin.length).toBe(2 * (8 + 8 + 4 + 4 + 4));
    const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length);
    expect(Array.from(new Float64Array(buf, 0, 2))).toEqual([0, 1]);
    expect(Array.from(new Float64Array(buf, 16, 2))).toEqual([4, 1]);
    expect(Array.from(new Int32Array(buf, 32, 2))).toEqual([0, 1]);
    expect(Array.from(new Int32Array(buf, 40, 2)).map((i) => m.strings[i])).toEqual(['f', 'g']);
    expect(Array.from(new Int32Array(buf, 48, 2))).toEqual([-1, 0]);
  });
});
