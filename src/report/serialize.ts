// Report text, produced piece by piece so no step holds the whole report as one string.
import { StringDecoder } from 'node:string_decoder';
import type { ReportMetadata, TraceEvent } from '../trace/events';
import { asyncEventId, type SliceTable } from '../trace/convert';
import type { UserSlice } from '../user-events';
import type { ProcessTrack } from './model';
import type { CounterTrack } from '../trace/os-threads';
import { StringTable } from '../trace/strings';

export interface SliceChunkOptions {
  /**
   * Write every chunk of slices and counters into this buffer (1 MiB or more) instead of a new
   * one: for a consumer done with each chunk before it asks for the next (saveEventsSync).
   * Fresh memory is slow to touch (most of the time of writing a report in a new process:
   * docs/benchmarks.md, section 8), and this memory is touched once.
   */
  scratch?: Buffer;
  /** The slices' category (the program's own slices: `user`); none for function slices. */
  cat?: string;
}

/**
 * Every event of a process: one JSON text each for the process's and its threads' metadata,
 * then each counter series (counterChunks) and each thread's slices (sliceChunks) as a block
 * of bytes.
 */
export function* processEventTexts(
  proc: ProcessTrack,
  options: SliceChunkOptions = {},
): Generator<EventPiece> {
  const pid = proc.pid;
  if (proc.name !== null) {
    yield JSON.stringify({
      ph: 'M',
      name: 'process_name',
      pid,
      tid: pid,
      args: { name: proc.name, ...proc.args },
    });
  }
  const named = new Set<number>();
  for (const t of proc.threads) {
    const tid = t.tid;
    if (named.has(tid)) continue;
    named.add(tid);
    yield `{"ph":"M","name":"thread_name","pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(t.name)}}}`;
    yield `{"ph":"M","name":"thread_sort_index","pid":${pid},"tid":${tid},"args":{"sort_index":${t.sortIndex}}}`;
  }
  for (const t of proc.osThreads ?? []) {
    const tid = t.tid;
    if (!t.named || named.has(tid)) continue;
    named.add(tid);
    yield `{"ph":"M","name":"thread_name","pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(t.name)}}}`;
    yield `{"ph":"M","name":"thread_sort_index","pid":${pid},"tid":${tid},"args":{"sort_index":${t.sortIndex}}}`;
  }
  const counterTracks = [
    ...(proc.osThreads ?? []),
    ...proc.threads.map((t) => ({ tid: t.tid, counters: t.counters ?? [] })),
  ];
  for (const t of counterTracks) {
    for (const c of t.counters) {
      if (c.ts.length > 0)
        yield { chunks: counterChunks(pid, t.tid, c, options), count: c.ts.length };
    }
  }
  for (const t of proc.threads) {
    const s = t.slices;
    if (s.count > 0) yield { chunks: sliceChunks(pid, t.tid, s, options), count: s.count };
    // Async spans (nestable async events): one `b` and one `e` per async call, numbered by
    // the call's serial in its thread, so concurrent calls of one function are told apart;
    // viewers put them on tracks of their own. Times as the slices' (rounded to the ns), so a
    // span starts exactly where its first slice does.
    for (const sp of s.spans ?? []) {
      const common = `"cat":"async","name":${JSON.stringify(s.names[sp.nameIndex])},${asyncId(t.tid, sp.call)},"pid":${pid},"tid":${t.tid}`;
      yield `{"ph":"b",${common},"ts":${microsText(sp.startMicros)}}`;
      const endArgs = sp.args ? `,"args":${JSON.stringify(sp.args)}` : '';
      yield `{"ph":"e",${common},"ts":${microsText(sp.endMicros)}${endArgs}}`;
    }
  }
  yield* userEventTexts(proc);
}

/** `"id":"<tid>.<n>"` of an async event (asyncEventId). */
function asyncId(tid: number, n: number): string {
  return `"id":"${asyncEventId(tid, n)}"`;
}

