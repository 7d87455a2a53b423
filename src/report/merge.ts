// Joins reports into one stream of event texts, one input at a time.
//
// Our own reports put one event per line between a fixed first and last line, so they are
// merged by copying lines, never parsing events: merge time grows with the bytes, and memory
// holds one read buffer. Anything else (Chrome's, Perfetto's, VizTracer's reports) is parsed.
import * as fs from 'node:fs';
import {
  cannotRead,
  metadataOfLine,
  streamReportSync,
  REPORT_FOOT,
  REPORT_HEAD,
  ReportReadError,
  reportLinesSync,
} from './read';
import type { EventBlock, EventPiece } from './serialize';

export interface MergeStats {
  /** Inputs merged. */
  merged: string[];
  /** Inputs that could not be read, with the one-line reason. */
  lost: { file: string; problem: string }[];
  /** Sum of the inputs' `viztracer_metadata.sampleCount`. */
  sampleCount: number;
  /** The inputs' `viztracer_metadata`, in input order. */
  metadata: Record<string, unknown>[];
  /** Inputs of another format (`.cpuprofile`, pprof), with what each cannot show. */
  notices: { file: string; notice: string }[];
}

export function newMergeStats(): MergeStats {
  return { merged: [], lost: [], sampleCount: 0, metadata: [], notices: [] };
}

export interface MergeOptions {
  /** Skip (and record in `stats.lost`) an input that cannot be read, instead of throwing. */
  tolerant: boolean;
  /** Shift each input so its first event starts at 0 (reports from different runs). */
  align?: boolean;
  /**
   * Processes named by events written beside the merged ones (a process's own track, written
   * directly): a process whose inputs hold no `process_name` gets `node (pid N)`, but not these.
   */
  named?: readonly number[];
}

const TAIL_BYTES = 1 << 16;

interface OwnFooter {
  meta: Record<string, unknown>;
  /** Byte offset of the newline before the metadata line: the events end there. */
  eventsEnd: number;
}

/** The metadata line of one of our reports, or null when the file is not one (or is cut short). */
function ownFooter(fd: number, size: number): OwnFooter | null {
  const head = Buffer.alloc(Math.min(size, REPORT_HEAD.length));
  fs.readSync(fd, head, 0, head.length, 0);
  if (head.toString('utf8') !== REPORT_HEAD) return null;
  const n = Math.min(size, TAIL_BYTES);
  const tail = Buffer.alloc(n);
  fs.readSync(fd, tail, 0, n, size - n);
  const at = tail.lastIndexOf('\n' + REPORT_FOOT);
  if (at < 0) return null;
  try {
    const meta = metadataOfLine(tail.subarray(at + 1).toString('utf8'));
    return meta ? { meta, eventsEnd: size - n + at } : null;
  } catch {
    return null;
  }
}

/**
 * The event lines of one of our reports as line-aligned byte chunks, for copying; `onChunk`
 * sees each chunk (to note process and thread names) and the block's count is set at the end.
 */
function ownEventBlock(file: string, end: number, onChunk: (b: Buffer) => void): EventBlock {
  const block: EventBlock = { chunks: [], count: 0 };
  // Its own descriptor: the block may be read after the merge has moved on to the next file.
  block.chunks = (function* (): Generator<Buffer> {
    const fd = fs.openSync(file, 'r');
    let pos = REPORT_HEAD.length + 1;
    let lines = 0;
    try {
      while (pos < end) {
        const want = Math.min(1 << 20, end - pos);
        const buf = Buffer.allocUnsafe(want);
        const got = fs.readSync(fd, buf, 0, want, pos);
        if (got <= 0) throw new ReportReadError(file, 'file shrank while being read');
        let piece = buf.subarray(0, got);
        if (pos + got < end) {
          const nl = piece.lastIndexOf(10);
          if (nl >= 0) piece = piece.subarray(0, nl + 1);
        }
        for (let i = piece.indexOf(10); i >= 0; i = piece.indexOf(10, i + 1)) lines++;
        pos += piece.length;
        onChunk(piece);
        yield piece;
      }
    } finally {
      fs.closeSync(fd);
    }
    // n lines hold n + 1 events: the last has no newline after it.
    block.count = end > REPORT_HEAD.length + 1 ? lines + 1 : 0;
  })();
  return block;
}

/** The event lines of one of our reports, without their separating commas. */
function* ownEvents(file: string): Generator<string> {
  for (const line of reportLinesSync(file)) {
    if (line === REPORT_HEAD || line.startsWith(REPORT_FOOT)) continue;
    const ev = line.endsWith(',') ? line.slice(0, -1) : line;
    if (ev.length > 1 && ev[0] === '{' && ev[ev.length - 1] === '}') yield ev;
    else if (ev !== '') throw new ReportReadError(file, `unexpected line: ${ev.slice(0, 60)}`);
  }
}

const PID = '"pid":';
// Every thread of ours has a thread_name and every process a process_name: scanning for these
// finds all pids of a report of ours without reading its slices.
const METADATA_KEYS: [Buffer, boolean][] = [
  [Buffer.from('{"ph":"M","name":"process_name","pid":'), true],
  [Buffer.from('{"ph":"M","name":"thread_name","pid":'), false],
];
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
 * shows as a named track. Consume each piece before asking for the next (reportChunks does):
 * those names come last and depend on what the blocks held.
 */
export function* mergedEventTexts(
  files: readonly string[],
  stats: MergeStats,
  options: MergeOptions,
): Generator<EventPiece> {
  const named = new Set<number>(options.named ?? []);
  const seen = new Set<number>();
  const noteChunk = (b: Buffer): void => {
    for (const [key, isProcess] of METADATA_KEYS) {
      for (let at = b.indexOf(key); at >= 0; at = b.indexOf(key, at + key.length)) {
        let end = at + key.length;
        while (end < b.length && b[end] >= 48 && b[end] <= 57) end++;
        const pid = Number(b.toString('latin1', at + key.length, end));
        seen.add(pid);
        if (isProcess) named.add(pid);
      }
    }
  };
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
        throw cannotRead(file, err);
      }
      const footer = ownFooter(fd, fs.fstatSync(fd).size);
      if (footer) {
        const meta = footer.meta;
        if (options.align) {
          let min = Infinity;
          for (const ev of ownEvents(file)) {
            const ts = numberAfter(ev, TS);
            if (ts < min) min = ts;
          }
          const shift = Number.isFinite(min) ? -min : 0;
          for (const ev of ownEvents(file)) {
            const out = shift !== 0 ? shiftTs(ev, shift) : ev;
            note(out);
            yield out;
          }
        } else {
          // Events are only copied once the footer proved the file complete.
          yield ownEventBlock(file, footer.eventsEnd, noteChunk);
        }
        stats.metadata.push(meta);
        if (typeof meta.sampleCount === 'number') stats.sampleCount += meta.sampleCount;
      } else {
        fs.closeSync(fd);
        fd = null;
        const parsed = streamReportSync(file);
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
        if (parsed.notice) stats.notices.push({ file, notice: parsed.notice });
        const metadata = parsed.metadata();
        if (metadata) {
          stats.metadata.push(metadata);
          const n = metadata.sampleCount;
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

function shiftTs(ev: string, shift: number): string {
  const at = ev.indexOf(TS);
  if (at < 0) return ev;
  const ts = numberAfter(ev, TS);
  let end = at + TS.length;
  while (end < ev.length && '-+.0123456789eE'.includes(ev[end])) end++;
  return `${ev.slice(0, at + TS.length)}${ts + shift}${ev.slice(end)}`;
}
