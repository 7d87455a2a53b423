// Report text, produced piece by piece so no step holds the whole report as one string.
import type { ReportMetadata } from '../trace/events';
import type { ProcessTrack } from './model';

/** One JSON text per event: the process's and its threads' metadata, then every slice. */
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
  for (const t of proc.threads) {
    const s = t.slices;
    // Every slice repeats its name, so each name is escaped once.
    const quoted = s.names.map((nm) => JSON.stringify(nm));
    const head = `,"pid":${pid},"tid":${t.tid},"ts":`;
    for (let i = 0; i < s.count; i++) {
      yield `{"ph":"X","cat":"js","name":${quoted[s.nameIndex[i]]}${head}${s.startMicros[i]},"dur":${s.durationMicros[i]}}`;
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

const CHUNK_CHARS = 1 << 18;

/**
 * The whole report as text chunks of about 256 KiB:
 * `{"traceEvents":[...events...],"viztracer_metadata":{...}}`.
 * `meta` is called after the last event, so it can report counts gathered on the way.
 */
export function* reportChunks(
  events: Iterable<string>,
  meta: () => ReportMetadata,
  counter: ChunkCounter = { events: 0 },
): Generator<string> {
  let buf = '{"traceEvents":[\n';
  let first = true;
  for (const e of events) {
    buf += first ? e : ',\n' + e;
    first = false;
    counter.events++;
    if (buf.length >= CHUNK_CHARS) {
      yield buf;
      buf = '';
    }
  }
  yield `${buf}\n],"viztracer_metadata":${metadataText(meta())}}\n`;
}
