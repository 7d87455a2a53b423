// Turns one thread's CPU samples into nested complete slices (`ph: "X"`), without I/O.
//
// The walk: samples in time order; at each sample the frames that left the stack since the
// previous sample are closed and the new ones opened (compared from the root down, through
// the call tree's parent links, so a frame present in consecutive samples stays one slice).
// In phases: map each node to the visible frame it shows (`mapNodes`), walk the samples into
// slices (`walkSamples`), drop the short ones (`dropShorterThan`), hand the columns over.
import { frameName, isPseudo, PSEUDO, type SampleNode, type Samples } from './samples';
import { StringTable } from './strings';

export interface ConvertOptions {
  /** Frames deeper than this are folded into their ancestor at this depth. */
  maxStackDepth?: number;
  /** Absolute path prefixes; when given, only frames from these files are kept. */
  includeFiles?: readonly string[];
  /** Absolute path prefixes whose frames are dropped. */
  excludeFiles?: readonly string[];
  /** Slices shorter than this (µs) are dropped. */
  minDurationMicros?: number;
  /** Keep Node's own frames that sit above the user's code (module loader, timers, ...). */
  keepInternals?: boolean;
  /** Extra path prefixes treated like Node's internals (the tracer's own code). */
  internalPathPrefixes?: readonly string[];
  /**
   * The tracer's own code: a frame from these files, with everything it calls, shows as one
   * `(viztracer)` frame, so the tracer's overhead is visible as such and its workings are not.
   * Not applied under `keepInternals`.
   */
  ownPathPrefixes?: readonly string[];
  /**
   * Packages the tracer's code calls (pprof-format, source-map readers): their frames called from
   * a `(viztracer)` frame are its work too; called by the program, they are the program's.
   * A function when finding them costs (resolving packages): called once, and only if a frame
   * of the tracer's calls a file that is not Node's.
   */
  ownCalleePrefixes?: readonly string[] | (() => readonly string[]);
}

/** Each sample's label set (`withLabels`): an index into `sets`, 0 for none. */
export interface SampleLabels {
  ids: ArrayLike<number>;
  /** `sets[0]` is empty. */
  sets: readonly Readonly<Record<string, string>>[];
}

/** Slices of one thread in columnar form, in the order they opened (by start, parents first). */
export interface SliceTable {
  count: number;
  /** String table; `nameIndex` points into it. */
  names: string[];
  nameIndex: Int32Array;
  startMicros: Float64Array;
  durationMicros: Float64Array;
  /** 1 for a frame directly under the root. */
  depth: Int32Array;
  /** Samples used, after dropping none (V8 reports every sample it took). */
  sampleCount: number;
  /** Instrumented calls only: 1 where the call exited by throwing. */
  threw?: Uint8Array;
  /**
   * Each slice's `args`, if any: instrumented calls' previews, `exception`, `resume`; sampled
   * slices' `labels` (`withLabels`).
   */
  args?: (Record<string, unknown> | undefined)[];
  /**
   * Args every slice of a name carries, by name index (`generated`, where a source map named
   * the frame): one object per function instead of one per slice. A slice's own `args` come
   * first, then these.
   */
  nameArgs?: (Readonly<Record<string, unknown>> | undefined)[];
  /** Instrumented calls only: the whole life of each async call (ph `b`/`e`). */
  spans?: AsyncSpan[];
  /**
   * When the samples' CPU cores were given: the core of the sample at which each slice
   * opened (the core it started on), -1 when unknown.
   */
  cpu?: Int16Array;
}

/**
 * The id of an async event (`b`/`e`) of thread `tid`: `<tid>.<n>`, n numbering the thread's
 * async events of one category, so ids never meet across threads, nor across processes (tids
 * are unique at a time). A run of an async call names its span by this id (`args.span`).
 */
export function asyncEventId(tid: number, n: number): string {
  return `${tid}.${n}`;
}

/** An async function's call from its start to its settling (or an async generator's run). */
export interface AsyncSpan {
  /** Index into the table's `names`. */
  nameIndex: number;
  /** The call's serial in its thread (with the tid, the async event's id). */
  call: number;
  startMicros: number;
  endMicros: number;
  /** The end event's args: `exception` when it rejected, `unfinished` if it never settled. */
  args?: Record<string, unknown>;
}

function matchesPrefix(file: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (file.startsWith(p)) return true;
  return false;
}

