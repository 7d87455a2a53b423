// The native backend: V8's CpuProfiler driven by our addon on this thread. Its profiles are
// turned into the same RawProfile the inspector backend returns, so the converter does not
// know which backend sampled.
import { pathToFileURL } from 'node:url';
import {
  requireNative,
  type NativeAddon,
  type NativeProfile,
  type SamplerName,
  type ThreadLabel,
} from '../native';
import type { MonitorRecord } from '../trace/os-threads';
import type { ProfileNode, RawProfile } from '../trace/profile';
import { mergeTicks, type TickStats } from '../trace/ticks';
import type { Backend } from './backend';

/** A script's resource name as the inspector shows it: Node turns absolute paths into URLs. */
function resourceUrl(name: string): string {
  return name.startsWith('/') ? pathToFileURL(name).href : name;
}

/** The addon's columns to the inspector's Profile: 0-based lines and columns, time deltas. */
export function toRawProfile(p: NativeProfile): RawProfile {
  const { id, parent, line, column, scriptId, functionName, url } = p.nodes;
  const nodes: ProfileNode[] = [];
  const byId = new Map<number, ProfileNode>();
  for (let i = 0; i < id.length; i++) {
    const node: ProfileNode = {
      id: id[i],
      callFrame: {
        functionName: functionName[i],
        scriptId: String(scriptId[i]),
        url: resourceUrl(url[i]),
        // V8's native API is 1-based with 0 for unknown; the inspector is 0-based with -1.
        lineNumber: line[i] - 1,
        columnNumber: column[i] - 1,
      },
      hitCount: 0,
      children: [],
    };
    nodes.push(node);
    byId.set(id[i], node);
    // Parents come before their children in the addon's table.
    if (parent[i] >= 0) byId.get(parent[i])?.children!.push(id[i]);
  }
  const samples = Array.from(p.samples);
  const timeDeltas = new Array<number>(samples.length);
  let last = p.startTime;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    if (node) node.hitCount!++;
    timeDeltas[i] = p.timestamps[i] - last;
    last = p.timestamps[i];
  }
  return { nodes, startTime: p.startTime, endTime: p.endTime, samples, timeDeltas };
}

/** A profile with what the native backend knows besides V8's samples. */
export interface SampledProfile {
  profile: RawProfile;
  sampler: SamplerName;
  /** Under our sampler: each sample's CPU core (-1 unknown), in the profile's sample order. */
  cpu: Int16Array | null;
  /** Under our sampler: what its ticks found. */
  ticks: TickStats | null;
}

/** The addon's profile as the converter takes it; under our sampler, with its ticks merged. */
export function toSampledProfile(p: NativeProfile): SampledProfile {
  const raw = toRawProfile(p);
  if (p.sampler !== 'viztracer')
    return { profile: raw, sampler: p.sampler, cpu: null, ticks: null };
  const merged = mergeTicks(raw, p.ticks);
  return { profile: merged.profile, sampler: p.sampler, cpu: merged.cpu, ticks: merged.stats };
}

/** A profile of a thread that ended while sampling, taken from the addon by another thread. */
export interface OrphanProfile {
  tid: number;
  /** Null for a thread that started the addon without setting one through this backend. */
  label: ThreadLabel | null;
  sampled: SampledProfile;
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

  stop(): RawProfile {
    return this.stopSampled().profile;
  }

  /** Stops sampling; the profile with its per-sample CPU cores and tick counts. */
  stopSampled(): SampledProfile {
    return toSampledProfile(this.addon.stop());
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
  takeOrphans(): OrphanProfile[] {
    return this.addon.takeOrphans().map((o) => ({
      tid: o.tid,
      label: decodeLabel(o.label),
      sampled: toSampledProfile(o.profile),
    }));
  }
}
