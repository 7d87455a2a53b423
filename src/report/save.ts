// Writing a whole report from event texts, and the line that tells the user about it.
import * as path from 'node:path';
import type { ReportMetadata } from '../trace/events';
import { reportChunks, type ChunkCounter, type EventPiece } from './serialize';
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
  events: Iterable<EventPiece>,
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
  events: Iterable<EventPiece>,
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

/** What the user is told after a save. */
export function savedMessage(result: SaveResult): string {
  return (
    `viztracer: Saved report to ${displayPath(result.file)} (${result.events} events)\n` +
    `viztracer: Open it in https://ui.perfetto.dev or chrome://tracing\n`
  );
}

/** `result.json` -> `result_1234.json`, `out.json.gz` -> `out_1234.json.gz`. */
export function withPidSuffix(file: string, pid: number): string {
  const ext = file.endsWith('.json.gz') ? '.json.gz' : path.extname(file);
  return `${file.slice(0, file.length - ext.length)}_${pid}${ext}`;
}