/**
 * The program's own events (`logEvent`, `instant`, `counter`), category `user`. Slices that
 * cannot nest on their thread's track are async slices (`b`/`e`, asyncId), which viewers draw
 * on tracks of their own. Times are written as the
 * instrumented slices' are (µs rounded to the ns, start and end each rounded), so a program's
 * slice and the calls around and inside it order in the report as they ran.
 */
function* userEventTexts(proc: ProcessTrack): Generator<EventPiece> {
  const pid = proc.pid;
  const asyncIds = new Map<number, number>();
  for (const t of proc.threads) {
    const u = t.user;
    if (!u) continue;
    const head = `,"pid":${pid},"tid":${t.tid},"ts":`;
    const argsOf = (a: string | null): string => (a === null ? '' : `,"args":${a}`);
    if (u.slices.length > 0) {
      const table = userSliceTable(u.slices);
      yield { chunks: sliceChunks(pid, t.tid, table, { cat: 'user' }), count: table.count };
    }
    let n = asyncIds.get(t.tid) ?? 0;
    for (const s of u.asyncSlices) {
      const id = asyncId(t.tid, n++);
      const name = JSON.stringify(s.name);
      yield `{"ph":"b","cat":"user",${id},"name":${name}${head}${microsText(s.startMicros)}${argsOf(s.args)}}`;
      yield `{"ph":"e","cat":"user",${id},"name":${name}${head}${microsText(s.startMicros + s.durationMicros)}}`;
    }
    asyncIds.set(t.tid, n);
    for (const i of u.instants) {
      yield `{"ph":"i","cat":"user","name":${JSON.stringify(i.name)}${head}${microsText(i.tsMicros)},"s":"${i.scope}"${argsOf(i.args)}}`;
    }
    for (const c of u.counters) {
      yield `{"ph":"C","cat":"user","name":${JSON.stringify(c.name)}${head}${microsText(c.tsMicros)},"args":${c.values}}`;
    }
  }
}

const NUMBER_SCRATCH = Buffer.alloc(64);

function numberText(nanos: number): string {
  return NUMBER_SCRATCH.toString('latin1', 0, writeMicros(NUMBER_SCRATCH, 0, nanos));
}

/** µs as the slices' bytes write them: rounded to the ns, at most three decimals. */
export function microsText(micros: number): string {
  return numberText(Math.round(micros * 1000));
}

/** The program's slices as a table for the one slice writer (their args are JSON text). */
function userSliceTable(slices: readonly UserSlice[]): SliceTable {
  const n = slices.length;
  const names = new StringTable();
  const table: SliceTable = {
    count: n,
    names: names.strings,
    nameIndex: new Int32Array(n),
    startMicros: new Float64Array(n),
    durationMicros: new Float64Array(n),
    depth: new Int32Array(n),
    sampleCount: 0,
    args: new Array<Record<string, unknown> | undefined>(n),
  };
  slices.forEach((s, i) => {
    table.nameIndex[i] = names.id(s.name);
    table.startMicros[i] = s.startMicros;
    table.durationMicros[i] = s.durationMicros;
    table.args![i] = s.args === null ? undefined : (JSON.parse(s.args) as Record<string, unknown>);
  });
  return table;
}

const SLICE_CHUNK_BYTES = 1 << 20;
/** The most an event takes besides its name and args: the fixed text, two numbers. */
const SLICE_MAX_TAIL = 128;
const DUR = Buffer.from(',"dur":', 'latin1');
const ARGS_OPEN = Buffer.from(',"args":{', 'latin1');
const EXCEPTION = Buffer.from('"exception":true', 'latin1');
const CPU = Buffer.from('"cpu":', 'latin1');

/**
 * One thread's slices as report bytes, one event a line:
 * `{"ph":"X","name":"fn (file:line)","pid":1,"tid":1,"ts":9500630184.873,"dur":0.09}`.
 * Written byte by byte into fresh 1 MiB buffers (each chunk may be kept; or all into
 * `options.scratch`, for a consumer done with each chunk before the next), without a string
 * per event: formatting a double with JavaScript's shortest round-trip algorithm was most of
 * the time. `ts` and `dur` are µs with at most three decimals (ns; no trailing zeros), taken
 * from the start and end rounded to the ns, so a slice that ends inside another still does.
 * No `cat`: optional in the format, and it was the same (`js`) for every slice. A slice with
 * args (`--instrument`'s func_args, return_value, exception, resume) has them as JSON text.
 */
