// Profiles other tools write, read as reports: a V8 `.cpuprofile` (a timeline of one thread)
// and pprof (stacks without times, laid out one after another). Each comes with one line that
// says what it cannot show. The one reader (`read.ts`) calls these when a file is not a trace.
import * as path from 'node:path';
import { buildThreadTrack } from './build';
import { asCpuProfile } from './cpuprofile';
import type { ProcessTrack } from './model';
import { fromPprof } from './pprof';
import { eventsOfPieces, processEventTexts } from './serialize';
import { fromInspectorProfile } from '../trace/inspector-profile';
import type { TraceEvent } from '../trace/events';
import { PSEUDO } from '../trace/samples';

/** A profile of another format as a report's events, and what it could not give. */
export interface ForeignReport {
  events: TraceEvent[];
  metadata: Record<string, unknown>;
  /** One line for the user: what this format cannot show. */
  notice: string;
}

/**
 * `<name>.<pid>-<tid>.cpuprofile` (ours) and `CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile`
 * (`node --cpu-prof`) name their thread; any other name is pid 1, tid 1.
 */
export function threadOfProfileName(file: string): { pid: number; tid: number } {
  const base = path.basename(file);
  const ours = /\.(\d+)-(\d+)\.cpuprofile$/.exec(base);
  if (ours) return { pid: Number(ours[1]), tid: Number(ours[2]) };
  const node = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(base);
  // Node numbers threads from 0 (the main thread); the main thread's tid is the pid.
  if (node) {
    const pid = Number(node[1]);
    const thread = Number(node[2]);
    return { pid, tid: thread === 0 ? pid : pid + thread };
  }
  return { pid: 1, tid: 1 };
}

/** A V8 CPU profile (parsed JSON) as a report of one thread; throws a one-line Error. */
export function cpuProfileReport(doc: unknown, file: string): ForeignReport {
  const profile = asCpuProfile(doc);
  if (typeof profile === 'string') throw new Error(`not a CPU profile (${profile})`);
  const samples = fromInspectorProfile(profile);
  const { pid, tid } = threadOfProfileName(file);
  const main = tid === pid;
  const track = buildThreadTrack(
    samples,
    { tid, name: main ? 'main' : `thread ${tid}`, sortIndex: main ? 0 : 1 },
    // Everything the profile has, as DevTools shows it.
    { keepInternals: true },
  );
  const proc: ProcessTrack = {
    pid,
    name: path.basename(file),
    args: {},
    threads: [track],
  };
  const deltas = (profile.timeDeltas ?? []).filter((d) => d > 0).sort((a, b) => a - b);
  const notice = 'a V8 CPU profile: one thread, with no OS thread ids or CPU cores';
  return {
    events: [...eventsOfPieces(processEventTexts(proc))],
    metadata: {
      format: 'cpuprofile',
      intervalMicros: deltas.length > 0 ? deltas[deltas.length >> 1] : 0,
      sampleCount: samples.nodeIds.length,
      notice,
    },
    notice,
  };
}

/**
 * A pprof profile as a report: per thread (its `thread_id`, `thread` or `pid` labels) the
 * stacks laid out one after another, widest first, so the flame graph and the function table
 * are right and the timeline is not a timeline. Values become µs when they are time
 * (nanoseconds, or counts of a period in nanoseconds); otherwise 1 µs a unit.
 */
export function pprofReport(bytes: Uint8Array): ForeignReport {
  const p = fromPprof(bytes);
  const shown = p.shown;
  const type = p.sampleTypes[shown];
  const unit = type.slice(type.indexOf('/') + 1);
  const scale =
    unit === 'nanoseconds'
      ? 1e-3
      : unit === 'microseconds'
        ? 1
        : unit === 'milliseconds'
          ? 1e3
          : unit === 'seconds'
            ? 1e6
            : 1;
  // One tree per thread: children keyed by name, values summed.
  interface Node {
    name: string;
    total: number;
    children: Map<string, Node>;
  }
  const threads = new Map<string, { pid: number; tid: number; name: string; root: Node }>();
  const processNames = new Map<number, string>();
  for (const s of p.samples) {
    const v = s.values[shown] ?? 0;
    if (!(v > 0)) continue;
    const pid = typeof s.labels.pid === 'number' ? s.labels.pid : 1;
    const tid = typeof s.labels.thread_id === 'number' ? s.labels.thread_id : pid;
    const name =
      typeof s.labels.thread === 'string'
        ? s.labels.thread
        : tid === pid
          ? 'main'
          : `thread ${tid}`;
    if (typeof s.labels.process === 'string') processNames.set(pid, s.labels.process);
    const k = `${pid}:${tid}`;
    let t = threads.get(k);
    if (!t)
      threads.set(k, (t = { pid, tid, name, root: { name: '', total: 0, children: new Map() } }));
    let node = t.root;
    node.total += v;
    for (const frame of s.stack) {
      let c = node.children.get(frame);
      if (!c) node.children.set(frame, (c = { name: frame, total: 0, children: new Map() }));
      c.total += v;
      node = c;
    }
  }
  const events: TraceEvent[] = [];
  const named = new Set<number>();
  for (const t of threads.values()) {
    if (!named.has(t.pid)) {
      named.add(t.pid);
      events.push({
        ph: 'M',
        name: 'process_name',
        pid: t.pid,
        tid: t.pid,
        args: { name: processNames.get(t.pid) ?? `pid ${t.pid}` },
      });
    }
    events.push({ ph: 'M', name: 'thread_name', pid: t.pid, tid: t.tid, args: { name: t.name } });
    const lay = (node: Node, at: number): void => {
      const kids = [...node.children.values()].sort((a, b) => b.total - a.total);
      let x = at;
      for (const c of kids) {
        const dur = c.total * scale;
        // Idle is time, not a frame of the program: the gap it leaves is what the viewer shows.
        if (c.name !== PSEUDO.idle) {
          events.push({ ph: 'X', name: c.name, pid: t.pid, tid: t.tid, ts: x, dur });
          lay(c, x);
        }
        x += dur;
      }
    };
    lay(t.root, 0);
  }
  const notice = `pprof has no times: the flame graph and function table show its ${type}; the stacks are laid out one after another, not in time order`;
  return {
    events,
    metadata: {
      notice,
      format: 'pprof',
      sampleType: type,
      sampleTypes: p.sampleTypes,
      // The page shows no timeline for a profile without times.
      timeline: false,
    },
    notice,
  };
}
