// What the server sends the page: one JSON document describing the report (names, tracks,
// counts) and, per thread, one binary block of columns that the page views as typed arrays
// without parsing. The standalone HTML inlines the same pieces.
import type { Model, ThreadModel } from './model';
import type { WireMeta } from './page/contract';

// The types are the page's (one definition for both sides; that module is free of DOM and Node).
export type { WireMeta } from './page/contract';

export function wireMeta(model: Model, title: string): WireMeta {
  let counterKey = 0;
  return {
    title,
    metadata: model.metadata,
    originMicros: model.originMicros,
    durationMicros: model.durationMicros,
    strings: model.strings,
    processes: model.processes.map((p) => ({
      pid: p.pid,
      ...(p.ppid !== undefined ? { ppid: p.ppid } : {}),
      name: p.name,
      threads: p.threads.map((t) => ({
        key: t.key,
        tid: t.tid,
        name: t.name,
        count: t.slices.start.length,
        maxDepth: t.maxDepth,
        ...(t.async ? { async: true } : {}),
        ...(t.runs ? { runs: t.runs.span.length } : {}),
      })),
      counters: p.counters.map((c) => ({
        key: counterKey++,
        tid: c.tid,
        name: c.name,
        keys: c.keys,
        count: c.ts.length,
      })),
    })),
    instants: model.instants,
    skipped: model.skipped,
    unmatched: model.unmatched,
  };
}

/**
 * A thread's slices as bytes, little-endian, for n slices:
 * start f64[n] | dur f64[n] | depth i32[n] | name i32[n] | parent i32[n]
 * and, for an async track whose spans have m runs (SpanRuns): | span i32[m] | slice i32[m]
 */
export function threadBinary(t: ThreadModel): Buffer {
  const s = t.slices;
  const runs = t.runs ? [bytes(t.runs.span), bytes(t.runs.slice)] : [];
  return Buffer.concat([
    bytes(s.start),
    bytes(s.dur),
    bytes(s.depth),
    bytes(s.name),
    bytes(s.parent),
    ...runs,
  ]);
}

/** A counter as bytes: ts f64[n] | values f64[n * keys] (row-major). */
export function counterBinary(model: Model, key: number): Buffer | null {
  const c = model.processes.flatMap((p) => p.counters)[key];
  return c ? Buffer.concat([bytes(c.ts), bytes(c.values)]) : null;
}

function bytes(a: Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
