// The tracer: owns the options and the lifecycle (start, stop, save) for the current thread.
import * as path from 'node:path';
import type { Backend } from './backends/backend';
import { profilerStopped, refreshCodeIfLate } from './backends/fresh-code';
import { InspectorBackend } from './backends/inspector';
import type { NativeBackend } from './backends/native';
import type { Recorder, Recording } from './instrument/recorder';
import { resolveOptions, samples, type ResolvedOptions, type TracerOptions } from './options';
import type { ProcessTrack } from './report/model';
import type { SaveResult } from './report/save';
import type { ConvertOptions } from './trace/convert';
import type { ReportMetadata } from './trace/events';
import type { ReportTotals } from './trace/metadata';
import type { MonitorRecord, PoolThreads } from './trace/os-threads';
import type { Samples } from './trace/samples';
import { currentThread, type ThreadIdentity } from './thread';
import { threadEventLog, type UserEvents } from './user-events';
import { threadLabelLog, type LabelChanges } from './labels';
import { LIB_DIR, ownDependencyDirs } from './version';
import { lowerBound } from './trace/sorted';
import { monotonicMicros } from './instrument/clock';

// What turns samples into a report loads when a report is made, not when tracing starts:
// the preload runs before every traced program, and start-up time is the user's.
const save = (): typeof import('./save-report') => require('./save-report');
const serialize = (): typeof import('./report/serialize') => require('./report/serialize');
const reportSave = (): typeof import('./report/save') => require('./report/save');
const build = (): typeof import('./report/build') => require('./report/build');
const sessionEnd = (): typeof import('./session-end') => require('./session-end');
// Loaded only when asked for: the native backend, and `--instrument`'s recorder.
const nativeBackend = (): typeof import('./backends/native') => require('./backends/native');
const slices = (): typeof import('./instrument/slices') => require('./instrument/slices');
const recorder = (): typeof import('./instrument/recorder') => require('./instrument/recorder');
const sourceMaps = (): typeof import('./report/source-maps') => require('./report/source-maps');

/** The thread monitor's period under the native backend. */
const MONITOR_PERIOD_MILLIS = 10;
/** How long finding libuv's pool threads may block the start (a busy pool does not answer). */
const POOL_PROBE_MILLIS = 200;

