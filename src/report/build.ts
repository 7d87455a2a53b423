// A process's tracks from what its Tracer captured: per start..stop the samples, the
// instrumented calls and the program's own events, and what the OS thread monitor saw. Pure:
// no tracing and no I/O, so it is tested on hand-made captures.
import { mapSamples, type SourceMaps } from './source-maps';
import type { ThreadLabel } from '../native';
import {
  convertProfile,
  type ConvertOptions,
  type SampleLabels,
  type SliceTable,
} from '../trace/convert';
import { sampleCoreCounter } from '../trace/cpu-core';
import { processName } from '../trace/metadata';
import {
  fitAroundExact,
  fitIntoExact,
  INSTRUMENTED_PLACEHOLDER,
  nestUserSlices,
  stripInstrumentedFrames,
  type Span,
} from '../trace/nest';
import { osThreadTracks, type MonitorRecord, type PoolThreads } from '../trace/os-threads';
import { frameName, type SampleNode, type Samples } from '../trace/samples';
import type { UserEvents } from '../user-events';
import { labelsOfSamples, type LabelChanges } from '../labels';
import type { ProcessTrack, ThreadTrack } from './model';

/** A capture's instrumented calls, already slices (`instrument/slices.ts`). */
export interface CapturedCalls {
  slices: SliceTable;
  /** The files the recorder registered functions of: their frames the calls show exactly. */
  files: ReadonlySet<string>;
}

/** What one start..stop of a Tracer gathered on its thread. */
export interface CaptureData {
  /** What the backend returned; null when only instrumented. */
  samples: Samples | null;
  /** Null unless instrumented. */
  calls: CapturedCalls | null;
  /** What the program logged through the API. */
  events: UserEvents;
  /** When the labels of `withLabels` changed; absent or without sets: no labels. */
  labels?: LabelChanges;
}

/** A JS thread: its OS id and its track's label. */
export interface TracedThread extends ThreadLabel {
  tid: number;
}

/** Everything one thread's Tracer hands over for its process's report. */
export interface ProcessCaptures {
  pid: number;
  /** Shown with the process's name. */
  ppid: number;
  argv: readonly string[];
  thread: TracedThread;
  /** The main thread names the process; a worker's partial report does not. */
  isMain: boolean;
  captures: readonly CaptureData[];
  /** Under the native backend, in the main thread: the OS thread monitor's records. */
  monitors: readonly MonitorRecord[];
  /** The pools' threads, found when sampling started, to name the monitor's threads. */
  pools: PoolThreads;
}

export interface BuildOptions {
  convert: ConvertOptions;
  /** Our compiled code: above an instrumented frame, its frames are the recorder's cost. */
  libDir: string;
  /** Under our native sampler: a JS thread's `CPU core` counter comes from its samples. */
  jsCoreFromSamples: boolean;
  /** Source maps to name sampled frames from the original sources; null: generated names. */
  sourceMaps: SourceMaps | null;
}

/** The process's track: this thread's track of every capture, and the OS threads' counters. */
export function buildProcessTrack(input: ProcessCaptures, options: BuildOptions): ProcessTrack {
  const opts = options.convert;
  const { thread, argv } = input;
  return {
    pid: input.pid,
    name: input.isMain ? processName(argv, input.pid) : null,
    args: { ppid: input.ppid, argv: [...argv] },
    threads: input.captures.flatMap((w) => {
      const ev = w.events;
      const user = (nested: UserEvents['slices'], unnested: UserEvents['slices']) => ({
        slices: nested,
        asyncSlices: unnested,
        instants: ev.instants,
        counters: ev.counters,
      });
      if (w.calls === null) {
        // Sampled only: the program's slices are exact, the samples are cut around them.
        const split = nestUserSlices(ev.slices, null);
        const samples = options.sourceMaps
          ? mapSamples(w.samples!, options.sourceMaps)
          : w.samples!;
        const track = buildThreadTrack(samples, thread, opts, sampleLabelsOf(samples, w.labels));
        if (options.sourceMaps) track.slices = withGenerated(track.slices, samples);
        const sampled = fitAroundExact(
          track.slices,
          split.nested,
          w.samples!.timesMicros,
          opts.minDurationMicros,
        );
        return [{ ...track, slices: sampled, user: user(split.nested, split.unnested) }];
      }
      const calls = w.calls.slices;
      const split = nestUserSlices(ev.slices, calls);
      const out: ThreadTrack[] = [
        { ...thread, slices: calls, user: user(split.nested, split.unnested) },
      ];
      if (w.samples !== null)
        out.push({
          ...thread,
          slices: samplesAmong(w.samples, w.calls, split.nested, options),
        });
      return out;
    }),
    osThreads: input.monitors.flatMap((m) =>
      osThreadTracks(m, input.pools, { jsCoreFromSamples: options.jsCoreFromSamples }),
    ),
  };
}

