// The CPU core a JS thread ran on, per sample and as a counter track. Pure: no I/O, no addon.
import type { CounterTrack } from './os-threads';
import type { Samples } from './samples';

/**
 * `CPU core (<thread>)` from the samples' cores (-1 unknown, skipped): a point at the first
 * known core and at each change, as the thread monitor's counters are (a step function).
 * Null when no sample knows its core.
 */
export function sampleCoreCounter(samples: Samples, threadName: string): CounterTrack | null {
  const { timesMicros: times, cpus } = samples;
  if (!cpus) return null;
  const ts: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const c = cpus[i] ?? -1;
    if (c < 0 || values[values.length - 1] === c) continue;
    ts.push(times[i]);
    values.push(c);
  }
  if (ts.length === 0) return null;
  return { name: `CPU core (${threadName})`, key: 'core', ts, values };
}

/**
 * Under V8's sampler, which knows no core: each sample's core taken from the thread monitor's
 * readings of that thread (every 10 ms, stored on change), the last reading at or before the
 * sample; -1 before the first.
 */
export function coresFromMonitor(
  samples: Samples,
  readings: { ts: ArrayLike<number>; core: ArrayLike<number> },
): Int16Array {
  const times = samples.timesMicros;
  const out = new Int16Array(times.length);
  for (let i = 0; i < times.length; i++) {
    // Binary search: the last reading with ts <= the sample's time.
    let lo = 0;
    let hi = readings.ts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (readings.ts[mid] <= times[i]) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    out[i] = found >= 0 ? readings.core[found] : -1;
  }
  return out;
}
