// Tracing options: one table says each option's name on the command line, in the API, in the
// environment and in `.viztracerrc`; defaults, validation and interpretation follow it in that
// order, with exact messages.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXTENSIONS, formatOf, isReportName, type ReportFormat } from './report/writer';

/**
 * Whether a thread samples: always without `instrument`; with it, when asked (`withSampling`,
 * or `native`, whose only use is sampling).
 */
export const samples = (o: ResolvedOptions): boolean => !o.instrument || o.withSampling || o.native;

export interface TracerOptions {
  /** Where the report goes: `.json`, `.json.gz`, `.html` (the viewer with the data inlined), `.pb.gz`/`.pprof` (pprof) or `.cpuprofile` (one per thread). Default `result.json`. */
  outputFile?: string;
  /**
   * The report's format when `outputFile` does not say (no extension: the format's is added;
   * not given: `result.<ext>`). Must agree with `outputFile`'s extension when it has one.
   */
  format?: ReportFormat;
  /** Sampling interval in µs. Default 1000. */
  interval?: number;
  /** Frames deeper than this are folded into their ancestor. Default: no limit. */
  maxStackDepth?: number;
  /** Only frames from files under these paths are kept. */
  includeFiles?: string[];
  /** Frames from files under these paths are dropped. */
  excludeFiles?: string[];
  /** Slices shorter than this many µs are dropped. Default 0. */
  minDuration?: number;
  /** Keep Node's own frames above the program's code (module loader, timers, ...). */
  keepInternals?: boolean;
  /** No messages from viztracer itself. */
  quiet?: boolean;
  /** The folder the report goes in (created if missing). */
  outputDir?: string;
  /** One report per process, named `<output>_<pid>.json`, instead of one merged report. */
  pidSuffix?: boolean;
  /** Sample with the C++ addon instead of the inspector: real OS thread ids as tids. */
  native?: boolean;
  /**
   * Under `native`: V8's signal-based sampler, `viztracer` (tuned to deliver the requested rate)
   * or `v8` (as it ships, like `node --cpu-prof`: 80-85% of 1 kHz). Default `viztracer`.
   */
  sampler?: 'viztracer' | 'v8';
  /** Record every call of the program's JS functions (instrumented at load time) instead of sampling. */
  instrument?: boolean;
  /**
   * With `instrument`: sample as well (with the addon under `native`, which implies it), so
   * what instrumentation cannot see (Node's internals, native code, GC) shows inside the calls.
   */
  withSampling?: boolean;
  /** Entries of each thread's ring buffer under `instrument` (two per call). Default 1,000,000. */
  tracerEntries?: number;
  /** Instrument code under node_modules too. */
  instrumentNodeModules?: boolean;
  /** Under `instrument`: a preview of each call's parameters in `args.func_args`. */
  logFuncArgs?: boolean;
  /** Under `instrument`: a preview of each call's return value in `args.return_value`. */
  logFuncRetval?: boolean;
  /** Under `instrument`: functions with these names (and what they call) are not recorded. */
  ignoreFunction?: string[];
  /** Name sampled frames from the generated JavaScript, not from the sources its source maps name. */
  noSourceMaps?: boolean;
  /**
   * When tracing runs: `start`, from the program's start to its end (the default); `signal`,
   * armed: nothing runs until SIGUSR2, and each SIGUSR2 then starts tracing or stops it and
   * saves a report named with the pid and the time.
   */
  trigger?: 'start' | 'signal';
  /**
   * Seconds: the main thread's profile is written (and pushed, with `push`) once per period,
   * named with the pid and the period's start, for as long as the program runs; memory holds one
   * period.
   */
  rotate?: number;
  /** With `rotate`: the base URL of a Pyroscope-compatible ingest each period's pprof is sent to. */
  push?: string;
  /** With `push`: the application's name in the ingest. Default: the script's file name. */
  appName?: string;
  /** With `push`: static labels, `key=value` each. */
  tags?: string[];
  /**
   * Seconds: sample continuously but keep only the last this many seconds of the main thread,
   * written when asked (SIGUSR2, `viztracer.dump()`), at an uncaught error, or at a stall.
   */
  flightRecorderSeconds?: number;
  /** With `flightRecorderSeconds`: dump when the event loop was blocked this many seconds. */
  dumpOnStallSeconds?: number;
}

