// The native backend's profile, turned into the inspector's shape, on a hand-made table.
import { describe, expect, it } from 'vitest';
import { toRawProfile } from '../../src/backends/native';
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
};

describe('toRawProfile', () => {
  const raw = toRawProfile(profile);

  it('makes call frames with 0-based positions and file URLs', () => {
    expect(raw.nodes.map((n) => n.callFrame)).toEqual([
      { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 },
      {
        functionName: 'main',
        scriptId: '7',
        url: 'file:///abs/app.js',
        lineNumber: 9,
        columnNumber: 4,
      },
      {
        functionName: 'helper',
        scriptId: '8',
        url: 'file:///abs/mod.mjs',
        lineNumber: 2,
        columnNumber: 0,
      },
      { functionName: '(program)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 },
    ]);
  });

  it('links children and counts hits', () => {
    expect(raw.nodes.map((n) => [n.id, n.children, n.hitCount])).toEqual([
      [1, [2, 4], 0],
      [2, [3], 1],
      [3, [], 2],
      [4, [], 1],
    ]);
  });

  it('turns timestamps into deltas from the start', () => {
    expect(raw.samples).toEqual([2, 3, 3, 4]);
    expect(raw.timeDeltas).toEqual([10, 10, 15, 5]);
    expect([raw.startTime, raw.endTime]).toEqual([1000, 1050]);
  });
});
