// Report text (serialize.ts) and writing it to disk (writer.ts, save.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessTrack } from '../../src/report/model';
import { saveEvents, saveEventsSync, savedMessage, withPidSuffix } from '../../src/report/save';
import {
  counterChunks,
  metadataText,
  processEventTexts,
  reportChunks,
  sliceChunks,
} from '../../src/report/serialize';
import type { EventPiece } from '../../src/report/serialize';
import { checkWritable, formatOf, writeChunks, writeChunksSync } from '../../src/report/writer';
import { convertProfile, type SliceTable } from '../../src/trace/convert';
import type { ReportMetadata } from '../../src/trace/events';
import { loadSamples, tempDir } from './helpers';

const BASE_NS = 1732550400123456789n; // far beyond 2^53: a double would round it

function meta(extra: Partial<ReportMetadata> = {}): ReportMetadata {
  return {
    tool: 'viztracer',
    version: '0.1.0',
    nodeVersion: 'v20.0.0',
    backend: 'inspector',
    intervalMicros: 1000,
    sampleCount: 3,
    droppedSamples: 0,
    overflow: false,
    baseTimeNanoseconds: BASE_NS,
    command: ['node', 'app.js'],
    ...extra,
  };
}

const EVENTS = [
  '{"ph":"X","cat":"js","name":"a","pid":1,"tid":1,"ts":10,"dur":5}',
  '{"ph":"X","cat":"js","name":"b \\"quoted\\"","pid":1,"tid":1,"ts":15,"dur":1}',
];

/** Yields `good` chunks, then throws. */
function* failingChunks(good: string[]): Generator<string> {
  yield* good;
  throw new Error('boom mid-way');
}

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const leftovers = (): string[] => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

describe('reportChunks', () => {
  it('is valid JSON with the events and viztracer_metadata', () => {
    const counter = { events: 0 };
    const text = [...reportChunks(EVENTS, () => meta(), counter)].join('');
    const doc = JSON.parse(text);
    expect(doc.traceEvents).toEqual(EVENTS.map((e) => JSON.parse(e)));
    expect(doc.viztracer_metadata).toMatchObject({
      tool: 'viztracer',
      sampleCount: 3,
      command: ['node', 'app.js'],
    });
    expect(counter.events).toBe(2);
  });

  it('writes baseTimeNanoseconds as an exact integer', () => {
    const text = [...reportChunks(EVENTS, () => meta())].join('');
    expect(text).toContain(`"baseTimeNanoseconds":${BASE_NS.toString()}}`);
    expect(metadataText(meta({ baseTimeNanoseconds: -5n }))).toMatch(/,"baseTimeNanoseconds":-5}$/);
  });

  it('asks for the metadata after the last event', () => {
    const counter = { events: 0 };
    const text = [
      ...reportChunks(EVENTS, () => meta({ sampleCount: counter.events }), counter),
    ].join('');
    expect(JSON.parse(text).viztracer_metadata.sampleCount).toBe(2);
  });

  it('is valid JSON with no events', () => {
    const doc = JSON.parse([...reportChunks([], () => meta())].join(''));
    expect(doc.traceEvents).toEqual([]);
  });

  it('splits a large report into several chunks that join to valid JSON', () => {
    const many = Array.from(
      { length: 20_000 },
      (_, i) => `{"ph":"X","name":"f${i}","pid":1,"tid":1,"ts":${i},"dur":1}`,
    );
    const chunks = [...reportChunks(many, () => meta())];
    expect(chunks.length).toBeGreaterThan(1);
    expect(JSON.parse(chunks.join('')).traceEvents).toHaveLength(20_000);
  });
});

/** The events of a process as report text, one per line, parsed. */
function eventsOf(track: ProcessTrack): Record<string, unknown>[] {
  const text = Buffer.concat([...reportChunks(processEventTexts(track), () => meta())]).toString();
  return JSON.parse(text).traceEvents;
}

/** A thread's slices as `processEventTexts` writes them, one line each. */
function sliceLines(slices: SliceTable): string[] {
  return Buffer.concat([...sliceChunks(7, 8, slices)])
    .toString()
    .split(',\n');
}

function table(names: string[], rows: [number, number, number][], threw?: number[]): SliceTable {
  return {
    count: rows.length,
    names,
    nameIndex: Int32Array.from(rows.map((r) => r[0])),
    startMicros: Float64Array.from(rows.map((r) => r[1])),
    durationMicros: Float64Array.from(rows.map((r) => r[2])),
    depth: new Int32Array(rows.length).fill(1),
    sampleCount: 0,
    threw: threw ? Uint8Array.from(threw) : undefined,
  };
}