type Kind =
  | 'report-path'
  | 'folder'
  | 'positive-int'
  | 'paths'
  | 'names'
  | 'duration'
  | 'boolean'
  | 'choice'
  | 'seconds'
  | 'url'
  | 'text'
  | 'tags';

interface OptionSpec {
  api: keyof TracerOptions;
  /**
   * The value when the option is not set: null for "none"; a report path is resolved against
   * the working folder like a given one.
   */
  default: string | number | boolean | null | readonly string[];
  /** The long flag and `.viztracerrc` key. */
  cli: string;
  short?: string;
  env: string;
  kind: Kind;
  /** For kind `choice`: the values allowed, the default first. */
  choices?: readonly string[];
  /** For kind `positive-int`: the largest value allowed. */
  max?: number;
  help: string;
}

/** Every option, in the order they are validated. The one list: types and defaults follow it. */
const TABLE = [
  {
    api: 'outputFile',
    default: 'result.json',
    cli: 'output_file',
    short: 'o',
    env: 'VIZTRACER_OUTPUT',
    kind: 'report-path',
    help: 'report path: .json, .json.gz, .html, .pb.gz or .pprof (pprof), .cpuprofile (default result.json)',
  },
  {
    api: 'format',
    default: null,
    cli: 'format',
    env: 'VIZTRACER_FORMAT',
    kind: 'choice',
    choices: ['json', 'json.gz', 'html', 'pprof', 'cpuprofile'],
    help: 'report format where the path has no extension (its extension is added): json, json.gz, html, pprof, cpuprofile',
  },
  {
    api: 'interval',
    default: 1000,
    cli: 'interval',
    env: 'VIZTRACER_INTERVAL',
    kind: 'positive-int',
    // One second: V8 takes any int, but a sampler that slow shows nothing.
    max: 1_000_000,
    help: 'sampling interval in microseconds, 1 to 1000000 (default 1000)',
  },
  {
    api: 'maxStackDepth',
    default: null,
    cli: 'max_stack_depth',
    env: 'VIZTRACER_MAX_STACK_DEPTH',
    kind: 'positive-int',
    max: 100_000,
    help: 'fold frames deeper than this (1 to 100000) into their ancestor',
  },
  {
    api: 'includeFiles',
    default: [],
    cli: 'include_files',
    env: 'VIZTRACER_INCLUDE_FILES',
    kind: 'paths',
    help: 'keep only frames from files under these paths (repeat or separate with commas)',
  },
  {
    api: 'excludeFiles',
    default: [],
    cli: 'exclude_files',
    env: 'VIZTRACER_EXCLUDE_FILES',
    kind: 'paths',
    help: 'drop frames from files under these paths',
  },
  {
    api: 'minDuration',
    default: 0,
    cli: 'min_duration',
    env: 'VIZTRACER_MIN_DURATION',
    kind: 'duration',
    help: 'drop slices shorter than this (µs, or with a unit: 500ns, 20us, 1.5ms, 1s)',
  },
  {
    api: 'keepInternals',
    default: false,
    cli: 'keep_internals',
    env: 'VIZTRACER_KEEP_INTERNALS',
    kind: 'boolean',
    help: "keep Node's own frames above the program's code",
  },
  {
    api: 'outputDir',
    default: null,
    cli: 'output_dir',
    env: 'VIZTRACER_OUTPUT_DIR',
    kind: 'folder',
    help: 'the folder for the report(s), created if missing',
  },
  {
    api: 'pidSuffix',
    default: false,
    cli: 'pid_suffix',
    env: 'VIZTRACER_PID_SUFFIX',
    kind: 'boolean',
    help: 'one report per process, <output>_<pid>.json, instead of one merged report',
  },
  {
    api: 'native',
    default: false,
    cli: 'native',
    env: 'VIZTRACER_NATIVE',
    kind: 'boolean',
    help: 'sample with the C++ addon (real OS thread ids; needs a build or a prebuild)',
  },
  {
    api: 'sampler',
    default: 'viztracer',
    cli: 'sampler',
    env: 'VIZTRACER_SAMPLER',
    kind: 'choice',
    choices: ['viztracer', 'v8'],
    help: "under --native, V8's sampler tuned to deliver the requested rate (viztracer, default) or as it ships (v8)",
  },
  {
    api: 'noSourceMaps',
    default: false,
    cli: 'no_source_maps',
    env: 'VIZTRACER_NO_SOURCE_MAPS',
    kind: 'boolean',
    help: 'name sampled frames from the JavaScript that ran, not from the sources its source maps name',
  },
  {
    api: 'trigger',
    default: 'start',
    cli: 'trigger',
    env: 'VIZTRACER_TRIGGER',
    kind: 'choice',
    choices: ['start', 'signal'],
    help: 'trace from the start (start, default), or armed: SIGUSR2 starts tracing, the next one stops and saves (signal)',
  },
  {
    api: 'rotate',
    default: null,
    cli: 'rotate',
    env: 'VIZTRACER_ROTATE',
    kind: 'seconds',
    help: "one profile per period (60s, 500ms, 2m) of the main thread, written while the program runs, named with the pid and the period's start",
  },
  {
    api: 'push',
    default: null,
    cli: 'push',
    env: 'VIZTRACER_PUSH',
    kind: 'url',
    help: "with --rotate: send each period's pprof to a Pyroscope-compatible ingest (POST URL/ingest)",
  },
  {
    api: 'appName',
    default: null,
    cli: 'app_name',
    env: 'VIZTRACER_APP_NAME',
    kind: 'text',
    help: "with --push: the application's name (default: the script's file name)",
  },
  {
    api: 'tags',
    default: [],
    cli: 'tags',
    env: 'VIZTRACER_TAGS',
    kind: 'tags',
    help: 'with --push: static labels, key=value,...',
  },
  {
    api: 'flightRecorderSeconds',
    default: null,
    cli: 'flight_recorder',
    env: 'VIZTRACER_FLIGHT_RECORDER',
    kind: 'seconds',
    help: 'keep only the last PERIOD (30s) of samples; write them on SIGUSR2, viztracer.dump(), an uncaught error, or a stall',
  },
  {
    api: 'dumpOnStallSeconds',
    default: null,
    cli: 'dump_on_stall',
    env: 'VIZTRACER_DUMP_ON_STALL',
    kind: 'seconds',
    help: 'with --flight_recorder: dump when the event loop was blocked this long (200ms); at most once a minute',
  },
  {
    api: 'instrument',
    default: false,
    cli: 'instrument',
    env: 'VIZTRACER_INSTRUMENT',
    kind: 'boolean',
    help: 'record every call of the JS functions of the program (instrumented at load) instead of sampling',
  },
  {
    api: 'withSampling',
    default: false,
    cli: 'with_sampling',
    env: 'VIZTRACER_WITH_SAMPLING',
    kind: 'boolean',
    help: "with --instrument, sample too: Node's internals, native code and GC inside the calls (implied by --native)",
  },
  {
    api: 'tracerEntries',
    default: 1_000_000,
    cli: 'tracer_entries',
    env: 'VIZTRACER_TRACER_ENTRIES',
    kind: 'positive-int',
    // 2^28 entries: what the addon's ring can map (4 GiB of address space).
    max: 268_435_456,
    help: 'entries of each thread ring buffer, 1 to 268435456: under --instrument two per call; one per logEvent/instant/counter (default 1000000)',
  },
  {
    api: 'instrumentNodeModules',
    default: false,
    cli: 'instrument_node_modules',
    env: 'VIZTRACER_INSTRUMENT_NODE_MODULES',
    kind: 'boolean',
    help: 'under --instrument, instrument code in node_modules too',
  },
  {
    api: 'logFuncArgs',
    default: false,
    cli: 'log_func_args',
    env: 'VIZTRACER_LOG_FUNC_ARGS',
    kind: 'boolean',
    help: "under --instrument, a preview of each call's arguments (args.func_args)",
  },
  {
    api: 'logFuncRetval',
    default: false,
    cli: 'log_func_retval',
    env: 'VIZTRACER_LOG_FUNC_RETVAL',
    kind: 'boolean',
    help: "under --instrument, a preview of each call's return value (args.return_value)",
  },
  {
    api: 'ignoreFunction',
    default: [],
    cli: 'ignore_function',
    env: 'VIZTRACER_IGNORE_FUNCTION',
    kind: 'names',
    help: 'under --instrument, do not record functions of these names, nor what they call',
  },
  {
    api: 'quiet',
    default: false,
    cli: 'quiet',
    env: 'VIZTRACER_QUIET',
    kind: 'boolean',
    help: 'print nothing of our own but warnings of lost data',
  },
] as const satisfies readonly OptionSpec[];

