// The statistics of scripts/bench/common.mjs that the benchmarks' verdicts rest on.
import { describe, expect, it } from 'vitest';
import { median, medianInterval, quantile } from '../../scripts/bench/common.mjs';

describe('medianInterval', () => {
  it('bounds the median by the order statistics of a 95% interval, whatever the order', () => {
    // n = 100: k = floor((100 - 1.96 * 10) / 2) = 40, so the 41st and the 60th values.
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(medianInterval(xs)).toEqual([41, 60]);
    expect(median(xs)).toBeGreaterThanOrEqual(41);
    expect(median(xs)).toBeLessThanOrEqual(60);
  });

  it('narrows as the rounds grow, relative to their number', () => {
    const at = (n: number) => {
      const [lo, hi] = medianInterval(Array.from({ length: n }, (_, i) => i / (n - 1)))!;
      return hi - lo;
    };
    expect(at(400)).toBeLessThan(at(100));
    expect(at(100)).toBeLessThan(at(25));
  });

  it('gives no interval for fewer than 6 values, and the whole range for 6', () => {
    expect(medianInterval([1, 2, 3, 4, 5])).toBeNull();
    expect(medianInterval([6, 1, 5, 2, 4, 3])).toEqual([1, 6]);
  });
});

describe('quantile', () => {
  it('interpolates between order statistics', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
  });
});