describe('processEventTexts', () => {
  it('names the process and each thread once, then gives one X event per slice', () => {
    const slices = convertProfile(loadSamples('one-sample.json'));
    const track: ProcessTrack = {
      pid: 42,
      name: 'node "app".js (pid 42)',
      args: { ppid: 1 },
      threads: [
        { tid: 42, name: 'main', sortIndex: 0, slices },
        { tid: 42, name: 'main', sortIndex: 0, slices },
      ],
    };
    expect(eventsOf(track)).toEqual([
      {
        ph: 'M',
        name: 'process_name',
        pid: 42,
        tid: 42,
        args: { name: 'node "app".js (pid 42)', ppid: 1 },
      },
      { ph: 'M', name: 'thread_name', pid: 42, tid: 42, args: { name: 'main' } },
      { ph: 'M', name: 'thread_sort_index', pid: 42, tid: 42, args: { sort_index: 0 } },
      { ph: 'X', name: 'main (/app/main.js:1)', pid: 42, tid: 42, ts: 110, dur: 40 },
      { ph: 'X', name: 'work (/app/main.js:10)', pid: 42, tid: 42, ts: 110, dur: 40 },
      { ph: 'X', name: 'main (/app/main.js:1)', pid: 42, tid: 42, ts: 110, dur: 40 },
      { ph: 'X', name: 'work (/app/main.js:10)', pid: 42, tid: 42, ts: 110, dur: 40 },
    ]);
  });

  it("writes the program's own events: X, async b/e with ids unique in the process, i, C", () => {
    const none = convertProfile(loadSamples('empty.json'));
    const slice = (name: string, startMicros: number, args: string | null = null) => ({
      name,
      startMicros,
      durationMicros: 5,
      args,
      sync: true,
    });
    const user = (tid: number) => ({
      slices: [slice('load', 10, '{"file":"a"}')],
      asyncSlices: [slice('fetch', 12), slice('fetch', 14)],
      instants: [{ name: 'mark', tsMicros: 11, scope: 'p' as const, args: null }],
      counters: [{ name: 'queue', tsMicros: 13, values: `{"n":${tid}}` }],
    });
    const track: ProcessTrack = {
      pid: 42,
      name: null,
      args: {},
      threads: [
        { tid: 42, name: 'main', sortIndex: 0, slices: none, user: user(42) },
        { tid: 43, name: 'Worker 1', sortIndex: 1, slices: none, user: user(43) },
      ],
    };
    const events = eventsOf(track);
    const at = { pid: 42, tid: 43, cat: 'user' };
    expect(events.filter((e) => e.tid === 43 && e.ph !== 'M')).toEqual([
      { ph: 'X', name: 'load', ...at, ts: 10, dur: 5, args: { file: 'a' } },
      { ph: 'b', id: '43.0', name: 'fetch', ...at, ts: 12 },
      { ph: 'e', id: '43.0', name: 'fetch', ...at, ts: 17 },
      { ph: 'b', id: '43.1', name: 'fetch', ...at, ts: 14 },
      { ph: 'e', id: '43.1', name: 'fetch', ...at, ts: 19 },
      { ph: 'i', name: 'mark', ...at, ts: 11, s: 'p' },
      { ph: 'C', name: 'queue', ...at, ts: 13, args: { n: 43 } },
    ]);
    expect(events.filter((e) => e.ph === 'b').map((e) => e.id)).toEqual([
      '42.0',
      '42.1',
      '43.0',
      '43.1',
    ]);
  });
});

describe('processEventTexts: --instrument and the API together', () => {
  it('writes the async spans after the slices, and every time as the slices do (to the ns)', () => {
    const s: SliceTable = {
      ...table(['a (/a.js:1)'], [[0, 100.0004, 2.0004]]),
      spans: [{ nameIndex: 0, call: 3, startMicros: 100.0004, endMicros: 130.0006 }],
    };
    const track: ProcessTrack = {
      pid: 42,
      name: null,
      args: {},
      threads: [
        {
          tid: 42,
          name: 'main',
          sortIndex: 0,
          slices: s,
          user: {
            slices: [
              { name: 'u', startMicros: 100.0006, durationMicros: 1.0003, args: null, sync: true },
            ],
            asyncSlices: [],
            instants: [{ name: 'i', tsMicros: 101.00049, scope: 't', args: null }],
            counters: [{ name: 'c', tsMicros: 101.0005, values: '{"v":1}' }],
          },
        },
      ],
    };
    const events = eventsOf(track).filter((e) => e.ph !== 'M');
    expect(events.map((e) => [e.ph, e.cat, e.ts, e.dur])).toEqual([
      ['X', undefined, 100, 2.001],
      ['b', 'async', 100, undefined],
      ['e', 'async', 130.001, undefined],
      ['X', 'user', 100.001, 1],
      ['i', 'user', 101, undefined],
      ['C', 'user', 101.001, undefined],
    ]);
  });
});

