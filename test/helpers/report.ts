// Reading a report in tests, and the checks every report must pass.
import { readReportTextSync } from '../../src/report/read';
import { checkSpans } from './nesting';

export interface Ev {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface Report {
  traceEvents: Ev[];
  viztracer_metadata: Record<string, unknown>;
  raw: string;
}

export function loadReport(file: string): Report {
  // The product's reader (gzip or not); the whole text is kept for tests that search it.
  const raw = readReportTextSync(file);
  return { ...(JSON.parse(raw) as Omit<Report, 'raw'>), raw };
}

export const slices = (r: Report): Ev[] => r.traceEvents.filter((e) => e.ph === 'X');

/**
 * Per thread, every slice lies inside the slice open around it (or starts after it ends).
 * Returns the deepest nesting, counted among slices whose name matches `re`. Compared in ns,
 * the precision the report is written at: `ts + dur` of two slices that end together can
 * differ in the last bit of a double (`ts` and `dur` are decimals of three places).
 */
export function checkNesting(
  r: Report,
  re: RegExp = /./,
): { maxDepth: number; maxMatchDepth: number } {
  const byThread = new Map<string, Ev[]>();
  for (const e of slices(r)) {
    const k = `${e.pid}:${e.tid}`;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k)!.push(e);
  }
  let maxDepth = 0;
  let maxMatchDepth = 0;
  for (const [k, list] of byThread) {
    list.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    const ns = (t: number): number => Math.round(t * 1000);
    const start = list.map((e) => ns(e.ts!));
    const end = list.map((e) => ns(e.ts! + e.dur!));
    // Each slice's depth from the slices still open when it starts; checkSpans then checks
    // that it lies inside the one open around it.
    const depth: number[] = [];
    const matchDepth: number[] = [];
    const open: number[] = [];
    for (let i = 0; i < list.length; i++) {
      while (open.length && end[open[open.length - 1]] <= start[i]) open.pop();
      const p = open[open.length - 1];
      depth.push(open.length + 1);
      matchDepth.push((p === undefined ? 0 : matchDepth[p]) + (re.test(list[i].name) ? 1 : 0));
      maxDepth = Math.max(maxDepth, depth[i]);
      maxMatchDepth = Math.max(maxMatchDepth, matchDepth[i]);
      open.push(i);
    }
    checkSpans(start, end, depth, (i) => `${list[i].name} on ${k}`);
  }
  return { maxDepth, maxMatchDepth };
}

/** Every pid with slices has a process_name, every (pid, tid) with slices a thread_name. */
export function checkNames(r: Report): void {
  const procs = new Set<number>();
  const threads = new Set<string>();
  for (const e of r.traceEvents) {
    if (e.ph !== 'M') continue;
    if (e.name === 'process_name') procs.add(e.pid);
    if (e.name === 'thread_name') threads.add(`${e.pid}:${e.tid}`);
  }
  for (const e of slices(r)) {
    if (!procs.has(e.pid)) throw new Error(`pid ${e.pid} has no process_name`);
    if (!threads.has(`${e.pid}:${e.tid}`))
      throw new Error(`thread ${e.pid}:${e.tid} has no thread_name`);
  }
}
