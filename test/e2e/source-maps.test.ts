// TypeScript programs: sampled frames and instrumented calls named from the .ts sources through
// their source maps, and the program's own stack traces still right when instrumented.
// test/fixtures/ts-app is built here two ways: tsc with separate .map files, and esbuild into
// one bundle per entry point with an inline map; tsx runs the sources themselves.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadReport, slices } from '../helpers/report';
import { cleanEnv, ROOT, run, tempDir, viztracer } from '../helpers/run';

const SRC = join(ROOT, 'test', 'fixtures', 'ts-app', 'src');
// The fixture's functions and the lines they start on.
const EXPECTED = [
  `compute (${join(SRC, 'main.ts')}:4)`,
  `area (${join(SRC, 'shapes.ts')}:5)`,
  `perimeter (${join(SRC, 'shapes.ts')}:13)`,
];
/** The environment that runs .ts files through tsx's loader. */
const TSX = (): NodeJS.ProcessEnv =>
  cleanEnv({ NODE_OPTIONS: `--import ${pathToFileURL(require.resolve('tsx')).href}` });
/** What throws.ts prints: the stack of its Error, at its .ts line and column. */
const THROWN = [
  'Error: failed at 1',
  `    at fail (${join(SRC, 'throws.ts')}:5:48)`,
  `    at run (${join(SRC, 'throws.ts')}:9:5)`,
].join('\n');

let out = '';
beforeAll(() => {
  out = tempDir();
  const ts = require('typescript') as typeof import('typescript');
  const program = ts.createProgram([join(SRC, 'main.ts'), join(SRC, 'throws.ts')], {
    outDir: join(out, 'tsc'),
    rootDir: SRC,
    sourceMap: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    strict: true,
    types: [],
  });
  expect(program.emit().emitSkipped).toBe(false);
  (require('esbuild') as typeof import('esbuild')).buildSync({
    entryPoints: [join(SRC, 'main.ts'), join(SRC, 'throws.ts')],
    bundle: true,
    platform: 'node',
    sourcemap: 'inline',
    outdir: join(out, 'bundle'),
    logLevel: 'warning',
  });
});

