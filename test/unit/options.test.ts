// Tracing options: API validation, text parsing, environment, rc file and their precedence.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OptionError,
  optionConflicts,
  optionsFromConfig,
  optionsFromEnv,
  optionsFromRcFile,
  parseOptionText,
  OPTION_SPECS,
  resolveOptions,
  SPEC_BY_CLI,
  type TracerOptions,
} from '../../src/options';
import { convertProfile } from '../../src/trace/convert';
import { fromInspectorProfile, type InspectorProfile } from '../../src/trace/inspector-profile';
import { callFrame, tempDir } from './helpers';

const spec = (cli: string) => SPEC_BY_CLI.get(cli)!;
const parse = (cli: string, text: string) => parseOptionText(spec(cli), text, `--${cli}`);

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveOptions({}, '/work')).toEqual({
      outputFile: '/work/result.json',
      format: null,
      interval: 1000,
      maxStackDepth: null,
      includeFiles: [],
      excludeFiles: [],
      minDuration: 0,
      keepInternals: false,
      quiet: false,
      outputDir: null,
      pidSuffix: false,
      native: false,
      sampler: 'viztracer',
      noSourceMaps: false,
      trigger: 'start',
      rotate: null,
      push: null,
      appName: null,
      tags: [],
      flightRecorderSeconds: null,
      dumpOnStallSeconds: null,
      instrument: false,
      withSampling: false,
      tracerEntries: 1_000_000,
      instrumentNodeModules: false,
      logFuncArgs: false,
      logFuncRetval: false,
      ignoreFunction: [],
    });
    expect(resolveOptions(undefined, '/work')).toEqual(resolveOptions({}, '/work'));
  });

  it('takes trigger start or signal, and says so for anything else', () => {
    expect(resolveOptions({ trigger: 'signal' }, '/work').trigger).toBe('signal');
    expect(() => resolveOptions({ trigger: 'sigusr2' as 'signal' }, '/work')).toThrow(
      new RangeError('Expected the "trigger" option to be "start" or "signal"'),
    );
  });

  it('resolves paths against the given folder', () => {
    const r = resolveOptions(
      { outputFile: 'out/r.json.gz', includeFiles: ['src', '/abs/lib'], excludeFiles: ['../x'] },
      '/work/app',
    );
    expect(r.outputFile).toBe('/work/app/out/r.json.gz');
    expect(r.includeFiles).toEqual(['/work/app/src', '/abs/lib']);
    expect(r.excludeFiles).toEqual(['/work/x']);
  });

  it('keeps valid values', () => {
    const o: TracerOptions = {
      interval: 50,
      maxStackDepth: 3,
      minDuration: 0.5,
      keepInternals: true,
      quiet: true,
    };
    expect(resolveOptions(o, '/w')).toMatchObject(o);
    expect(resolveOptions({ minDuration: 0 }, '/w').minDuration).toBe(0);
  });

  it('rejects an unknown option name', () => {
    expect(() => resolveOptions({ intervall: 5 } as TracerOptions)).toThrow(
      new TypeError('Unknown option "intervall"'),
    );
  });

  it('rejects a non-object', () => {
    expect(() => resolveOptions(null as unknown as TracerOptions)).toThrow(
      new TypeError('Expected the options argument to be an object'),
    );
    expect(() => resolveOptions('x' as unknown as TracerOptions)).toThrow(TypeError);
  });

  const bad: [TracerOptions, 'TypeError' | 'RangeError', string][] = [
    [
      { interval: 0 },
      'RangeError',
      'Expected the "interval" option to be an integer from 1 to 1000000 (microseconds)',
    ],
    [
      { interval: 1.5 },
      'RangeError',
      'Expected the "interval" option to be an integer from 1 to 1000000 (microseconds)',
    ],
    [
      { interval: '100' as unknown as number },
      'TypeError',
      'Expected the "interval" option to be an integer from 1 to 1000000 (microseconds)',
    ],
    [
      { maxStackDepth: -1 },
      'RangeError',
      'Expected the "maxStackDepth" option to be an integer from 1 to 100000',
    ],
    [
      { maxStackDepth: Infinity },
      'RangeError',
      'Expected the "maxStackDepth" option to be an integer from 1 to 100000',
    ],
    [
      { outputFile: 'r.txt' },
      'RangeError',
      'Expected the "outputFile" option to be a path ending in .json, .json.gz, .html, .pb.gz, .pprof or .cpuprofile',
    ],
    [
      { outputFile: '' },
      'TypeError',
      'Expected the "outputFile" option to be a path ending in .json, .json.gz, .html, .pb.gz, .pprof or .cpuprofile',
    ],
    [
      { includeFiles: 'src' as unknown as string[] },
      'TypeError',
      'Expected the "includeFiles" option to be a list of paths',
    ],
    [
      { excludeFiles: [''] },
      'TypeError',
      'Expected the "excludeFiles" option to be a list of paths',
    ],
    [
      { minDuration: -1 },
      'RangeError',
      'Expected the "minDuration" option to be a non-negative duration in microseconds',
    ],
    [
      { minDuration: NaN },
      'RangeError',
      'Expected the "minDuration" option to be a non-negative duration in microseconds',
    ],
    [
      { minDuration: '1ms' as unknown as number },
      'TypeError',
      'Expected the "minDuration" option to be a non-negative duration in microseconds',
    ],
    [
      { keepInternals: 1 as unknown as boolean },
      'TypeError',
      'Expected the "keepInternals" option to be true or false',
    ],
    [
      { quiet: 'yes' as unknown as boolean },
      'TypeError',
      'Expected the "quiet" option to be true or false',
    ],
  ];
  for (const [options, type, message] of bad) {
    const [[key, value]] = Object.entries(options);
    it(`${type} for ${key}: ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`, () => {
      const Err = type === 'TypeError' ? TypeError : RangeError;
      expect(() => resolveOptions(options)).toThrow(new Err(message));
    });
  }

  it('--instrument options: exact messages, and a round trip', () => {
    expect(() => resolveOptions({ tracerEntries: 0 })).toThrow(
      new RangeError('Expected the "tracerEntries" option to be an integer from 1 to 268435456'),
    );
    expect(() => resolveOptions({ instrument: 'yes' as unknown as boolean })).toThrow(
      new TypeError('Expected the "instrument" option to be true or false'),
    );
    const r = resolveOptions({ instrument: true, tracerEntries: 5, instrumentNodeModules: true });
    expect(r).toMatchObject({ instrument: true, tracerEntries: 5, instrumentNodeModules: true });
    expect(
      optionsFromEnv({
        VIZTRACER_INSTRUMENT: '1',
        VIZTRACER_TRACER_ENTRIES: '2000000',
        VIZTRACER_INSTRUMENT_NODE_MODULES: 'no',
      }),
    ).toEqual({ instrument: true, tracerEntries: 2_000_000, instrumentNodeModules: false });
  });

  it('--log_func_args, --log_func_retval, --ignore_function: API, environment, rc file', () => {
    const r = resolveOptions({
      logFuncArgs: true,
      logFuncRetval: true,
      ignoreFunction: ['fib', 'get size'],
    });
    expect(r).toMatchObject({
      logFuncArgs: true,
      logFuncRetval: true,
      ignoreFunction: ['fib', 'get size'],
    });
    expect(() => resolveOptions({ ignoreFunction: 'fib' as unknown as string[] })).toThrow(
      new TypeError('Expected the "ignoreFunction" option to be a list of function names'),
    );
    expect(
      optionsFromEnv({ VIZTRACER_LOG_FUNC_ARGS: '1', VIZTRACER_IGNORE_FUNCTION: 'a, get b' }),
    ).toEqual({ logFuncArgs: true, ignoreFunction: ['a', 'get b'] });
    const file = path.join(dir, 'names.rc');
    fs.writeFileSync(file, '[default]\nignore_function = a,get size\nlog_func_retval = true\n');
    expect(optionsFromRcFile(file, true)).toEqual({
      ignoreFunction: ['a', 'get size'],
      logFuncRetval: true,
    });
  });

  it('--sampler: viztracer or v8 from every source, exact messages', () => {
    expect(() => resolveOptions({ sampler: 'perf' as 'v8' })).toThrow(
      new RangeError('Expected the "sampler" option to be "viztracer" or "v8"'),
    );
    expect(() => resolveOptions({ sampler: 1 as unknown as 'v8' })).toThrow(
      new TypeError('Expected the "sampler" option to be "viztracer" or "v8"'),
    );
    const r = resolveOptions({ native: true, sampler: 'v8' });
    expect(r.sampler).toBe('v8');
    expect(optionsFromEnv({ VIZTRACER_SAMPLER: ' v8 ' })).toEqual({ sampler: 'v8' });
    expect(() => optionsFromEnv({ VIZTRACER_SAMPLER: 'V8' })).toThrow(
      new OptionError('VIZTRACER_SAMPLER: expected "viztracer" or "v8", got "V8"'),
    );
  });

  it('takes each default from the option table', () => {
    const r = resolveOptions({}, '/w');
    for (const spec of OPTION_SPECS) {
      const value = (r as Record<string, unknown>)[spec.api];
      if (spec.kind === 'report-path') expect(value).toBe(path.resolve('/w', String(spec.default)));
      else expect(value).toEqual(spec.default);
    }
  });
});

