// The CPU core a JS thread ran on, per sample and as a counter track. Pure: no I/O, no addon.
import type { CounterTrack } from './os-threads';
import type { RawProfile } from './profile';

/** Each sample's time, µs, in the profile's sample order. */
export function sampleTimes(p: RawProfile): Float64Array {
  const deltas = p.timeDeltas ?? [];
  const n = Math.min(deltas.length, p.samples?.length ?? 0);
  const out = new Float64Array(n);
  for (let i = 0, t = p.startTime; i < n; i++) out[i] = t += deltas[i];
  return out;
}

/**
 * `CPU core (<thread>)` from the samples' cores (-1 unknown, skipped): a point at the first
 * known core and at each change, as the thread monitor's counters are (a step function).
 * Null when no sample knows its core.
 */
export function sampleCoreCounter(
  profile: RawProfile,
  cpu: ArrayLike<number>,
  threadName: string,
): CounterTrack | null {
  const times = sampleTimes(profile);
  const order = Array.from(times.keys()).sort((a, b) => times[a] - times[b] || a - b);
  const ts: number[] = [];
  const values: number[] = [];
  for (const i of order) {
    const c = cpu[i] ?? -1;
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
  profile: RawProfile,
  readings: { ts: ArrayLike<number>; core: ArrayLike<number> },
): Int16Array {
  const times = sampleTimes(profile);
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