/** libuv's pool size, read as libuv reads it (default 4, at most 1024). */
function threadPoolSize(): number {
  const n = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/** Found once per process: the pools' threads live as long as the process. */
let poolThreads: PoolThreads | null = null;

/** Where acorn is: under `instrument` with sampling, the parser the hooks run is our work. */
function acornDir(): string[] {
  try {
    return [path.dirname(path.dirname(require.resolve('acorn')))];
  } catch {
    return [];
  }
}

/** The samples from `sinceMicros` on (they are in time order). */
function samplesSince(p: Samples, sinceMicros: number): Samples {
  const k = lowerBound(p.timesMicros, sinceMicros);
  return {
    ...p,
    timesMicros: p.timesMicros.subarray(k),
    nodeIds: p.nodeIds.subarray(k),
    ...(p.cpus ? { cpus: p.cpus.subarray(k) } : {}),
    startMicros: sinceMicros,
  };
}

/** The monitor's readings from `sinceMicros` on. */
function monitorSince(m: MonitorRecord, sinceMicros: number): MonitorRecord {
  return {
    ...m,
    startTime: sinceMicros,
    threads: m.threads.map((t) => {
      const k = lowerBound(t.ts, sinceMicros);
      return {
        ...t,
        ts: t.ts.subarray(k),
        cpuPercent: t.cpuPercent.subarray(k),
        core: t.core.subarray(k),
      };
    }),
  };
}

export function convertOptionsOf(o: ResolvedOptions): ConvertOptions {
  return {
    maxStackDepth: o.maxStackDepth ?? undefined,
    includeFiles: o.includeFiles,
    excludeFiles: o.excludeFiles,
    minDurationMicros: o.minDuration,
    keepInternals: o.keepInternals,
    // Called from the tracer's own frames, internals fold into its `(viztracer)` frame.
    internalPathPrefixes: o.instrument ? [LIB_DIR, ...acornDir()] : [LIB_DIR],
    // The tracer's own work (the preload) shows as one `(viztracer)` frame.
    ownPathPrefixes: [LIB_DIR],
    // Found only if needed: resolving our dependencies takes milliseconds of every exit.
    ownCalleePrefixes: ownDependencyDirs,
  };
}

/** What one start..stop of a Tracer gathered on its thread. */
interface Capture {
  /** The samples (with their CPU cores under our sampler), unless only instrumented. */
  samples: Samples | null;
  /** The instrumented calls, under `instrument`. */
  recording: Recording | null;
  /** What the program logged through the API. */
  events: UserEvents;
  /** When the labels of `withLabels` changed. */
  labels: LabelChanges;
}

/** Options already resolved (the preload's, from its session), taken as they are. */
let handedOver: ResolvedOptions | null = null;

export class Tracer {
  /** A Tracer with options resolved already (by `optionsFromConfig`): nothing to resolve again. */
  static fromResolved(options: ResolvedOptions): Tracer {
    handedOver = options;
    try {
      return new Tracer();
    } finally {
      handedOver = null;
    }
  }

  readonly options: ResolvedOptions;
  private readonly backend: Backend;
  private readonly native: NativeBackend | null;
  /** Under `instrument`: this thread's recorder, which instrumented code writes to. */
  private readonly recorder: Recorder | null;
  /** Whether the backend samples (always, but under `instrument` only with `withSampling`). */
  private readonly sampling: boolean;
  private captures: Capture[] = [];
  /** Where this Tracer's part of the thread's event log starts. */
  private eventMark = 0;
  private labelMark = 0;
  private startedMicros = 0;
  /** Under the native backend, in the main thread: what the OS thread monitor saw. */
  private monitors: MonitorRecord[] = [];
  private monitoring = false;
  private active = false;

  /** With `native: true`, throws an Error saying why when the addon cannot be loaded. */
  constructor(options?: TracerOptions) {
    this.options = handedOver ?? resolveOptions(options);
    this.native = this.options.native
      ? new (nativeBackend().NativeBackend)(this.options.sampler)
      : null;
    this.backend = this.native ?? new InspectorBackend();
    this.recorder = this.options.instrument
      ? recorder().threadRecorder(this.options.tracerEntries)
      : null;
    this.sampling = samples(this.options);
  }

  /** Who this thread is; with the native backend its tid is the addon's gettid(). */
  private thread(): ThreadIdentity {
    const me = currentThread();
    return this.native ? { ...me, tid: this.native.threadId() } : me;
  }

  /** Whether the profiler is sampling (or recording) now. */
  get running(): boolean {
    return this.active;
  }

  /** Starts sampling the current thread, or recording its instrumented calls. */
  start(): this {
    if (this.active) throw new Error('The tracer is already running');
    if (this.recorder) this.recorder.start();
    // Under `instrument`, the program's events are timed by the recorder's clock and made µs
    // by its line, as its entries are: its slices and the calls order exactly.
    const rec = this.recorder;
    this.eventMark = threadEventLog().begin(
      this.options.tracerEntries,
      rec ? { now: rec.rawNow, toMicros: () => rec.rawToMicros() } : undefined,
    );
    this.labelMark = threadLabelLog().begin(this.options.tracerEntries);
    this.startedMicros = monotonicMicros();
    if (this.sampling) {
      if (this.native) {
        // Should this thread end while sampling (a worker terminated), its profile is saved by
        // another thread, which needs to know how to name it.
        const me = this.thread();
        this.native.setThreadLabel({ name: me.name, sortIndex: me.sortIndex });
        // The process's OS threads are the main thread's to watch and report.
        if (me.isMain) {
          poolThreads ??= {
            libuv: this.native.findPoolThreads(threadPoolSize(), POOL_PROBE_MILLIS),
            v8: this.native.findPlatformThreads(POOL_PROBE_MILLIS),
          };
          try {
            this.native.startMonitor(MONITOR_PERIOD_MILLIS);
            this.monitoring = true;
          } catch {
            // Another Tracer of this process watches it already: its report has the counters.
          }
        }
      }
      // Started in a running program, V8 could not name what it optimized before.
      refreshCodeIfLate();
      this.backend.start(this.options.interval);
    }
    this.active = true;
    return this;
  }

  /** Stops sampling; what was sampled is kept for the next save. */
  stop(): this {
    if (!this.active) throw new Error('The tracer is not running');
    this.active = false;
    let samples: Samples | null = null;
    let recording: Recording | null = null;
    if (this.sampling) {
      samples = this.backend.stop();
      profilerStopped();
      if (this.monitoring && this.native) {
        this.monitoring = false;
        this.monitors.push(this.native.stopMonitor());
      }
    }
    if (this.recorder) {
      this.recorder.stop();
      recording = this.recorder.take();
    }
    const events = threadEventLog().finish(this.eventMark);
    const labels = threadLabelLog().finish(this.labelMark, this.startedMicros);
    this.captures.push({ samples, recording, events, labels });
    return this;
  }

  /**
   * A flight recorder's window: forgets what was sampled before `sinceMicros` (whole captures,
   * and the older samples of the one it falls in) and the monitor's records of forgotten
   * captures. Only while stopped; sampled captures only.
   */
  keepSince(sinceMicros: number): void {
    if (this.active) throw new Error('Stop the tracer before trimming it');
    const before = this.captures.length;
    this.captures = this.captures.filter(
      (c) => c.samples === null || c.samples.endMicros > sinceMicros,
    );
    // The monitor's records pair with the main thread's captures, one per stop.
    if (this.monitors.length === before) this.monitors.splice(0, before - this.captures.length);
    const first = this.captures[0];
    if (first?.samples && first.samples.startMicros < sinceMicros) {
      first.samples = samplesSince(first.samples, sinceMicros);
    }
    const m = this.monitors[0];
    if (m && m.startTime < sinceMicros) this.monitors[0] = monitorSince(m, sinceMicros);
  }

  /** Whether a recording or the event log since the last save lost its oldest entries. */
  get overflowed(): boolean {
    return this.captures.some(
      (c) =>
        (c.recording !== null && c.recording.total > c.recording.codes.length) ||
        c.events.dropped > 0,
    );
  }

  /** This thread's track, from every capture since the last save. */
  private processTrack(): ProcessTrack {
    const opts = convertOptionsOf(this.options);
    const me = this.thread();
    const sliceOpts = {
      maxStackDepth: opts.maxStackDepth,
      minDurationMicros: opts.minDurationMicros,
      tid: me.tid,
    };
    const maps = this.options.noSourceMaps
      ? null
      : new (sourceMaps().SourceMaps)(
          (file) => file.startsWith(LIB_DIR),
          (message) => process.stderr.write(`viztracer: warning: ${message}\n`),
        );
    const track = build().buildProcessTrack(
      {
        pid: me.pid,
        ppid: process.ppid,
        argv: process.argv,
        thread: { tid: me.tid, name: me.name, sortIndex: me.sortIndex },
        isMain: me.isMain,
        captures: this.captures.map((c) => ({
          samples: c.samples,
          calls: c.recording && {
            // Named from the sources their maps name; known by the files that ran.
            slices: slices().recordingSlices(
              maps
                ? {
                    ...c.recording,
                    functions: sourceMaps().mapFunctions(c.recording.functions, maps),
                  }
                : c.recording,
              sliceOpts,
            ),
            files: new Set(c.recording.functions.map((f) => f.file)),
          },
          events: c.events,
          labels: c.labels,
        })),
        monitors: this.monitors,
        pools: poolThreads ?? { libuv: [], v8: [] },
      },
      {
        convert: opts,
        libDir: LIB_DIR,
        jsCoreFromSamples: this.native !== null,
        sourceMaps: maps,
      },
    );
    maps?.warnUnmapped();
    return track;
  }

  /** The process's track and what it adds up to; the captures are handed over and forgotten. */
  takeProcessTrack(): { track: ProcessTrack; totals: ReportTotals } {
    if (this.active) throw new Error('Stop the tracer before saving');
    const track = this.processTrack();
    const sampleCount = track.threads.reduce((s, t) => s + t.slices.sampleCount, 0);
    const totals = this.totals(sampleCount);
    this.captures = [];
    this.monitors = [];
    return { track, totals };
  }

  /** What this thread's data adds up to, for the metadata. */
  private totals(sampleCount: number): ReportTotals {
    return {
      sampleCount,
      overflow: this.overflowed,
      clocks: this.recorder ? [this.recorder.clock] : [],
    };
  }

  private metadata(totals: ReportTotals): ReportMetadata {
    return sessionEnd().sessionMetadata(this.options, totals, process.argv);
  }

  /** Writes the report synchronously (for exit handlers). */
  saveSync(file: string = this.options.outputFile): SaveResult {
    const { track, totals } = this.takeProcessTrack();
    // Written chunk by chunk before the next is made: one buffer serves them all.
    const events = serialize().processEventTexts(track, { scratch: Buffer.allocUnsafe(1 << 20) });
    return save().saveReportSync(file, events, () => this.metadata(totals));
  }

  /**
   * With the native backend: writes the profile of every thread of this process that ended
   * while sampling (a terminated worker) as that thread would have, one report per thread at
   * `fileOf(tid)`. Nothing to do with the inspector backend, whose workers save themselves.
   */
  saveOrphansSync(fileOf: (tid: number) => string): SaveResult[] {
    if (!this.native) return [];
    const opts = convertOptionsOf(this.options);
    return this.native.takeOrphans().map((o) => {
      // A thread that started the addon without the Tracer: named by its tid.
      const { name, sortIndex } = o.label ?? { name: `Thread ${o.tid}`, sortIndex: o.tid };
      const track = build().buildOrphanTrack(
        o.samples,
        { tid: o.tid, name, sortIndex },
        { pid: process.pid, ppid: process.ppid, argv: process.argv },
        opts,
      );
      const totals = this.totals(track.threads[0].slices.sampleCount);
      return save().saveReportSync(fileOf(o.tid), serialize().processEventTexts(track), () =>
        this.metadata(totals),
      );
    });
  }

  /**
   * One period of a rotation: the report written to `file` (unless null) and, when asked, the
   * same report as gzipped pprof in memory; the captures are handed over and forgotten.
   */
  savePeriodSync(
    file: string | null,
    withPprof: boolean,
  ): { saved: SaveResult | null; pprof: Uint8Array | null } {
    const { track, totals } = this.takeProcessTrack();
    const meta = (): ReportMetadata => this.metadata(totals);
    const saved =
      file === null
        ? null
        : save().saveReportSync(file, serialize().processEventTexts(track), meta);
    const pprof = withPprof
      ? reportSave().pprofOf(serialize().processEventTexts(track), meta)
      : null;
    return { saved, pprof };
  }

  /** Writes the report without blocking the event loop. */
  async save(file: string = this.options.outputFile): Promise<SaveResult> {
    const { track, totals } = this.takeProcessTrack();
    return save().saveReport(file, serialize().processEventTexts(track), () =>
      this.metadata(totals),
    );
  }
}
