// A report's function slices back as call stacks over time: per thread, a call tree and the
// segments of time each of its nodes was on top. What the timeline draws, as the sample-based
// formats (pprof, .cpuprofile) need it; their writers share it. Pure.
import { parseFrameName } from '../trace/frame-name';
import type { TraceEvent } from '../trace/events';
import { PSEUDO } from '../trace/samples';

/** A node of a thread's call tree; node 0 is the root, on top when no slice is open (idle). */
export interface StackNode {
  /** The caller's index; -1 for the root. */
  parent: number;
  /** The slice's name as written (`fn (file:line)`), `(root)` for the root. */
  name: string;
  func: string;
  /** Empty when the name has no location. */
  file: string;
  /** 1-based line of the function's start; 0 when unknown. */
  line: number;
}

/** One thread's time as segments, each a node of its call tree on top from a start, for a time. */
export interface ThreadStacks {
  pid: number;
  tid: number;
  /** The thread's track name (its `thread_name`), `thread <tid>` when it has none. */
  threadName: string;
  /** The process's track name, when the report names it. */
  processName: string | null;
  nodes: StackNode[];
  /** In time order, back to back from the thread's first slice to the end of its last. */
  segments: {
    startMicros: number[];
    durationMicros: number[];
    /** A node of `nodes`; 0 (the root) where no slice was open. */
    node: number[];
    /** The core the top slice started on (`args.cpu`), -1 when not known. */
    cpu: number[];
    /** The top slice's `args.labels` (`withLabels`) as JSON text, '' for none. */
    labels: string[];
  };
}

interface Slice {
  ts: number;
  end: number;
  name: string;
  cpu: number;
  labels: string;
}

/**
 * The function slices of every thread as stacks. The program's own slices (`cat: "user"`) and
 * async spans are left out: they are marks, not frames. A slice that overlaps its parent's end
 * is cut there, as the timeline draws it.
 */
export function threadStacks(events: Iterable<TraceEvent>): ThreadStacks[] {
  const slices = new Map<string, Slice[]>();
  const threadNames = new Map<string, string>();
  const processNames = new Map<number, string>();
  const key = (pid: number, tid: number): string => `${pid}:${tid}`;
  for (const e of events) {
    if (e.ph === 'M') {
      const name = e.args?.name;
      if (typeof name !== 'string') continue;
      if (e.name === 'thread_name') threadNames.set(key(e.pid, e.tid), name);
      else if (e.name === 'process_name') processNames.set(e.pid, name);
      continue;
    }
    if (e.ph !== 'X' || ('cat' in e && e.cat !== undefined && e.cat !== '')) continue;
    const ts = Number((e as { ts?: unknown }).ts);
    const dur = Number((e as { dur?: unknown }).dur);
    if (!Number.isFinite(ts) || !Number.isFinite(dur) || dur < 0) continue;
    const k = key(e.pid, e.tid);
    let list = slices.get(k);
    if (!list) slices.set(k, (list = []));
    const cpu = e.args?.cpu;
    const labels = e.args?.labels;
    list.push({
      ts,
      end: ts + dur,
      name: String(e.name),
      cpu: typeof cpu === 'number' && Number.isInteger(cpu) ? cpu : -1,
      labels: labels && typeof labels === 'object' ? JSON.stringify(labels) : '',
    });
  }
  const out: ThreadStacks[] = [];
  for (const [k, list] of slices) {
    const [pid, tid] = k.split(':').map(Number);
    out.push({
      pid,
      tid,
      threadName: threadNames.get(k) ?? `thread ${tid}`,
      processName: processNames.get(pid) ?? null,
      ...stacksOf(list),
    });
  }
  out.sort((a, b) => a.pid - b.pid || a.tid - b.tid);
  return out;
}

/** One thread's slices as a call tree and back-to-back segments. */
function stacksOf(list: Slice[]): Pick<ThreadStacks, 'nodes' | 'segments'> {
  // Parents before their children: earlier first, and at the same start the longer.
  list.sort((a, b) => a.ts - b.ts || b.end - a.end);
  const nodes: StackNode[] = [
    { parent: -1, name: PSEUDO.root, func: PSEUDO.root, file: '', line: 0 },
  ];
  const children = new Map<string, number>();
  const child = (parent: number, name: string): number => {
    const k = `${parent}\n${name}`;
    let id = children.get(k);
    if (id === undefined) {
      const f = parseFrameName(name);
      id = nodes.length;
      nodes.push({ parent, name, func: f.func, file: f.file ?? '', line: f.line ?? 0 });
      children.set(k, id);
    }
    return id;
  };
  const segments: ThreadStacks['segments'] = {
    startMicros: [],
    durationMicros: [],
    node: [],
    cpu: [],
    labels: [],
  };
  const emit = (from: number, to: number, top: Open | undefined): void => {
    if (to <= from) return;
    segments.startMicros.push(from);
    segments.durationMicros.push(to - from);
    segments.node.push(top?.node ?? 0);
    segments.cpu.push(top?.cpu ?? -1);
    segments.labels.push(top?.labels ?? '');
  };
  interface Open {
    node: number;
    end: number;
    cpu: number;
    labels: string;
  }
  const open: Open[] = [];
  let cursor = list.length > 0 ? list[0].ts : 0;
  const close = (until: number): void => {
    while (open.length > 0 && open[open.length - 1].end <= until) {
      const top = open.pop()!;
      emit(cursor, top.end, top);
      cursor = Math.max(cursor, top.end);
    }
  };
  for (const s of list) {
    close(s.ts);
    const top = open[open.length - 1];
    emit(cursor, s.ts, top);
    cursor = Math.max(cursor, s.ts);
    const end = top ? Math.min(s.end, top.end) : s.end;
    // A slice without labels inside a labelled one (the program's own frames are split where
    // labels change, so all of a stack's frames agree) keeps its parent's.
    const labels = s.labels !== '' ? s.labels : (top?.labels ?? '');
    open.push({ node: child(top?.node ?? 0, s.name), end, cpu: s.cpu, labels });
  }
  close(Infinity);
  return { nodes, segments };
}

/** A node's stack, innermost frame first (the root left out). */
export function stackOf(nodes: readonly StackNode[], node: number): number[] {
  const stack: number[] = [];
  for (let n = node; n > 0; n = nodes[n].parent) stack.push(n);
  return stack;
}
