// The native backend: V8's CpuProfiler driven by our addon on this thread. The addon's columns
// become `Samples` here, as the inspector's profile does in its backend, so the converter does
// not know which backend sampled.
import {
  requireNative,
  type NativeAddon,
  type NativeProfile,
  type SamplerName,
  type ThreadLabel,
} from '../native';
import type { MonitorRecord } from '../trace/os-threads';
import {
  indicesOf,
  sortByTime,
  urlToFileMemo,
  type SampleNode,
  type Samples,
} from '../trace/samples';
import type { Backend } from './backend';

/**
 * The addon's profile as `Samples`: its times are absolute and its lines 1-based already, a
 * resource name is a path (CommonJS) or a URL (ES modules, made a path); each sample knows its
 * CPU core. Pure.
 */
export function fromNativeProfile(p: NativeProfile): Samples {
  const { id, parent, line, column, functionName, url } = p.nodes;
  const parentIndex = indicesOf(id, parent);
  // Parents come before their children in the addon's table.
  const nodes: SampleNode[] = [];
  const fileOf = urlToFileMemo();
  for (let i = 0; i < id.length; i++) {
    nodes.push({
      parent: parentIndex[i],
      functionName: functionName[i],
      file: fileOf(url[i]),
      line: line[i],
      column: column[i],
    });
  }
  // The addon's columns are this profile's own: taken as they are, no copy (a long run's are
  // the biggest thing a save holds).
  const nodeIds = indicesOf(id, p.samples, p.samples);
  const timesMicros = p.timestamps;
  const cpus = p.cpus;
  sortByTime(timesMicros, nodeIds, cpus);
  return {
    nodes,
    timesMicros,
    nodeIds,
    cpus,
    startMicros: p.startTime,
    endMicros: p.endTime,
    sampler: p.sampler,
  };
}

/** The samples of a thread that ended while sampling, taken from the addon by another thread. */
export interface OrphanSamples {
  tid: number;
  /** Null for a thread that started the addon without setting one through this backend. */
  label: ThreadLabel | null;
  samples: Samples;
}

// The addon keeps a label as text (it crosses threads); only this pair reads or writes it.
function encodeLabel(label: ThreadLabel): string {
  return JSON.stringify({ name: label.name, sortIndex: label.sortIndex });
}

function decodeLabel(text: string): ThreadLabel | null {
  try {
    const l = JSON.parse(text) as { name?: unknown; sortIndex?: unknown };
    if (typeof l.name === 'string' && typeof l.sortIndex === 'number')
      return { name: l.name, sortIndex: l.sortIndex };
  } catch {
    // not set through this backend
  }
  return null;
}

export class NativeBackend implements Backend {
  readonly name = 'native' as const;
  private readonly addon: NativeAddon;

  /**
   * Which sampler start() uses. Throws an Error with a one-line reason when the addon cannot
   * be loaded.
   */
  constructor(private readonly sampler: SamplerName = 'viztracer') {
    this.addon = requireNative();
  }

  start(intervalMicros: number): void {
    this.addon.start(intervalMicros, this.sampler);
  }

  /** Stops sampling; the samples carry their CPU cores. */
  stop(): Samples {
    return fromNativeProfile(this.addon.stop());
  }

  /** The calling thread's OS id. */
  threadId(): number {
    return this.addon.threadId();
  }

  /** Kept with this thread's profile should the thread end while sampling. */
  setThreadLabel(label: ThreadLabel): void {
    this.addon.setThreadLabel(encodeLabel(label));
  }

  /** Starts the process-wide OS thread monitor. */
  startMonitor(periodMillis: number): void {
    this.addon.startMonitor(periodMillis);
  }

  /** Stops the OS thread monitor and returns what it saw. */
  stopMonitor(): MonitorRecord {
    const data = this.addon.stopMonitor();
    return {
      ...data,
      threads: data.threads.map((t) => ({ ...t, label: t.js ? decodeLabel(t.label) : null })),
    };
  }

  /** The OS ids of libuv's pool threads, as many as answer within `timeoutMillis`. */
  findPoolThreads(count: number, timeoutMillis: number): number[] {
    return this.addon.findPoolThreads(count, timeoutMillis);
  }

  /** The OS ids of V8's platform worker threads, as many as answer within `timeoutMillis`. */
  findPlatformThreads(timeoutMillis: number): number[] {
    return this.addon.findPlatformThreads(timeoutMillis);
  }

  /** Profiles of the process's threads that ended while sampling; each is returned once. */
  takeOrphans(): OrphanSamples[] {
    return this.addon.takeOrphans().map((o) => ({
      tid: o.tid,
      label: decodeLabel(o.label),
      samples: fromNativeProfile(o.profile),
    }));
  }
}