describe('rotate and push', () => {
  it('takes a period in seconds, a URL without its trailing slash, and key=value tags', () => {
    expect(
      resolveOptions({
        rotate: 60,
        push: 'http://127.0.0.1:4040/',
        appName: 'shop',
        tags: ['env=prod'],
      }),
    ).toMatchObject({
      rotate: 60,
      push: 'http://127.0.0.1:4040',
      appName: 'shop',
      tags: ['env=prod'],
    });
    const rotate = SPEC_BY_CLI.get('rotate')!;
    expect(parseOptionText(rotate, '2m', '--rotate')).toBe(120);
    expect(parseOptionText(rotate, '500ms', '--rotate')).toBe(0.5);
    expect(parseOptionText(rotate, '15', '--rotate')).toBe(15);
    expect(parseOptionText(SPEC_BY_CLI.get('tags')!, 'env=prod, region=eu', '--tags')).toEqual([
      'env=prod',
      'region=eu',
    ]);
  });

  it('refuses short periods, other URLs and malformed tags', () => {
    expect(() => resolveOptions({ rotate: 0.05 })).toThrow(RangeError);
    expect(() => resolveOptions({ push: 'file:///x' })).toThrow(RangeError);
    expect(() => resolveOptions({ tags: ['env'] })).toThrow(RangeError);
    expect(() => resolveOptions({ tags: ['a=b,c=d'] })).toThrow(RangeError);
    expect(() => parseOptionText(SPEC_BY_CLI.get('rotate')!, '1 day', '--rotate')).toThrow(
      '--rotate: expected a period of at least 0.1 seconds (60, 60s, 500ms, 2m), got "1 day"',
    );
  });

  it('needs --rotate for --push, and warns of push options without --push', () => {
    expect(optionConflicts({ push: 'http://x' }).errors).toEqual([
      '--push needs --rotate: profiles are pushed once per period',
    ]);
    expect(optionConflicts({ rotate: 1, trigger: 'signal' }).errors).toEqual([
      '--rotate and --trigger signal: choose one way to cut profiles',
    ]);
    expect(optionConflicts({ tags: ['a=b'], appName: 'x' }).warnings).toEqual([
      '--app_name has no effect without --push',
      '--tags has no effect without --push',
    ]);
  });
});

