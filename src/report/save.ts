// Writing a whole report from event texts (.json, .json.gz), and the line that tells the user
// about it. An .html report is the viewer's page around such a report: src/viewer/html.ts.
import * as path from 'node:path';
import type { ReportMetadata } from '../trace/events';
import { eventsOfPieces, reportChunks, type ChunkCounter, type EventPiece } from './serialize';
import {
  extensionOf,
  formatOf,
  isHtml,
  isProfileFormat,
  isReportName,
  writeChunks,
  writeChunksSync,
} from './writer';
import { START_DIR } from '../version';

export interface SaveResult {
  /** Absolute path of the report. */
  file: string;
  /** Events written, metadata events included. */
  events: number;
  bytes: number;
  /** For `.cpuprofile`, one file per thread: every file written (`file` is the first). */
  files?: string[];
}

/** The one check of a report's name, whoever writes it. */
export function checkReportPath(file: string): void {
  if (!isReportName(file)) {
    throw new RangeError(
      `Expected the report path to end in .json, .json.gz, .html, .pb.gz, .pprof or .cpuprofile, got "${file}"`,
    );
  }
}

function checkJsonPath(file: string): void {
  checkReportPath(file);
  // A caller's mistake, not the user's: .html goes through src/save-report.ts.
  if (isHtml(file)) throw new Error(`${file}: an .html report is written by viewer/html.ts`);
  if (isProfileFormat(file)) throw new Error(`${file}: a profile is written by saveProfileSync`);
}

export function saveEventsSync(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): SaveResult {
  checkJsonPath(file);
  const abs = path.resolve(file);
  const counter: ChunkCounter = { events: 0 };
  // Written out chunk by chunk: one buffer serves them all.
  const bytes = writeChunksSync(abs, reportChunks(events, meta, counter, true));
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

/**
 * A report in a sample-based format, built from its events: pprof (one profile, threads told
 * apart by labels) or `.cpuprofile` (one file per thread, `<name>.<pid>-<tid>.cpuprofile` when
 * there is more than one). Each file is written atomically.
 */
export function saveProfileSync(
  file: string,
  pieces: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): SaveResult {
  checkReportPath(file);
  const abs = path.resolve(file);
  // Loaded when asked for: the preload saves from every traced process.
  const { threadStacks } = require('./stacks') as typeof import('./stacks');
  let events = 0;
  const counted = (function* () {
    for (const e of eventsOfPieces(pieces)) {
      events++;
      yield e;
    }
  })();
  const threads = threadStacks(counted);
  const m = meta();
  if (formatOf(abs) === 'pprof') {
    const bytes = pprofOfStacks(threads, m);
    writeChunksSync(abs, [bytes]);
    return { file: abs, events, bytes: bytes.length };
  }
  const { toCpuProfile } = require('./cpuprofile') as typeof import('./cpuprofile');
  const ext = extensionOf(abs);
  const files: string[] = [];
  let bytes = 0;
  for (const t of threads) {
    const target =
      threads.length === 1
        ? abs
        : `${abs.slice(0, abs.length - ext.length)}.${t.pid}-${t.tid}${ext}`;
    bytes += writeChunksSync(target, [JSON.stringify(toCpuProfile(t))]);
    files.push(target);
  }
  if (files.length === 0) {
    // No thread had a slice: an empty profile, so the file asked for exists.
    bytes += writeChunksSync(abs, [
      JSON.stringify({ nodes: [], startTime: 0, endTime: 0, samples: [], timeDeltas: [] }),
    ]);
    files.push(abs);
  }
  return { file: files[0], events, bytes, files };
}

function pprofOfStacks(threads: import('./stacks').ThreadStacks[], m: ReportMetadata): Uint8Array {
  const { toPprof } = require('./pprof') as typeof import('./pprof');
  return toPprof(threads, {
    intervalMicros: m.intervalMicros,
    baseTimeNanoseconds: m.baseTimeNanoseconds,
    comment: `viztracer ${m.version} (${m.backend}), node ${m.nodeVersion}: ${m.command.join(' ')}`,
  });
}

/** A report's events as gzipped pprof, in memory (what a pusher sends). */
export function pprofOf(pieces: Iterable<EventPiece>, meta: () => ReportMetadata): Uint8Array {
  const { threadStacks } = require('./stacks') as typeof import('./stacks');
  const threads = threadStacks(eventsOfPieces(pieces));
  return pprofOfStacks(threads, meta());
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
  const format = formatOf(result.file);
  if (format === 'pprof') {
    const shown = shellWord(displayPath(result.file));
    return (
      `viztracer: Saved pprof profile to ${displayPath(result.file)}\n` +
      `viztracer: View it with: vizviewer ${shown}, or go tool pprof -http=127.0.0.1:8080 ${shown}\n`
    );
  }
  if (format === 'cpuprofile') {
    const files = result.files ?? [result.file];
    const pattern = displayPath(files[0]).replace(/\.\d+-\d+(\.[^.]+)$/, '.<pid>-<tid>$1');
    const list =
      files.length === 1
        ? displayPath(files[0])
        : `${files.length} files, one per thread: ${pattern} (the first: ${displayPath(files[0])})`;
    return (
      `viztracer: Saved CPU profile to ${list}\n` +
      `viztracer: Open it in Chrome DevTools (Performance, Load profile), VS Code, or vizviewer\n`
    );
  }
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

/**
 * The reports `withPidAndTime(file, pid, ...)` names, found by another process: their folder, a
 * test of a name in it, and the pattern as text for messages.
 */
export function pidAndTimeNames(
  file: string,
  pid: number,
): { dir: string; matches(name: string): boolean; pattern: string } {
  const ext = extensionOf(file);
  const base = path.basename(file.slice(0, file.length - ext.length));
  const prefix = `${base}_${pid}_`;
  const time = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/;
  return {
    dir: path.dirname(file),
    matches: (name) =>
      name.startsWith(prefix) &&
      name.endsWith(ext) &&
      time.test(name.slice(prefix.length, name.length - ext.length)),
    pattern: path.join(path.dirname(file), `${prefix}<time>${ext}`),
  };
}

function withSuffix(file: string, suffix: string): string {
  const ext = extensionOf(file);
  return `${file.slice(0, file.length - ext.length)}_${suffix}${ext}`;
}
