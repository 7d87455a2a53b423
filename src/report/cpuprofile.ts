// `.cpuprofile`: V8's CPU profile as JSON (`trace/inspector-profile.ts` has its fields), what
// `node --cpu-prof` writes and Chrome DevTools, VS Code and speedscope open. Out of a report's
// stacks one profile per thread; in, a profile is checked here and converted by the inspector
// backend's one conversion. Pure.
import { pathToFileURL } from 'node:url';
import type { InspectorProfile, ProfileNode } from '../trace/inspector-profile';
import { PSEUDO } from '../trace/samples';
import type { ThreadStacks } from './stacks';

/**
 * A thread's stacks as a profile: one sample at the start of each segment, so each sample's
 * time (to the next sample, the last one's to `endTime`) is the segment's and DevTools draws
 * the timeline the report has, and an `(idle)` sample at the end. Time with no slice open is
 * `(idle)`, as V8 writes it.
 */
export function toCpuProfile(t: ThreadStacks): InspectorProfile {
  const scripts = new Map<string, string>();
  const scriptId = (url: string): string => {
    if (url === '') return '0';
    let id = scripts.get(url);
    if (id === undefined) scripts.set(url, (id = String(scripts.size + 1)));
    return id;
  };
  // Node i of the stacks is id i + 1; (idle) is the root's last child.
  const idleId = t.nodes.length + 1;
  const nodes: ProfileNode[] = t.nodes.map((nd, i) => {
    const url = nd.file.startsWith('/') ? pathToFileURL(nd.file).href : nd.file;
    return {
      id: i + 1,
      callFrame: {
        functionName: i === 0 ? PSEUDO.root : nd.func === '(anonymous)' ? '' : nd.func,
        scriptId: scriptId(url),
        url,
        lineNumber: nd.line > 0 ? nd.line - 1 : -1,
        columnNumber: -1,
      },
      hitCount: 0,
      children: [],
    };
  });
  nodes.push({
    id: idleId,
    callFrame: {
      functionName: PSEUDO.idle,
      scriptId: '0',
      url: '',
      lineNumber: -1,
      columnNumber: -1,
    },
    hitCount: 0,
    children: [],
  });
  for (let i = 1; i < t.nodes.length; i++) nodes[t.nodes[i].parent].children!.push(i + 1);
  nodes[0].children!.push(idleId);
  const seg = t.segments;
  const n = seg.node.length;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  const startTime = n > 0 ? Math.round(seg.startMicros[0]) : 0;
  const endTime = n > 0 ? Math.round(seg.startMicros[n - 1] + seg.durationMicros[n - 1]) : 0;
  let prev = startTime;
  const sample = (id: number, micros: number): void => {
    samples.push(id);
    nodes[id - 1].hitCount!++;
    // Whole µs, as V8 writes them; rounding each time (not each delta) keeps no drift.
    const at = Math.round(micros);
    timeDeltas.push(at - prev);
    prev = at;
  };
  for (let i = 0; i < n; i++)
    sample(seg.node[i] === 0 ? idleId : seg.node[i] + 1, seg.startMicros[i]);
  // Readers that time a sample up to the next one (speedscope) would drop the last segment.
  if (n > 0) sample(idleId, endTime);
  return { nodes, startTime, endTime, samples, timeDeltas };
}

/**
 * `doc` as a V8 CPU profile, or a one-line reason why it is not one. Checks what the conversion
 * relies on: nodes with ids and call frames, and samples and deltas of the same length.
 */
export function asCpuProfile(doc: unknown): InspectorProfile | string {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'not a JSON object';
  const p = doc as Record<string, unknown>;
  if (!Array.isArray(p.nodes) || p.nodes.length === 0) return 'no nodes';
  for (const nd of p.nodes as unknown[]) {
    const node = nd as Partial<ProfileNode> | null;
    if (
      !node ||
      typeof node.id !== 'number' ||
      !node.callFrame ||
      typeof node.callFrame !== 'object'
    ) {
      return 'a node without an id or a call frame';
    }
  }
  if (typeof p.startTime !== 'number' || typeof p.endTime !== 'number')
    return 'no startTime or endTime';
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  if (!Array.isArray(samples) || !Array.isArray(deltas) || samples.length !== deltas.length) {
    return 'samples and timeDeltas differ in length';
  }
  return p as unknown as InspectorProfile;
}
