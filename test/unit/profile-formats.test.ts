// pprof and .cpuprofile written from a report's stacks and read back (report/pprof.ts,
// report/cpuprofile.ts, report/foreign.ts): totals per function survive both ways.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Profile } from 'pprof-format';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { asCpuProfile, toCpuProfile } from '../../src/report/cpuprofile';
import { cpuProfileReport, pprofReport, threadOfProfileName } from '../../src/report/foreign';
import { fromPprof, toPprof } from '../../src/report/pprof';
import { readReportSync, ReportReadError } from '../../src/report/read';
import { threadStacks } from '../../src/report/stacks';
import type { TraceEvent } from '../../src/trace/events';
import { tempDir } from '../helpers/run';

const X = (name: string, ts: number, dur: number, extra: Partial<TraceEvent> = {}): TraceEvent =>
  ({ ph: 'X', name, pid: 10, tid: 10, ts, dur, ...extra }) as TraceEvent;

/** Two threads of one process: main computes, a worker waits then computes on core 1. */
const REPORT: TraceEvent[] = [
  { ph: 'M', name: 'process_name', pid: 10, tid: 10, args: { name: 'node app.js' } },
  { ph: 'M', name: 'thread_name', pid: 10, tid: 10, args: { name: 'main' } },
  { ph: 'M', name: 'thread_name', pid: 10, tid: 11, args: { name: 'Worker 1' } },
  X('main (/app/a.js:1)', 1000, 4000),
  X('fib (/app/a.js:5)', 2000, 2000),
  X('(garbage collector)', 4500, 500),
  X('work (/app/w.js:3)', 1000, 1000, { tid: 11, args: { cpu: 1 } }),
  X('work (/app/w.js:3)', 4000, 2000, { tid: 11, args: { cpu: 1 } }),
];

/** Self µs per function name, from slices (the timeline's own totals). */
function selfTotals(events: readonly TraceEvent[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const t of threadStacks(events)) {
    t.segments.node.forEach((n, i) => {
      if (n === 0) return;
      const name = t.nodes[n].func;
      totals.set(name, (totals.get(name) ?? 0) + t.segments.durationMicros[i]);
    });
  }
  return totals;
}

const META = { intervalMicros: 1000, baseTimeNanoseconds: 5_000_000_000n, comment: 'test' };