export function* sliceChunks(
  pid: number,
  tid: number,
  s: SliceTable,
  options: SliceChunkOptions = {},
): Generator<Uint8Array> {
  const cat = options.cat === undefined ? '' : `"cat":${JSON.stringify(options.cat)},`;
  const w: SliceWriter = {
    s,
    // Everything up to the start time, per name, encoded when first used.
    heads: new Array<Buffer | undefined>(s.names.length),
    nameArgs: s.nameArgs ? new Array<Buffer | undefined>(s.names.length) : [],
    headText: (k) =>
      `{"ph":"X",${cat}"name":${JSON.stringify(s.names[k])},"pid":${pid},"tid":${tid},"ts":`,
    next: 0,
  };
  yield* eventChunks(
    s.count,
    () => w.next,
    (buf) => fillSlices(w, buf),
    (i) =>
      headOf(w, s.nameIndex[i]).length +
      Buffer.byteLength(
        sliceArgsText(
          argsOf(s, i),
          s.threw !== undefined && s.threw[i] !== 0,
          s.cpu !== undefined ? s.cpu[i] : -1,
        ),
      ) +
      SLICE_MAX_TAIL,
    options,
  );
}

/**
 * The chunks of a block of `count` events, one a line, written by `fill` from event `next()`
 * on into fresh 1 MiB buffers (or smaller: `mostBytes`, at most what the whole block takes),
 * or all into `options.scratch`. `bytesOf(i)`: room enough for event i alone, for an event
 * longer than a chunk (a huge name or args), which gets a buffer of its own.
 */
function* eventChunks(
  count: number,
  next: () => number,
  fill: (buf: Buffer) => number,
  bytesOf: (i: number) => number,
  options: SliceChunkOptions,
  mostBytes = SLICE_CHUNK_BYTES,
): Generator<Uint8Array> {
  const scratch =
    options.scratch && options.scratch.length >= SLICE_CHUNK_BYTES ? options.scratch : null;
  while (next() < count) {
    const buf = scratch ?? Buffer.allocUnsafe(Math.min(SLICE_CHUNK_BYTES, mostBytes));
    const end = fill(buf);
    if (end === 0) {
      const big = Buffer.allocUnsafe(bytesOf(next()));
      yield big.subarray(0, fill(big));
    } else {
      yield buf.subarray(0, end);
    }
  }
}

/**
 * One counter series as report bytes, one event a line, straight from its columns (a long run's
 * OS threads have hundreds of thousands of points: no string or object per event):
 * `{"ph":"C","name":"CPU % (main)","pid":1,"tid":1,"ts":9500630184,"args":{"cpu":99.5}}`.
 * Numbers as JavaScript writes them.
 */
export function* counterChunks(
  pid: number,
  tid: number,
  c: CounterTrack,
  options: SliceChunkOptions = {},
): Generator<Uint8Array> {
  const head = Buffer.from(
    `{"ph":"C","name":${JSON.stringify(c.name)},"pid":${pid},"tid":${tid},"ts":`,
  );
  const key = Buffer.from(`,"args":{${JSON.stringify(c.key)}:`);
  const { ts, values } = c;
  const scale = c.decimals === undefined ? 0 : 10 ** c.decimals;
  const count = ts.length;
  let next = 0;
  const fill = (buf: Buffer): number => {
    // Two numbers of at most 25 characters each, a separator and the closing braces.
    const limit = buf.length - head.length - key.length - 64;
    let off = 0;
    let i = next;
    for (; i < count && off <= limit; i++) {
      if (i > 0) {
        buf[off++] = 0x2c; // ,
        buf[off++] = 0x0a; // \n
      }
      buf.set(head, off);
      off = writeNumber(buf, off + head.length, ts[i]);
      buf.set(key, off);
      const v = values[i];
      off = writeNumber(buf, off + key.length, scale === 0 ? v : Math.round(v * scale) / scale);
      buf[off++] = 0x7d; // }
      buf[off++] = 0x7d; // }
    }
    next = i;
    return off;
  };
  const eventBytes = head.length + key.length + 64;
  yield* eventChunks(
    count,
    () => next,
    fill,
    () => eventBytes,
    options,
    count * eventBytes,
  );
}

