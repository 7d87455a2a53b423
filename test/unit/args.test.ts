// Command-line parsing: `viztracer [options] [--] script.js [args...]`.
import { describe, expect, it } from 'vitest';
import { parseCliArgs, usage } from '../../src/args';
import { OptionError } from '../../src/options';

describe('parseCliArgs', () => {
  it('gives the defaults for a bare script', () => {
    expect(parseCliArgs(['app.js'])).toEqual({
      options: {},
      rcfile: null,
      help: false,
      version: false,
      combine: false,
      align: false,
      open: false,
      inputs: [],
      attach: null,
      duration: null,
      dump: null,
      script: 'app.js',
      scriptArgs: [],
    });
    expect(parseCliArgs([]).script).toBeNull();
  });

  it("reads --attach, --duration and --dump as the CLI's own", () => {
    const a = parseCliArgs(['--attach', '12', '--duration=2s', '-o', 'x.json']);
    expect(a).toMatchObject({ attach: '12', duration: '2s', script: null });
    expect(a.options).toEqual({ outputFile: 'x.json' });
    expect(parseCliArgs(['--dump', '34']).dump).toBe('34');
    expect(() => parseCliArgs(['--dump'])).toThrow('--dump needs a value');
  });

  it('stops reading options at the script', () => {
    const a = parseCliArgs(['--quiet', 'app.js', '--interval', '5', '-o', 'x']);
    expect(a.options).toEqual({ quiet: true });
    expect(a.script).toBe('app.js');
    expect(a.scriptArgs).toEqual(['--interval', '5', '-o', 'x']);
  });

  it('ends options at --', () => {
    const a = parseCliArgs(['--interval', '50', '--', '--weird-name.js', '--quiet']);
    expect(a.options).toEqual({ interval: 50 });
    expect(a.script).toBe('--weird-name.js');
    expect(a.scriptArgs).toEqual(['--quiet']);
    expect(parseCliArgs(['--quiet', '--']).script).toBeNull();
  });

  it('takes a lone - as the script', () => {
    expect(parseCliArgs(['-', 'x']).script).toBe('-');
  });

  it('reads --opt=value and --opt value', () => {
    expect(parseCliArgs(['--interval=20', '--max_stack_depth', '4', 'a.js']).options).toEqual({
      interval: 20,
      maxStackDepth: 4,
    });
    expect(parseCliArgs(['--min_duration=1.5ms', 'a.js']).options).toEqual({ minDuration: 1500 });
  });

  it('reads -o file and -o=file', () => {
    expect(parseCliArgs(['-o', 'out.json.gz', 'a.js']).options).toEqual({
      outputFile: 'out.json.gz',
    });
    expect(parseCliArgs(['-o=out.json', 'a.js']).options).toEqual({ outputFile: 'out.json' });
  });

  it('accepts dashes for underscores in long names', () => {
    expect(parseCliArgs(['--output-file', 'r.json', '--keep-internals', 'a.js']).options).toEqual({
      outputFile: 'r.json',
      keepInternals: true,
    });
    expect(parseCliArgs(['--output-file=r.json', 'a.js']).options).toEqual({
      outputFile: 'r.json',
    });
  });

  it('accumulates repeated path options, commas included', () => {
    const a = parseCliArgs([
      '--include_files',
      'src',
      '--include_files=lib,test',
      '--exclude_files',
      'x',
      'a.js',
    ]);
    expect(a.options).toEqual({ includeFiles: ['src', 'lib', 'test'], excludeFiles: ['x'] });
  });

  it('accumulates --ignore_function names; a name may hold a space', () => {
    const a = parseCliArgs([
      '--ignore_function',
      'fib,get size',
      '--ignore_function=main',
      '--log_func_args',
      'a.js',
    ]);
    expect(a.options).toEqual({ ignoreFunction: ['fib', 'get size', 'main'], logFuncArgs: true });
  });

  it('lets the last value of other options win', () => {
    expect(parseCliArgs(['--interval', '1', '--interval', '2', 'a.js']).options).toEqual({
      interval: 2,
    });
  });

  it('reads booleans without a value, or with =value', () => {
    expect(parseCliArgs(['--quiet', 'a.js']).options).toEqual({ quiet: true });
    expect(parseCliArgs(['--quiet=false', '--keep_internals=yes', 'a.js']).options).toEqual({
      quiet: false,
      keepInternals: true,
    });
    expect(parseCliArgs(['--native', 'a.js']).options).toEqual({ native: true });
  });

  it('reads --sampler and says what it takes in the help', () => {
    expect(parseCliArgs(['--native', '--sampler', 'v8', 'a.js']).options).toEqual({
      native: true,
      sampler: 'v8',
    });
    expect(() => parseCliArgs(['--sampler', 'perf', 'a.js'])).toThrow(
      '--sampler: expected "viztracer" or "v8", got "perf"',
    );
    expect(usage()).toMatch(/--sampler \{viztracer,v8\} +under --native, V8's sampler tuned/);
  });

  it('reads the CLI flags --help, -h, --version, -V, --rcfile', () => {
    expect(parseCliArgs(['--help']).help).toBe(true);
    expect(parseCliArgs(['-h']).help).toBe(true);
    expect(parseCliArgs(['--version']).version).toBe(true);
    expect(parseCliArgs(['-V']).version).toBe(true);
    expect(parseCliArgs(['--rcfile', 'my.rc', 'a.js']).rcfile).toBe('my.rc');
    expect(parseCliArgs(['--rcfile=my.rc', 'a.js']).rcfile).toBe('my.rc');
  });

  it('rejects an unknown flag', () => {
    expect(() => parseCliArgs(['--intervall', '5', 'a.js'])).toThrow(
      new OptionError('unknown option --intervall'),
    );
    expect(() => parseCliArgs(['--intervall=5', 'a.js'])).toThrow(
      new OptionError('unknown option --intervall'),
    );
    expect(() => parseCliArgs(['-x', 'a.js'])).toThrow(new OptionError('unknown option -x'));
    expect(() => parseCliArgs(['-oout.json', 'a.js'])).toThrow(
      new OptionError('unknown option -oout.json'),
    );
  });

  it('rejects a missing value', () => {
    expect(() => parseCliArgs(['--interval'])).toThrow(new OptionError('--interval needs a value'));
    expect(() => parseCliArgs(['-o'])).toThrow(new OptionError('-o needs a value'));
    expect(() => parseCliArgs(['--rcfile'])).toThrow(new OptionError('--rcfile needs a value'));
  });

  it('names the flag in a bad value', () => {
    expect(() => parseCliArgs(['--interval', 'fast', 'a.js'])).toThrow(
      new OptionError(
        '--interval: expected an integer from 1 to 1000000 (microseconds), got "fast"',
      ),
    );
    expect(() => parseCliArgs(['-o', 'r.txt', 'a.js'])).toThrow(
      new OptionError(
        '-o: expected a path ending in .json, .json.gz, .html, .pb.gz, .pprof or .cpuprofile, got "r.txt"',
      ),
    );
  });
});

describe('usage', () => {
  it('lists every option', () => {
    const text = usage();
    for (const flag of [
      '-o, --output_file FILE',
      '--interval N',
      '--include_files PATHS',
      '--ignore_function NAMES',
      '--log_func_retval',
      '--keep_internals',
      '--rcfile FILE',
      '-V, --version',
      '-h, --help',
    ]) {
      expect(text).toContain(flag);
    }
  });
});