describe('pprof', () => {
  const bytes = toPprof(threadStacks(REPORT), META);

  it('writes gzipped profile.proto with sample types, period and times', () => {
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const p = Profile.decode(gunzipSync(bytes));
    const s = (i: number | bigint): string => p.stringTable.strings[Number(i)];
    expect(p.sampleType.map((t) => `${s(t.type)}/${s(t.unit)}`)).toEqual([
      'samples/count',
      'wall/nanoseconds',
    ]);
    expect(`${s(p.periodType!.type)}/${s(p.periodType!.unit)}`).toBe('wall/nanoseconds');
    expect(Number(p.period)).toBe(1_000_000);
    // First slice at 1000 µs, last end at 6000 µs.
    expect(Number(p.timeNanos)).toBe(5_000_000_000 + 1_000_000);
    expect(Number(p.durationNanos)).toBe(5_000_000);
    expect(s(p.defaultSampleType)).toBe('wall');
    const fib = p.function.find((f) => s(f.name) === 'fib')!;
    expect([s(fib.filename), Number(fib.startLine)]).toEqual(['/app/a.js', 5]);
  });

  it('reads back each stack with its labels, values and idle time', () => {
    const back = fromPprof(bytes);
    const rows = back.samples
      .map(
        (x) =>
          `${x.labels.thread} ${x.stack.join(';')} ${x.values.join(',')}${x.labels.cpu !== undefined ? ` cpu${x.labels.cpu}` : ''}`,
      )
      .sort();
    expect(rows).toEqual(
      [
        'Worker 1 (idle) 2,2000000',
        'Worker 1 work (/app/w.js:3) 3,3000000 cpu1',
        'main main (/app/a.js:1) 2,1500000',
        'main main (/app/a.js:1);(garbage collector) 1,500000',
        'main main (/app/a.js:1);fib (/app/a.js:5) 2,2000000',
      ].sort(),
    );
    // main's self time is 1000 + 500 µs: 1.5 intervals, counted 2.
    const main = back.samples.find((x) => x.stack.join(';') === 'main (/app/a.js:1)')!;
    expect(main.labels).toMatchObject({
      pid: 10,
      thread_id: 10,
      thread: 'main',
      process: 'node app.js',
    });
  });

  it('reads as a report without a timeline whose totals are the profile', () => {
    const r = pprofReport(bytes);
    expect(r.metadata).toMatchObject({
      format: 'pprof',
      timeline: false,
      sampleType: 'wall/nanoseconds',
    });
    expect(r.notice).toMatch(/^pprof has no times/);
    const totals = selfTotals(r.events);
    expect(Object.fromEntries(totals)).toEqual(Object.fromEntries(selfTotals(REPORT)));
    const names = r.events.filter((e) => e.ph === 'M').map((e) => e.args?.name);
    expect(names).toEqual(expect.arrayContaining(['node app.js', 'main', 'Worker 1']));
  });

  it('refuses bytes that are not a profile in one line', () => {
    expect(() => fromPprof(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(
      'corrupt or truncated gzip data',
    );
    expect(() => fromPprof(Uint8Array.from([0x0a, 0xff, 0xff]))).toThrow(/^not a pprof profile/);
  });
});

describe('.cpuprofile', () => {
  const [main, worker] = threadStacks(REPORT);

  it('is one profile per thread, one sample per segment, idle as V8 names it', () => {
    const p = toCpuProfile(worker);
    expect(asCpuProfile(JSON.parse(JSON.stringify(p)))).toEqual(p);
    expect(p.startTime).toBe(1000);
    expect(p.endTime).toBe(6000);
    const name = (id: number) => p.nodes.find((n) => n.id === id)!.callFrame.functionName;
    expect(p.samples!.map(name)).toEqual(['work', '(idle)', 'work', '(idle)']);
    expect(p.timeDeltas).toEqual([0, 1000, 2000, 2000]);
    const work = p.nodes.find((n) => n.callFrame.functionName === 'work')!.callFrame;
    // The inspector's conventions: file URLs and 0-based lines.
    expect([work.url, work.lineNumber]).toEqual(['file:///app/w.js', 2]);
  });

  it('reads back with the same totals per function', () => {
    const dir = tempDir();
    const file = join(dir, 'r.10-10.cpuprofile');
    writeFileSync(file, JSON.stringify(toCpuProfile(main)));
    const back = readReportSync(file);
    expect(back.notice).toMatch(/one thread/);
    const want = selfTotals(REPORT.filter((e) => e.tid === 10));
    expect(Object.fromEntries(selfTotals(back.events))).toEqual(Object.fromEntries(want));
    expect(back.events.every((e) => e.ph !== 'X' || (e.pid === 10 && e.tid === 10))).toBe(true);
  });

  it('names its thread from our file names and from node --cpu-prof ones', () => {
    expect(threadOfProfileName('/x/out.123-456.cpuprofile')).toEqual({ pid: 123, tid: 456 });
    expect(threadOfProfileName('CPU.20261205.135536.31300.0.001.cpuprofile')).toEqual({
      pid: 31300,
      tid: 31300,
    });
    expect(threadOfProfileName('profile.cpuprofile')).toEqual({ pid: 1, tid: 1 });
  });

  it('says in one line what is wrong with a broken profile', () => {
    expect(() => cpuProfileReport({ nodes: [] }, 'x.cpuprofile')).toThrow(
      'not a CPU profile (no nodes)',
    );
    const dir = tempDir();
    const file = join(dir, 'bad.cpuprofile');
    writeFileSync(file, JSON.stringify({ nodes: [{ id: 1 }], startTime: 0, endTime: 1 }));
    expect(() => readReportSync(file)).toThrow(ReportReadError);
    expect(() => readReportSync(file)).toThrow(
      `${file}: not a CPU profile (a node without an id or a call frame)`,
    );
  });
});
