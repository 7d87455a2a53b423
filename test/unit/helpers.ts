// Shared helpers for the unit tests: fixture loading and a readable print of slice tables.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SliceTable } from '../../src/trace/convert';
import { checkSpans } from '../helpers/nesting';
import {
  fromInspectorProfile,
  type CallFrame,
  type InspectorProfile,
  type ProfileNode,
} from '../../src/trace/inspector-profile';
import type { Samples } from '../../src/trace/samples';

const PROFILES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));

/** A fixture as the inspector gives it. */
export function loadProfile(name: string): InspectorProfile {
  return JSON.parse(fs.readFileSync(path.join(PROFILES, name), 'utf8')) as InspectorProfile;
}

/** A fixture as our samples, through the one conversion the inspector backend uses. */
export function loadSamples(name: string): Samples {
  return fromInspectorProfile(loadProfile(name));
}

/** One line per slice, `name start..end`, indented two spaces per level below depth 1. */
export function printSlices(t: SliceTable): string {
  const lines: string[] = [];
  for (let i = 0; i < t.count; i++) {
    const start = t.startMicros[i];
    const end = start + t.durationMicros[i];
    lines.push(`${'  '.repeat(t.depth[i] - 1)}${t.names[t.nameIndex[i]]} ${start}..${end}`);
  }
  return '\n' + lines.join('\n') + '\n';
}

/**
 * Structural invariants every table must satisfy: slices are in opening order (by start,
 * parents before children), depth grows by at most one, each slice lies inside its parent,
 * and no duration is negative.
 */
export function checkNesting(t: SliceTable): void {
  const end = t.startMicros.map((s, i) => s + t.durationMicros[i]);
  checkSpans(t.startMicros, end, t.depth, (i) => `slice ${i}`);
}

export function callFrame(functionName: string, url = '', lineNumber = -1): CallFrame {
  return {
    functionName,
    scriptId: url ? '1' : '0',
    url,
    lineNumber,
    columnNumber: lineNumber >= 0 ? 0 : -1,
  };
}

/** root -> main -> rec x depth (a chain), as V8 would report a deep recursion. */
export function deepRecursionProfile(depth: number): InspectorProfile {
  const nodes: ProfileNode[] = [
    { id: 1, callFrame: callFrame('(root)'), children: [2] },
    { id: 2, callFrame: callFrame('main', 'file:///app/rec.js', 0), children: [3] },
  ];
  for (let i = 0; i < depth; i++) {
    const id = 3 + i;
    nodes.push({
      id,
      callFrame: callFrame('rec', 'file:///app/rec.js', 4),
      children: i + 1 < depth ? [id + 1] : [],
    });
  }
  const deepest = 2 + depth;
  return { nodes, startTime: 0, endTime: 30, samples: [deepest, 2], timeDeltas: [10, 10] };
}

export { tempDir } from '../helpers/run';
