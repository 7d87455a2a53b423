// Writing a whole report from event texts, and the line that tells the user about it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isHtml } from '../options';
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
  if (!formatOf(file) && !isHtml(file)) {
    throw new RangeError(
      `Expected the report path to end in .json, .json.gz or .html, got "${file}"`,
    );
  }
}

/** For an .html report: the JSON written first, beside it, then turned into the page. */
const jsonFirst = (file: string): string => `${file}.${process.pid}.tmp.json`;

function writeHtmlSync(json: string, file: string): number {
  // Loaded here: the viewer's code is only needed for .html reports.
  const { loadModelSync } = require('../viewer/load') as typeof import('../viewer/load');
  const { standaloneHtml } = require('../viewer/html') as typeof import('../viewer/html');
  const html = standaloneHtml(loadModelSync(json), path.basename(file));
  return writeChunksSync(file, [html]);
}

async function writeHtml(json: string, file: string): Promise<number> {
  const { loadModel } = require('../viewer/load') as typeof import('../viewer/load');
  const { standaloneHtml } = require('../viewer/html') as typeof import('../viewer/html');
  const html = standaloneHtml(await loadModel(json), path.basename(file));
  return writeChunks(file, [html]);
}

export function saveEventsSync(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): SaveResult {
  checkFormat(file);
  const abs = path.resolve(file);
  const counter: ChunkCounter = { events: 0 };
  if (isHtml(abs)) {
    const json = jsonFirst(abs);
    try {
      writeChunksSync(json, reportChunks(events, meta, counter));
      return { file: abs, events: counter.events, bytes: writeHtmlSync(json, abs) };
    } finally {
      fs.rmSync(json, { force: true });
    }
  }
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
  if (isHtml(abs)) {
    const json = jsonFirst(abs);
    try {
      await writeChunks(json, reportChunks(events, meta, counter));
      return { file: abs, events: counter.events, bytes: await writeHtml(json, abs) };
    } finally {
      fs.rmSync(json, { force: true });
    }
  }
  const bytes = await writeChunks(abs, reportChunks(events, meta, counter));
  return { file: abs, events: counter.events, bytes };
}

/** A path as the user would write it: relative when under the current folder. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
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
  const ext = file.endsWith('.json.gz') ? '.json.gz' : path.extname(file);
  return `${file.slice(0, file.length - ext.length)}_${pid}${ext}`;
}
