// `viztracer --instrument`: every call of the program's functions, in every thread and process.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNames, checkNesting, loadReport, slices, type Ev } from '../helpers/report';
import { program, ROOT, run, tempDir, viztracer } from '../helpers/run';

const FIB = program('fibonacci.js');

async function traced(args: string[], cwd = tempDir()) {
  const out = join(cwd, 'r.json');
  const r = await viztracer(['--instrument', '-o', out, ...args], { cwd });
  expect(r.stderr).not.toMatch(/not instrumented|could not save/);
  expect(r.status).toBe(0);
  const rep = loadReport(out);
  checkNames(rep);
  return { run: r, rep };
}

const named = (rep: ReturnType<typeof loadReport>, re: RegExp): Ev[] =>
  slices(rep).filter((e) => re.test(e.name));

describe('viztracer --instrument', () => {
  it('fibonacci(10): exactly 109 fibonacci slices, 9 deep, named "fn (file:line)"', async () => {
    const { run, rep } = await traced([FIB, '10']);
    expect(run.stdout).toBe('55\n');
    const fib = slices(rep);
    expect(fib).toHaveLength(109);
    expect(new Set(fib.map((e) => e.name))).toEqual(new Set([`fibonacci (${FIB}:2)`]));
    expect(checkNesting(rep, /^fibonacci /).maxMatchDepth).toBe(9);
    expect(rep.viztracer_metadata.backend).toBe('instrument');
    expect(rep.viztracer_metadata.overflow).toBe(false);
  });

  it('the example from the README', async () => {
    const { rep } = await traced([join(ROOT, 'examples', 'fibonacci-small.js')]);
    expect(named(rep, /^fibonacci \(.*fibonacci-small\.js:5\)$/)).toHaveLength(109);
  });

  it('fibonacci(25): 150,049 slices (2 * fib(25) - 1 calls)', async () => {
    const { rep } = await traced([FIB, '25']);
    expect(slices(rep)).toHaveLength(150_049);
  });

  it('an exception thrown through 3 frames closes all 3, marked as thrown', async () => {
    const { run, rep } = await traced([program('instrument-throws.js')]);
    expect(run.stdout).toBe('caught from c\n');
    const s = slices(rep);
    expect(s.map((e) => e.name.split(' ')[0])).toEqual(['a', 'b', 'c']);
    expect(s.map((e) => e.args?.exception)).toEqual(Array(3).fill('RangeError: from c'));
    // Nested: c inside b inside a.
    for (let i = 1; i < 3; i++) {
      expect(s[i].ts!).toBeGreaterThanOrEqual(s[i - 1].ts!);
      expect(s[i].ts! + s[i].dur!).toBeLessThanOrEqual(s[i - 1].ts! + s[i - 1].dur!);
    }
    expect(checkNesting(rep).maxDepth).toBe(3);
  });

  it('an ES module program and the module it imports', async () => {
    const { run, rep } = await traced([program('instrument-esm.mjs')]);
    expect(run.stdout).toBe('12\n');
    const file = program('instrument-esm.mjs');
    const lib = program('instrument-esm-lib.mjs');
    expect(slices(rep).map((e) => e.name)).toEqual([
      `quadruple (${file}:3)`,
      `double (${lib}:1)`,
      `double (${lib}:1)`,
    ]);
  });

  it('a corpus of language features prints the same with and without --instrument', async () => {
    const file = program('instrument-corpus.js');
    const plain = await run([file]);
    expect(plain.status).toBe(0);
    const { run: traced2, rep } = await traced([file]);
    expect(traced2.stdout).toBe(plain.stdout);
    // Stack traces keep their line numbers: whereAmI's `new Error` is on line 59.
    expect(plain.stdout).toContain('line 59\n');
    const names = new Set(slices(rep).map((e) => e.name.replace(/ \(.*\)$/, '')));
    for (const n of ['Derived', 'Base', 'describe', 'set secret', 'get secret', 'bound'])
      expect(names).toContain(n);
    expect(names).toContain('<static_initializer>');
    // Async functions: one slice per run, the call and its resumption after `await null`.
    expect(named(rep, /^later /).map((e) => e.args?.resume)).toEqual([undefined, 1]);
    // thrower(3) → 4 frames, all closed by the throw.
    const thrower = named(rep, /^thrower /);
    expect(thrower).toHaveLength(4);
    expect(thrower.every((e) => e.args?.exception === 'TypeError: bottom')).toBe(true);
  });

  it('an ES module function called through an import cycle before its module body ran', async () => {
    const { run: r, rep } = await traced([program('instrument-cycle-a.mjs')]);
    expect(r.stdout).toBe('42\n');
    expect(slices(rep).map((e) => e.name.split(' ')[0])).toEqual(['answer']);
  });

  it('a worker thread and a forked child record their own calls', async () => {
    const { rep } = await traced([program('instrument-threads.js')]);
    const where = (fn: string): string[] =>
      named(rep, new RegExp(`^${fn} `)).map((e) =>
        e.pid === e.tid ? `main of ${e.pid}` : 'worker',
      );
    const main = named(rep, /^inMain /);
    const child = named(rep, /^inChild /);
    expect(main).toHaveLength(1);
    expect(child).toHaveLength(1);
    expect(where('inWorker')).toEqual(['worker']);
    expect(named(rep, /^inWorker /)[0].pid).toBe(main[0].pid);
    expect(child[0].pid).not.toBe(main[0].pid);
    expect(child[0].tid).toBe(child[0].pid);
  });

  it('a full ring buffer keeps the newest entries and says it overflowed', async () => {
    const { run, rep } = await traced(['--tracer_entries', '100', FIB, '15']);
    expect(run.stderr).toMatch(/warning: the trace buffer overflowed \(100 entries a thread\)/);
    expect(rep.viztracer_metadata.overflow).toBe(true);
    // The calls whose enter and exit are both among the last 100 entries of fibonacci(15).
    const entries: number[] = [];
    const fib = (n: number): void => {
      entries.push(1);
      if (n > 2) {
        fib(n - 1);
        fib(n - 2);
      }
      entries.push(-1);
    };
    fib(15);
    let open = 0;
    let kept = 0;
    for (const e of entries.slice(-100)) {
      if (e > 0) open++;
      else if (open > 0) {
        open--;
        kept++;
      }
    }
    expect(slices(rep)).toHaveLength(kept);
    expect(kept).toBeGreaterThan(30);
  });

  it('--max_stack_depth and --min_duration keep the nesting of what is kept', async () => {
    const { rep } = await traced(['--max_stack_depth', '3', FIB, '10']);
    // Depth 1 to 3 of the recursion tree: 1 + 2 + 4 calls.
    expect(slices(rep)).toHaveLength(7);
    expect(checkNesting(rep).maxDepth).toBe(3);
    const long = await traced(['--min_duration', '1s', FIB, '10']);
    expect(slices(long.rep)).toHaveLength(0);
  });

  it('node_modules and excluded files are not instrumented unless asked', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', 'dep', 'index.js'),
      'exports.dep = function dep() { return 1; };\n',
    );
    writeFileSync(join(dir, 'helper.js'), 'exports.helper = function helper() { return 2; };\n');
    writeFileSync(
      join(dir, 'app.js'),
      "const { dep } = require('dep');\nconst { helper } = require('./helper');\nfunction app() { return dep() + helper(); }\nconsole.log(app());\n",
    );
    const names = (rep: ReturnType<typeof loadReport>): string[] =>
      slices(rep).map((e) => e.name.split(' ')[0]);
    expect(names((await traced(['app.js'], dir)).rep)).toEqual(['app', 'helper']);
    expect(names((await traced(['--instrument_node_modules', 'app.js'], dir)).rep)).toEqual([
      'app',
      'dep',
      'helper',
    ]);
    expect(names((await traced(['--exclude_files', 'helper.js', 'app.js'], dir)).rep)).toEqual([
      'app',
    ]);
    expect(names((await traced(['--include_files', 'helper.js', 'app.js'], dir)).rep)).toEqual([
      'helper',
    ]);
  });

  it('a module that does not parse runs as it is (Node reports its error), with a warning', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.js'), 'function (\n');
    writeFileSync(join(dir, 'data.json'), '{"a": 1}\n');
    writeFileSync(
      join(dir, 'app.js'),
      "function f() { return require('./data.json').a; }\n" +
        "try { require('./bad'); } catch (e) { console.log(e.name); }\nconsole.log(f());\n",
    );
    const out = join(dir, 'r.json');
    const run = await viztracer(['--instrument', '-o', out, 'app.js'], { cwd: dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('SyntaxError\n1\n');
    expect(run.stderr).toMatch(/warning: .*bad\.js not instrumented: Unexpected token/);
    expect(slices(loadReport(out)).map((e) => e.name.split(' ')[0])).toEqual(['f']);
  });

  it('--ignore_function and the marker comment: those functions and their callees are not recorded', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'app.js'),
      [
        'function helper(n) { return n + 1; }',
        '// @viztracer-ignore',
        'function quiet() { return helper(1); }',
        'const noisy = () => helper(2);',
        'function main() { return quiet() + noisy() + helper(3); }',
        'console.log(main());',
      ].join('\n'),
    );
    const names = (rep: ReturnType<typeof loadReport>): string[] =>
      slices(rep).map((e) => e.name.split(' ')[0]);
    const { run: r, rep } = await traced(['--ignore_function', 'noisy', 'app.js'], dir);
    expect(r.stdout).toBe('9\n');
    expect(names(rep)).toEqual(['main', 'helper']);
  });

  it('an async program as a standalone HTML report: async spans on a track of their own', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'app.js'),
      'async function job(n) { await new Promise((r) => setTimeout(r, n)); return n; }\n' +
        'Promise.all([job(5), job(10)]).then((v) => console.log(v.join(",")));\n',
    );
    const out = join(dir, 'r.html');
    const r = await viztracer(['--instrument', '-o', out, 'app.js'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('5,10\n');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('"name":"main (async)"');
    expect(html).toContain('"async":true');
  });
});
