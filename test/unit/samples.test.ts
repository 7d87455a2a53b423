// The inspector's profile (Profiler.stop, .cpuprofile) as our samples: the one conversion.
import { describe, expect, it } from 'vitest';
import { fromInspectorProfile, type InspectorProfile } from '../../src/trace/inspector-profile';
import { sliceName } from '../../src/trace/samples';
import { callFrame } from './helpers';

// Listed children first, ids from 7: the conversion orders and renumbers them.
const profile: InspectorProfile = {
  nodes: [
    { id: 9, callFrame: callFrame('f', 'file:///app/a%20b.js', 4) },
    { id: 8, callFrame: callFrame('main', 'node:internal/main', 0), children: [9, 10] },
    { id: 7, callFrame: callFrame('(root)'), children: [8] },
    { id: 10, callFrame: callFrame('g', '/app/c.js', -1) },
  ],
  startTime: 100,
  endTime: 200,
  samples: [9, 10, 9, 42],
  timeDeltas: [5, 10, -3, 20],
};

describe('fromInspectorProfile', () => {
  const s = fromInspectorProfile(profile);

  it('lists nodes parents first, with paths, 1-based lines and columns, 0 when unknown', () => {
    expect(s.nodes).toEqual([
      { parent: -1, functionName: '(root)', file: '', line: 0, column: 0 },
      { parent: 0, functionName: 'main', file: 'node:internal/main', line: 1, column: 1 },
      { parent: 1, functionName: 'f', file: '/app/a b.js', line: 5, column: 1 },
      { parent: 1, functionName: 'g', file: '/app/c.js', line: 0, column: 0 },
    ]);
    expect(s.nodes.map((n) => sliceName(n.functionName, n.file, n.line))).toEqual([
      '(root)',
      'main (node:internal/main:1)',
      'f (/app/a b.js:5)',
      'g (/app/c.js)',
    ]);
  });

  it('sums the deltas into absolute times, in time order, ties in sample order', () => {
    // 105 f, 115 g, 112 f, 132 (unknown node).
    expect(Array.from(s.timesMicros)).toEqual([105, 112, 115, 132]);
    expect(Array.from(s.nodeIds)).toEqual([2, 2, 3, -1]);
    expect([s.startMicros, s.endMicros, s.sampler]).toEqual([100, 200, 'v8']);
  });

  it('takes no samples from a profile without any', () => {
    const empty = fromInspectorProfile({ nodes: profile.nodes, startTime: 1, endTime: 2 });
    expect([empty.timesMicros.length, empty.nodeIds.length]).toEqual([0, 0]);
  });
});
