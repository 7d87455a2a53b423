// Recorder entries → slices: nesting, throws, depth and duration limits, the ring buffer.
import { describe, expect, it } from 'vitest';
import { ENTER, EXIT, Recorder, THROW, type Recording } from '../../src/instrument/recorder';
import { recordingSlices, type SliceOptions } from '../../src/instrument/slices';
import { FN_ASYNC, FN_GENERATOR } from '../../src/instrument/protocol';
import { requireNative } from '../../src/native';

const FNS = ['a', 'b', 'c', 'd'].map((name, i) => ({ name, file: '/p.js', line: i + 1 }));

/** A recording of `[kind, fn, µs]` entries written into a ring of `capacity`. */
function recording(
  entries: [number, number, number][],
  capacity = 64,
  stopMicros = 1000,
): Recording {
  const codes = new Int32Array(capacity);
  const timesMillis = new Float64Array(capacity);
  let next = 0;
  for (const [kind, fn, us] of entries) {
    codes[next] = fn * 4 + kind;
    timesMillis[next] = us / 1000;
    next = (next + 1) % capacity;
  }
  return {
    codes,
    timesMillis,
    total: entries.length,
    next,
    functions: FNS,
    offsetMicros: 0,
    stopMicros,
  };
}

/** `name@depth start+dur` per slice, readable by eye. */
function show(r: Recording, o?: SliceOptions): string[] {
  const s = recordingSlices(r, o);
  return Array.from({ length: s.count }, (_, i) => {
    const name = s.names[s.nameIndex[i]].split(' ')[0];
    const threw = s.threw?.[i] ? ' threw' : '';
    return `${name}@${s.depth[i]} ${Math.round(s.startMicros[i])}+${Math.round(s.durationMicros[i])}${threw}`;
  });
}

const E = ENTER;
const X = EXIT;
const T = THROW;

describe('recordingSlices', () => {
  it('nests calls, names them "fn (file:line)"', () => {
    const r = recording([
      [E, 0, 0],
      [E, 1, 10],
      [X, 1, 20],
      [E, 2, 30],
      [E, 3, 35],
      [X, 3, 40],
      [X, 2, 50],
      [X, 0, 100],
    ]);
    expect(show(r)).toEqual(['a@1 0+100', 'b@2 10+10', 'c@2 30+20', 'd@3 35+5']);
    expect(recordingSlices(r).names[0]).toBe('a (/p.js:1)');
  });

  it('a throw through 3 frames closes all 3, marked, and the finally exits are dropped', () => {
    const r = recording([
      [E, 0, 0],
      [E, 1, 10],
      [E, 2, 20],
      [T, 2, 30],
      [X, 2, 30],
      [T, 1, 31],
      [X, 1, 31],
      [T, 0, 32],
      [X, 0, 32],
    ]);
    expect(show(r)).toEqual(['a@1 0+32 threw', 'b@2 10+21 threw', 'c@3 20+10 threw']);
  });

  it('--max_stack_depth keeps the frames above the limit whole', () => {
    const r = recording([
      [E, 0, 0],
      [E, 1, 10],
      [E, 2, 20],
      [X, 2, 30],
      [X, 1, 40],
      [E, 3, 50],
      [X, 3, 60],
      [X, 0, 70],
    ]);
    expect(show(r, { maxStackDepth: 2 })).toEqual(['a@1 0+70', 'b@2 10+30', 'd@2 50+10']);
  });

  it('--min_duration drops short calls and what they contain', () => {
    const r = recording([
      [E, 0, 0],
      [E, 1, 10],
      [E, 2, 11],
      [X, 2, 12],
      [X, 1, 15],
      [E, 3, 20],
      [X, 3, 60],
      [X, 0, 70],
    ]);
    expect(show(r, { minDurationMicros: 10 })).toEqual(['a@1 0+70', 'd@2 20+40']);
  });

  it('frames still open at the end close at the stop time', () => {
    const r = recording(
      [
        [E, 0, 0],
        [E, 1, 10],
      ],
      64,
      500,
    );
    expect(show(r)).toEqual(['a@1 0+500', 'b@2 10+490']);
  });

  it('an exit whose frame is not on top closes the frames above it (unseen suspensions)', () => {
    const r = recording([
      [E, 0, 0],
      [E, 1, 10],
      [X, 0, 30],
    ]);
    expect(show(r)).toEqual(['a@1 0+30', 'b@2 10+20']);
  });

  it('a wrapped ring keeps the newest entries; exits of lost entries are skipped', () => {
    const entries: [number, number, number][] = [
      [E, 0, 0],
      [E, 1, 10],
      [X, 1, 20],
      [E, 2, 30],
      [X, 2, 40],
      [X, 0, 50],
      [E, 3, 60],
      [X, 3, 70],
    ];
    const r = recording(entries, 5);
    expect(r.total).toBeGreaterThan(r.codes.length);
    // The last 5 entries are: enter c, exit c, exit a (its enter is gone), enter d, exit d.
    expect(show(r)).toEqual(['c@1 30+10', 'd@1 60+10']);
  });
});