/** Growable columnar slice store. */
class SliceBuilder {
  count = 0;
  nameIndex = new Int32Array(1024);
  start = new Float64Array(1024);
  dur = new Float64Array(1024);
  depth = new Int32Array(1024);
  cpu = new Int16Array(1024);
  label = new Int32Array(1024);

  open(name: number, startMicros: number, depth: number, cpu: number, label: number): number {
    if (this.count === this.start.length) this.grow();
    const slot = this.count++;
    this.nameIndex[slot] = name;
    this.start[slot] = startMicros;
    this.depth[slot] = depth;
    this.dur[slot] = -1;
    this.cpu[slot] = cpu;
    this.label[slot] = label;
    return slot;
  }

  private grow(): void {
    const n = this.start.length * 2;
    this.nameIndex = grown(this.nameIndex, new Int32Array(n));
    this.start = grown(this.start, new Float64Array(n));
    this.dur = grown(this.dur, new Float64Array(n));
    this.depth = grown(this.depth, new Int32Array(n));
    this.cpu = grown(this.cpu, new Int16Array(n));
    this.label = grown(this.label, new Int32Array(n));
  }
}

/** `to`, a larger array, with `from` copied to its start. */
function grown<T extends { set(from: ArrayLike<number>): void }>(
  from: ArrayLike<number>,
  to: T,
): T {
  to.set(from);
  return to;
}

/**
 * The frames samples show, merged by (visible parent, name) into one id each, so frames
 * hidden by filters never split a slice in two. Grows during the walk (GC nests on any stack).
 */
class VisibleTree {
  /** String table of the slices' names. */
  private readonly nameTable = new StringTable();
  readonly names: string[] = this.nameTable.strings;
  /** Per visible id: its visible parent (-1 = root), name (into `names`), depth (1 = top). */
  readonly parent: number[] = [];
  readonly name: number[] = [];
  readonly depth: number[] = [];
  private readonly ids = new Map<string, number>(); // `${parent}:${name}` -> visible id

  nameId(s: string): number {
    return this.nameTable.id(s);
  }

  child(vp: number, name: number): number {
    const key = `${vp}:${name}`;
    let v = this.ids.get(key);
    if (v === undefined) {
      v = this.parent.length;
      this.ids.set(key, v);
      this.parent.push(vp);
      this.name.push(name);
      this.depth.push(vp < 0 ? 1 : this.depth[vp] + 1);
    }
    return v;
  }
}

/** What the walk does at a sample on a node. */
const FRAME = 0;
const PROGRAM = 1;
const GC = 2;
/** `(root)`, `(idle)`: an empty stack. */
const NOTHING = 3;

/** Per node of `Samples.nodes`: what a sample on it shows. */
interface NodeMap {
  /** The visible frame on top (an id of the `VisibleTree`); -1 for nothing. */
  visible: Int32Array;
  /** FRAME, PROGRAM, GC or NOTHING. */
  kind: Uint8Array;
  /** The node just below the root on its stack; -1 for the root. */
  bottom: Int32Array;
}

/**
 * Phase 1: each node mapped to the visible frame a sample on it shows (after the internal-prefix
 * rule, the file filters and the depth limit). One pass, parents first.
 */
