// Writing a whole report from event texts (.json, .json.gz), and the line that tells the user
// about it. An .html report is the viewer's page around such a report: src/viewer/html.ts.
import * as path from 'node:path';
import type { ReportMetadata } from '../trace/events';
import { reportChunks, type ChunkCounter, type EventPiece } from './serialize';
import { isHtml, isReportName, writeChunks, writeChunksSync } from './writer';
import { START_DIR } from '../version';

export interface SaveResult {
  /** Absolute path of the report. */
  file: string;
  /** Events written, metadata events included. */
  events: number;
  bytes: number;
}

/** The one check of a report's name, whoever writes it. */
export function checkReportPath(file: string): void {
  if (!isReportName(file)) {
    throw new RangeError(
      `Expected the report path to end in .json, .json.gz or .html, got "${file}"`,
    );
  }
}

function checkJsonPath(file: string): void {
  checkReportPath(file);
  // A caller's mistake, not the user's: .html goes through src/save-report.ts.
  if (isHtml(file)) throw new Error(`${file}: an .html report is written by viewer/html.ts`);
}

export function saveEventsSync(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): SaveResult {
  checkJsonPath(file);
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
  checkJsonPath(file);
  const abs = path.resolve(file);
  const counter: ChunkCounter = { events: 0 };
  const bytes = await writeChunks(abs, reportChunks(events, meta, counter));
  return { file: abs, events: counter.events, bytes };
}

/** A path as the user would write it: relative when under the folder they started in. */
export function displayPath(file: string): string {
  const rel = path.relative(START_DIR, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** A path as one shell word, quoted only when it has to be. */
function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What the user is told after a save. */
export function savedMessage(result: SaveResult): string {
  return (
    `viztracer: Saved report to ${displayPath(result.file)} (${result.events} events)\n` +
    (isHtml(result.file)
      ? `viztracer: Open it in a browser (everything is inside)\n`
      : `viztracer: View it with: vizviewer ${shellWord(displayPath(result.file))}\n`)
  );
}

/** `result.json` -> `result_1234.json`, `out.json.gz` -> `out_1234.json.gz`. */
export function withPidSuffix(file: string, pid: number): string {
  return withSuffix(file, String(pid));
}

/**
 * `result_<pid>_<time>.json`: a report of one period of an armed process, named with the UTC
 * time it was saved (`2026-12-05T12-40-01.123Z`: no `:`, which some file systems refuse).
 */
export function withPidAndTime(file: string, pid: number, when: Date): string {
  return withSuffix(file, `${pid}_${when.toISOString().replace(/:/g, '-')}`);
}

function withSuffix(file: string, suffix: string): string {
  const ext = file.endsWith('.json.gz') ? '.json.gz' : path.extname(file);
  return `${file.slice(0, file.length - ext.length)}_${suffix}${ext}`;
}