/**
 * A number as `String(x)` writes it, without making a string when it has at most three
 * decimals (times in µs to the ns, one-decimal percents, cores): when `x` is the double nearest
 * to n / 1000 and n has at most 15 digits, no other decimal of 15 digits or fewer is nearer to
 * `x`, so the shortest round trip that `String` writes is n / 1000's own digits.
 */
function writeNumber(buf: Buffer, off: number, x: number): number {
  const nanos = Math.round(x * 1000);
  if (nanos / 1000 === x && nanos < 1e15 && nanos > -1e15) return writeMicros(buf, off, nanos);
  return off + buf.write(String(x), off, 'latin1');
}

/**
 * `,"args":{...}` of a slice, or '': an instrumented slice's notes, `exception` when it was
 * exited by a throw, `cpu` when the sampler knew the core it started on (-1: not known).
 */
function sliceArgsText(
  args: Record<string, unknown> | undefined,
  threw: boolean,
  cpu: number,
): string {
  if (args === undefined && !threw && cpu < 0) return '';
  const a: Record<string, unknown> = { ...args };
  if (threw && a.exception === undefined) a.exception = true;
  if (cpu >= 0) a.cpu = cpu;
  return `,"args":${JSON.stringify(a)}`;
}

interface SliceWriter {
  s: SliceTable;
  heads: (Buffer | undefined)[];
  headText: (nameIndex: number) => string;
  /** The table's `nameArgs` as `,"args":{...` text, without the closing brace, by name index. */
  nameArgs: (Buffer | undefined)[];
  /** The next slice to write. */
  next: number;
}

function headOf(w: SliceWriter, k: number): Buffer {
  return (w.heads[k] ??= Buffer.from(w.headText(k)));
}

/** `,"args":{...` of the args every slice of a name carries, without its closing brace. */
function nameArgsOf(w: SliceWriter, k: number, a: Readonly<Record<string, unknown>>): Buffer {
  return (w.nameArgs[k] ??= Buffer.from(`,"args":${JSON.stringify(a)}`.slice(0, -1)));
}

/** A slice's args as written: its own, then those of its name. */
function argsOf(s: SliceTable, i: number): Record<string, unknown> | undefined {
  const own = s.args?.[i];
  const ofName = s.nameArgs?.[s.nameIndex[i]];
  return ofName === undefined ? own : { ...own, ...ofName };
}

