// Reading reports (read.ts) and merging partial reports (merge.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergedEventTexts, newMergeStats } from '../../src/report/merge';
import { saveEventsSync } from '../../src/report/save';
import type { EventBlock } from '../../src/report/serialize';
import { reportMetadata } from '../../src/trace/metadata';
import {
  LineSplitter,
  readReportSync,
  ReportReadError,
  streamReportSync,
} from '../../src/report/read';
import { tempDir } from './helpers';

const REPORT = JSON.stringify({
  traceEvents: [
    { ph: 'M', name: 'process_name', pid: 1, tid: 1, args: { name: 'p1' } },
    { ph: 'X', cat: 'js', name: 'f', pid: 1, tid: 1, ts: 10, dur: 5 },
  ],
  viztracer_metadata: { tool: 'viztracer', sampleCount: 4 },
});

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** The ReportReadError thrown by reading `file`. */
function readError(file: string): ReportReadError {
  try {
    readReportSync(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ReportReadError);
    return err as ReportReadError;
  }
  throw new Error(`${file} was read without error`);
}

describe('readReportSync', () => {
  it('reads a report in object form, with its metadata', () => {
    const r = readReportSync(write('r.json', REPORT));
    expect(r.events).toHaveLength(2);
    expect(r.metadata).toEqual({ tool: 'viztracer', sampleCount: 4 });
  });

  it('reads a gzipped report', () => {
    const r = readReportSync(write('r.json.gz', gzipSync(REPORT)));
    expect(r.events).toHaveLength(2);
  });

  it('accepts the array form, without metadata', () => {
    const r = readReportSync(
      write('r.json', '[{"ph":"X","name":"f","pid":1,"tid":1,"ts":0,"dur":1}]'),
    );
    expect(r.events).toEqual([{ ph: 'X', name: 'f', pid: 1, tid: 1, ts: 0, dur: 1 }]);
    expect(r.metadata).toBeNull();
  });

  const broken: [string, string | Buffer, string][] = [
    ['truncated.json', REPORT.slice(0, 80), 'not a trace report (truncated JSON)'],
    ['notjson.json', 'hello: world}\n', 'not a trace report (invalid JSON)'],
    ['empty.json', '', 'not a trace report (empty file)'],
    ['blank.json', '  \n', 'not a trace report (empty file)'],
    [
      'corrupt.json.gz',
      Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]),
      'corrupt or truncated gzip data',
    ],
    ['cut.json.gz', gzipSync(REPORT).subarray(0, 30), 'corrupt or truncated gzip data'],
    ['object.json', '{"events":[]}', 'not a trace report (no traceEvents array)'],
    ['null.json', 'null', 'not a trace report (no traceEvents array)'],
  ];
  for (const [name, content, why] of broken) {
    it(`throws a one-line ReportReadError naming ${name}`, () => {
      const file = write(name, content);
      const err = readError(file);
      expect(err.message).toBe(`${file}: ${why}`);
      expect(err.message).not.toContain('\n');
    });
  }

  it('throws a one-line ReportReadError for any non-JSON text', () => {
    const file = write('text.json', 'this is not json');
    const err = readError(file);
    expect(err.message.startsWith(`${file}: not a trace report (`)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('throws a ReportReadError for a missing file', () => {
    const file = path.join(dir, 'missing.json');
    expect(readError(file).message).toBe(`${file}: no such file`);
  });

  it('throws a ReportReadError for a folder', () => {
    expect(readError(dir).message).toBe(`${dir}: cannot read (EISDIR)`);
  });
});

describe('mergedEventTexts', () => {
  it('leaves unnamed a process the writer names itself (its own track, beside the merge)', () => {
    const w = write('worker.json', '[{"ph":"X","name":"g","pid":7,"tid":9,"ts":1,"dur":1}]');
    const events = [...mergedEventTexts([w], newMergeStats(), { tolerant: false, named: [7] })].map(
      (t) => JSON.parse(t),
    );
    expect(events.map((e) => e.name)).toEqual(['g']);
  });

  it('yields every event of every input in input order and sums the sample counts', () => {
    const a = write('1.json', REPORT);
    const b = write('2.json', '[{"ph":"X","name":"g","pid":2,"tid":2,"ts":1,"dur":1}]');
    const stats = newMergeStats();
    const events = [...mergedEventTexts([a, b], stats, { tolerant: false })].map((t) =>
      JSON.parse(t),
    );
    // pid 2 had no process_name: the merge names it, so its track still has a name.
    expect(events.map((e) => e.name)).toEqual(['process_name', 'f', 'g', 'process_name']);
    expect(events[3]).toEqual({
      ph: 'M',
      name: 'process_name',
      pid: 2,
      tid: 2,
      args: { name: 'node (pid 2)' },
    });
    expect(stats).toMatchObject({ merged: [a, b], lost: [], sampleCount: 4 });
    expect(stats.metadata).toHaveLength(1);
  });

  it('skips a broken input in tolerant mode and records it in stats.lost', () => {
    const a = write('1.json', REPORT);
    const broken = write('2.json', REPORT.slice(0, 50));
    const c = write('3.json', REPORT);
    const stats = newMergeStats();
    const events = [...mergedEventTexts([a, broken, c], stats, { tolerant: true })];
    expect(events).toHaveLength(4);
    expect(stats.merged).toEqual([a, c]);
    expect(stats.lost).toEqual([{ file: broken, problem: 'not a trace report (truncated JSON)' }]);
    expect(stats.sampleCount).toBe(8);
  });

  it('records a missing input in tolerant mode', () => {
    const missing = path.join(dir, '9.json');
    const stats = newMergeStats();
    expect([...mergedEventTexts([missing], stats, { tolerant: true })]).toEqual([]);
    expect(stats.lost).toEqual([{ file: missing, problem: 'no such file' }]);
  });

  it('copies the lines of our own reports, and --align shifts each input to start at 0', () => {
    const ours = path.join(dir, 'ours.json');
    saveEventsSync(
      ours,
      [
        '{"ph":"M","name":"process_name","pid":5,"tid":5,"args":{"name":"p5"}}',
        '{"ph":"X","cat":"js","name":"a","pid":5,"tid":5,"ts":1000.5,"dur":3}',
        '{"ph":"X","cat":"js","name":"b","pid":5,"tid":5,"ts":1002,"dur":1}',
      ],
      () => ({
        ...reportMetadata({ backend: 'inspector', intervalMicros: 1, sampleCount: 3, command: [] }),
      }),
    );
    const stats = newMergeStats();
    const pieces = [...mergedEventTexts([ours], stats, { tolerant: false })];
    // One block of bytes, copied as they are, with its events counted.
    expect(pieces).toHaveLength(1);
    const block = pieces[0] as EventBlock;
    const text = Buffer.concat([...block.chunks]).toString('utf8');
    expect(text.split(',\n')[1]).toBe(
      '{"ph":"X","cat":"js","name":"a","pid":5,"tid":5,"ts":1000.5,"dur":3}',
    );
    expect(block.count).toBe(3);
    expect(stats.sampleCount).toBe(3);
    const aligned = [
      ...mergedEventTexts([ours], newMergeStats(), { tolerant: false, align: true }),
    ];
    expect(aligned.slice(1).map((t) => JSON.parse(t).ts)).toEqual([0, 1.5]);
  });

  it('loses a report of ours that was cut short, and says so', () => {
    const ours = path.join(dir, 'cut.json');
    saveEventsSync(ours, ['{"ph":"X","name":"a","pid":5,"tid":5,"ts":1,"dur":3}'], () =>
      reportMetadata({ backend: 'inspector', intervalMicros: 1, sampleCount: 1, command: [] }),
    );
    fs.truncateSync(ours, fs.statSync(ours).size - 20);
    const stats = newMergeStats();
    expect([...mergedEventTexts([ours], stats, { tolerant: true })]).toEqual([]);
    expect(stats.lost).toEqual([{ file: ours, problem: 'not a trace report (truncated JSON)' }]);
  });

  it('throws the ReportReadError in strict mode', () => {
    const a = write('1.json', REPORT);
    const broken = write('2.json', '');
    const stats = newMergeStats();
    expect(() => [...mergedEventTexts([a, broken], stats, { tolerant: false })]).toThrow(
      ReportReadError,
    );
    expect(() => [...mergedEventTexts([broken], newMergeStats(), { tolerant: false })]).toThrow(
      `${broken}: not a trace report (empty file)`,
    );
  });
});

describe('LineSplitter', () => {
  it('gives whole lines from chunks, a long line joined once when it ends', () => {
    const lines = new LineSplitter();
    const out = [
      ...lines.push('ab'),
      ...lines.push('cd'),
      ...lines.push('e\nf'),
      ...lines.push('\n'),
      ...lines.push(''),
      ...lines.push('g\n\nh'),
      ...lines.end('i'),
    ];
    expect(out).toEqual(['abcde', 'f', 'g', '', 'hi']);
  });

  it('gives nothing more at the end after a final newline', () => {
    const lines = new LineSplitter();
    expect(lines.push('a\n')).toEqual(['a']);
    expect(lines.end('')).toEqual([]);
  });
});

describe('streamReportSync, parsing as it reads (as for a report too big for JSON.parse)', () => {
  const all = (file: string): unknown[] => [...streamReportSync(file, 0).events];

  it('reads the object form one line, with its metadata once the events are read', () => {
    const file = write(
      's1.json',
      '{"traceEvents":[{"ph":"X","name":"a"},{"ph":"X","name":"b"}],"viztracer_metadata":{"sampleCount":3}}',
    );
    const r = streamReportSync(file, 0);
    expect([...r.events].map((e) => (e as { name: string }).name)).toEqual(['a', 'b']);
    expect(r.metadata()).toEqual({ sampleCount: 3 });
    // Each iteration reads the file again.
    expect([...r.events]).toHaveLength(2);
  });

  it('reads the array form over many lines', () => {
    const file = write('s2.json', '[\n{"ph":"X","name":"a"},\n{"ph":"i","name":"b"}\n]\n');
    expect(all(file)).toEqual([
      { ph: 'X', name: 'a' },
      { ph: 'i', name: 'b' },
    ]);
  });

  it.each([
    ['truncated', '[{"ph":"X"},{"ph":', 'not a trace report (truncated JSON)'],
    ['invalid', '[{"ph":"X"}]]', 'not a trace report (invalid JSON)'],
    ['not JSON', 'hello', 'not a trace report (invalid JSON)'],
    ['without events', '{"a":1}', 'not a trace report (no traceEvents array)'],
  ])('says what is wrong with a %s report', (_, text, problem) => {
    const file = write(`s-${problem.length}-${text.length}.json`, text);
    expect(() => all(file)).toThrow(new ReportReadError(file, problem));
  });
});
