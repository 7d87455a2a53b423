// Loading a report into the page: from the server (`data/...`, relative URLs, so the page works
// at `/` and at `/report/<i>/`) or, in a standalone HTML file, from the JSON the file carries.

import {
  base64ToBytes,
  decodeCounter,
  decodeThread,
  type CounterColumns,
  type SliceColumns,
  type StandaloneData,
  type WireCounter,
  type WireMeta,
  type WireThread,
} from './contract';
import { buildDepthIndex, type DepthIndex } from './depth-index';
import { osThreadCounter } from './range-summary';

export interface ThreadData {
  /** Position in `Report.threads` (the display order). */
  pos: number;
  info: WireThread;
  pid: number;
  processName: string;
  cols: SliceColumns;
  index: DepthIndex;
}

export interface CounterData {
  info: WireCounter;
  pid: number;
  cols: CounterColumns;
  /** Range of all values. */
  min: number;
  max: number;
  /**
   * The chart's scale: the values' range, except for the OS thread counters of `--native`,
   * which share one fixed scale so that tracks compare at a glance: `CPU %` 0 to 100,
   * `CPU core` 0 to N - 1, N the host's CPUs from the report's metadata, else the highest core
   * of the report + 1 (half a step beyond each end, so that a thread that stays on core 0
   * still draws a line).
   */
  scale: { lo: number; hi: number };
}

export interface Report {
  meta: WireMeta;
  threads: ThreadData[];
  counters: CounterData[];
  /** Slices per string-table index, all threads. */
  countByName: Int32Array;
  standalone: boolean;
  args(thread: ThreadData, index: number): Promise<Record<string, unknown>>;
  /** Tells the server the page is up (its `--once` mode exits then); nothing standalone. */
  markLoaded(): void;
}

/** A report that could not be loaded, with the message to show. */
export class LoadError extends Error {}

interface Source {
  standalone: boolean;
  meta(): Promise<WireMeta>;
  thread(key: number): Promise<Uint8Array>;
  counter(key: number): Promise<Uint8Array>;
  args(key: number, index: number): Promise<Record<string, unknown>>;
  loaded(): void;
}

async function fetchOk(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store' });
  } catch (err) {
    throw new LoadError(`Cannot reach the viewer's server (${url}): ${String(err)}`);
  }
  if (!res.ok) {
    // The server answers {"error": "..."} when the report cannot be loaded.
    let detail = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: unknown };
      if (typeof body?.error === 'string') detail = body.error;
    } catch {
      // not JSON: keep the status line
    }
    throw new LoadError(detail);
  }
  return res;
}

function serverSource(): Source {
  return {
    standalone: false,
    meta: async () => (await (await fetchOk('data/meta')).json()) as WireMeta,
    thread: async (key) =>
      new Uint8Array(await (await fetchOk(`data/thread/${key}`)).arrayBuffer()),
    counter: async (key) =>
      new Uint8Array(await (await fetchOk(`data/counter/${key}`)).arrayBuffer()),
    args: async (key, index) => {
      const v = (await (await fetchOk(`data/args/${key}/${index}`)).json()) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : { value: v };
    },
    loaded: () => {
      fetch('data/loaded', { cache: 'no-store' }).catch(() => undefined);
    },
  };
}

function standaloneSource(data: StandaloneData): Source {
  const block = (table: Record<string, string>, key: number, what: string): Uint8Array => {
    const text = table[String(key)];
    if (typeof text !== 'string') throw new LoadError(`The page has no data for ${what} ${key}`);
    return base64ToBytes(text);
  };
  return {
    standalone: true,
    meta: async () => data.meta,
    thread: async (key) => block(data.threads ?? {}, key, 'thread'),
    counter: async (key) => block(data.counters ?? {}, key, 'counter'),
    args: async (key, index) => data.args?.[`${key}/${index}`] ?? {},
    loaded: () => undefined,
  };
}

/** The data inlined in a standalone page, or null when served. */
function inlineData(): StandaloneData | null {
  const el = document.getElementById('viztracer-data');
  if (!el || el.getAttribute('type') !== 'application/json') return null;
  try {
    return JSON.parse(el.textContent ?? '') as StandaloneData;
  } catch (err) {
    throw new LoadError(`The page's report data is not valid JSON: ${String(err)}`);
  }
}