/** Writes slices from `w.next` while they fit; returns the bytes written. */
function fillSlices(w: SliceWriter, buf: Buffer): number {
  const s = w.s;
  const { nameIndex, startMicros, durationMicros, threw, args, nameArgs, cpu } = s;
  const limit = buf.length - SLICE_MAX_TAIL;
  let off = 0;
  let i = w.next;
  for (; i < s.count; i++) {
    const head = w.heads[nameIndex[i]] ?? headOf(w, nameIndex[i]);
    const hl = head.length;
    if (off + hl > limit) break;
    const mark = off;
    if (i > 0) {
      buf[off++] = 0x2c; // ,
      buf[off++] = 0x0a; // \n
    }
    // TypedArray set(), a memmove: a byte loop made formatting twice as slow.
    buf.set(head, off);
    off += hl;
    const start = startMicros[i];
    const startNanos = Math.round(start * 1000);
    off = writeMicros(buf, off, startNanos);
    for (let k = 0; k < DUR.length; k++) buf[off + k] = DUR[k];
    off += DUR.length;
    off = writeMicros(buf, off, Math.round((start + durationMicros[i]) * 1000) - startNanos);
    const a = args !== undefined ? args[i] : undefined;
    const ofName = nameArgs !== undefined ? nameArgs[nameIndex[i]] : undefined;
    const didThrow = threw !== undefined && threw[i] !== 0;
    const core = cpu !== undefined ? cpu[i] : -1;
    if (
      ofName !== undefined &&
      a === undefined &&
      ofName.exception === undefined &&
      ofName.cpu === undefined
    ) {
      // Every slice of the function's (args.generated): formatted once.
      const open = nameArgsOf(w, nameIndex[i], ofName);
      if (off + open.length + SLICE_MAX_TAIL > buf.length) {
        off = mark;
        break;
      }
      buf.set(open, off);
      off += open.length;
      let first = open[open.length - 1] === 0x7b; // {: an empty object so far
      if (didThrow) {
        if (!first) buf[off++] = 0x2c; // ,
        first = false;
        buf.set(EXCEPTION, off);
        off += EXCEPTION.length;
      }
      if (core >= 0) {
        if (!first) buf[off++] = 0x2c; // ,
        buf.set(CPU, off);
        off += CPU.length;
        off = writeWhole(buf, off, core);
      }
      buf[off++] = 0x7d; // }
    } else if (a !== undefined || ofName !== undefined) {
      // Notes are rare (--log_func_args, --log_func_retval, an async resumption): JSON text.
      const text = sliceArgsText(argsOf(s, i), didThrow, core);
      const bytes = Buffer.byteLength(text);
      if (off + bytes + 1 > buf.length) {
        off = mark;
        break;
      }
      off += buf.write(text, off);
    } else if (didThrow || core >= 0) {
      buf.set(ARGS_OPEN, off);
      off += ARGS_OPEN.length;
      if (didThrow) {
        buf.set(EXCEPTION, off);
        off += EXCEPTION.length;
        if (core >= 0) buf[off++] = 0x2c; // ,
      }
      if (core >= 0) {
        buf.set(CPU, off);
        off += CPU.length;
        off = writeWhole(buf, off, core);
      }
      buf[off++] = 0x7d; // }
    }
    buf[off++] = 0x7d; // }
  }
  w.next = i;
  return off;
}

/** Writes `nanos` (an integer) as µs: `12`, `12.5`, `12.034`. Returns the new offset. */
export function writeMicros(buf: Uint8Array, off: number, nanos: number): number {
  if (nanos < 0) {
    buf[off++] = 0x2d; // -
    nanos = -nanos;
  }
  const whole = Math.floor(nanos / 1000);
  const frac = nanos - whole * 1000;
  off = writeWhole(buf, off, whole);
  if (frac !== 0) {
    buf[off++] = 0x2e; // .
    const d1 = (frac / 100) | 0;
    const d2 = ((frac / 10) | 0) % 10;
    const d3 = frac % 10;
    buf[off++] = 48 + d1;
    if (d2 !== 0 || d3 !== 0) buf[off++] = 48 + d2;
    if (d3 !== 0) buf[off++] = 48 + d3;
  }
  return off;
}

/** A non-negative integer below 1e16, in decimal. */
function writeWhole(buf: Uint8Array, off: number, n: number): number {
  if (n < 1e8) return writeSmall(buf, off, n | 0, 0);
  // Two halves of at most 8 digits, so the digits come from 32-bit integer arithmetic.
  const high = Math.floor(n / 1e8);
  return writeSmall(buf, writeSmall(buf, off, high | 0, 0), (n - high * 1e8) | 0, 8);
}

/** `n` (0 <= n < 1e8) in decimal, left-padded with zeros to `width` digits. */
function writeSmall(buf: Uint8Array, off: number, n: number, width: number): number {
  let len = 1;
  for (let p = 10; p <= n; p *= 10) len++;
  if (len < width) len = width;
  const end = off + len;
  for (let k = end - 1; k >= off; k--) {
    const q = (n / 10) | 0;
    buf[k] = 48 + n - q * 10;
    n = q;
  }
  return end;
}

