// Recorder entries → slices: nesting, throws, depth and duration limits, the ring buffer.
import { describe, expect, it } from 'vitest';
import { ENTER, EXIT, Recorder, THROW, type Recording } from '../../src/instrument/recorder';
import { recordingSlices, type SliceOptions } from '../../src/instrument/slices';
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
});
