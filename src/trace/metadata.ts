// Facts about the process and the run that go into a report's metadata.
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNative } from '../native';
import { VERSION } from '../version';
import type { ReportMetadata } from './events';

/**
 * Wall-clock epoch ns minus CLOCK_MONOTONIC ns. The difference is the same for every process
 * on the host, so one value serves a report that merges many processes.
 */
export function baseTimeNanoseconds(): bigint {
  // The addon reads both clocks together; without it, node:perf_hooks is loaded for this.
  const native = loadNative();
  if ('addon' in native && typeof native.addon.wallMinusMonotonic === 'function') {
    return native.addon.wallMinusMonotonic();
  }
  const { performance } = require('node:perf_hooks') as typeof import('node:perf_hooks');
  const mono = process.hrtime.bigint();
  const wallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return wallNs - mono;
}

/** `node fibonacci.js (pid 1234)`: what ran, for the process track's name. */
export function processName(argv: readonly string[], pid: number): string {
  const script = argv[1] ? path.basename(argv[1]) : '';
  const rest = argv.slice(2).join(' ');
  const what = ['node', script, rest].filter((s) => s !== '').join(' ');
  const short = what.length > 80 ? `${what.slice(0, 77)}...` : what;
  return `${short} (pid ${pid})`;
}

export function reportMetadata(
  fields: Pick<ReportMetadata, 'backend' | 'intervalMicros' | 'sampleCount' | 'command'> &
    Partial<ReportMetadata>,
): ReportMetadata {
  return {
    tool: 'viztracer',
    version: VERSION,
    nodeVersion: process.version,
    cpus: os.cpus().length,
    droppedSamples: 0,
    overflow: false,
    baseTimeNanoseconds: baseTimeNanoseconds(),
    ...fields,
  };
}

/** How a report's data was traced: what its metadata says before it counts anything. */
export interface TraceMode {
  backend: ReportMetadata['backend'];
  /** 0 when nothing sampled. */
  intervalMicros: number;
  /** Under `instrument` with sampling: the sampling backend. */
  sampling?: ReportMetadata['sampling'];
  /** Under `native`: whose sampler. */
  sampler?: ReportMetadata['sampler'];
}

/** What a report's threads and processes add up to. */
export interface ReportTotals {
  sampleCount: number;
  /** Whether any buffer overflowed. */
  overflow: boolean;
  /** Under `instrument`: the clocks the calls were timed by, one entry a thread or process. */
  clocks: readonly string[];
}

/** The totals of partial or whole reports, from their metadata as the merger read it. */
export function mergedTotals(stats: {
  sampleCount: number;
  metadata: readonly Record<string, unknown>[];
}): ReportTotals {
  return {
    sampleCount: stats.sampleCount,
    overflow: stats.metadata.some((m) => m.overflow === true),
    clocks: stats.metadata.map((m) => m.clock).filter((c) => typeof c === 'string'),
  };
}

export function addTotals(a: ReportTotals, b: ReportTotals): ReportTotals {
  return {
    sampleCount: a.sampleCount + b.sampleCount,
    overflow: a.overflow || b.overflow,
    clocks: [...a.clocks, ...b.clocks],
  };
}

/**
 * A report's metadata: the one place every writer (a Tracer's save, the end of a session,
 * `--combine`) makes it. Clocks that differ between processes are listed comma-separated.
 */
export function runMetadata(
  mode: TraceMode,
  totals: ReportTotals,
  command: readonly string[],
  extra: Partial<ReportMetadata> = {},
): ReportMetadata {
  const clocks = [...new Set(totals.clocks)];
  return reportMetadata({
    backend: mode.backend,
    intervalMicros: mode.intervalMicros,
    ...(mode.sampling ? { sampling: mode.sampling } : {}),
    ...(clocks.length > 0 ? { clock: clocks.join(',') } : {}),
    sampleCount: totals.sampleCount,
    command: [...command],
    overflow: totals.overflow,
    ...(mode.sampler ? { sampler: mode.sampler } : {}),
    ...extra,
  });
}