function mapNodes(
  nodes: readonly SampleNode[],
  tree: VisibleTree,
  options: ConvertOptions,
): NodeMap {
  const n = nodes.length;
  const maxDepth = options.maxStackDepth ?? Infinity;
  const include = options.includeFiles?.length ? options.includeFiles : null;
  const exclude = options.excludeFiles ?? [];
  const internalPrefixes = options.internalPathPrefixes ?? [];
  const keepInternals = options.keepInternals ?? false;
  const ownPrefixes = keepInternals ? [] : (options.ownPathPrefixes ?? []);
  const given = options.ownCalleePrefixes ?? [];
  let ownCallees = typeof given === 'function' ? null : given;
  // Our dependencies are packages found in a `node_modules` folder; finding their folders
  // costs about a millisecond, which a file elsewhere (the program's script, run from our
  // frames) need not pay.
  const isOwnCallee = (file: string): boolean =>
    file.includes('node_modules') &&
    matchesPrefix(file, (ownCallees ??= (given as () => readonly string[])()));
  const eff = new Int32Array(n).fill(-1);
  const kind = new Uint8Array(n);
  const bottom = new Int32Array(n).fill(-1);
  // `prefix[i]`: node i and all its ancestors are Node internals (or the root).
  const prefix = new Uint8Array(n);
  // `own[i]`: node i is the tracer's code or called from it.
  const own = new Uint8Array(n);

  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    const p = node.parent;
    bottom[i] = p < 0 ? -1 : bottom[p] < 0 ? i : bottom[p];
    const special = isPseudo(node);
    const fn = node.functionName;
    if (special) kind[i] = fn === PSEUDO.program ? PROGRAM : fn === PSEUDO.gc ? GC : FRAME;
    if (special && (fn === PSEUDO.root || fn === PSEUDO.idle)) {
      kind[i] = NOTHING;
      prefix[i] = fn === PSEUDO.root ? 1 : 0;
      continue;
    }
    const parentPrefix = p < 0 ? 1 : prefix[p];
    const file = node.file;
    // Node's own code, V8 natives called by it (no file: `evaluate`, `dispatch`), and
    // whatever the caller names (the tracer's code).
    const internal =
      file === '' || file.startsWith('node:') || matchesPrefix(file, internalPrefixes);
    prefix[i] = !keepInternals && internal && parentPrefix ? 1 : 0;
    // The visible node a frame's children hang under. Below the internal prefix the prefix's
    // frames are hidden; a stack that is all internals is shown whole.
    let vp: number;
    if (p < 0) vp = -1;
    else if (prefix[p] && !prefix[i]) vp = -1;
    else vp = eff[p];
    let visible: boolean;
    if (special) {
      visible = fn === PSEUDO.program || fn === PSEUDO.gc || !include;
    } else {
      visible = true;
      // A mapped frame matches by its original path or by the path of the JavaScript that ran.
      const gen = node.generated?.file ?? '';
      const matches = (prefixes: readonly string[]): boolean =>
        (file !== '' && matchesPrefix(file, prefixes)) ||
        (gen !== '' && matchesPrefix(gen, prefixes));
      if (include && !matches(include)) visible = false;
      if (visible && exclude.length && matches(exclude)) visible = false;
    }
    // The tracer's code running on its own (the preload starting, an exit handler, a flush
    // by interrupt: an all-internal stack) is its overhead, shown as one frame with what it
    // calls of Node's. Called from the program (a patched Worker), it is hidden and what it
    // calls is the program's. User code the tracer calls (a callback) is the user's again.
    if (p >= 0 && own[p] && (internal || (file !== '' && isOwnCallee(file)))) {
      own[i] = 1;
      eff[i] = eff[p];
      continue;
    }
    if (file !== '' && ownPrefixes.length > 0 && matchesPrefix(file, ownPrefixes)) {
      if (!prefix[i]) {
        eff[i] = vp;
        continue;
      }
      own[i] = 1;
      // Under Node's own frames only (the preload loading): those are hidden, as they are
      // below the program's code, and the frame starts the stack.
      if (p >= 0 && prefix[p]) vp = -1;
      eff[i] = vp >= 0 && tree.depth[vp] >= maxDepth ? vp : tree.child(vp, tree.nameId(PSEUDO.own));
      continue;
    }
    if (!visible || (vp >= 0 && tree.depth[vp] >= maxDepth)) {
      eff[i] = vp;
      continue;
    }
    eff[i] = tree.child(vp, tree.nameId(frameName(node)));
  }
  return { visible: eff, kind, bottom };
}

/**
 * Phase 2: the samples, in time order, into slices: at each sample the frames that left the
 * stack close and the new ones open. `sampleCpu`: each sample's core, which a slice keeps.
 */
