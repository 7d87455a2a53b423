// Report text, produced piece by piece so no step holds the whole report as one string.
import type { ReportMetadata } from '../trace/events';
import type { ProcessTrack } from './model';

/**
 * One JSON text per event: the process's and its threads' metadata, the OS threads' counters,
 * then every slice.
 */
export function* processEventTexts(proc: ProcessTrack): Generator<string> {
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
      const head = `{"ph":"C","name":${JSON.stringify(c.name)},"pid":${pid},"tid":${t.tid},"ts":`;
      const key = JSON.stringify(c.key);
      for (let i = 0; i < c.ts.length; i++) {
        yield `${head}${c.ts[i]},"args":{${key}:${c.values[i]}}}`;
      }
    }
  }
  for (const t of proc.threads) {
    const s = t.slices;
    // Every slice repeats its name, so each name is escaped once.
    const quoted = s.names.map((nm) => JSON.stringify(nm));
    const head = `,"pid":${pid},"tid":${t.tid},"ts":`;
    const threw = s.threw;
    const cpu = s.cpu;
    for (let i = 0; i < s.count; i++) {
      const exception = threw && threw[i] ? '"exception":true' : '';
      const core = cpu && cpu[i] >= 0 ? `"cpu":${cpu[i]}` : '';
      const args =
        exception || core ? `,"args":{${exception}${exception && core ? ',' : ''}${core}}` : '';
      yield `{"ph":"X","cat":"js","name":${quoted[s.nameIndex[i]]}${head}${s.startMicros[i]},"dur":${s.durationMicros[i]}${args}}`;
    }
  }
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
 * Each chunk is a new buffer, so a consumer may keep it.
 */
export function* reportChunks(
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
  counter: ChunkCounter = { events: 0 },
): Generator<Uint8Array> {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let off = buf.write(`${REPORT_HEAD}\n`);
  let first = true;
  for (const e of events) {
    if (typeof e === 'string') {
      // Each UTF-16 unit is at most 3 bytes of UTF-8.
      if (off + e.length * 3 + 2 > CHUNK_BYTES) {
        yield buf.subarray(0, off);
        buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, e.length * 3 + 2));
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
        buf = Buffer.allocUnsafe(CHUNK_BYTES);
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
