// Reading a report in tests, and the checks every report must pass.
import { readReportTextSync } from '../../src/report/read';

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
    const stack: Ev[] = [];
    const ns = (t: number): number => Math.round(t * 1000);
    const end = (e: Ev): number => ns(e.ts! + e.dur!);
    for (const e of list) {
      while (stack.length && end(stack[stack.length - 1]) <= ns(e.ts!)) stack.pop();
      const p = stack[stack.length - 1];
      if (p && end(e) > end(p)) {
        throw new Error(`slices overlap without nesting on ${k}: ${p.name} and ${e.name}`);
      }
      stack.push(e);
      maxDepth = Math.max(maxDepth, stack.length);
      maxMatchDepth = Math.max(maxMatchDepth, stack.filter((s) => re.test(s.name)).length);
    }
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
