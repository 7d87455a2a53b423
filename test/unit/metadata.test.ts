// A report's metadata from how it was traced and what its threads and processes add up to.
import { describe, expect, it } from 'vitest';
import { addTotals, mergedTotals, runMetadata, type ReportTotals } from '../../src/trace/metadata';
import type { TickStats } from '../../src/trace/samples';

const ticks = (samples: number): TickStats => ({
  samples,
  idle: 1,
  busy: 0,
  gc: 0,
  runnable: 0,
  missed: 0,
  droppedV8Samples: 0,
});

const none: ReportTotals = { sampleCount: 0, overflow: false, clocks: [], ticks: null };

describe('runMetadata', () => {
  it('says how the data was traced, and only what applies', () => {
    const m = runMetadata({ backend: 'inspector', intervalMicros: 1000 }, none, ['node', 'a.js']);
    expect(m).toMatchObject({ tool: 'viztracer', backend: 'inspector', intervalMicros: 1000 });
    expect(m.command).toEqual(['node', 'a.js']);
    for (const k of ['sampling', 'sampler', 'clock', 'samplerTicks'])
      expect(m).not.toHaveProperty(k);
  });

  it('lists the clocks once each, in the order first seen', () => {
    const totals = { ...none, clocks: ['tsc', 'performance.now', 'tsc'] };
    const m = runMetadata({ backend: 'instrument', intervalMicros: 0 }, totals, []);
    expect(m.clock).toBe('tsc,performance.now');
  });
});

describe('mergedTotals and addTotals', () => {
  it('add up the samples, overflow, clocks and sampler ticks of the merged reports and our own', () => {
    const merged = mergedTotals({
      sampleCount: 5,
      metadata: [
        { overflow: false, clock: 'tsc', samplerTicks: ticks(2) },
        { overflow: true, samplerTicks: ticks(3) },
      ],
    });
    expect(merged).toEqual({
      sampleCount: 5,
      overflow: true,
      clocks: ['tsc'],
      ticks: { ...ticks(5), idle: 2 },
    });
    const own = { sampleCount: 1, overflow: false, clocks: ['monotonic'], ticks: ticks(1) };
    expect(addTotals(own, merged)).toEqual({
      sampleCount: 6,
      overflow: true,
      clocks: ['monotonic', 'tsc'],
      ticks: { ...ticks(6), idle: 3 },
    });
  });
});
