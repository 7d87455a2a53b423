// Async spans tied to the slices that ran for them (`args.span` on each run), as the viewer's
// model builds them (runsOfSpans): one fixture per case, in test/fixtures/async-runs.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelSync } from '../../src/viewer/load';
import type { Model } from '../../src/viewer/model';
import { decodeThread } from '../../src/viewer/page/contract';
import type { Report, ThreadData } from '../../src/viewer/page/data';
import { spanRunsOf } from '../../src/viewer/page/span-runs';
import { threadBinary, wireMeta } from '../../src/viewer/wire';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'async-runs');

/**
 * One line per span that has runs, readable by eye:
 * `<thread> <span> start+dur: run start+dur (resume n), ...`, times since the report's origin.
 */
function show(m: Model): string[] {
  const out: string[] = [];
  for (const p of m.processes) {
    for (const a of p.threads) {
      if (!a.async || !a.runs) continue;
      const t = p.threads.find((x) => !x.async && x.tid === a.tid)!;
      const fn = (i: number, s: typeof a.slices): string =>
        `${m.strings[s.name[i]].split(' ')[0]} ${s.start[i]}+${s.dur[i]}`;
      const lines = new Map<number, string[]>();
      for (let k = 0; k < a.runs.span.length; k++) {
        const j = a.runs.slice[k];
        const resume = t.slices.args.get(j)?.resume;
        const run = `${t.slices.start[j]}+${t.slices.dur[j]}${resume ? ` (resume ${resume})` : ''}`;
        const sp = a.runs.span[k];
        if (!lines.has(sp)) lines.set(sp, []);
        lines.get(sp)!.push(run);
        // The run is the slice it names, at its index.
        expect(m.strings[t.slices.name[j]]).toBe(m.strings[a.slices.name[sp]]);
      }
      for (const [sp, runs] of lines) {
        out.push(`${p.pid}:${a.name} ${fn(sp, a.slices)}: ${runs.join(', ')}`);
      }
    }
  }
  return out;
}

const load = (name: string): Model => loadModelSync(path.join(FIXTURES, name));

describe('async spans and their runs', () => {
  it('a span with no resumption: its one run', () => {
    expect(show(load('no-resumption.json'))).toEqual(['1:main (async) load 10+5: 10+5']);
  });

  it('several resumptions, of two concurrent calls of one function; not a user span of the same id', () => {
    const m = load('resumptions.json');
    expect(show(m)).toEqual([
      '1:main (async) fetchAll 0+55: 0+4, 20+3 (resume 1), 40+2 (resume 2), 50+5 (resume 3)',
      '1:main (async) fetchAll 2+30: 2+1, 30+2 (resume 1)',
    ]);
    // The program's own async slice `request` (cat user) has the id 1.1 too: no runs.
    const a = m.processes[0].threads.find((t) => t.async)!;
    const request = a.slices.name.indexOf(m.strings.indexOf('request'));
    expect(request).toBeGreaterThanOrEqual(0);
    expect(Array.from(a.runs!.span)).not.toContain(request);
  });

  it('a rejected call: its runs up to the one that threw', () => {
    expect(show(load('rejected.json'))).toEqual([
      '1:main (async) check 0+11: 0+2, 10+1 (resume 1)',
    ]);
  });

  it('a report merged from several threads and processes: each thread its own, out of order too', () => {
    expect(show(load('threads.json'))).toEqual([
      '1:main (async) work 0+12: 0+2, 10+2 (resume 1)',
      '1:Worker 1 (async) work 100+7: 100+2, 105+2 (resume 1)',
      // pid 2's slice naming 1.1 (a span of pid 1) is no run of anything here.
      '2:main (async) work 200+1: 200+1',
    ]);
  });

  it('goes to the page as two columns after the slices (threadBinary, WireThread.runs)', () => {
    const m = load('resumptions.json');
    const a = m.processes[0].threads.find((t) => t.async)!;
    const info = wireMeta(m, 't').processes[0].threads.find((t) => t.async)!;
    expect(info.runs).toBe(6);
    const cols = decodeThread(new Uint8Array(threadBinary(a)), info.count, info.runs);
    expect(Array.from(cols.runs!.span)).toEqual(Array.from(a.runs!.span));
    expect(Array.from(cols.runs!.slice)).toEqual(Array.from(a.runs!.slice));
  });
});

describe("the page's span of a selection and its runs (spanRunsOf)", () => {
  /** The report as the page holds it: each thread's wire columns. */
  function pageReport(name: string): Report {
    const m = load(name);
    const meta = wireMeta(m, name);
    const models = m.processes.flatMap((p) => p.threads);
    const threads = meta.processes.flatMap((p) =>
      p.threads.map((info) => ({
        info,
        pid: p.pid,
        processName: p.name,
        cols: decodeThread(
          new Uint8Array(threadBinary(models.find((t) => t.key === info.key)!)),
          info.count,
          info.runs ?? 0,
        ),
      })),
    );
    return { meta, threads } as unknown as Report;
  }
  /** `span start: run starts` of a selection, or null. */
  const runsOf = (r: Report, thread: string, start: number): string | null => {
    const t = r.threads.find((x) => x.info.name === thread)!;
    const index = Array.from(t.cols.start).indexOf(start);
    const sr = spanRunsOf(r, { thread: t, index });
    if (!sr) return null;
    const at = (s: { thread: ThreadData; index: number }): number => s.thread.cols.start[s.index];
    return `${sr.span.thread.info.name} ${at(sr.span)}: ${sr.runs.map(at).join(', ')}`;
  };

  it('from a span, or from any of its runs, in a report of several threads and processes', () => {
    const r = pageReport('threads.json');
    expect(runsOf(r, 'Worker 1 (async)', 100)).toBe('Worker 1 (async) 100: 100, 105');
    expect(runsOf(r, 'Worker 1', 105)).toBe('Worker 1 (async) 100: 100, 105');
    expect(runsOf(r, 'main', 10)).toBe('main (async) 0: 0, 10');
    // pid 2's slice that names a span of pid 1: no span of its own.
    const child = r.threads.find((x) => x.pid === 2 && !x.info.async)!;
    expect(spanRunsOf(r, { thread: child, index: 1 })).toBeNull();
  });

  it('none for a slice that ran for no span, nor for a span with no runs', () => {
    const r = pageReport('resumptions.json');
    expect(runsOf(r, 'main', 60)).toBeNull(); // `other`: a resumption, no span
    const request = r.threads.find((x) => x.info.async)!;
    const i = request.cols.name.indexOf(r.meta.strings.indexOf('request'));
    expect(spanRunsOf(r, { thread: request, index: i })).toBeNull();
  });
});