describe('flight recorder', () => {
  it('takes a window and a stall threshold in seconds, and refuses what does not go with them', () => {
    expect(resolveOptions({ flightRecorderSeconds: 30, dumpOnStallSeconds: 0.2 })).toMatchObject({
      flightRecorderSeconds: 30,
      dumpOnStallSeconds: 0.2,
    });
    expect(parseOptionText(SPEC_BY_CLI.get('dump_on_stall')!, '200ms', '--dump_on_stall')).toBe(
      0.2,
    );
    expect(optionConflicts({ dumpOnStallSeconds: 0.2 }).errors).toEqual([
      '--dump_on_stall needs --flight_recorder',
    ]);
    expect(
      optionConflicts({ flightRecorderSeconds: 2, rotate: 1, instrument: true }).errors,
    ).toEqual([
      '--flight_recorder and --rotate do not go together',
      '--flight_recorder and --instrument do not go together',
    ]);
  });
});

describe('format', () => {
  it('names the default report, adds its extension to a path without one, keeps one that agrees', () => {
    expect(resolveOptions({ format: 'pprof' }, '/w').outputFile).toBe('/w/result.pb.gz');
    expect(resolveOptions({ format: 'cpuprofile', outputFile: 'p' }, '/w').outputFile).toBe(
      '/w/p.cpuprofile',
    );
    expect(resolveOptions({ format: 'json.gz', outputFile: 'a.json.gz' }, '/w').outputFile).toBe(
      '/w/a.json.gz',
    );
    expect(resolveOptions({ outputFile: 'a.pprof' }, '/w')).toMatchObject({
      outputFile: '/w/a.pprof',
      format: null,
    });
  });

  it('refuses an unknown format, and a path with another extension', () => {
    expect(() => resolveOptions({ format: 'xml' as never })).toThrow(RangeError);
    expect(() => resolveOptions({ format: 'pprof', outputFile: 'a.txt' })).toThrow(RangeError);
    expect(() => resolveOptions({ format: 'pprof', outputFile: 'a.json' })).toThrow(
      'Expected the "format" option to agree',
    );
  });
});

