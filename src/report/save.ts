// Writing a whole report from event texts, and the line that tells the user about it.
import * as path from 'node:path';
import type { ReportMetadata } from '../trace/events';
import type { MergeStats } from './merge';
import { reportChunks, type ChunkCounter } from './serialize';
import { formatOf, writeChunks, writeChunksSync } from './writer';

export interface SaveResult {
  /** Absolute path of the report. */
  file: string;
  /** Events written, metadata events included. */
  events: number;
  bytes: number;
}

function checkFormat(file: string): void {
  if (!formatOf(file)) {
    throw new RangeError(`Expected the report path to end in .json or .json.gz, got "${file}"`);
  }
}

export function saveEventsSync(
  file: string,
  events: Iterable<string>,
  meta: () => ReportMetadata,
): SaveResult {
  checkFormat(file);
  const abs = path.resolve(file);
  const counter: ChunkCounter = { events: 0 };
  const bytes = writeChunksSync(abs, reportChunks(events, meta, counter));
  return { file: abs, events: counter.events, bytes };
}

export async function saveEvents(
  file: string,
  events: Iterable<string>,
  meta: () => ReportMetadata,
): Promise<SaveResult> {
  checkFormat(file);
  const abs = path.resolve(file);
  const counter: ChunkCounter = { events: 0 };
  const bytes = await writeChunks(abs, reportChunks(events, meta, counter));
  return { file: abs, events: counter.events, bytes };
}

/** A path as the user would write it: relative when under the current folder. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** What the user is told after a save: the report, then one line per lost partial report. */
export function savedMessage(result: SaveResult, stats?: MergeStats): string {
  const shown = displayPath(result.file);
  const lines = [
    `viztracer: Saved report to ${shown} (${result.events} events)`,
    `viztracer: Open it in https://ui.perfetto.dev or chrome://tracing`,
  ];
  for (const lost of stats?.lost ?? []) lines.push(`viztracer: warning: lost ${lost.reason}`);
  return lines.join('\n') + '\n';
}
