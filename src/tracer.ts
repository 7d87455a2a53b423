// The tracer: owns the options and the lifecycle (start, stop, save) for the current thread.
import type { Backend } from './backends/backend';
import { InspectorBackend } from './backends/inspector';
import type { NativeBackend, SampledProfile } from './backends/native';
import { threadRecorder, type Recorder, type Recording } from './instrument/recorder';
import { resolveOptions, type ResolvedOptions, type TracerOptions } from './options';
import type { MonitorData } from './native';
import type { ProcessTrack, ThreadTrack } from './report/model';
import type { SaveResult } from './report/save';
import type { ConvertOptions } from './trace/convert';
import type { ReportMetadata } from './trace/events';
import { sumTicks, type TickStats } from './trace/ticks';
import { currentThread, type ThreadIdentity } from './thread';
import { LIB_DIR } from './version';

// What turns samples into a report loads when a report is made, not when tracing starts:
// the preload runs before every traced program, and start-up time is the user's.
const save = (): typeof import('./report/save') => require('./report/save');
const serialize = (): typeof import('./report/serialize') => require('./report/serialize');
const convert = (): typeof import('./trace/convert') => require('./trace/convert');
const meta = (): typeof import('./trace/metadata') => require('./trace/metadata');
// Loaded only when asked for: without the native backend nothing loads the addon.
const nativeBackend = (): typeof import('./backends/native') => require('./backends/native');
const slices = (): typeof import('./instrument/slices') => require('./instrument/slices');
const osThreads = (): typeof import('./trace/os-threads') => require('./trace/os-threads');
const cpuCore = (): typeof import('./trace/cpu-core') => require('./trace/cpu-core');

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
let poolThreads: import('./trace/os-threads').PoolThreads | null = null;

export function convertOptionsOf(o: ResolvedOptions): ConvertOptions {
  return {
    maxStackDepth: o.maxStackDepth ?? undefined,
    includeFiles: o.includeFiles,
    excludeFiles: o.excludeFiles,
    minDurationMicros: o.minDuration,
    keepInternals: o.keepInternals,
    internalPathPrefixes: [LIB_DIR],
    // The tracer's own work (the preload) shows as one `(viztracer)` frame.
    ownPathPrefixes: [LIB_DIR],
  };
}

export class Tracer {
  readonly options: ResolvedOptions;
  private readonly backend: Backend;
  private readonly native: NativeBackend | null;
  /** Under `instrument`: this thread's recorder, which instrumented code writes to. */
  private readonly recorder: Recorder | null;
  /** One per sampled window; the inspector backend's carry no CPU cores nor ticks. */
  private profiles: SampledProfile[] = [];
  private recordings: Recording[] = [];
  /** Under the native backend, in the main thread: what the OS thread monitor saw. */
  private monitors: MonitorData[] = [];
  private monitoring = false;
  private active = false;
  /** Whether the recordings last handed over had overflowed (for the metadata written after). */
  private overflowedAtTake = false;
  /** Under our sampler: what the ticks of the profiles last handed over found. */
  private ticksAtTake: TickStats | null = null;