describe('parseOptionText', () => {
  it('parses report paths', () => {
    expect(parse('output_file', ' out/r.json.gz ')).toBe('out/r.json.gz');
    expect(() => parse('output_file', 'r.txt')).toThrow(
      new OptionError(
        '--output_file: expected a path ending in .json, .json.gz, .html, .pb.gz, .pprof or .cpuprofile, got "r.txt"',
      ),
    );
  });

  it('parses positive integers', () => {
    expect(parse('interval', '250')).toBe(250);
    expect(parse('max_stack_depth', ' 12 ')).toBe(12);
    for (const t of ['0', '-5', '1.5', '1e3', 'abc', '', '99999999999999999999']) {
      expect(() => parse('interval', t)).toThrow(
        new OptionError(
          `--interval: expected an integer from 1 to 1000000 (microseconds), got "${t}"`,
        ),
      );
    }
    expect(() => parse('max_stack_depth', 'x')).toThrow(
      '--max_stack_depth: expected an integer from 1 to 100000, got "x"',
    );
  });

  it('parses comma-separated paths', () => {
    expect(parse('include_files', 'src, lib ,,test')).toEqual(['src', 'lib', 'test']);
    expect(() => parse('include_files', ' , ')).toThrow(
      '--include_files: expected a list of paths, got " , "',
    );
  });

  it('parses durations in µs, or with a unit', () => {
    expect(parse('min_duration', '500ns')).toBe(0.5);
    expect(parse('min_duration', '20us')).toBe(20);
    expect(parse('min_duration', '20µs')).toBe(20);
    expect(parse('min_duration', '1.5ms')).toBe(1500);
    expect(parse('min_duration', '1 ms')).toBe(1000);
    expect(parse('min_duration', '1s')).toBe(1_000_000);
    expect(parse('min_duration', '75')).toBe(75);
    expect(parse('min_duration', '0')).toBe(0);
    for (const t of ['-1ms', '1h', 'ms', '1.ms', 'fast']) {
      expect(() => parse('min_duration', t)).toThrow(
        new OptionError(
          `--min_duration: expected a non-negative duration in microseconds, got "${t}"`,
        ),
      );
    }
  });

  it('converts a duration with a unit to the exact number of µs', () => {
    // 2.007 ms is 2007 µs; a slice of 2007 µs must survive min_duration=2.007ms.
    expect.soft(parse('min_duration', '2.007ms')).toBe(2007);
    expect.soft(parse('min_duration', '9ns')).toBe(0.009);
    const profile: InspectorProfile = {
      nodes: [
        { id: 1, callFrame: callFrame('(root)'), children: [2] },
        { id: 2, callFrame: callFrame('f', 'file:///app/main.js', 0) },
      ],
      startTime: 0,
      endTime: 2007,
      samples: [2],
      timeDeltas: [0],
    };
    const minDurationMicros = parse('min_duration', '2.007ms') as number;
    expect.soft(convertProfile(fromInspectorProfile(profile), { minDurationMicros }).count).toBe(1);
  });

  it('parses booleans', () => {
    for (const t of ['1', 'true', 'TRUE', 'yes', 'on', '']) expect(parse('quiet', t)).toBe(true);
    for (const t of ['0', 'false', 'No', 'off']) expect(parse('quiet', t)).toBe(false);
    expect(() => parse('keep_internals', 'maybe')).toThrow(
      new OptionError('--keep_internals: expected true or false, got "maybe"'),
    );
  });
});