describe('sliceChunks', () => {
  it('writes one short line per slice: no cat, µs to the ns, no trailing zeros', () => {
    const s = table(
      ['f (/a.js:1)', 'g "q" é (/b.js:2)'],
      [
        [0, 9631150441.781, 11180.149],
        [1, 9631150442.5, 0.0904],
        [0, 12, 3],
        [1, 0.0004, 1.0006],
      ],
      [0, 1, 0, 0],
    );
    expect(sliceLines(s)).toEqual([
      '{"ph":"X","name":"f (/a.js:1)","pid":7,"tid":8,"ts":9631150441.781,"dur":11180.149}',
      '{"ph":"X","name":"g \\"q\\" é (/b.js:2)","pid":7,"tid":8,"ts":9631150442.5,"dur":0.09,"args":{"exception":true}}',
      '{"ph":"X","name":"f (/a.js:1)","pid":7,"tid":8,"ts":12,"dur":3}',
      '{"ph":"X","name":"g \\"q\\" é (/b.js:2)","pid":7,"tid":8,"ts":0,"dur":1.001}',
    ]);
  });

  it('rounds the start and the end to the ns, so nested slices stay nested', () => {
    // A child that ends 0.4 ns before its parent, both ends rounding the same way.
    const s = table(
      ['p', 'c'],
      [
        [0, 100.0004, 10.0004],
        [1, 100.0006, 9.9998],
      ],
    );
    const [p, c] = sliceLines(s).map((l) => JSON.parse(l));
    expect([p.ts, p.dur, c.ts, c.dur]).toEqual([100, 10.001, 100.001, 9.999]);
    expect(c.ts + c.dur).toBeLessThanOrEqual(p.ts + p.dur);
  });

  it('writes every digit of large and small times, and negative ones', () => {
    const s = table(
      ['f'],
      [
        [0, 123456789012.345, 99999999.999],
        [0, 1e8, 0.001],
        [0, -5.25, 0],
      ],
    );
    expect(
      sliceLines(s)
        .map((l) => JSON.parse(l))
        .map((e) => [e.ts, e.dur]),
    ).toEqual([
      [123456789012.345, 99999999.999],
      [100000000, 0.001],
      [-5.25, 0],
    ]);
  });

  it("writes --instrument's args: notes, resume numbers, an exception with its description", () => {
    const s: SliceTable = {
      ...table(
        ['f (/a.js:1)'],
        [
          [0, 1, 2],
          [0, 3.0004, 1],
          [0, 5, 1],
          [0, 7, 1],
        ],
        [0, 1, 1, 0],
      ),
      args: [
        { func_args: { x: '"é\n"' } },
        { resume: 2, exception: 'RangeError: deep' },
        { resume: 1 },
        undefined,
      ],
    };
    expect(sliceLines(s).map((l) => JSON.parse(l))).toEqual([
      { ph: 'X', name: 'f (/a.js:1)', pid: 7, tid: 8, ts: 1, dur: 2, args: s.args![0] },
      {
        ph: 'X',
        name: 'f (/a.js:1)',
        pid: 7,
        tid: 8,
        ts: 3,
        dur: 1,
        args: { resume: 2, exception: 'RangeError: deep' },
      },
      // Exited by a throw without a description: still says so.
      {
        ph: 'X',
        name: 'f (/a.js:1)',
        pid: 7,
        tid: 8,
        ts: 5,
        dur: 1,
        args: { resume: 1, exception: true },
      },
      { ph: 'X', name: 'f (/a.js:1)', pid: 7, tid: 8, ts: 7, dur: 1 },
    ]);
  });

  it("writes the args every slice of a name carries (nameArgs: args.generated) after a slice's own", () => {
    const s: SliceTable = {
      ...table(
        ['f (/a.ts:1)', 'g (/b.js:1)'],
        [
          [0, 1, 1],
          [0, 2, 1],
          [0, 3, 1],
          [0, 4, 1],
          [1, 5, 1],
        ],
        [0, 1, 0, 0, 1],
      ),
      cpu: Int16Array.from([-1, -1, 3, -1, -1]),
      args: [undefined, undefined, undefined, { labels: { route: '/a' } }, undefined],
      nameArgs: [{ generated: '/dist/a.js:9' }, undefined],
    };
    const lines = sliceLines(s);
    expect(lines[3]).toContain('"args":{"labels":{"route":"/a"},"generated":"/dist/a.js:9"}');
    expect(lines.map((l) => JSON.parse(l).args)).toEqual([
      { generated: '/dist/a.js:9' },
      { generated: '/dist/a.js:9', exception: true },
      { generated: '/dist/a.js:9', cpu: 3 },
      { labels: { route: '/a' }, generated: '/dist/a.js:9' },
      { exception: true },
    ]);
  });

  it('moves a slice whose args do not fit to the next chunk, and gives huge args a chunk of their own', () => {
    const n = 12000;
    const rows: [number, number, number][] = [];
    for (let i = 0; i < n; i++) rows.push([0, i, 0.5]);
    const args: (Record<string, unknown> | undefined)[] = new Array(n);
    for (let i = 0; i < n; i += 7) args[i] = { func_args: { v: 'y'.repeat(60 + (i % 50)) } };
    args[n / 2] = { return_value: 'z'.repeat(3 << 20) };
    const s: SliceTable = { ...table(['f (/a.js:1)'], rows), args };
    const chunks = [...sliceChunks(1, 1, s)];
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    const lines = Buffer.concat(chunks).toString().split(',\n');
    expect(lines).toHaveLength(n);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((e) => e.ts)).toEqual(rows.map((r) => r[1]));
    expect(parsed.map((e) => e.args)).toEqual(args);
  });

  it('splits into chunks of about 1 MiB, and gives a huge name a chunk of its own', () => {
    const n = 20000;
    const rows: [number, number, number][] = [];
    for (let i = 0; i < n; i++) rows.push([i === n / 2 ? 1 : 0, i, 0.5]);
    const s = table(['f (/a.js:1)', `h (/${'x'.repeat(2 << 20)}.js:1)`], rows);
    const chunks = [...sliceChunks(1, 1, s)];
    expect(chunks.length).toBe(3);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual((2 << 20) + 200);
    const lines = Buffer.concat(chunks).toString().split(',\n');
    expect(lines).toHaveLength(n);
    expect(JSON.parse(lines[n - 1]).ts).toBe(n - 1);
  });
});

