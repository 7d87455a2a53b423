// A report's slices back as stacks over time (report/stacks.ts): what pprof and .cpuprofile
// are written from. Stacks print as `outer;inner start+duration`.
import { describe, expect, it } from 'vitest';
import { stackOf, threadStacks, type ThreadStacks } from '../../src/report/stacks';
import type { TraceEvent } from '../../src/trace/events';

const X = (name: string, ts: number, dur: number, extra: Partial<TraceEvent> = {}): TraceEvent =>
  ({ ph: 'X', name, pid: 1, tid: 1, ts, dur, ...extra }) as TraceEvent;

function show(t: ThreadStacks): string[] {
  const seg = t.segments;
  return seg.node.map((n, i) => {
    const names = stackOf(t.nodes, n)
      .reverse()
      .map((id) => t.nodes[id].func);
    const cpu = seg.cpu[i] >= 0 ? ` cpu${seg.cpu[i]}` : '';
    return `${names.join(';') || '(idle)'} ${seg.startMicros[i]}+${seg.durationMicros[i]}${cpu}`;
  });
}

describe('threadStacks', () => {
  it('gives back to back segments of the innermost open slice, idle where none is', () => {
    const [t] = threadStacks([
      X('main (/a.js:1)', 0, 10),
      X('fib (/a.js:5)', 2, 3),
      X('fib (/a.js:5)', 3, 1),
      X('later (/a.js:9)', 15, 5),
    ]);
    expect(show(t)).toEqual([
      'main 0+2',
      'main;fib 2+1',
      'main;fib;fib 3+1',
      'main;fib 4+1',
      'main 5+5',
      '(idle) 10+5',
      'later 15+5',
    ]);
    expect(t.nodes[stackOf(t.nodes, 3)[0]]).toMatchObject({ func: 'fib', file: '/a.js', line: 5 });
  });

  it('sorts a parent before a child that starts with it', () => {
    const [t] = threadStacks([X('inner', 0, 2), X('outer', 0, 4)]);
    expect(show(t)).toEqual(['outer;inner 0+2', 'outer 2+2']);
  });

  it("cuts a slice that overlaps its parent's end", () => {
    const [t] = threadStacks([X('outer', 0, 4), X('inner', 2, 5)]);
    expect(show(t)).toEqual(['outer 0+2', 'outer;inner 2+2']);
  });

  it("keeps each slice's core and leaves out the program's own slices and other events", () => {
    const [t] = threadStacks([
      X('work', 0, 4, { args: { cpu: 1 } }),
      X('mark', 1, 1, { cat: 'user' } as Partial<TraceEvent>),
      { ph: 'i', name: 'instant', pid: 1, tid: 1, ts: 1 } as TraceEvent,
      { ph: 'C', name: 'CPU %', pid: 1, tid: 1, ts: 1, args: { v: 1 } } as TraceEvent,
    ]);
    expect(show(t)).toEqual(['work 0+4 cpu1']);
  });

  it('names threads and processes from their metadata events, one entry per thread', () => {
    const ts = threadStacks([
      { ph: 'M', name: 'process_name', pid: 2, tid: 2, args: { name: 'node app.js' } },
      { ph: 'M', name: 'thread_name', pid: 2, tid: 7, args: { name: 'Worker 1' } },
      X('a', 0, 1, { pid: 2, tid: 7 }),
      X('b', 0, 1, { pid: 1, tid: 1 }),
    ]);
    expect(ts.map((t) => [t.pid, t.tid, t.threadName, t.processName])).toEqual([
      [1, 1, 'thread 1', null],
      [2, 7, 'Worker 1', 'node app.js'],
    ]);
  });
});
