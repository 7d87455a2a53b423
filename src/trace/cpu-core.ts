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