/** `viztracer_metadata` as JSON; `baseTimeNanoseconds` is written as an exact integer. */
export function metadataText(meta: ReportMetadata): string {
  const { baseTimeNanoseconds, ...rest } = meta;
  const body = JSON.stringify(rest);
  return `${body.slice(0, -1)},"baseTimeNanoseconds":${baseTimeNanoseconds.toString()}}`;
}

export interface ChunkCounter {
  events: number;
}

/**
 * Events already in report form, copied as bytes: JSON texts separated by `,\n`, as they
 * stand between the first and last line of a report of ours. `count` is set once the
 * chunks have been read.
 */
export interface EventBlock {
  chunks: Iterable<Uint8Array>;
  count: number;
}

export type EventPiece = string | EventBlock;

const CHUNK_BYTES = 1 << 20;

/**
 * The first line of a report of ours, and how its last line starts. Between them stands one
 * event per line, which is what lets the merger copy lines and the viewer stream them.
 */
export const REPORT_HEAD = '{"traceEvents":[';
export const REPORT_FOOT = '],"viztracer_metadata":';

/**
 * The whole report as byte chunks of about 1 MiB:
 * `{"traceEvents":[...events...],"viztracer_metadata":{...}}`, one event per line.
 * `meta` is called after the last event, so it can report counts gathered on the way.
 * Each chunk is a new buffer, so a consumer may keep it, unless the events' blocks say
 * otherwise (processEventTexts with a `scratch` buffer) or `reuse` is set: then the text
 * between blocks is written into one buffer again and again, for a consumer done with each
 * chunk before it asks for the next (writeChunksSync). A new 1 MiB buffer per chunk stayed
 * resident until a full GC: tens of MB for a long run's report (docs/benchmarks.md, section 21).
 */
export function* reportChunks(
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
  counter: ChunkCounter = { events: 0 },
  reuse = false,
): Generator<Uint8Array> {
  let buf: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const fresh = (bytes: number): Buffer =>
    reuse && bytes <= buf.length ? buf : Buffer.allocUnsafe(bytes);
  let off = buf.write(`${REPORT_HEAD}\n`);
  let first = true;
  for (const e of events) {
    if (typeof e === 'string') {
      // Each UTF-16 unit is at most 3 bytes of UTF-8.
      if (off + e.length * 3 + 2 > CHUNK_BYTES) {
        yield buf.subarray(0, off);
        buf = fresh(Math.max(CHUNK_BYTES, e.length * 3 + 2));
        off = 0;
      }
      off += buf.write(first ? e : ',\n' + e, off);
      first = false;
      counter.events++;
      continue;
    }
    let separated = first;
    for (const chunk of e.chunks) {
      if (chunk.length === 0) continue;
      if (!separated) {
        off += buf.write(',\n', off, 'latin1');
        separated = true;
      }
      if (off > 0) {
        yield buf.subarray(0, off);
        buf = fresh(CHUNK_BYTES);
        off = 0;
      }
      yield chunk;
      first = false;
    }
    counter.events += e.count;
  }
  const tail = `\n${REPORT_FOOT}${metadataText(meta())}}\n`;
  yield Buffer.concat([buf.subarray(0, off), Buffer.from(tail)]);
}

/**
 * The events of pieces made here, parsed back: for the writers of formats built from the
 * report's events (pprof, `.cpuprofile`). A block's texts stand one a line, so its lines are short.
 */
export function* eventsOfPieces(pieces: Iterable<EventPiece>): Generator<TraceEvent> {
  const parse = (line: string): TraceEvent | null => {
    const text = line.endsWith(',') ? line.slice(0, -1) : line;
    return text.trim() === '' ? null : (JSON.parse(text) as TraceEvent);
  };
  for (const p of pieces) {
    if (typeof p === 'string') {
      yield JSON.parse(p) as TraceEvent;
      continue;
    }
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (const chunk of p.chunks) {
      const lines = (
        rest + decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
      ).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const e = parse(line);
        if (e) yield e;
      }
    }
    const e = parse(rest + decoder.end());
    if (e) yield e;
  }
}