describe('recordingSlices: async functions and generators', () => {
  // Function 0 `a` is async, 1 `b` a generator, 2 `c` plain, 3 `d` an async generator.
  const FLAGS = [FN_ASYNC, FN_GENERATOR, 0, FN_ASYNC | FN_GENERATOR];
  const fns = FNS.map((f, i) => ({ ...f, flags: FLAGS[i] }));

  /** Entries `[kind, fn, µs, call]` (call: the calls column, 0 for plain functions). */
  function asyncRecording(entries: [number, number, number, number][], capacity = 64): Recording {
    const r = recording(
      entries.map(([k, fn, us]) => [k, fn, us]),
      capacity,
    );
    const calls = new Int32Array(capacity);
    entries.forEach(([, , , call], i) => (calls[i % capacity] = call));
    return { ...r, functions: fns, calls };
  }

  it('a slice per run, numbered by args.resume; a span per async call', () => {
    const r = asyncRecording([
      [E, 0, 0, 1], // a() called
      [E, 2, 1, 0],
      [X, 2, 2, 0],
      [X, 0, 3, -1], // a suspends at an await
      [E, 0, 10, 2], // a concurrent second call
      [X, 0, 11, -2],
      [E, 0, 20, -1], // the first call resumes...
      [X, 0, 25, 1], // ...and returns
      [E, 0, 30, -2],
      [T, 0, 31, 2], // the second rejects
    ]);
    expect(show(r)).toEqual(['a@1 0+3', 'c@2 1+1', 'a@1 10+1', 'a@1 20+5', 'a@1 30+1 threw']);
    const s = recordingSlices(r);
    expect(s.args).toEqual([undefined, undefined, undefined, { resume: 1 }, { resume: 1 }]);
    // With the thread's tid, each run names its call's span by the span's id.
    expect(recordingSlices(r, { tid: 7 }).args).toEqual([
      { span: '7.1' },
      undefined,
      { span: '7.2' },
      { resume: 1, span: '7.1' },
      { resume: 1, span: '7.2' },
    ]);
    expect(s.spans).toEqual([
      { nameIndex: 0, call: 1, startMicros: 0, endMicros: 25 },
      { nameIndex: 0, call: 2, startMicros: 10, endMicros: 31, args: { exception: true } },
    ]);
  });

  it('generators: runs under their consumer, no span; async generators: a span', () => {
    const r = asyncRecording([
      [E, 2, 0, 0], // c consumes
      [E, 1, 1, 5], // b's first run
      [X, 1, 2, -5],
      [E, 1, 3, -5],
      [X, 1, 4, -5],
      [E, 3, 5, 6], // d's first run
      [X, 3, 6, -6],
      [X, 2, 9, 0],
      [E, 1, 10, -5], // b resumes and ends
      [X, 1, 11, 5],
    ]);
    expect(show(r)).toEqual(['c@1 0+9', 'b@2 1+1', 'b@2 3+1', 'd@2 5+1', 'b@1 10+1']);
    const s = recordingSlices(r);
    expect(s.args?.[2]).toEqual({ resume: 1 });
    expect(s.args?.[4]).toEqual({ resume: 2 });
    // A generator's runs have no span to name; the async generator's first run does.
    const withTid = recordingSlices(r, { tid: 7 }).args;
    expect(withTid?.[2]).toEqual({ resume: 1 });
    expect(withTid?.[3]).toEqual({ span: '7.6' });
    // d never ended: its span closes at the stop time, unfinished.
    expect(s.spans).toEqual([
      { nameIndex: 2, call: 6, startMicros: 5, endMicros: 1000, args: { unfinished: true } },
    ]);
  });

  it('a resumption whose call started before the window has no resume number, nor span', () => {
    const r = asyncRecording([
      [E, 0, 0, -3],
      [X, 0, 1, 3],
    ]);
    expect(show(r)).toEqual(['a@1 0+1']);
    expect(recordingSlices(r, { tid: 7 }).args).toBeUndefined();
    expect(recordingSlices(r).spans).toBeUndefined();
  });

  it('notes: previews and exceptions land on their slice; a note the ring overwrote is dropped', () => {
    const r = asyncRecording([
      [E, 2, 0, 0],
      [T, 2, 1, 0],
      [X, 2, 1, 0],
      [E, 2, 2, 0],
      [X, 2, 3, 0],
    ]);
    const extras: (Record<string, unknown> | undefined)[] = [];
    const extraSeq = new Float64Array(64);
    extras[0] = { func_args: { x: '1' } };
    extras[1] = { exception: 'Error: e' };
    extras[2] = { return_value: 'ignored: the finally after a throw' };
    extras[3] = { func_args: { x: 'stale' } };
    extraSeq.set([0, 1, 2, 99]);
    const s = recordingSlices({ ...r, extras, extraSeq });
    expect(s.args?.[0]).toEqual({ func_args: { x: '1' }, exception: 'Error: e' });
    expect(s.args?.[1]).toBeUndefined();
  });
});