/**
 * Instrumented and sampled together: the samples without the instrumented frames (the calls
 * are exact already), what is left placed inside the innermost exact slice open at the time.
 */
function samplesAmong(
  samples: Samples,
  calls: CapturedCalls,
  user: readonly Span[],
  options: BuildOptions,
): SliceTable {
  const generated = stripInstrumentedFrames(
    samples,
    (f) => f.file !== '' && calls.files.has(f.file),
    (f) => f.file !== '' && f.file.startsWith(options.libDir),
  );
  // Mapped after the instrumented frames are known by their generated files.
  const stripped = options.sourceMaps ? mapSamples(generated, options.sourceMaps) : generated;
  const opts = options.convert;
  // Cut to the calls, not before: a frame seen by one sample may last less than the minimum.
  const sampled = convertProfile(stripped, { ...opts, minDurationMicros: 0 });
  const exact: Span[] = [...user];
  for (let i = 0; i < calls.slices.count; i++) {
    exact.push({
      startMicros: calls.slices.startMicros[i],
      durationMicros: calls.slices.durationMicros[i],
    });
  }
  return fitIntoExact(
    sampled,
    exact,
    opts.minDurationMicros,
    sampled.names.indexOf(INSTRUMENTED_PLACEHOLDER),
  );
}

/**
 * `args.generated` on the slices of mapped frames, one object per name (`nameArgs`): where the
 * function is in the JavaScript that
 * ran (`file:line`), so the original name never hides what executed.
 */
function withGenerated(table: SliceTable, samples: Samples): SliceTable {
  // By name, the last node's (the nodes from the last, each name set once). A function is in
  // many nodes, which mapSamples gives one `generated` object: a node named as the one before
  // it of its object is skipped, not named again (cold, naming every node cost 2-5 ms).
  const byName = new Map<string, string>();
  const named = new Map<object, SampleNode>();
  const nodes = samples.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const nd = nodes[i];
    const g = nd.generated;
    if (!g) continue;
    const before = named.get(g);
    if (
      before !== undefined &&
      before.functionName === nd.functionName &&
      before.file === nd.file &&
      before.line === nd.line
    ) {
      continue;
    }
    named.set(g, nd);
    const name = frameName(nd);
    if (!byName.has(name)) byName.set(name, `${g.file}:${g.line}`);
  }
  if (byName.size === 0) return table;
  const nameArgs = table.names.map((name) => {
    const g = byName.get(name);
    return g === undefined ? undefined : { generated: g };
  });
  return { ...table, nameArgs };
}

/** Each sample's labels, when the program labelled anything while it was sampled. */
function sampleLabelsOf(
  samples: Samples,
  labels: LabelChanges | undefined,
): SampleLabels | undefined {
  if (!labels || (labels.initial === 0 && labels.ids.every((id) => id === 0))) return undefined;
  return { ids: labelsOfSamples(samples.timesMicros, labels), sets: labels.sets };
}

/**
 * One sampled capture of a thread as a track. Under the native backend its slices carry the
 * core they started on, and the samples' cores give the thread's `CPU core` counter.
 */
export function buildThreadTrack(
  p: Samples,
  thread: TracedThread,
  opts: ConvertOptions,
  labels?: SampleLabels,
): ThreadTrack {
  const slices = convertProfile(p, opts, p.cpus, labels);
  const counter = sampleCoreCounter(p, thread.name);
  return { ...thread, slices, ...(counter ? { counters: [counter] } : {}) };
}

/**
 * The report of a thread that ended while sampling (a terminated worker), as that thread
 * would have written it: one thread, and no process name (the main thread's report has it).
 */
export function buildOrphanTrack(
  p: Samples,
  thread: TracedThread,
  proc: { pid: number; ppid: number; argv: readonly string[] },
  opts: ConvertOptions,
): ProcessTrack {
  return {
    pid: proc.pid,
    name: null,
    args: { ppid: proc.ppid, argv: [...proc.argv] },
    threads: [buildThreadTrack(p, thread, opts)],
  };
}