describe('counterChunks', () => {
  /** A counter event as a JSON text made by JavaScript (what the report held before). */
  const textOf = (name: string, key: string, ts: number, v: number): string =>
    `{"ph":"C","name":${JSON.stringify(name)},"pid":7,"tid":8,"ts":${ts},"args":{${JSON.stringify(key)}:${v}}}`;

  it('writes each point as JavaScript writes its numbers, one event a line', () => {
    const ts = [
      0,
      1,
      12,
      55761690197.435,
      55761690197.4,
      55761690197.001,
      1e14 + 0.5,
      2 ** 53,
      1e21,
      1e-7,
      0.1 + 0.2,
      -3,
      -0.25,
      -0,
      123456789012.3456,
      NaN,
      Infinity,
    ];
    const values = ts.map((_, i) => [0, 99.5, 12.3, 0.1 + 0.2, -1, 1 / 3, 7][i % 7]);
    const c = { name: 'CPU % (main "x")', key: 'cpu', ts, values };
    const text = Buffer.concat([...counterChunks(7, 8, c)]).toString();
    expect(text).toBe(ts.map((t, i) => textOf(c.name, c.key, t, values[i])).join(',\n'));
  });

  it('splits a long series into chunks of about 1 MiB, and a huge name into chunks of its own', () => {
    const n = 30_000;
    const ts = Float64Array.from({ length: n }, (_, i) => 9500630184 + i * 10.001);
    const values = Float64Array.from({ length: n }, (_, i) => (i % 1000) / 10);
    const chunks = [...counterChunks(7, 8, { name: 'CPU % (main)', key: 'cpu', ts, values })];
    expect(chunks.length).toBeGreaterThan(1);
    for (const ch of chunks) expect(ch.length).toBeLessThanOrEqual(1 << 20);
    const want = Array.from(ts, (t, i) => textOf('CPU % (main)', 'cpu', t, values[i]));
    expect(Buffer.concat(chunks).toString()).toBe(want.join(',\n'));
    const huge = `t${'x'.repeat(1 << 20)}`;
    const big = [...counterChunks(7, 8, { name: huge, key: 'core', ts: [1, 2], values: [3, 4] })];
    expect(big).toHaveLength(2);
    expect(Buffer.concat(big).toString()).toBe(
      [textOf(huge, 'core', 1, 3), textOf(huge, 'core', 2, 4)].join(',\n'),
    );
  });

  it('rounds to the decimals asked for as it writes, as the values rounded first would be', () => {
    const percents = Float32Array.from([0, 12.34, 99.95, 100, 33.333, 0.05, 250.06, 7.25]);
    const ts = Array.from(percents, (_, i) => 10 * i);
    const c = { name: 'CPU % (main)', key: 'cpu', ts, values: percents, decimals: 1 };
    const rounded = Array.from(percents, (x) => Math.round(x * 10) / 10);
    expect(Buffer.concat([...counterChunks(7, 8, c)]).toString()).toBe(
      ts.map((t, i) => textOf(c.name, c.key, t, rounded[i])).join(',\n'),
    );
    expect(rounded.slice(0, 3)).toEqual([0, 12.3, 99.9]); // 99.95 as a float is below it
  });

  it('writes into the scratch buffer when given one', () => {
    const scratch = Buffer.alloc(1 << 20);
    const ts = [1.5, 2.5];
    const [chunk] = counterChunks(7, 8, { name: 'c', key: 'v', ts, values: [1, 2] }, { scratch });
    expect(chunk.buffer).toBe(scratch.buffer);
  });
});