/** The options' specs, for code that goes through all of them. */
export const OPTION_SPECS: readonly OptionSpec[] = TABLE;

type Spec = (typeof TABLE)[number];
/** The table names every option of TracerOptions, and no other. */
type Missing = Exclude<keyof TracerOptions, Spec['api']>;
const everyOptionListed: [Missing] extends [never] ? true : Missing = true;
void everyOptionListed;

/** Options after defaults and validation; paths are absolute. An option whose default is null may stay null. */
export type ResolvedOptions = {
  -readonly [K in keyof TracerOptions]-?:
    | NonNullable<TracerOptions[K]>
    | (null extends Extract<Spec, { api: K }>['default'] ? null : never);
};

const SPEC_BY_API = new Map<string, OptionSpec>(OPTION_SPECS.map((s) => [s.api, s]));
export const SPEC_BY_CLI = new Map<string, OptionSpec>(OPTION_SPECS.map((s) => [s.cli, s]));

/** A bad option value or name; the message is one line for users. */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

const EXPECTED: Record<Kind, string> = {
  'report-path': 'a path ending in .json, .json.gz, .html, .pb.gz, .pprof or .cpuprofile',
  folder: 'a folder path',
  'positive-int': 'a positive integer',
  paths: 'a list of paths',
  names: 'a list of function names',
  duration: 'a non-negative duration in microseconds',
  seconds: 'a period of at least 0.1 seconds (60, 60s, 500ms, 2m)',
  url: 'an http:// or https:// URL',
  text: 'a non-empty text',
  tags: 'a list of key=value labels',
  boolean: 'true or false',
  choice: 'one of',
};

