// Facts about the process and the run that go into a report's metadata.
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { VERSION } from '../version';
import type { ReportMetadata } from './events';

/**
 * Wall-clock epoch ns minus CLOCK_MONOTONIC ns. The difference is the same for every process
 * on the host, so one value serves a report that merges many processes.
 */
export function baseTimeNanoseconds(): bigint {
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
    droppedSamples: 0,
    overflow: false,
    baseTimeNanoseconds: baseTimeNanoseconds(),
    ...fields,
  };
}