describe('reportChunks with reuse', () => {
  it('writes the same text through one buffer, for a consumer done with each chunk', () => {
    // A block's chunks are read once: fresh pieces for each reading.
    const many = (): EventPiece[] => {
      const out: EventPiece[] = Array.from(
        { length: 40_000 },
        (_, i) => `{"ph":"i","name":"m${i}","pid":1,"tid":1,"ts":${i},"s":"t"}`,
      );
      out.splice(20_000, 0, {
        chunks: counterChunks(1, 1, { name: 'c', key: 'v', ts: [1, 2], values: [3, 4] }),
        count: 2,
      });
      return out;
    };
    const fresh = Buffer.concat([...reportChunks(many(), () => meta())]).toString();
    const seen = new Set<ArrayBufferLike>();
    const copies: Buffer[] = [];
    for (const c of reportChunks(many(), () => meta(), undefined, true)) {
      seen.add(c.buffer);
      copies.push(Buffer.from(c));
    }
    expect(Buffer.concat(copies).toString()).toBe(fresh);
    expect(JSON.parse(fresh).traceEvents).toHaveLength(40_002);
    // The text's own buffer, the counter block's chunk, the tail.
    expect(seen.size).toBeLessThanOrEqual(3);
  });
});

describe('saveEventsSync / saveEvents', () => {
  it('writes .json that parses to the report', () => {
    const file = path.join(dir, 'r.json');
    const result = saveEventsSync(file, EVENTS, () => meta());
    const text = fs.readFileSync(file, 'utf8');
    expect(result).toEqual({ file, events: 2, bytes: Buffer.byteLength(text) });
    expect(JSON.parse(text).traceEvents).toHaveLength(2);
    expect(leftovers()).toEqual([]);
  });

  it('writes .json.gz that gunzips to the same JSON text (sync and async)', async () => {
    const plain = path.join(dir, 'r.json');
    const gzSync = path.join(dir, 'sync.json.gz');
    const gzAsync = path.join(dir, 'async.json.gz');
    saveEventsSync(plain, EVENTS, () => meta());
    const r1 = saveEventsSync(gzSync, EVENTS, () => meta());
    const r2 = await saveEvents(gzAsync, EVENTS, () => meta());
    const text = fs.readFileSync(plain, 'utf8');
    expect(gunzipSync(fs.readFileSync(gzSync)).toString('utf8')).toBe(text);
    expect(gunzipSync(fs.readFileSync(gzAsync)).toString('utf8')).toBe(text);
    expect(r1.bytes).toBe(fs.statSync(gzSync).size);
    expect(r2.bytes).toBe(fs.statSync(gzAsync).size);
    expect(leftovers()).toEqual([]);
  });

  it('rejects a report path that is neither .json nor .json.gz', async () => {
    const msg = `Expected the report path to end in .json, .json.gz, .html, .pb.gz, .pprof or .cpuprofile, got "${path.join(dir, 'r.txt')}"`;
    expect(() => saveEventsSync(path.join(dir, 'r.txt'), EVENTS, () => meta())).toThrow(
      new RangeError(msg),
    );
    await expect(saveEvents(path.join(dir, 'r.txt'), EVENTS, () => meta())).rejects.toThrow(msg);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('tells the user where the report is', () => {
    const msg = savedMessage({ file: path.resolve('out/r.json'), events: 7, bytes: 100 });
    expect(msg).toBe(
      'viztracer: Saved report to out/r.json (7 events)\n' +
        'viztracer: View it with: vizviewer out/r.json\n',
    );
  });

  it('names per-process reports with the pid before the extension', () => {
    expect(withPidSuffix('/r/result.json', 42)).toBe('/r/result_42.json');
    expect(withPidSuffix('/r/out.json.gz', 7)).toBe('/r/out_7.json.gz');
  });
});

describe('atomic writes', () => {
  for (const name of ['r.json', 'r.json.gz']) {
    it(`writeChunksSync leaves no ${name} and no temp file when the chunks fail mid-way`, () => {
      const file = path.join(dir, name);
      expect(() => writeChunksSync(file, failingChunks(['{"traceEvents":[', '{"a":1}']))).toThrow(
        'boom mid-way',
      );
      expect(fs.existsSync(file)).toBe(false);
      expect(leftovers()).toEqual([]);
    });

    it(`writeChunksSync keeps the previous ${name} when the chunks fail mid-way`, () => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, 'previous');
      expect(() => writeChunksSync(file, failingChunks(['x'.repeat(100_000)]))).toThrow(
        'boom mid-way',
      );
      expect(fs.readFileSync(file, 'utf8')).toBe('previous');
      expect(leftovers()).toEqual([]);
    });

    it(`writeChunks (async) leaves no ${name} and no temp file when the chunks fail mid-way`, async () => {
      const file = path.join(dir, name);
      await expect(
        writeChunks(file, failingChunks(['{"traceEvents":[', '{"a":1}'])),
      ).rejects.toThrow('boom mid-way');
      expect(fs.existsSync(file)).toBe(false);
      expect(leftovers()).toEqual([]);
    });

    it(`writeChunks (async) keeps the previous ${name} when the chunks fail mid-way`, async () => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, 'previous');
      await expect(writeChunks(file, failingChunks(['x'.repeat(100_000)]))).rejects.toThrow(
        'boom mid-way',
      );
      expect(fs.readFileSync(file, 'utf8')).toBe('previous');
      expect(leftovers()).toEqual([]);
    });
  }

  it('writeChunks (async) leaves no temp file when the first chunk already fails', async () => {
    const file = path.join(dir, 'r.json');
    await expect(writeChunks(file, failingChunks([]))).rejects.toThrow('boom mid-way');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('both writers fail cleanly when the folder does not exist', async () => {
    const file = path.join(dir, 'missing', 'r.json');
    expect(() => writeChunksSync(file, ['{}'])).toThrow(/ENOENT/);
    await expect(writeChunks(file, ['{}'])).rejects.toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('replaces an existing report', () => {
    const file = path.join(dir, 'r.json');
    fs.writeFileSync(file, 'previous');
    expect(writeChunksSync(file, ['{"a":', '1}'])).toBe(7);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}');
  });
});

describe('formatOf / checkWritable', () => {
  it('knows the two report formats', () => {
    expect(formatOf('a.json')).toBe('json');
    expect(formatOf('a.json.gz')).toBe('json.gz');
    expect(formatOf('a.gz')).toBeNull();
    expect(formatOf('a.JSON')).toBeNull();
  });

  it('accepts a new file in an existing folder', () => {
    expect(checkWritable(path.join(dir, 'r.json'))).toBeNull();
  });

  it('names a missing folder', () => {
    const missing = path.join(dir, 'no', 'such');
    expect(checkWritable(path.join(missing, 'r.json'))).toBe(
      `output folder ${missing} does not exist`,
    );
  });

  it('names a path that is a directory', () => {
    const target = path.join(dir, 'd.json');
    fs.mkdirSync(target);
    expect(checkWritable(target)).toBe(`output path ${target} is a directory`);
  });

  it('names a "folder" that is a regular file', () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, '');
    expect(checkWritable(path.join(file, 'r.json'))).toBe(
      `output folder ${file} is not a directory`,
    );
  });
});