/** What a value of this option must be: `a positive integer`, `"viztracer" or "v8"`. */
function expectedText(spec: OptionSpec): string {
  if (spec.kind === 'positive-int' && spec.max !== undefined) {
    return `an integer from 1 to ${spec.max}`;
  }
  if (spec.kind === 'choice') {
    const q = (spec.choices ?? []).map((c) => `"${c}"`);
    return q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}` : q.join('');
  }
  return EXPECTED[spec.kind];
}

function expected(spec: OptionSpec): string {
  const unit = spec.api === 'interval' ? ' (microseconds)' : '';
  return `Expected the "${spec.api}" option to be ${expectedText(spec)}${unit}`;
}

/** Validates API options (typed values); throws TypeError or RangeError with exact wording. */
export function resolveOptions(options: TracerOptions = {}, cwd = process.cwd()): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('Expected the options argument to be an object');
  }
  for (const key of Object.keys(options)) {
    if (!SPEC_BY_API.has(key)) throw new TypeError(`Unknown option "${key}"`);
  }
  const o = options as Record<string, unknown>;
  const check = (spec: OptionSpec): unknown => {
    const v = o[spec.api];
    if (v === undefined) return undefined;
    switch (spec.kind) {
      case 'report-path':
        if (typeof v !== 'string' || v === '') throw new TypeError(expected(spec));
        // A path without an extension takes the one of `format`, checked below.
        if (!isReportName(v) && !(o.format !== undefined && path.extname(v) === '')) {
          throw new RangeError(expected(spec));
        }
        return path.resolve(cwd, v);
      case 'folder':
        if (typeof v !== 'string' || v === '') throw new TypeError(expected(spec));
        return path.resolve(cwd, v);
      case 'positive-int':
        if (typeof v !== 'number') throw new TypeError(expected(spec));
        if (!Number.isInteger(v) || v <= 0 || v > (spec.max ?? Infinity)) {
          throw new RangeError(expected(spec));
        }
        return v;
      case 'paths':
        if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p !== '')) {
          throw new TypeError(expected(spec));
        }
        return v.map((p: string) => path.resolve(cwd, p));
      case 'names':
        if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p !== '')) {
          throw new TypeError(expected(spec));
        }
        return [...(v as string[])];
      case 'duration':
        if (typeof v !== 'number') throw new TypeError(expected(spec));
        if (!Number.isFinite(v) || v < 0) throw new RangeError(expected(spec));
        return v;
      case 'boolean':
        if (typeof v !== 'boolean') throw new TypeError(expected(spec));
        return v;
      case 'choice':
        if (typeof v !== 'string') throw new TypeError(expected(spec));
        if (!spec.choices!.includes(v)) throw new RangeError(expected(spec));
        return v;
      case 'seconds':
        if (typeof v !== 'number') throw new TypeError(expected(spec));
        if (!Number.isFinite(v) || v < 0.1) throw new RangeError(expected(spec));
        return v;
      case 'url':
        if (typeof v !== 'string') throw new TypeError(expected(spec));
        if (!isHttpUrl(v)) throw new RangeError(expected(spec));
        return v.replace(/\/+$/, '');
      case 'text':
        if (typeof v !== 'string') throw new TypeError(expected(spec));
        if (v.trim() === '') throw new RangeError(expected(spec));
        return v;
      case 'tags':
        if (!Array.isArray(v) || !v.every((p) => typeof p === 'string')) {
          throw new TypeError(expected(spec));
        }
        if (!v.every(isTag)) throw new RangeError(expected(spec));
        return [...(v as string[])];
    }
  };
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const d = spec.default;
    out[spec.api] =
      check(spec) ??
      (spec.kind === 'report-path' && typeof d === 'string'
        ? path.resolve(cwd, d)
        : Array.isArray(d)
          ? [...d]
          : d);
  }
  const r = out as ResolvedOptions;
  if (r.format !== null)
    r.outputFile = withFormat(r.outputFile, r.format, o.outputFile !== undefined);
  if (r.outputDir) r.outputFile = path.join(r.outputDir, path.basename(r.outputFile));
  return r;
}

/** The output path for `format`: its extension added to a path without one; `result.<ext>`. */
function withFormat(file: string, format: ReportFormat, given: boolean): string {
  const ext = EXTENSIONS.find(([f]) => f === format)![1][0];
  if (!given) return path.join(path.dirname(file), `result${ext}`);
  const has = formatOf(file);
  if (has === null) return file + ext;
  if (has !== format) {
    throw new RangeError(
      `Expected the "format" option to agree with the "outputFile" option's extension: ${format} against ${path.basename(file)}`,
    );
  }
  return file;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** `key=value`, as Pyroscope takes labels: a name of letters, digits, `_` and `.`; a value. */