describe('Recorder', () => {
  it('records nothing until started and after stop; wraps; calibrates to the monotonic clock', () => {
    const rec = new Recorder(4);
    rec.e(0);
    expect(rec.total).toBe(0);
    rec.start();
    const before = Number(process.hrtime.bigint()) / 1000;
    for (let i = 0; i < 3; i++) {
      rec.e(i);
      rec.x(i);
    }
    const after = Number(process.hrtime.bigint()) / 1000;
    rec.stop();
    rec.e(9);
    expect(rec.total).toBe(6);
    expect(rec.overflowed).toBe(true);
    const r = rec.take();
    const s = recordingSlices({ ...r, functions: FNS });
    // The 4 newest entries are the enters and exits of the last two calls.
    expect(s.count).toBe(2);
    expect(s.names.map((n) => n.split(' ')[0])).toEqual(['b', 'c']);
    // Within 2 ms of the hrtime readings around the calls (calibration is done once).
    expect(s.startMicros[0]).toBeGreaterThan(before - 2000);
    expect(s.startMicros[1] + s.durationMicros[1]).toBeLessThan(after + 2000);
    expect(rec.total).toBe(0);
    expect(r.clock).toBe('performance.now');
  });

  it("times entries with the addon's clock, converted to the monotonic clock", () => {
    const addon = requireNative();
    const name = addon.tickSource === 'tsc' ? 'tsc' : addon.tickSource;
    for (const clock of [
      { name, addon },
      { name: 'monotonic', addon },
    ] as const) {
      const rec = new Recorder(8, clock);
      rec.start();
      const before = Number(process.hrtime.bigint()) / 1000;
      rec.e(1);
      rec.e(2);
      rec.x(2);
      rec.x(1);
      const after = Number(process.hrtime.bigint()) / 1000;
      const until = performance.now() + 5;
      while (performance.now() < until);
      rec.stop();
      const r = rec.take();
      expect(r.clock).toBe(clock.name);
      expect(r.total).toBe(4);
      // Copied only as far as written.
      expect(r.codes.length).toBe(4);
      const s = recordingSlices({ ...r, functions: FNS });
      expect(s.names.map((n) => n.split(' ')[0])).toEqual(['b', 'c']);
      // Converted by the line through the start and stop readings: within a few µs.
      expect(s.startMicros[0]).toBeGreaterThan(before - 5);
      expect(s.startMicros[1]).toBeGreaterThanOrEqual(s.startMicros[0]);
      expect(s.durationMicros[0]).toBeGreaterThanOrEqual(s.durationMicros[1]);
      expect(s.startMicros[0] + s.durationMicros[0]).toBeLessThan(after + 5);
      expect(r.stopMicros).toBeGreaterThan(after);
    }
  });

  it('async calls, notes and ignored regions, end to end through the recorder', () => {
    const rec = new Recorder(64);
    rec.m('/p.js', ['a', 'c'], [1, 2], [FN_ASYNC, 0], [['x'], []]);
    rec.start();
    let st = rec.a(0);
    rec.fa(42);
    st = rec.s(0, st);
    expect(st).toBeLessThan(0);
    rec.e(1);
    // As instrumented code does: the finally's exit (here with a return value), then the catch.
    rec.xr(1, 'never returned');
    rec.t(1, new RangeError('deep'));
    rec.ig();
    rec.e(1); // not recorded: inside an ignored function
    rec.x(1);
    rec.ug();
    st = rec.xa(0, st, 'done'); // resumed, then returns
    expect(st).toBe(0);
    rec.stop();
    const s = recordingSlices(rec.take());
    const names = s.names.map((n) => n.split(' ')[0]);
    expect(Array.from(s.nameIndex, (i) => names[i])).toEqual(['a', 'c', 'a']);
    expect(s.args).toEqual([
      { func_args: { x: '42' } },
      { exception: 'RangeError: deep' },
      { resume: 1, return_value: '"done"' },
    ]);
    expect(s.spans?.length).toBe(1);
    // The notes were handed over with the window: the next one starts without them.
    expect(rec.extras).toBeNull();
  });

  it("async calls and notes land on their entries with the addon's put and the JavaScript one, also when the ring wraps", () => {
    const addon = requireNative();
    const clocks = [
      { name: addon.tickSource, addon },
      { name: 'monotonic', addon },
      { name: 'performance.now' },
    ] as const;
    for (const clock of clocks) {
      // 8 entries: the 3 plain calls first fill most of the ring, the async call's entries wrap.
      const rec = new Recorder(8, clock);
      rec.m('/p.js', ['a', 'c'], [1, 2], [FN_ASYNC, 0], [['x'], ['y']]);
      rec.start();
      for (let i = 0; i < 3; i++) {
        rec.e(1);
        rec.x(1);
      }
      let st = rec.a(0);
      rec.fa(7);
      st = rec.s(0, st);
      rec.e(1);
      rec.fa('arg');
      rec.t(1, new TypeError('bad'));
      st = rec.xa(0, st, [1]);
      rec.stop();
      const r = rec.take();
      expect(r.total, clock.name).toBe(12);
      const s = recordingSlices(r);
      const names = s.names.map((n) => n.split(' ')[0]);
      // The oldest 4 entries (c's first two calls) were overwritten.
      expect(
        Array.from(s.nameIndex, (i) => names[i]),
        clock.name,
      ).toEqual(['c', 'a', 'c', 'a']);
      expect(s.args, clock.name).toEqual([
        undefined,
        { func_args: { x: '7' } },
        { func_args: { y: '"arg"' }, exception: 'TypeError: bad' },
        { resume: 1, return_value: 'Array(1) [1]' },
      ]);
    }
  });

  it('stopping inside an ignored function does not turn recording back on at its end', () => {
    const rec = new Recorder(8);
    rec.start();
    rec.ig();
    rec.stop();
    rec.ug();
    rec.e(0);
    expect(rec.total).toBe(0);
  });
});
