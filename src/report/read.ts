// Reads a Trace Event report (ours or anyone's): plain or gzipped JSON, object or array form.
import * as fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { TraceEvent } from '../trace/events';

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
}

export function readReportSync(file: string): ParsedReport {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ReportReadError(
      file,
      code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`,
    );
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw new ReportReadError(file, 'corrupt or truncated gzip data');
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    const text = raw.toString('utf8').trimEnd();
    // The parser stopped at the very end of the text: what was there was fine, but cut short.
    const msg = (err as Error).message;
    const at = /at position (\d+)/.exec(msg);
    const atEnd = /end of JSON input/.test(msg) || (at !== null && Number(at[1]) >= text.length);
    const why =
      text.trim() === ''
        ? 'empty file'
        : atEnd && /^\s*[[{]/.test(text)
          ? 'truncated JSON'
          : 'invalid JSON';
    throw new ReportReadError(file, `not a trace report (${why})`);
  }
  const events = Array.isArray(doc) ? doc : (doc as { traceEvents?: unknown })?.traceEvents;
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