const isTag = (t: string): boolean => /^[A-Za-z_][\w.]*=[^,{}=]+$/.test(t);

const SECONDS_UNITS: Record<string, number> = { ms: 1e-3, s: 1, m: 60, min: 60, h: 3600 };

/**
 * A period as users write one (`60s`, `500ms`, `2m`, `1h`, or plain seconds `10`, `1.5`), in
 * seconds; null when it is none. The one reading of periods: options and `--attach`'s duration.
 */
export function secondsOf(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?$/.exec(text.trim());
  return m ? Number(m[1]) * SECONDS_UNITS[m[2] ?? 's'] : null;
}

const DURATION_UNITS: Record<string, number> = { ns: 0.001, us: 1, µs: 1, ms: 1000, s: 1e6 };

/**
 * Turns text (a flag's value, an environment variable, a `.viztracerrc` entry) into the typed
 * value the API takes. `where` names the source in the message: `--interval`, `VIZTRACER_INTERVAL`.
 */
export function parseOptionText(spec: OptionSpec, text: string, where: string): unknown {
  const bad = (): never => {
    throw new OptionError(
      `${where}: expected ${expectedText(spec)}${spec.api === 'interval' ? ' (microseconds)' : ''}, got "${text}"`,
    );
  };
  const t = text.trim();
  switch (spec.kind) {
    case 'report-path':
      // No extension: `--format` may give one (resolveOptions checks).
      if (t === '' || !(isReportName(t) || path.extname(t) === '')) bad();
      return t;
    case 'folder':
      if (t === '') bad();
      return t;
    case 'positive-int': {
      if (!/^\d+$/.test(t)) bad();
      const n = Number(t);
      if (n <= 0 || !Number.isSafeInteger(n) || n > (spec.max ?? Infinity)) bad();
      return n;
    }
    case 'paths':
    case 'names': {
      const list = t
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (list.length === 0) bad();
      return list;
    }
    case 'duration': {
      const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?$/.exec(t);
      if (!m) bad();
      // Rounded to the picosecond: 2.007 * 1000 is 2007.0000000000002 in binary floating point.
      return Math.round(Number(m![1]) * DURATION_UNITS[m![2] ?? 'us'] * 1e6) / 1e6;
    }
    case 'seconds': {
      const v = secondsOf(t);
      if (v === null || v < 0.1) bad();
      return v!;
    }
    case 'url':
      if (!isHttpUrl(t)) bad();
      return t;
    case 'text':
      if (t === '') bad();
      return t;
    case 'tags': {
      const list = t
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (!list.every(isTag)) bad();
      return list;
    }
    case 'boolean': {
      const v = t.toLowerCase();
      if (['1', 'true', 'yes', 'on', ''].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return bad();
    }
    case 'choice':
      if (!spec.choices!.includes(t)) bad();
      return t;
  }
}

/** Options set through `VIZTRACER_*` variables. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): TracerOptions {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const v = env[spec.env];
    if (v !== undefined && v !== '') out[spec.api] = parseOptionText(spec, v, spec.env);
  }
  return out as TracerOptions;
}

/**
 * Options from an rc file's `[default]` section (INI, keys as the long flags).
 * A missing default rc file is fine; a missing file that was asked for is an error.
 */
export function optionsFromRcFile(file: string, required: boolean): TracerOptions {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return {};
    throw new OptionError(`cannot read rc file ${file} (${code ?? String(err)})`);
  }
  checkRcLayout(file, text);
  // Loaded here: most runs have no rc file.
  const { parse: parseIni } = require('ini') as typeof import('ini');
  const section = (parseIni(text) as Record<string, unknown>)['default'];
  if (section === undefined) return {};
  if (typeof section !== 'object' || section === null) {
    throw new OptionError(`${file}: [default] is not a section`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(section as Record<string, unknown>)) {
    const spec = SPEC_BY_CLI.get(key);
    if (!spec) throw new OptionError(`${file}: unknown option "${key}" in [default]`);
    const text = typeof raw === 'string' ? raw : String(raw);
    // INI lists may be space separated, as VizTracer's rc files write them.
    // Function names are separated by commas only: `get size` is one name.
    const normal = spec.kind === 'paths' ? text.split(/[\s,]+/).join(',') : text;
    out[spec.api] = parseOptionText(spec, normal, `${file}: ${key}`);
  }
  return out as TracerOptions;
}

/**
 * What the INI parser would pass over in silence: every line must be blank, a comment (`;`,
 * `#`), the `[default]` header, or `key = value` under it. Throws an OptionError naming the
 * file and the line.
 */
function checkRcLayout(file: string, text: string): void {
  let inDefault = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const where = `${file}:${i + 1}`;
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      if (header[1].trim() !== 'default') {
        throw new OptionError(
          `${where}: unknown section [${header[1]}] (options go under [default])`,
        );
      }
      inDefault = true;
      return;
    }
    if (line.startsWith('[')) throw new OptionError(`${where}: a section header without its "]"`);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*\s*(=.*)?$/.test(line) || /[\x00-\x08\x0e-\x1f]/.test(raw)) {
      throw new OptionError(`${where}: expected "key = value", got "${line.slice(0, 40)}"`);
    }
    if (!inDefault) throw new OptionError(`${where}: an option before [default]`);
  });
}

