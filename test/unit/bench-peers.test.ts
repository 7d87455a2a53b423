// The pure helpers of scripts/bench/peers.mjs: counting each tool's delivered samples.
import { describe, expect, it } from 'vitest';
import {
  costPerSampleMicros,
  cpuprofileSamples,
  effectiveRate,
  marginalCostMicros,
  othersCpus,
  parseGnuTime,
  parseProcStat,
  pprofSamples,
  rejectedOption,
  viztracerSamples,
} from '../../scripts/bench/peers-lib.mjs';

describe('sample counts', () => {
  it('counts every sample of a .cpuprofile', () => {
    const p = {
      nodes: [],
      samples: [1, 2, 2, 3],
      timeDeltas: [5, 1, 1, 1],
      startTime: 100,
      endTime: 4100,
    };
    expect(cpuprofileSamples(p)).toEqual({ samples: 4, spanMicros: 4000 });
    expect(() => cpuprofileSamples({})).toThrow('no samples array');
  });

  it("takes a viztracer report's sampleCount over the span of its slices", () => {
    const report = {
      traceEvents: [
        { ph: 'M', name: 'process_name', pid: 1, tid: 1, args: { name: 'x' } },
        { ph: 'X', name: 'a', pid: 1, tid: 1, ts: 1000, dur: 500 },
        { ph: 'X', name: 'b', pid: 1, tid: 1, ts: 1200, dur: 2000 },
      ],
      viztracer_metadata: { sampleCount: 7 },
    };
    expect(viztracerSamples(report)).toEqual({ samples: 7, spanMicros: 2200 });
    expect(() => viztracerSamples({ traceEvents: [] })).toThrow('no sampleCount');
  });

  it('sums the sample/count values of a pprof profile, whatever the order of its types', () => {
    const profile = {
      stringTable: { strings: ['', 'wall', 'nanoseconds', 'sample', 'count'] },
      sampleType: [
        { type: 1, unit: 2 },
        { type: 3, unit: 4 },
      ],
      sample: [{ value: [3000, 3] }, { value: [1000n, 1n] }, { value: [0, 0] }],
      durationNanos: 5_000_000,
    };
    expect(pprofSamples(profile)).toEqual({ samples: 4, spanMicros: 5000 });
    const cpuOnly = { ...profile, sampleType: [{ type: 1, unit: 2 }] };
    expect(() => pprofSamples(cpuOnly)).toThrow('no sample/count type (types: wall/nanoseconds)');
  });
});

describe('GNU time', () => {
  it("reads GNU time's %U %S %M, after an exit status line if any", () => {
    expect(parseGnuTime('1.50 0.25 104560\n')).toEqual({ cpuMs: 1750, maxRssKB: 104560 });
    expect(parseGnuTime('Command exited with non-zero status 1\n0.5 0.5 98000\n')).toEqual({
      cpuMs: 1000,
      maxRssKB: 98000,
    });
  });
});

describe('contention', () => {
  it('reads /proc/stat and tells how busy the rest of the machine was', () => {
    const before = parseProcStat('cpu  100 10 50 1000 5 0 5 30 0 0\ncpu0 1 2 3 4\n');
    expect(before).toEqual({ busy: 195, total: 1200 });
    const after = parseProcStat('cpu  300 10 100 1200 5 0 5 30 0 0\n');
    // 250 jiffies busy = 2.5 CPU s; the run used 1.5 s of it over 2 s of wall: 0.5 CPUs else.
    expect(othersCpus(before, after, 100, 1500, 2000)).toBeCloseTo(0.5, 10);
  });
});

describe('figures', () => {
  it('gives the effective rate and the cost per sample', () => {
    expect(effectiveRate(500, 1_000_000, 1000)).toBe(0.5);
    expect(costPerSampleMicros(1100, 1000, 1000)).toBe(100);
    expect(costPerSampleMicros(1100, 1000, 0)).toBeNaN();
    // 300 ms more for 9000 more samples: 33.3 µs each, whatever the fixed cost.
    const coarse = { samples: 1000, addedMs: 200 };
    expect(marginalCostMicros(coarse, { samples: 10000, addedMs: 500 })).toBeCloseTo(33.33, 2);
    expect(marginalCostMicros(coarse, coarse)).toBeNaN();
  });

  it('recognises an option the CLI does not know', () => {
    expect(rejectedOption(2, 'viztracer: unknown option --sampler\n', '--sampler')).toBe(true);
    expect(rejectedOption(1, 'viztracer: unknown option --sampler\n', '--sampler')).toBe(false);
    expect(rejectedOption(2, 'viztracer: --sampler: expected viztracer or v8\n', '--sampler')).toBe(
      false,
    );
  });
});