function walkSamples(
  samples: Samples,
  map: NodeMap,
  tree: VisibleTree,
  maxDepth: number,
  sampleCpu: ArrayLike<number> | undefined,
  sampleLabel: ArrayLike<number> | undefined,
): SliceBuilder {
  const { visible: eff, kind, bottom } = map;
  const { parent: vParent, name: vName, depth: vDepth } = tree;
  const times = samples.timesMicros;
  const ids = samples.nodeIds;
  const nSamples = times.length;
  const gcName = tree.nameId(PSEUDO.gc);
  const out = new SliceBuilder();
  const openSlot: number[] = []; // by depth-1: the slot of the open slice
  let cur = -1;
  let curDepth = 0;
  const path: number[] = [];
  const closeAt = (t: number): void => {
    const slot = openSlot[--curDepth];
    out.dur[slot] = t - out.start[slot];
  };
  let prevRaw = -1;
  let raw = nSamples > 0 ? ids[0] : -1;
  let label = 0;
  for (let k = 0; k < nSamples; k++) {
    // New labels (another request's work): every open slice ends, and the stack opens again.
    const l = sampleLabel ? sampleLabel[k] : 0;
    if (l !== label) {
      while (curDepth > 0) closeAt(times[k]);
      cur = -1;
      label = l;
    }
    const nextRaw = k + 1 < nSamples ? ids[k + 1] : -1;
    let target: number;
    if (
      raw >= 0 &&
      kind[raw] === PROGRAM &&
      prevRaw >= 0 &&
      nextRaw >= 0 &&
      kind[prevRaw] === FRAME &&
      kind[nextRaw] === FRAME &&
      bottom[prevRaw] >= 0 &&
      bottom[prevRaw] === bottom[nextRaw]
    ) {
      // A lone (program) sample between two stacks with the same bottom frame is the sampler
      // failing to walk the JS stack, not the program leaving it (Chrome DevTools does the same).
      target = cur;
    } else if (raw >= 0 && kind[raw] === GC) {
      // V8 hangs GC samples off the root, but GC runs inside the JS that allocated: nest it
      // on top of the stack that was running, as the thread saw it.
      const inGc = cur >= 0 && vName[cur] === gcName;
      target = inGc || (cur >= 0 && vDepth[cur] >= maxDepth) ? cur : tree.child(cur, gcName);
    } else {
      target = raw >= 0 ? eff[raw] : -1;
    }
    prevRaw = raw;
    raw = nextRaw;
    if (target === cur) continue;
    const t = times[k];
    const core = sampleCpu ? (sampleCpu[k] ?? -1) : -1;
    let a = cur;
    let b = target;
    let da = curDepth;
    let db = b < 0 ? 0 : vDepth[b];
    path.length = 0;
    while (da > db) {
      closeAt(t);
      a = vParent[a];
      da--;
    }
    while (db > da) {
      path.push(b);
      b = vParent[b];
      db--;
    }
    while (a !== b) {
      closeAt(t);
      a = vParent[a];
      path.push(b);
      b = vParent[b];
    }
    for (let j = path.length - 1; j >= 0; j--) {
      const v = path[j];
      openSlot[curDepth++] = out.open(vName[v], t, vDepth[v], core, label);
    }
    cur = target;
  }
  const end = nSamples > 0 ? Math.max(samples.endMicros, times[nSamples - 1]) : samples.endMicros;
  while (curDepth > 0) closeAt(end);
  return out;
}

/** Phase 3: slices shorter than `minDurationMicros` dropped; their children are shorter still. */
function dropShorterThan(out: SliceBuilder, minDurationMicros: number): void {
  if (!(minDurationMicros > 0)) return;
  let w = 0;
  for (let r = 0; r < out.count; r++) {
    if (out.dur[r] < minDurationMicros) continue;
    out.nameIndex[w] = out.nameIndex[r];
    out.start[w] = out.start[r];
    out.dur[w] = out.dur[r];
    out.depth[w] = out.depth[r];
    out.cpu[w] = out.cpu[r];
    out.label[w] = out.label[r];
    w++;
  }
  out.count = w;
}

/**
 * One thread's samples as nested slices. `sampleCpu`, when given, holds the CPU core of each
 * sample (-1 when unknown); the slices then carry the core they started on.
 */
export function convertProfile(
  samples: Samples,
  options: ConvertOptions = {},
  sampleCpu?: ArrayLike<number>,
  sampleLabels?: SampleLabels,
): SliceTable {
  const tree = new VisibleTree();
  const map = mapNodes(samples.nodes, tree, options);
  const maxDepth = options.maxStackDepth ?? Infinity;
  const out = walkSamples(samples, map, tree, maxDepth, sampleCpu, sampleLabels?.ids);
  dropShorterThan(out, options.minDurationMicros ?? 0);
  const count = out.count;
  let args: (Record<string, unknown> | undefined)[] | undefined;
  if (sampleLabels) {
    args = new Array<Record<string, unknown> | undefined>(count);
    for (let i = 0; i < count; i++) {
      const l = out.label[i];
      if (l > 0) args[i] = { labels: sampleLabels.sets[l] };
    }
  }
  return {
    count,
    names: tree.names,
    nameIndex: out.nameIndex.subarray(0, count),
    startMicros: out.start.subarray(0, count),
    durationMicros: out.dur.subarray(0, count),
    depth: out.depth.subarray(0, count),
    sampleCount: samples.timesMicros.length,
    ...(sampleCpu ? { cpu: out.cpu.subarray(0, count) } : {}),
    ...(args ? { args } : {}),
  };
}
