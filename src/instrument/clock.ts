// The recorder's clocks, and the pure parts of choosing and calibrating them.
//
// Entries store a raw time; a clock says how raw times become µs of CLOCK_MONOTONIC (the
// clock of `process.hrtime` and of V8's sampler), as a line: µs = raw * slope + intercept.
// The addon's tick counter (the TSC on x86_64) is read in a few ns, but its rate is known only
// by comparing it with CLOCK_MONOTONIC: pairs of readings taken when recording starts and
// stops, and a straight line through them (as VizTracer does).

/** What a recorder's times are. */
export type ClockName =
  /** The addon's x86_64 time-stamp counter, calibrated against CLOCK_MONOTONIC. */
  | 'tsc'
  /** The addon's arm64 virtual counter, calibrated the same way. */
  | 'cntvct'
  /** The addon's CLOCK_MONOTONIC (ns), where no usable counter is. */
  | 'monotonic'
  /** Without the addon: `performance.now()` (ms), offset once to CLOCK_MONOTONIC. */
  | 'performance.now'
  /** Without the addon, for comparison only: `process.hrtime()` (µs). */
  | 'hrtime';

/** One reading of both clocks, as close together as they can be read. */
export interface ClockPair {
  raw: number;
  micros: number;
}

/** µs of CLOCK_MONOTONIC = raw * slope + intercept. */
export interface ClockLine {
  slope: number;
  intercept: number;
}

/**
 * The least-squares line through the pairs (with two pairs, the line through both). Times
 * between the first and last pair are then off by about the pairs' own error (tens of ns),
 * however short the span. Without two distinct raw readings, `fallbackSlope` is used through
 * the last pair.
 */
export function fitClock(pairs: readonly ClockPair[], fallbackSlope: number): ClockLine {
  const n = pairs.length;
  if (n === 0) return { slope: fallbackSlope, intercept: 0 };
  // Centred sums, so that large raw values and µs since boot lose no precision.
  let mr = 0;
  let mu = 0;
  for (const p of pairs) {
    mr += p.raw;
    mu += p.micros;
  }
  mr /= n;
  mu /= n;
  let srr = 0;
  let sru = 0;
  for (const p of pairs) {
    srr += (p.raw - mr) * (p.raw - mr);
    sru += (p.raw - mr) * (p.micros - mu);
  }
  if (!(srr > 0) || !(sru > 0)) {
    const last = pairs[n - 1];
    return { slope: fallbackSlope, intercept: last.micros - last.raw * fallbackSlope };
  }
  const slope = sru / srr;
  return { slope, intercept: mu - mr * slope };
}

/**
 * Whether the x86 time-stamp counter keeps a fixed rate on every core in every power state,
 * from `/proc/cpuinfo`: both `constant_tsc` and `nonstop_tsc` among the first CPU's flags.
 */
export function tscIsStable(cpuinfo: string): boolean {
  const m = /^flags\s*:(.*)$/m.exec(cpuinfo);
  if (!m) return false;
  const flags = new Set(m[1].trim().split(/\s+/));
  return flags.has('constant_tsc') && flags.has('nonstop_tsc');
}

/**
 * µs of CLOCK_MONOTONIC now (the samplers' clock), from `process.hrtime` (its array form: no
 * BigInt to make, for the recorder's `hrtime` clock).
 */
export function monotonicMicros(): number {
  const t = process.hrtime();
  return t[0] * 1e6 + t[1] / 1e3;
}

let perf: typeof import('node:perf_hooks').performance | undefined;

/**
 * node:perf_hooks' `performance`, loaded when first asked for: loading it cost every traced
 * start most of a millisecond, for clocks that only user events and --instrument read.
 */
export function performanceClock(): typeof import('node:perf_hooks').performance {
  return (perf ??= (require('node:perf_hooks') as typeof import('node:perf_hooks')).performance);
}

/**
 * `performance.now()` (ms, as `raw`) and CLOCK_MONOTONIC µs read together: the reading of
 * `process.hrtime` closest to the middle of two `performance.now()` calls, of a few tries (the
 * first call of a kind can be slow, and the thread can be preempted between two reads).
 */
export function performanceNowPair(): ClockPair {
  const performance = performanceClock();
  let best = Infinity;
  let pair: ClockPair = { raw: 0, micros: 0 };
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const micros = monotonicMicros();
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      pair = { raw: (before + after) / 2, micros };
    }
  }
  return pair;
}