describe('optionsFromEnv', () => {
  it('reads the VIZTRACER_* variables and ignores empty ones', () => {
    expect(
      optionsFromEnv({
        VIZTRACER_OUTPUT: 'trace.json.gz',
        VIZTRACER_INTERVAL: '100',
        VIZTRACER_MAX_STACK_DEPTH: '',
        VIZTRACER_INCLUDE_FILES: 'src,lib',
        VIZTRACER_EXCLUDE_FILES: 'node_modules',
        VIZTRACER_MIN_DURATION: '1.5ms',
        VIZTRACER_KEEP_INTERNALS: '1',
        VIZTRACER_QUIET: 'off',
        VIZTRACER_NATIVE: 'yes',
        VIZTRACER_UNRELATED: 'x',
      }),
    ).toEqual({
      outputFile: 'trace.json.gz',
      interval: 100,
      includeFiles: ['src', 'lib'],
      excludeFiles: ['node_modules'],
      minDuration: 1500,
      keepInternals: true,
      quiet: false,
      native: true,
    });
    expect(optionsFromEnv({})).toEqual({});
  });

  it('names the variable in its error', () => {
    expect(() => optionsFromEnv({ VIZTRACER_INTERVAL: 'often' })).toThrow(
      new OptionError(
        'VIZTRACER_INTERVAL: expected an integer from 1 to 1000000 (microseconds), got "often"',
      ),
    );
  });
});

describe('optionsFromRcFile', () => {
  const rc = (text: string): string => {
    const file = path.join(dir, '.viztracerrc');
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads the [default] section, with space-separated lists', () => {
    const file = rc(
      [
        '; comment',
        '[default]',
        'output_file = out.json',
        'interval = 500',
        'include_files = src lib,  test',
        'min_duration = 20us',
        'keep_internals = false',
        'quiet',
      ].join('\n'),
    );
    expect(optionsFromRcFile(file, true)).toEqual({
      outputFile: 'out.json',
      interval: 500,
      includeFiles: ['src', 'lib', 'test'],
      minDuration: 20,
      keepInternals: false,
      quiet: true,
    });
  });

  it('gives nothing for an empty file or one of comments', () => {
    expect(optionsFromRcFile(rc(''), true)).toEqual({});
    expect(optionsFromRcFile(rc('; nothing\n# here\n\n[default]\n'), true)).toEqual({});
  });

  it.each([
    ['[other]\ninterval = 5\n', 1, 'unknown section [other] (options go under [default])'],
    ['[Default]\ninterval = 5\n', 1, 'unknown section [Default] (options go under [default])'],
    ['[default\ninterval = 5\n', 1, 'a section header without its "]"'],
    ['interval = 5\n[default]\n', 1, 'an option before [default]'],
    ['[default]\n\u0001\u0002PK\u0003\n', 2, 'expected "key = value", got "\u0001\u0002PK\u0003"'],
  ])('refuses a malformed file, naming the line: %j', (text, line, problem) => {
    const file = rc(text);
    expect(() => optionsFromRcFile(file, true)).toThrow(
      new OptionError(`${file}:${line}: ${problem}`),
    );
  });

  it('rejects an unknown key', () => {
    const file = rc('[default]\nintervall = 5\n');
    expect(() => optionsFromRcFile(file, true)).toThrow(
      new OptionError(`${file}: unknown option "intervall" in [default]`),
    );
  });

  it('names the file and key in a bad value', () => {
    const file = rc('[default]\nmax_stack_depth = deep\n');
    expect(() => optionsFromRcFile(file, true)).toThrow(
      new OptionError(`${file}: max_stack_depth: expected an integer from 1 to 100000, got "deep"`),
    );
  });

  it('is fine with a missing default file but not with a missing file that was asked for', () => {
    const missing = path.join(dir, 'nope.rc');
    expect(optionsFromRcFile(missing, false)).toEqual({});
    expect(() => optionsFromRcFile(missing, true)).toThrow(
      new OptionError(`cannot read rc file ${missing} (ENOENT)`),
    );
  });
});

