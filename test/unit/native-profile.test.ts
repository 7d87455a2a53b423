// The native backend's profile as our samples, on a hand-made table.
import { describe, expect, it } from 'vitest';
import { fromNativeProfile } from '../../src/backends/native';
import type { NativeProfile } from '../../src/native';

const profile: NativeProfile = {
  nodes: {
    id: Int32Array.from([1, 2, 3, 4]),
    parent: Int32Array.from([-1, 1, 2, 1]),
    line: Int32Array.from([0, 10, 3, 0]),
    column: Int32Array.from([0, 5, 1, 0]),
    scriptId: Int32Array.from([0, 7, 8, 0]),
    functionName: ['(root)', 'main', 'helper', '(program)'],
    url: ['', '/abs/app.js', 'file:///abs/mod.mjs', ''],
  },
  samples: Int32Array.from([2, 3, 3, 4]),
  timestamps: Float64Array.from([1010, 1020, 1035, 1040]),
  startTime: 1000,
  endTime: 1050,
  sampler: 'v8',
  cpus: Int16Array.from([0, 1, -1, 1]),
};

describe('fromNativeProfile', () => {
  const s = fromNativeProfile(profile);

  it('keeps 1-based positions and makes files of paths and file URLs', () => {
    expect(s.nodes).toEqual([
      { parent: -1, functionName: '(root)', file: '', line: 0, column: 0 },
      { parent: 0, functionName: 'main', file: '/abs/app.js', line: 10, column: 5 },
      { parent: 1, functionName: 'helper', file: '/abs/mod.mjs', line: 3, column: 1 },
      { parent: 0, functionName: '(program)', file: '', line: 0, column: 0 },
    ]);
  });

  it('links each node to its parent and each sample to its node, by index', () => {
    expect(Array.from(s.nodeIds)).toEqual([1, 2, 2, 3]);
  });

  it('keeps the absolute times', () => {
    expect(Array.from(s.timesMicros)).toEqual([1010, 1020, 1035, 1040]);
    expect([s.startMicros, s.endMicros, s.sampler]).toEqual([1000, 1050, 'v8']);
    expect(Array.from(s.cpus!)).toEqual([0, 1, -1, 1]);
  });

  it('puts out-of-order samples in time order, with their cores', () => {
    const late = fromNativeProfile({
      ...profile,
      samples: Int32Array.from([2, 4, 3, 4]),
      timestamps: Float64Array.from([1010, 1030, 1020, 1040]),
    });
    expect(Array.from(late.timesMicros)).toEqual([1010, 1020, 1030, 1040]);
    expect(Array.from(late.nodeIds)).toEqual([1, 2, 3, 3]);
    expect(Array.from(late.cpus!)).toEqual([0, -1, 1, 1]);
  });
});