async function names(
  script: string,
  flags: string[] = [],
): Promise<{ names: Set<string>; stderr: string }> {
  const dir = tempDir();
  const r = await viztracer(['-o', 'r.json', ...flags, script], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe('done true\n');
  return {
    names: new Set(slices(loadReport(join(dir, 'r.json'))).map((e) => e.name)),
    stderr: r.stderr,
  };
}

describe('source maps', () => {
  for (const build of ['tsc', 'bundle'])
    for (const mode of [[], ['--native']])
      it(`names frames from the .ts sources (${build}${mode.length ? ', --native' : ''})`, async () => {
        const r = await names(join(out, build, 'main.js'), mode);
        for (const name of EXPECTED) expect(r.names, name).toContain(name);
        expect(r.stderr).not.toMatch(/warning/);
      });

  it('keeps where a mapped function is in the JavaScript that ran, in args.generated', async () => {
    const dir = tempDir();
    const r = await viztracer(['--quiet', '-o', 'r.json', join(out, 'tsc', 'main.js')], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    const area = slices(loadReport(join(dir, 'r.json'))).filter((e) => e.name === EXPECTED[1]);
    expect(area.length).toBeGreaterThan(0);
    for (const e of area) {
      expect(e.args?.generated).toMatch(new RegExp(`^${join(out, 'tsc', 'shapes.js')}:\\d+$`));
    }
    // Frames of plain JavaScript have none.
    const all = slices(loadReport(join(dir, 'r.json')));
    expect(
      all.filter((e) => !e.name.includes('.ts:')).every((e) => e.args?.generated === undefined),
    ).toBe(true);
  });

  for (const mode of [[], ['--native']])
    it(`names frames from the .ts sources run through tsx, from the maps Node holds${mode.length ? ' (--native)' : ''}`, async () => {
      const dir = tempDir();
      const r = await viztracer(['-o', 'r.json', ...mode, join(SRC, 'main.ts')], {
        cwd: dir,
        env: TSX(),
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('done true\n');
      const found = new Set(slices(loadReport(join(dir, 'r.json'))).map((e) => e.name));
      // tsx's map names no functions: the arrow stays anonymous, at its line.
      for (const name of [EXPECTED[0], EXPECTED[1], `(anonymous) (${join(SRC, 'shapes.ts')}:13)`]) {
        expect(found, name).toContain(name);
      }
    });

  for (const build of ['tsc', 'bundle'])
    it(`--instrument names calls from the .ts sources (${build})`, async () => {
      const r = await names(join(out, build, 'main.js'), ['--instrument']);
      for (const name of EXPECTED) expect(r.names, name).toContain(name);
      // The constructor, at its own line.
      expect(r.names).toContain(`Shapes (${join(SRC, 'shapes.ts')}:3)`);
      expect(r.names).toContain(`(anonymous) (${join(SRC, 'main.ts')}:12)`);
      expect([...r.names].some((n) => n.includes(`${join(out, build)}/`))).toBe(false);
      expect(r.stderr).not.toMatch(/warning/);
    });

  it('--instrument names calls from the .ts sources run through tsx (a module on one line)', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'r.json', '--instrument', join(SRC, 'main.ts')], {
      cwd: dir,
      env: TSX(),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('done true\n');
    const found = new Set(slices(loadReport(join(dir, 'r.json'))).map((e) => e.name));
    // tsx's whitespace-free output keeps each module on one line: columns place the functions.
    for (const name of [
      EXPECTED[0],
      EXPECTED[1],
      `Shapes (${join(SRC, 'shapes.ts')}:3)`,
      `(anonymous) (${join(SRC, 'shapes.ts')}:13)`,
    ]) {
      expect(found, name).toContain(name);
    }
  });

  describe("--instrument keeps the program's own stack traces on the .ts lines and columns (--enable-source-maps)", () => {
    for (const build of ['tsc', 'bundle'])
      it(build, async () => {
        const script = join(out, build, 'throws.js');
        const plain = await run(['--enable-source-maps', script], { env: cleanEnv() });
        expect(plain.stdout.trim()).toBe(THROWN);
        const dir = tempDir();
        const r = await viztracer(['--quiet', '-o', 'r.json', '--instrument', script], {
          cwd: dir,
          env: cleanEnv({ NODE_OPTIONS: '--enable-source-maps' }),
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.trim()).toBe(THROWN);
      });

    it('tsx', async () => {
      const dir = tempDir();
      const r = await viztracer(
        ['--quiet', '-o', 'r.json', '--instrument', join(SRC, 'throws.ts')],
        { cwd: dir, env: TSX() },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(THROWN);
      expect(new Set(slices(loadReport(join(dir, 'r.json'))).map((e) => e.name))).toContain(
        `fail (${join(SRC, 'throws.ts')}:5)`,
      );
    });
  });

  describe('ts-node, which keeps its maps to itself: Node holds them with --enable-source-maps', () => {
    const TS_NODE = join(ROOT, 'node_modules', 'ts-node');
    const ESM_APP = join(ROOT, 'test', 'fixtures', 'ts-esm-app');
    // ts-node/register on the CommonJS fixture, ts-node/esm on an ES module one.
    const setups = {
      register: {
        script: join(SRC, 'main.ts'),
        preload: `--require ${join(TS_NODE, 'register')}`,
        env: {
          TS_NODE_TRANSPILE_ONLY: '1',
          TS_NODE_COMPILER_OPTIONS: '{"module":"commonjs","moduleResolution":"node"}',
        },
        expected: EXPECTED,
      },
      esm: {
        script: join(ESM_APP, 'main.mts'),
        preload: `--no-warnings --loader ${pathToFileURL(join(TS_NODE, 'esm.mjs')).href}`,
        env: { TS_NODE_PROJECT: join(ESM_APP, 'tsconfig.json') },
        expected: [
          `main (${join(ESM_APP, 'main.mts')}:8)`,
          `work (${join(ESM_APP, 'work.mts')}:4)`,
        ],
      },
    };
    for (const [kind, setup] of Object.entries(setups))
      for (const mode of [[], ['--instrument']])
        it(`ts-node/${kind}${mode.length ? ', --instrument' : ''}`, async () => {
          const dir = tempDir();
          const r = await viztracer(['-o', 'r.json', ...mode, setup.script], {
            cwd: dir,
            env: cleanEnv({
              ...setup.env,
              NODE_OPTIONS: `--enable-source-maps ${setup.preload}`,
            }),
          });
          expect(r.status, r.stderr).toBe(0);
          expect(r.stdout).toBe('done true\n');
          expect(r.stderr).not.toMatch(/warning/);
          const found = new Set(slices(loadReport(join(dir, 'r.json'))).map((e) => e.name));
          for (const name of setup.expected) expect(found, name).toContain(name);
        });

    it('without --enable-source-maps: a warning per file that says so, and the compiled lines', async () => {
      const dir = tempDir();
      const r = await viztracer(['-o', 'r.json', setups.esm.script], {
        cwd: dir,
        env: cleanEnv({ ...setups.esm.env, NODE_OPTIONS: setups.esm.preload }),
      });
      expect(r.status, r.stderr).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
      // One line for every such file: a test runner's hundreds of files are one warning.
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^viztracer: warning: no source maps of 2 TypeScript files \((.+), (.+)\) \(compiled in memory by a loader whose maps Node does not hold, as ts-node's\); their frames keep the compiled lines: run with NODE_OPTIONS=--enable-source-maps$/,
      );
      const named = /\((.+), (.+)\) \(/.exec(warnings[0])!.slice(1, 3);
      expect(named.sort()).toEqual(['main.mts', 'work.mts'].map((f) => join(ESM_APP, f)));
      const found = new Set(slices(loadReport(join(dir, 'r.json'))).map((e) => e.name));
      expect(found).toContain(`work (${join(ESM_APP, 'work.mts')}:1)`);
    });
  });

  it("a loader that keeps its maps to itself while source maps are on (vitest's): one warning for its files, with no advice that would not help", async () => {
    const dir = tempDir();
    // As vite-node does: each module's JavaScript run through vm under its .ts file's name.
    const files = ['a', 'b', 'c'].map((n) => join(dir, `spin_${n}.ts`));
    let program = '';
    files.forEach((ts, k) => {
      const name = `spin_${'abc'[k]}`;
      writeFileSync(
        ts,
        `export function ${name}(ms: number): number {\n  const end = Date.now() + ms;\n  let x = 0;\n  while (Date.now() < end) x += Math.sqrt(x + 1);\n  return x;\n}\n`,
      );
      const code = `function ${name}(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }\n${name}(150);`;
      program += `require('node:vm').runInThisContext(${JSON.stringify(code)}, { filename: ${JSON.stringify(ts)} });\n`;
    });
    const js = join(dir, 'run.js');
    writeFileSync(js, program);
    const r = await viztracer(['-o', 'r.json', js], {
      cwd: dir,
      env: cleanEnv({ NODE_OPTIONS: '--enable-source-maps' }),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('warning'))).toEqual([
      `viztracer: warning: no source maps of 3 TypeScript files (${files[0]}, ${files[1]} and 1 more) (compiled in memory by a loader that keeps its maps to itself, as vitest's); their frames keep the compiled lines`,
    ]);
    const found = new Set(slices(loadReport(join(dir, 'r.json'))).map((e) => e.name));
    for (const [k, ts] of files.entries()) expect(found).toContain(`spin_${'abc'[k]} (${ts}:1)`);
  });

  it('--no_source_maps keeps the names of the JavaScript that ran', async () => {
    const r = await names(join(out, 'tsc', 'main.js'), ['--no_source_maps']);
    expect([...r.names].some((n) => n.startsWith(`compute (${join(out, 'tsc', 'main.js')}:`))).toBe(
      true,
    );
    expect([...r.names].some((n) => n.includes('.ts:'))).toBe(false);
  });

  it('--include_files matches the original paths and the generated ones', async () => {
    const byOriginal = await names(join(out, 'tsc', 'main.js'), ['--include_files', SRC]);
    const byGenerated = await names(join(out, 'tsc', 'main.js'), [
      '--include_files',
      join(out, 'tsc'),
    ]);
    for (const r of [byOriginal, byGenerated]) {
      for (const name of EXPECTED) expect(r.names, name).toContain(name);
      // Nothing from elsewhere (under load, a sample may catch another of its functions).
      const others = [...r.names].filter((n) => !n.startsWith('(') && !EXPECTED.includes(n));
      expect(
        others.every((n) => n.includes(`(${SRC}/`)),
        others.join(),
      ).toBe(true);
    }
  });

  it('a corrupt or missing map costs one warning per file, whose frames keep their generated names', async () => {
    const copy = tempDir();
    cpSync(join(out, 'tsc'), copy, { recursive: true });
    writeFileSync(join(copy, 'shapes.js.map'), '{ not json');
    rmSync(join(copy, 'main.js.map'));
    const r = await names(join(copy, 'main.js'));
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings.sort()).toEqual([
      `viztracer: warning: cannot use the source map of ${join(copy, 'main.js')} (ENOENT); its frames keep their generated names`,
      expect.stringMatching(
        new RegExp(
          `^viztracer: warning: cannot use the source map of ${join(copy, 'shapes.js')} \\(.*\\); its frames keep their generated names$`,
        ),
      ),
    ]);
    expect([...r.names].some((n) => n.startsWith(`area (${join(copy, 'shapes.js')}:`))).toBe(true);
  });
});
