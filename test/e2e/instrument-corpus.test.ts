// `viztracer --instrument` on a corpus of programs (test/fixtures/instrument-corpus): each
// prints the same, on stdout and stderr, and exits the same with and without instrumentation
// (and with argument and return value previews), and its report has the expected slices.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkNames,
  checkNesting,
  loadReport,
  slices,
  type Ev,
  type Report,
} from '../helpers/report';
import { ROOT, run, tempDir, viztracer, type RunResult } from '../helpers/run';

const CORPUS = join(ROOT, 'test', 'fixtures', 'instrument-corpus');
const PROGRAMS = [
  'classes.js',
  'strict.js',
  'exceptions.js',
  'generators.js',
  'async.js',
  'esm-main.mjs',
];

const outcome = (r: RunResult) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });

/** Runs a corpus program plainly and traced (with `extra` flags); returns the report. */
async function compare(name: string, extra: string[] = []): Promise<Report> {
  const file = join(CORPUS, name);
  const plain = await run([file], { cwd: CORPUS });
  const out = join(tempDir(), 'r.json');
  const traced = await viztracer(['--instrument', '--quiet', '-o', out, ...extra, file], {
    cwd: CORPUS,
  });
  expect(outcome(traced)).toEqual(outcome(plain));
  const rep = loadReport(out);
  checkNames(rep);
  checkNesting(rep);
  return rep;
}

const fn = (e: Ev): string => e.name.replace(/ \(.*\)$/, '');
const named = (rep: Report, name: string): Ev[] => slices(rep).filter((e) => fn(e) === name);

/** Every `b` has one `e` with the same id; returns the spans as `name: exception?`. */
function asyncSpans(rep: Report): { name: string; dur: number; args?: Record<string, unknown> }[] {
  const key = (e: Ev & { id2?: { local: string }; cat?: string }): string =>
    `${e.pid}:${e.cat}:${e.id2?.local}`;
  const begins = new Map<string, Ev>();
  const spans: { name: string; dur: number; args?: Record<string, unknown> }[] = [];
  for (const e of rep.traceEvents) {
    if (e.ph === 'b') {
      expect(begins.has(key(e))).toBe(false);
      begins.set(key(e), e);
    } else if (e.ph === 'e') {
      const b = begins.get(key(e));
      expect(b, `an e without its b: ${JSON.stringify(e)}`).toBeDefined();
      expect(b!.name).toBe(e.name);
      expect(e.ts!).toBeGreaterThanOrEqual(b!.ts!);
      begins.delete(key(e));
      spans.push({ name: fn(e), dur: e.ts! - b!.ts!, args: e.args });
    }
  }
  expect([...begins.keys()]).toEqual([]);
  return spans;
}