  /** With `native: true`, throws an Error saying why when the addon cannot be loaded. */
  constructor(options?: TracerOptions) {
    this.options = resolveOptions(options);
    this.native = this.options.native
      ? new (nativeBackend().NativeBackend)(this.options.sampler)
      : null;
    this.backend = this.native ?? new InspectorBackend();
    this.recorder = this.options.instrument ? threadRecorder(this.options.tracerEntries) : null;
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
    if (this.recorder) {
      this.recorder.start();
    } else {
      if (this.native) {
        // Should this thread end while sampling (a worker terminated), its profile is saved by
        // another thread, which needs to know how to name it.
        const me = this.thread();
        this.native.setThreadLabel(JSON.stringify({ name: me.name, sortIndex: me.sortIndex }));
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
      this.backend.start(this.options.interval);
    }
    this.active = true;
    return this;
  }

  /** Stops sampling; what was sampled is kept for the next save. */
  stop(): this {
    if (!this.active) throw new Error('The tracer is not running');
    this.active = false;
    if (this.recorder) {
      this.recorder.stop();
      this.recordings.push(this.recorder.take());
    } else {
      this.profiles.push(
        this.native
          ? this.native.stopSampled()
          : { profile: this.backend.stop(), sampler: 'v8', cpu: null, ticks: null },
      );
      if (this.monitoring && this.native) {
        this.monitoring = false;
        this.monitors.push(this.native.stopMonitor());
      }
    }
    return this;
  }

  /** Whether a recording since the last save lost its oldest entries. */
  get overflowed(): boolean {
    return this.recordings.some((r) => r.total > r.codes.length);
  }

  /** This thread's track, from every window sampled since the last save. */
  processTrack(argv: readonly string[] = process.argv): ProcessTrack {
    const opts = convertOptionsOf(this.options);
    const me = this.thread();
    const thread = { tid: me.tid, name: me.name, sortIndex: me.sortIndex };
    const sliceOpts = {
      maxStackDepth: opts.maxStackDepth,
      minDurationMicros: opts.minDurationMicros,
    };
    return {
      pid: me.pid,
      name: me.isMain ? meta().processName(argv, me.pid) : null,
      args: { ppid: process.ppid, argv: [...argv] },
      threads: [
        ...this.profiles.map((p) => this.threadTrack(p, thread, opts)),
        ...this.recordings.map((r) => ({
          ...thread,
          slices: slices().recordingSlices(r, sliceOpts),
        })),
      ],
      osThreads: this.monitors.flatMap((m) =>
        osThreads().osThreadTracks(m, poolThreads ?? { libuv: [], v8: [] }, {
          jsCoreFromSamples: this.native !== null && this.options.sampler === 'viztracer',
        }),
      ),
    };
  }

  /**
   * One sampled window of a thread as a track. Its slices carry the core they started on: under
   * our sampler from the samples (which also give the thread's `CPU core` counter); under V8's,
   * which knows no core, from the thread monitor's 10 ms readings of that thread when this
   * process watched it (the main thread, and workers that ended while sampling), else none.
   */
  private threadTrack(
    p: SampledProfile,
    thread: { tid: number; name: string; sortIndex: number },
    opts: ConvertOptions,
  ): ThreadTrack {
    let cpu: ArrayLike<number> | undefined = p.cpu ?? undefined;
    if (!cpu && this.native) {
      const seen = this.monitors.flatMap((m) => m.threads).find((t) => t.tid === thread.tid);
      if (seen) cpu = cpuCore().coresFromMonitor(p.profile, seen);
    }
    const slices = convert().convertProfile(p.profile, opts, cpu);
    const counter = p.cpu ? cpuCore().sampleCoreCounter(p.profile, p.cpu, thread.name) : null;
    return { ...thread, slices, ...(counter ? { counters: [counter] } : {}) };
  }

  /** The process's track and sample count; the saved windows are handed over and forgotten. */
  takeProcessTrack(): { track: ProcessTrack; sampleCount: number } {
    if (this.active) throw new Error('Stop the tracer before saving');
    const track = this.processTrack();
    this.overflowedAtTake = this.overflowed;
    this.ticksAtTake = sumTicks(this.profiles.map((p) => p.ticks));
    this.profiles = [];
    this.recordings = [];
    this.monitors = [];
    const sampleCount = track.threads.reduce((s, t) => s + t.slices.sampleCount, 0);
    return { track, sampleCount };
  }

  metadata(
    sampleCount: number,
    extra?: Partial<ReportMetadata>,
    ticks: TickStats | null = this.ticksAtTake,
  ): ReportMetadata {
    return meta().reportMetadata({
      backend: this.recorder ? 'instrument' : this.backend.name,
      intervalMicros: this.recorder ? 0 : this.options.interval,
      overflow: this.overflowedAtTake || this.overflowed,
      sampleCount,
      command: [...process.argv],
      ...(this.native && !this.recorder ? { sampler: this.options.sampler } : {}),
      ...(ticks ? { samplerTicks: ticks } : {}),
      ...extra,
    });
  }

  /** Writes the report synchronously (for exit handlers). */
  saveSync(file: string = this.options.outputFile): SaveResult {
    const { track, sampleCount } = this.takeProcessTrack();
    return save().saveEventsSync(file, serialize().processEventTexts(track), () =>
      this.metadata(sampleCount),
    );
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
      let name = `Thread ${o.tid}`;
      let sortIndex = o.tid;
      try {
        const label = JSON.parse(o.label) as { name?: unknown; sortIndex?: unknown };
        if (typeof label.name === 'string') name = label.name;
        if (typeof label.sortIndex === 'number') sortIndex = label.sortIndex;
      } catch {
        // A thread that started the addon without the Tracer: named by its tid.
      }
      const thread = this.threadTrack(o.sampled, { tid: o.tid, name, sortIndex }, opts);
      const track: ProcessTrack = {
        pid: process.pid,
        name: null,
        args: { ppid: process.ppid, argv: [...process.argv] },
        threads: [thread],
      };
      return save().saveEventsSync(fileOf(o.tid), serialize().processEventTexts(track), () =>
        this.metadata(thread.slices.sampleCount, undefined, o.sampled.ticks),
      );
    });
  }

  /** Writes the report without blocking the event loop. */
  async save(file: string = this.options.outputFile): Promise<SaveResult> {
    const { track, sampleCount } = this.takeProcessTrack();
    return save().saveEvents(file, serialize().processEventTexts(track), () =>
      this.metadata(sampleCount),
    );
  }
}