/** Runs `jobs` with at most `limit` at a time. */
async function pool(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

export async function loadReport(progress: (done: number, total: number) => void): Promise<Report> {
  const inline = inlineData();
  const src = inline ? standaloneSource(inline) : serverSource();
  const meta = await src.meta();
  // Marks of the load's steps, for the viewer's benchmark (scripts/bench/viewer.mjs).
  performance.mark('vz:meta');
  if (!meta || !Array.isArray(meta.processes) || !Array.isArray(meta.strings)) {
    throw new LoadError('The server sent no report description (data/meta)');
  }
  const threads: ThreadData[] = [];
  const counters: CounterData[] = [];
  const jobs: (() => Promise<void>)[] = [];
  let done = 0;
  const total = meta.processes.reduce((n, p) => n + p.threads.length + p.counters.length, 0);
  for (const p of meta.processes) {
    for (const info of p.threads) {
      const t: ThreadData = {
        pos: threads.length,
        info,
        pid: p.pid,
        processName: p.name,
        cols: emptyColumns(),
        index: buildDepthIndex(emptyColumns(), 0),
      };
      threads.push(t);
      jobs.push(async () => {
        const bytes = await src.thread(info.key);
        const t0 = performance.now();
        t.cols = decodeThread(bytes, info.count, info.runs ?? 0);
        t.index = buildDepthIndex(t.cols, info.maxDepth);
        performance.measure('vz:index', { start: t0 });
        progress(++done, total);
      });
    }
    for (const info of p.counters) {
      const c: CounterData = {
        info,
        pid: p.pid,
        cols: { n: 0, ts: new Float64Array(0), values: new Float64Array(0) },
        min: 0,
        max: 0,
        scale: { lo: 0, hi: 0 },
      };
      counters.push(c);
      jobs.push(async () => {
        c.cols = decodeCounter(await src.counter(info.key), info.count, info.keys.length);
        for (const v of c.cols.values) {
          if (v < c.min) c.min = v;
          if (v > c.max) c.max = v;
        }
        progress(++done, total);
      });
    }
  }
  progress(0, total);
  await pool(jobs, 4);
  performance.mark('vz:tracks');
  const cpus = meta.metadata?.cpus;
  setScales(counters, typeof cpus === 'number' && cpus > 0 ? cpus : 0);
  const countByName = new Int32Array(meta.strings.length);
  for (const t of threads) for (const nm of t.cols.name) countByName[nm]++;
  return {
    meta,
    threads,
    counters,
    countByName,
    standalone: src.standalone,
    args: cachedArgs((key, i) => src.args(key, i)),
    markLoaded: () => src.loaded(),
  };
}

function emptyColumns(): SliceColumns {
  return {
    n: 0,
    start: new Float64Array(0),
    dur: new Float64Array(0),
    depth: new Int32Array(0),
    name: new Int32Array(0),
    parent: new Int32Array(0),
  };
}

/** Each counter's chart scale (`CounterData.scale`); `cpus` 0 when the report does not say. */
export function setScales(counters: CounterData[], cpus = 0): void {
  const kind = (c: CounterData): string | undefined => osThreadCounter(c.info.name)?.kind;
  let cores = cpus;
  for (const c of counters) if (kind(c) === 'core') cores = Math.max(cores, c.max + 1);
  for (const c of counters) {
    const k = kind(c);
    if (k === 'cpu') c.scale = { lo: 0, hi: 100 };
    else if (k === 'core') c.scale = { lo: -0.5, hi: Math.max(1, cores) - 0.5 };
    else c.scale = { lo: Math.min(c.min, 0), hi: c.max };
  }
}

/**
 * A slice's args fetched once and kept in the page: asking again (the same slice clicked twice)
 * needs no server, which a `vizviewer --once` has stopped by then. A failed fetch is not kept.
 */
export function cachedArgs(
  fetchArgs: (key: number, index: number) => Promise<Record<string, unknown>>,
): (thread: ThreadData, index: number) => Promise<Record<string, unknown>> {
  const cache = new Map<string, Promise<Record<string, unknown>>>();
  return (thread, index) => {
    const id = `${thread.info.key}:${index}`;
    let p = cache.get(id);
    if (!p) {
      p = fetchArgs(thread.info.key, index);
      cache.set(id, p);
      p.catch(() => cache.delete(id));
    }
    return p;
  };
}
