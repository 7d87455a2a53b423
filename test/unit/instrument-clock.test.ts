// The recorder's clock: the line from raw times to µs of CLOCK_MONOTONIC, and when the TSC is
// trusted.
import { describe, expect, it } from 'vitest';
import { fitClock, tscIsStable } from '../../src/instrument/clock';

describe('fitClock', () => {
  it('goes through two pairs exactly', () => {
    // A 2 GHz counter: 2000 ticks a µs.
    const line = fitClock(
      [
        { raw: 1_000_000, micros: 5_000_000 },
        { raw: 21_000_000, micros: 5_010_000 },
      ],
      1,
    );
    expect(line.slope).toBeCloseTo(1 / 2000, 15);
    expect(1_000_000 * line.slope + line.intercept).toBeCloseTo(5_000_000, 6);
    expect(11_000_000 * line.slope + line.intercept).toBeCloseTo(5_005_000, 6);
  });

  it('averages out the error of single pairs (least squares)', () => {
    // µs = raw / 3000 + 7e9 (µs since boot, large), each pair off by up to ±0.05 µs.
    const noise = [0.05, -0.03, 0.01, -0.05, 0.02, 0.04, -0.04, 0];
    const pairs = noise.map((n, i) => {
      const raw = i * 3e9; // one second apart
      return { raw, micros: raw / 3000 + 7e9 + n };
    });
    const line = fitClock(pairs, 1);
    expect(Math.abs(line.slope * 3000 - 1)).toBeLessThan(1e-8);
    for (const p of pairs) {
      expect(Math.abs(p.raw * line.slope + line.intercept - (p.raw / 3000 + 7e9))).toBeLessThan(
        0.05,
      );
    }
  });

  it('uses the fallback rate through the last pair when the raw times do not differ', () => {
    expect(fitClock([], 0.5)).toEqual({ slope: 0.5, intercept: 0 });
    expect(fitClock([{ raw: 10, micros: 100 }], 0.5)).toEqual({ slope: 0.5, intercept: 95 });
    const same = fitClock(
      [
        { raw: 10, micros: 100 },
        { raw: 10, micros: 101 },
      ],
      0.5,
    );
    expect(same).toEqual({ slope: 0.5, intercept: 96 });
    // A clock going backwards is not believed either.
    const back = fitClock(
      [
        { raw: 10, micros: 100 },
        { raw: 20, micros: 90 },
      ],
      0.5,
    );
    expect(back.slope).toBe(0.5);
  });
});

describe('tscIsStable', () => {
  const cpuinfo = (flags: string): string =>
    `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme ${flags} lm\nbugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: fpu\n`;
  it('wants both constant_tsc and nonstop_tsc', () => {
    expect(tscIsStable(cpuinfo('tsc constant_tsc nonstop_tsc rdtscp'))).toBe(true);
    expect(tscIsStable(cpuinfo('tsc constant_tsc rdtscp'))).toBe(false);
    expect(tscIsStable(cpuinfo('tsc nonstop_tsc'))).toBe(false);
    expect(tscIsStable(cpuinfo('tsc nonstop_tsc_s3 constant_tsc'))).toBe(false);
  });
  it('is false without /proc/cpuinfo', () => {
    expect(tscIsStable('')).toBe(false);
  });
});
