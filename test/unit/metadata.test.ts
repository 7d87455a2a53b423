// A report's metadata from how it was traced and what its threads and processes add up to.
import { describe, expect, it } from 'vitest';
import { addTotals, mergedTotals, runMetadata, type ReportTotals } from '../../src/trace/metadata';

const none: ReportTotals = { sampleCount: 0, overflow: false, clocks: [] };

describe('runMetadata', () => {
  it('says how the data was traced, and only what applies', () => {
    const m = runMetadata({ backend: 'inspector', intervalMicros: 1000 }, none, ['node', 'a.js']);
    expect(m).toMatchObject({ tool: 'viztracer', backend: 'inspector', intervalMicros: 1000 });
    expect(m.command).toEqual(['node', 'a.js']);
    for (const k of ['sampling', 'sampler', 'clock']) expect(m).not.toHaveProperty(k);
  });

  it('names the sampler under native', () => {
    const m = runMetadata({ backend: 'native', intervalMicros: 1000, sampler: 'v8' }, none, []);
    expect(m.sampler).toBe('v8');
  });

  it('lists the clocks once each, in the order first seen', () => {
    const totals = { ...none, clocks: ['tsc', 'performance.now', 'tsc'] };
    const m = runMetadata({ backend: 'instrument', intervalMicros: 0 }, totals, []);
    expect(m.clock).toBe('tsc,performance.now');
  });
});

describe('mergedTotals and addTotals', () => {
  it('add up the samples, overflow and clocks of the merged reports and our own', () => {
    const merged = mergedTotals({
      sampleCount: 5,
      metadata: [{ overflow: false, clock: 'tsc' }, { overflow: true }],
    });
    expect(merged).toEqual({ sampleCount: 5, overflow: true, clocks: ['tsc'] });
    const own = { sampleCount: 1, overflow: false, clocks: ['monotonic'] };
    expect(addTotals(own, merged)).toEqual({
      sampleCount: 6,
      overflow: true,
      clocks: ['monotonic', 'tsc'],
    });
  });
});