describe('optionsFromConfig', () => {
  it('lets the environment override the rc file, and explicit options override both', () => {
    const file = path.join(dir, 'my.rc');
    fs.writeFileSync(
      file,
      '[default]\ninterval = 100\nmax_stack_depth = 5\nmin_duration = 1ms\nquiet = true\n',
    );
    const env = { VIZTRACER_INTERVAL: '200', VIZTRACER_MAX_STACK_DEPTH: '7' };
    const r = optionsFromConfig({ interval: 300 }, file, env);
    expect(r).toMatchObject({ interval: 300, maxStackDepth: 7, minDuration: 1000, quiet: true });
    expect(optionsFromConfig({}, file, env)).toMatchObject({ interval: 200, maxStackDepth: 7 });
    expect(optionsFromConfig({}, file, {})).toMatchObject({ interval: 100, maxStackDepth: 5 });
  });

  it('reads ./.viztracerrc by default and tolerates its absence', () => {
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(optionsFromConfig({}, null, {})).toEqual(resolveOptions({}, dir));
      fs.writeFileSync(path.join(dir, '.viztracerrc'), '[default]\ninterval = 42\n');
      expect(optionsFromConfig({}, null, {}).interval).toBe(42);
    } finally {
      process.chdir(cwd);
    }
  });

  it('fails on a missing rc file that was asked for', () => {
    const missing = path.join(dir, 'missing.rc');
    expect(() => optionsFromConfig({}, missing, {})).toThrow(
      `cannot read rc file ${missing} (ENOENT)`,
    );
  });

  it('validates the merged options', () => {
    const file = path.join(dir, 'empty.rc');
    fs.writeFileSync(file, '');
    expect(() => optionsFromConfig({ interval: 0 }, file, {})).toThrow(
      new RangeError(
        'Expected the "interval" option to be an integer from 1 to 1000000 (microseconds)',
      ),
    );
  });
});

describe('optionConflicts', () => {
  it('warns of --instrument options given without --instrument, by their flags', () => {
    expect(optionConflicts({ withSampling: true, logFuncArgs: true, ignoreFunction: [] })).toEqual({
      errors: [],
      warnings: [
        '--with_sampling has no effect without --instrument',
        '--log_func_args has no effect without --instrument',
      ],
    });
    expect(optionConflicts({ instrument: true, withSampling: true })).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it('refuses a --format that disagrees with the extension of --output_file', () => {
    expect(optionConflicts({ format: 'pprof', outputFile: 'x.json' }).errors).toEqual([
      '--format pprof and --output_file x.json: the extension says json; give one of them',
    ]);
    expect(optionConflicts({ format: 'pprof', outputFile: 'x.pprof' }).errors).toEqual([]);
    expect(optionConflicts({ format: 'pprof', outputFile: 'x' }).errors).toEqual([]);
  });

  it('refuses a folder given twice: --output_dir and an absolute --output_file', () => {
    expect(optionConflicts({ outputDir: 'od', outputFile: '/abs/x.json' }).errors).toEqual([
      '--output_dir and an absolute --output_file: give the folder in one of them',
    ]);
    expect(optionConflicts({ outputDir: 'od', outputFile: 'x.json' }).errors).toEqual([]);
  });
});
