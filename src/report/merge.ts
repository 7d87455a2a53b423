// Joins reports into one stream of event texts, one input at a time.
//
// Our own reports put one event per line between a fixed first and last line, so they are
// merged by copying lines, never parsing events: merge time grows with the bytes, and memory
// holds one read buffer. Anything else (Chrome's, Perfetto's, VizTracer's reports) is parsed.
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { readReportSync, ReportReadError } from './read';

export interface MergeStats {
  /** Inputs merged. */
  merged: string[];
  /** Inputs that could not be read, with the one-line reason. */
  lost: { file: string; problem: string }[];
  /** Sum of the inputs' `viztracer_metadata.sampleCount`. */
  sampleCount: number;
  /** The inputs' `viztracer_metadata`, in input order. */
  metadata: Record<string, unknown>[];
}

export function newMergeStats(): MergeStats {
  return { merged: [], lost: [], sampleCount: 0, metadata: [] };
}

export interface MergeOptions {
  /** Skip (and record in `stats.lost`) an input that cannot be read, instead of throwing. */
  tolerant: boolean;
  /** Shift each input so its first event starts at 0 (reports from different runs). */
  align?: boolean;
}

const HEAD = '{"traceEvents":[';
const FOOT = '],"viztracer_metadata":';
const TAIL_BYTES = 1 << 16;

/** The metadata line of one of our reports, or null when the file is not one (or is cut short). */
function ownFooter(fd: number, size: number): Record<string, unknown> | null {
  const head = Buffer.alloc(Math.min(size, HEAD.length));
  fs.readSync(fd, head, 0, head.length, 0);
  if (head.toString('utf8') !== HEAD) return null;
  const n = Math.min(size, TAIL_BYTES);
  const tail = Buffer.alloc(n);
  fs.readSync(fd, tail, 0, n, size - n);
  const text = tail.toString('utf8').trimEnd();
  const at = text.lastIndexOf('\n' + FOOT);
  if (at < 0) return null;
  try {
    const doc = JSON.parse(`{${text.slice(at + 3)}`) as { viztracer_metadata?: unknown };
    const meta = doc.viztracer_metadata;
    return meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The lines of a file, read in 1 MiB pieces. */
function* lines(fd: number): Generator<string> {
  const buf = Buffer.alloc(1 << 20);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let n: number;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
    const parts = (rest + decoder.write(buf.subarray(0, n))).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

/** The event lines of one of our reports, without their separating commas. */
function* ownEvents(fd: number, file: string): Generator<string> {
  for (const line of lines(fd)) {
    if (line === HEAD || line.startsWith(FOOT)) continue;
    const ev = line.endsWith(',') ? line.slice(0, -1) : line;
    if (ev.length > 1 && ev[0] === '{' && ev[ev.length - 1] === '}') yield ev;
    else if (ev !== '') throw new ReportReadError(file, `unexpected line: ${ev.slice(0, 60)}`);
  }
}

const PID = '"pid":';
const TS = '"ts":';

function numberAfter(text: string, key: string): number {
  const at = text.indexOf(key);
  if (at < 0) return NaN;
  let end = at + key.length;
  while (end < text.length && '-+.0123456789eE'.includes(text[end])) end++;
  return Number(text.slice(at + key.length, end));
}

/**
 * Every event of every input, in input order, as JSON texts. A process that has events but
 * no `process_name` in any input (its main thread's report was lost) gets one, so it still
 * shows as a named track.
 */
export function* mergedEventTexts(
  files: readonly string[],
  stats: MergeStats,
  options: MergeOptions,
): Generator<string> {
  const named = new Set<number>();
  const seen = new Set<number>();
  const note = (text: string): void => {
    const pid = numberAfter(text, PID);
    if (Number.isNaN(pid)) return;
    seen.add(pid);
    if (text.startsWith('{"ph":"M","name":"process_name"')) named.add(pid);
  };
  for (const file of files) {
    let fd: number | null = null;
    try {
      try {
        fd = fs.openSync(file, 'r');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ReportReadError(
          file,
          code === 'ENOENT' ? 'no such file' : `cannot read (${code})`,
        );
      }
      const meta = ownFooter(fd, fs.fstatSync(fd).size);
      if (meta) {
        let shift = 0;
        if (options.align) {
          let min = Infinity;
          for (const ev of ownEvents(fd, file)) {
            const ts = numberAfter(ev, TS);
            if (ts < min) min = ts;
          }
          shift = Number.isFinite(min) ? -min : 0;
          fd = reopen(fd, file);
        }
        // Events are only yielded once the footer proved the file complete.
        for (const ev of ownEvents(fd, file)) {
          const out = shift !== 0 ? shiftTs(ev, shift) : ev;
          note(out);
          yield out;
        }
        stats.metadata.push(meta);
        if (typeof meta.sampleCount === 'number') stats.sampleCount += meta.sampleCount;
      } else {
        fs.closeSync(fd);
        fd = null;
        const parsed = readReportSync(file);
        let shift = 0;
        if (options.align) {
          let min = Infinity;
          for (const e of parsed.events) {
            const ts = (e as { ts?: unknown }).ts;
            if (typeof ts === 'number' && ts < min) min = ts;
          }
          shift = Number.isFinite(min) ? -min : 0;
        }
        for (const e of parsed.events) {
          const ev = e as { ts?: unknown };
          if (shift !== 0 && typeof ev.ts === 'number') ev.ts += shift;
          const text = JSON.stringify(e);
          note(text);
          yield text;
        }
        if (parsed.metadata) {
          stats.metadata.push(parsed.metadata);
          const n = parsed.metadata.sampleCount;
          if (typeof n === 'number') stats.sampleCount += n;
        }
      }
      stats.merged.push(file);
    } catch (err) {
      if (!options.tolerant || !(err instanceof ReportReadError)) throw err;
      stats.lost.push({ file, problem: err.problem });
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }
  for (const pid of seen) {
    if (!named.has(pid)) {
      yield JSON.stringify({
        ph: 'M',
        name: 'process_name',
        pid,
        tid: pid,
        args: { name: `node (pid ${pid})` },
      });
    }
  }
}

function reopen(fd: number, file: string): number {
  fs.closeSync(fd);
  return fs.openSync(file, 'r');
}

function shiftTs(ev: string, shift: number): string {
  const at = ev.indexOf(TS);
  if (at < 0) return ev;
  const ts = numberAfter(ev, TS);
  let end = at + TS.length;
  while (end < ev.length && '-+.0123456789eE'.includes(ev[end])) end++;
  return `${ev.slice(0, at + TS.length)}${ts + shift}${ev.slice(end)}`;
}