describe('viztracer --instrument on the corpus', () => {
  for (const name of PROGRAMS) {
    it(`${name}: the same output and exit code, with and without previews`, async () => {
      await compare(name);
      const rep = await compare(name, ['--log_func_args', '--log_func_retval']);
      expect(slices(rep).length).toBeGreaterThan(3);
    });
  }

  it('an exception through 3 frames closes the 3 slices, each with args.exception', async () => {
    const rep = await compare('exceptions.js');
    for (const f of ['level3', 'level2', 'level1']) {
      expect(named(rep, f).map((e) => e.args?.exception)).toEqual([
        undefined,
        'RangeError: too big: 3',
        'RangeError: too big: 5',
      ]);
    }
    expect(named(rep, 'rethrows')[0].args?.exception).toBe('ValidationError: bad too big: 5');
    expect(named(rep, 'throwsString')[0].args?.exception).toBe('"just a string"');
  });

  it('a generator gives a slice per resumption, numbered in args.resume', async () => {
    const rep = await compare('generators.js');
    const runs = named(rep, 'numbers').map((e) => e.args?.resume ?? 0);
    // [...numbers(3)]: the call, 3 resumptions; numbers(2) under yield*: the call, 2; t: 1 + throw.
    expect(runs).toEqual([0, 1, 2, 3, 0, 1, 2, 0, 1]);
    expect(named(rep, 'numbers').at(-1)!.args?.exception).toBe('Error: into generator');
    // An infinite generator left suspended: its 3 runs, no end.
    expect(named(rep, 'naturals')).toHaveLength(3);
    expect(named(rep, 'bare').map((e) => e.args?.resume ?? 0)).toEqual([0, 1, 2]);
  });

  it('async calls: a slice per run, and a b/e span per call, paired', async () => {
    const rep = await compare('async.js');
    const spans = asyncSpans(rep);
    const count = (n: string): number => spans.filter((s) => s.name === n).length;
    expect(count('step')).toBe(4);
    expect(count('rejectsLater')).toBe(2);
    expect(count('ticks')).toBe(2);
    expect(count('main')).toBe(1);
    expect(spans.filter((s) => s.name === 'rejectsLater').map((s) => s.args?.exception)).toEqual([
      'TypeError: handled',
      'TypeError: settled',
    ]);
    // step('a', 3): the call and 3 resumptions, each its own slice.
    const steps = named(rep, 'step').map((e) => e.args?.resume ?? 0);
    expect(steps.filter((r) => r === 0)).toHaveLength(4);
    expect(Math.max(...steps)).toBe(3);
    // A span covers its call's runs: main's span is the longest.
    const main = spans.find((s) => s.name === 'main')!;
    expect(Math.max(...spans.map((s) => s.dur))).toBe(main.dur);
  });

  it('previews of arguments and return values, without calling the program', async () => {
    const rep = await compare('classes.js', ['--log_func_args', '--log_func_retval']);
    const square = named(rep, 'Square')[0];
    expect(square.args?.func_args).toEqual({ side: '3' });
    const defaults = named(rep, 'withDefaults')[0];
    expect(defaults.args?.func_args).toEqual({
      a: '1',
      b: '2',
      c: '[Function c]',
      d: '4',
      rest: '{}',
      e: '5',
    });
    expect(defaults.args?.return_value).toBe('Array(6) [1, 2, 3, 4, …]');
    expect(named(rep, 'get area')[0].args?.return_value).toBe('9');
    expect(named(rep, 'describe')[0].args?.return_value).toMatch(/^"box!\/4\/Square#1/);
  });

  it('ES modules: top-level await, an imported async method resumed', async () => {
    const rep = await compare('esm-main.mjs');
    expect(named(rep, 'pop').map((e) => e.args?.resume ?? 0)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(asyncSpans(rep).filter((s) => s.name === 'drain')).toHaveLength(1);
  });

  // One program per transform bug once found: each ran plainly and broke instrumented.
  it('a keyword right before an inserted call: `yield/re/`, `return(x)`, `await(x)`', async () => {
    const rep = await compare('yield-regexp.js');
    expect(named(rep, 'letters').map((e) => e.args?.resume ?? 0)).toEqual([0, 1, 2]);
    expect(asyncSpans(rep).filter((s) => s.name === 'doubled')).toHaveLength(1);
  });

  it('a function declared beside a `var` of its name: that body unrecorded, its callee recorded', async () => {
    const rep = await compare('var-and-function.js');
    expect(named(rep, 'shown')).toHaveLength(1);
    expect(named(rep, 'outer')).toHaveLength(0);
  });

  it('the names we inject and the globals the header reads, declared by the program', async () => {
    const rep = await compare('injected-names.js');
    expect(named(rep, '__vzI')).toHaveLength(1);
    expect(named(rep, 'gen')).toHaveLength(2);
    expect(asyncSpans(rep).filter((s) => s.name === 'waits')).toHaveLength(1);
  });

  it('class members whose computed key is a function: the key is the original text', async () => {
    const rep = await compare('computed-keys.js');
    expect(named(rep, 'key')).toHaveLength(2);
    expect(named(rep, '(anonymous)')).toHaveLength(5); // the five members called
  });

  it('fn.toString() is the original text; Function.prototype.toString looks native', async () => {
    const rep = await compare('to-string.js');
    expect(named(rep, 'paramsOf')).toHaveLength(2);
    expect(named(rep, 'Service')).toHaveLength(0);
  });
});
