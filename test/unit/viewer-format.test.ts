// Times, axis ticks, frame names and colours of the viewer's page.
import { describe, expect, it } from 'vitest';
import { hashString, hueOf, sliceColor } from '../../src/viewer/page/color';
import {
  axisTicks,
  formatDuration,
  formatPercent,
  formatTick,
  parseFrameName,
} from '../../src/viewer/page/format';

describe('formatDuration', () => {
  it('picks the unit that keeps the number short', () => {
    expect(formatDuration(0)).toBe('0 µs');
    expect(formatDuration(0.25)).toBe('250 ns');
    expect(formatDuration(1)).toBe('1 µs');
    expect(formatDuration(12.346)).toBe('12.35 µs');
    expect(formatDuration(999)).toBe('999 µs');
    expect(formatDuration(1500)).toBe('1.5 ms');
    expect(formatDuration(4437)).toBe('4.437 ms');
    expect(formatDuration(250_000)).toBe('250 ms');
    expect(formatDuration(1_250_000)).toBe('1.25 s');
    expect(formatDuration(3_600_000_000)).toBe('3600 s');
  });
});

describe('axisTicks', () => {
  it('spaces ticks by 1, 2 or 5 times a power of ten', () => {
    const a = axisTicks(0, 1000, 1000, 90);
    expect(a.step).toBe(100);
    expect(a.ticks).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(axisTicks(0, 1000, 1000, 150).step).toBe(200);
    expect(axisTicks(0, 1000, 1000, 300).step).toBe(500);
  });

  it('labels ticks in the unit of the step', () => {
    const ms = axisTicks(0, 5000, 1000, 90); // step 500 µs
    expect(ms.step).toBe(500);
    expect(formatTick(1500, ms)).toBe('1500 µs');
    const ms2 = axisTicks(0, 20_000, 1000, 90); // step 2 ms
    expect(ms2.unit.name).toBe('ms');
    expect(formatTick(4000, ms2)).toBe('4 ms');
    const s = axisTicks(0, 10_000_000, 1000, 90); // step 1 s
    expect(formatTick(3_000_000, s)).toBe('3 s');
    const fine = axisTicks(1000, 1000.5, 1000, 90); // step 0.05 µs = 50 ns
    expect(fine.unit.name).toBe('ns');
    expect(formatTick(1000.05, fine)).toBe('1000050 ns');
    const half = axisTicks(0, 3000, 300, 90); // step 1 ms
    expect(formatTick(2000, half)).toBe('2 ms');
  });

  it('shows decimals when the step is a fraction of the unit', () => {
    const a = axisTicks(0, 5, 1000, 90); // step 0.5 µs → ns
    expect(formatTick(1.5, a)).toBe('1500 ns');
    const b = axisTicks(-10, 10, 1000, 90);
    expect(b.ticks[0]).toBeGreaterThanOrEqual(-10);
    expect(formatTick(-0, b)).toBe('0 µs');
  });
});

describe('parseFrameName', () => {
  it('splits "fn (file:line)"', () => {
    expect(parseFrameName('fib (/app/fib.js:3)')).toEqual({
      func: 'fib',
      file: '/app/fib.js',
      line: 3,
    });
    expect(parseFrameName('(anonymous) (node:internal/main/run_main_module:1)')).toEqual({
      func: '(anonymous)',
      file: 'node:internal/main/run_main_module',
      line: 1,
    });
    expect(
      parseFrameName('Module._extensions..js (node:internal/modules/cjs/loader:1604)').func,
    ).toBe('Module._extensions..js');
    expect(parseFrameName('get x (a b/c.js:10:4)')).toEqual({
      func: 'get x',
      file: 'a b/c.js',
      line: 10,
    });
  });

  it('keeps any other name whole', () => {
    expect(parseFrameName('(garbage collector)')).toEqual({
      func: '(garbage collector)',
      file: null,
      line: null,
    });
    expect(parseFrameName('')).toEqual({ func: '', file: null, line: null });
    expect(parseFrameName('<img src=x onerror=alert(1)>').func).toBe(
      '<img src=x onerror=alert(1)>',
    );
  });
});

describe('formatPercent', () => {
  it('rounds to one decimal, flags tiny shares', () => {
    expect(formatPercent(1, 3)).toBe('33.3%');
    expect(formatPercent(1, 10000)).toBe('<0.1%');
    expect(formatPercent(0, 10)).toBe('0.0%');
    expect(formatPercent(1, 0)).toBe('');
  });
});

describe('colours', () => {
  it('are a pure function of the name', () => {
    // FNV-1a reference values: a change here changes every report's colours.
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
    expect(sliceColor('fib (/app/fib.js:3)')).toBe(sliceColor('fib (/app/fib.js:3)'));
    expect(hueOf('fib')).toBeGreaterThanOrEqual(0);
    expect(hueOf('fib')).toBeLessThan(360);
  });

  it('spread names over the hues', () => {
    const hues = new Set<number>();
    for (let i = 0; i < 200; i++) hues.add(Math.floor(hueOf(`function${i} (/x.js:${i})`) / 30));
    expect(hues.size).toBe(12);
  });
});