/** Options that only `instrument` reads. */
const INSTRUMENT_ONLY = [
  'withSampling',
  'logFuncArgs',
  'logFuncRetval',
  'ignoreFunction',
  'instrumentNodeModules',
] as const;

/**
 * Options given together that do not go together (`given`: as set, before defaults): errors
 * that stop the run, and warnings where the combination is harmless. Named by their flags.
 */
/** An option's flag, `--with_sampling`, from its API name. */
export function flagOf(api: string): string {
  const spec = SPEC_BY_API.get(api);
  return spec ? `--${spec.cli}` : api;
}

export function optionConflicts(given: TracerOptions): { errors: string[]; warnings: string[] } {
  const flag = flagOf;
  const set = (api: keyof TracerOptions): boolean => {
    const v = given[api];
    return v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
  };
  const errors: string[] = [];
  const warnings: string[] = [];
  if (
    set('outputDir') &&
    typeof given.outputFile === 'string' &&
    path.isAbsolute(given.outputFile)
  ) {
    errors.push(
      `${flag('outputDir')} and an absolute ${flag('outputFile')}: give the folder in one of them`,
    );
  }
  const named = typeof given.outputFile === 'string' ? formatOf(given.outputFile) : null;
  if (given.format !== undefined && named !== null && named !== given.format) {
    errors.push(
      `${flag('format')} ${given.format} and ${flag('outputFile')} ${given.outputFile}: the extension says ${named}; give one of them`,
    );
  }
  if (set('dumpOnStallSeconds') && !set('flightRecorderSeconds')) {
    errors.push(`${flag('dumpOnStallSeconds')} needs ${flag('flightRecorderSeconds')}`);
  }
  if (set('flightRecorderSeconds')) {
    for (const api of ['rotate', 'instrument'] as const) {
      if (set(api))
        errors.push(`${flag('flightRecorderSeconds')} and ${flag(api)} do not go together`);
    }
    if (given.trigger === 'signal') {
      errors.push(
        `${flag('flightRecorderSeconds')} and ${flag('trigger')} signal: SIGUSR2 dumps the flight recorder`,
      );
    }
  }
  if (set('push') && !set('rotate')) {
    errors.push(`${flag('push')} needs ${flag('rotate')}: profiles are pushed once per period`);
  }
  if (set('rotate') && given.trigger === 'signal') {
    errors.push(`${flag('rotate')} and ${flag('trigger')} signal: choose one way to cut profiles`);
  }
  if (!set('push')) {
    for (const api of ['appName', 'tags'] as const) {
      if (set(api)) warnings.push(`${flag(api)} has no effect without ${flag('push')}`);
    }
  }
  if (!given.instrument) {
    for (const api of INSTRUMENT_ONLY) {
      if (set(api)) warnings.push(`${flag(api)} has no effect without ${flag('instrument')}`);
    }
  }
  return { errors, warnings };
}

/** Options for a run configured outside code: the rc file, then `VIZTRACER_*`, then `over`. */
export function optionsFromConfig(
  over: TracerOptions = {},
  rcfile: string | null = null,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  return resolveOptions(givenOptions(over, rcfile, env));
}

/** The options as set, before defaults: the rc file, then `VIZTRACER_*`, then `over`. */
export function givenOptions(
  over: TracerOptions = {},
  rcfile: string | null = null,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): TracerOptions {
  const rc = rcfile
    ? optionsFromRcFile(path.resolve(cwd, rcfile), true)
    : optionsFromRcFile(path.resolve(cwd, '.viztracerrc'), false);
  return { ...rc, ...optionsFromEnv(env), ...over };
}
