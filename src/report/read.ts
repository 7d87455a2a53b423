// The one reader of Trace Event reports (ours or anyone's): plain or gzipped, our line layout
// (a fixed first line, one event per line, a metadata line) streamed line by line, and any
// other report, object or array form, parsed whole. The merger, `--combine`, the viewer and the
// tests read through it.
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { TraceEvent } from '../trace/events';
import { cpuProfileReport, pprofReport } from './foreign';
import { REPORT_FOOT, REPORT_HEAD } from './serialize';

export { REPORT_FOOT, REPORT_HEAD };

/** A report that cannot be used; the message is one line naming the file and the problem. */
export class ReportReadError extends Error {
  constructor(
    readonly file: string,
    /** What is wrong, without the file name. */
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ReportReadError';
  }
}

export interface ParsedReport {
  events: TraceEvent[];
  metadata: Record<string, unknown> | null;
  /** For a profile of another format (`.cpuprofile`, pprof): one line on what it cannot show. */
  notice?: string;
}

/** The one-line problem of a report that cannot be opened or read. */
export const cannotRead = (file: string, err: unknown): ReportReadError => {
  const code = (err as NodeJS.ErrnoException).code;
  return new ReportReadError(
    file,
    code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`,
  );
};

const gzipProblem = (file: string): ReportReadError =>
  new ReportReadError(file, 'corrupt or truncated gzip data');

/** gzip's magic number at the start of the bytes. */
export const isGzip = (head: Uint8Array): boolean =>
  head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/** Throws a ReportReadError unless `file` is a regular file. */
export function checkReportFile(file: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    throw cannotRead(file, err);
  }
  if (!st) throw new ReportReadError(file, 'no such file');
  if (!st.isFile()) throw new ReportReadError(file, 'not a file');
}

function gzipped(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return isGzip(head.subarray(0, fs.readSync(fd, head, 0, 2, 0)));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The metadata of our last line (`],"viztracer_metadata":{...}}`; the caller checked that it
 * starts so), or null when it holds no object. Throws a SyntaxError when it is not JSON.
 */
export function metadataOfLine(line: string): Record<string, unknown> | null {
  const m = (JSON.parse(`{${line.slice(2)}`) as { viztracer_metadata?: unknown })
    .viztracer_metadata;
  return m && typeof m === 'object' ? (m as Record<string, unknown>) : null;
}

/** The bytes of a report, gunzipped when it is gzipped. */
function readReportBytesSync(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    throw cannotRead(file, err);
  }
  if (isGzip(raw)) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw gzipProblem(file);
    }
  }
  return raw;
}

/** The whole text of a report, gunzipped when it is gzipped. */
export function readReportTextSync(file: string): string {
  return textOf(file, readReportBytesSync(file));
}

function textOf(file: string, raw: Buffer): string {
  try {
    return raw.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STRING_TOO_LONG') throw err;
    // Longer than V8's longest string (about 512 MB): said in one line.
    throw new ReportReadError(
      file,
      `too big to read as one JSON text (${Math.round(raw.length / 2 ** 20)} MB); ` +
        'only a report written one event a line can be read at this size',
    );
  }
}

/**
 * pprof's first byte: field 1 (`sample_type`), length-delimited. JSON starts with `{` or `[`
 * after white space, so the two cannot be confused.
 */
function looksLikePprof(raw: Buffer): boolean {
  return raw.length > 0 && raw[0] === 0x0a && !/^\s*[[{]/.test(raw.toString('latin1', 0, 64));
}

/** A whole report, parsed: any Chrome trace, object or array form. */
export function readReportSync(file: string): ParsedReport {
  const raw = readReportBytesSync(file);
  if (looksLikePprof(raw)) {
    try {
      const r = pprofReport(raw);
      return { events: r.events, metadata: r.metadata, notice: r.notice };
    } catch (err) {
      throw new ReportReadError(file, (err as Error).message);
    }
  }
  const text = textOf(file, raw);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const trimmed = text.trimEnd();
    // The parser stopped at the very end of the text: what was there was fine, but cut short.
    const msg = (err as Error).message;
    const at = /at position (\d+)/.exec(msg);
    const atEnd = /end of JSON input/.test(msg) || (at !== null && Number(at[1]) >= trimmed.length);
    const why =
      trimmed.trim() === ''
        ? 'empty file'
        : atEnd && /^\s*[[{]/.test(trimmed)
          ? 'truncated JSON'
          : 'invalid JSON';
    throw new ReportReadError(file, `not a trace report (${why})`);
  }
  const events = Array.isArray(doc) ? doc : (doc as { traceEvents?: unknown })?.traceEvents;
  if (!Array.isArray(events) && doc && typeof doc === 'object' && 'nodes' in doc) {
    try {
      const r = cpuProfileReport(doc, file);
      return { events: r.events, metadata: r.metadata, notice: r.notice };
    } catch (err) {
      throw new ReportReadError(file, (err as Error).message);
    }
  }
  if (!Array.isArray(events)) {
    throw new ReportReadError(file, 'not a trace report (no traceEvents array)');
  }
  const meta = Array.isArray(doc)
    ? null
    : (doc as { viztracer_metadata?: unknown }).viztracer_metadata;
  return {
    events: events as TraceEvent[],
    metadata: meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : null,
  };
}

/** A report as a stream of events, and its metadata once they have all been read. */
export interface StreamedReport {
  /** Each iteration reads the file again. */
  events: Iterable<TraceEvent>;
  metadata(): Record<string, unknown> | null;
  /** For a profile of another format: what it cannot show (`ParsedReport.notice`). */
  notice?: string;
}

/**
 * Bigger than this, a report that is not in our line layout is parsed as it is read (by
 * @streamparser/json), so memory holds one chunk and the events of it; smaller, it is parsed at
 * once by JSON.parse, which is several times faster. 256 MiB: half of V8's longest string.
 */
const STREAM_ABOVE_BYTES = 256 * 2 ** 20;

/**
 * A whole report as a stream of events: any Chrome trace, object or array form, one line or
 * many, of any size (gzipped ones are inflated whole). `streamAbove`: for tests.
 */
export function streamReportSync(
  file: string,
  streamAbove: number = STREAM_ABOVE_BYTES,
): StreamedReport {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw cannotRead(file, err);
  }
  if (size <= streamAbove || gzipped(file)) {
    const parsed = readReportSync(file);
    return { events: parsed.events, metadata: () => parsed.metadata, notice: parsed.notice };
  }
  let metadata: Record<string, unknown> | null = null;
  return {
    events: { [Symbol.iterator]: () => parsedAsRead(file, (m) => (metadata = m)) },
    metadata: () => metadata,
  };
}

/** The events of a report parsed as its chunks are read; its metadata handed to `onMeta`. */
function* parsedAsRead(
  file: string,
  onMeta: (m: Record<string, unknown>) => void,
): Generator<TraceEvent> {
  // Loaded here: only reports too big for JSON.parse need it.
  const { JSONParser } = require('@streamparser/json') as typeof import('@streamparser/json');
  let parser: InstanceType<typeof JSONParser> | null = null;
  let batch: TraceEvent[] = [];
  let sawEvents = false;
  const bad = (why: string): ReportReadError =>
    new ReportReadError(file, `not a trace report (${why} JSON)`);
  for (const chunk of chunksOf(file)) {
    if (!parser) {
      const first = chunk.toString('latin1').trimStart()[0];
      if (first !== '[' && first !== '{') throw bad('invalid');
      const arrayForm = first === '[';
      sawEvents = arrayForm;
      parser = new JSONParser({
        paths: arrayForm ? ['$.*'] : ['$.traceEvents.*', '$.viztracer_metadata'],
        keepStack: false,
      });
      parser.onValue = ({ value, key, stack }) => {
        if (!arrayForm && stack.length === 1 && key === 'viztracer_metadata') {
          if (value && typeof value === 'object') onMeta(value as Record<string, unknown>);
          return;
        }
        sawEvents = true;
        batch.push(value as unknown as TraceEvent);
      };
    }
    try {
      // A copy: the chunk's memory is read into again.
      parser.write(Buffer.from(chunk));
    } catch {
      throw bad('invalid');
    }
    if (batch.length > 0) {
      yield* batch;
      batch = [];
    }
  }
  if (!parser) throw new ReportReadError(file, 'not a trace report (empty file)');
  // The text ended before its outermost value did.
  if (!parser.isEnded) {
    try {
      parser.end();
    } catch {
      throw bad('truncated');
    }
  }
  yield* batch;
  if (!sawEvents) throw new ReportReadError(file, 'not a trace report (no traceEvents array)');
}

/** A file's bytes, 1 MiB at a time, into one buffer reused for each chunk. */
function* chunksOf(file: string): Generator<Buffer> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw cannotRead(file, err);
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) yield buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Text in chunks to whole lines. Each chunk is searched once, and a line longer than a chunk
 * (a report written as one line) is joined once, when it ends: linear in the text, where
 * re-splitting what was left over with every chunk was quadratic on one long line.
 */
export class LineSplitter {
  private pending: string[] = [];

  /** The lines that end in `chunk`. */
  push(chunk: string): string[] {
    const parts = chunk.split('\n');
    if (parts.length === 1) {
      this.pending.push(chunk);
      return [];
    }
    parts[0] = this.pending.join('') + parts[0];
    this.pending = [parts.pop()!];
    return parts;
  }

  /** With the last chunk: the line left, if any. */
  end(chunk: string): string[] {
    const last = this.pending.join('') + chunk;
    this.pending = [];
    return last === '' ? [] : [last];
  }
}

/**
 * The lines of a report, plain or gzipped, read in 1 MiB pieces (a gzipped one is inflated
 * whole: node:zlib has no synchronous stream). Memory holds one piece, not the file.
 */
export function* reportLinesSync(file: string): Generator<string> {
  if (gzipped(file)) {
    const text = readReportTextSync(file);
    for (let at = 0; at < text.length;) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      yield text.slice(at, nl);
      at = nl + 1;
    }
    return;
  }
  const decoder = new StringDecoder('utf8');
  const lines = new LineSplitter();
  for (const chunk of chunksOf(file)) yield* lines.push(decoder.write(chunk));
  yield* lines.end(decoder.end());
}

/**
 * The lines of a report, plain or gzipped, streamed: memory holds one chunk of text. Yielded a
 * chunk's lines at a time: one await per line would cost more than reading them.
 */
export async function* reportLines(file: string): AsyncGenerator<string[]> {
  const raw = fs.createReadStream(file);
  const stream = gzipped(file) ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => stream.destroy(e));
  stream.setEncoding('utf8');
  const lines = new LineSplitter();
  try {
    for await (const chunk of stream as AsyncIterable<string>) yield lines.push(chunk);
    const last = lines.end('');
    if (last.length > 0) yield last;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') throw gzipProblem(file);
    if (code !== undefined && (err as NodeJS.ErrnoException).syscall) throw cannotRead(file, err);
    throw err;
  } finally {
    stream.destroy();
  }
}
