// The CLI and the preload load as one file each with V8's code cache (src/bundled.ts, made by
// scripts/bundle.mjs): the cache this build made is one V8 takes, and a bundle runs as its
// entry module would, with or without a cache, and falls back to the modules without a bundle.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, program, run as runNode, viztracer } from '../helpers/run';

const LIB = path.resolve(__dirname, '..', '..', 'lib');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'viztracer-bundled-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the built bundles', () => {
  for (const bundle of ['viztracer.bundle.js', 'register.bundle.js']) {
    it(`lib/${bundle} has a code cache this Node takes`, () => {
      const file = path.join(LIB, bundle);
      const cachedData = fs.readFileSync(`${file}.cache`);
      const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), {
        filename: file,
        cachedData,
      });
      expect(script.cachedDataRejected).toBe(false);
    });

    it(`lib/${bundle} is ASCII (V8 would keep it two bytes a character)`, () => {
      const text = fs.readFileSync(path.join(LIB, bundle), 'latin1');
      expect(text.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
    });
  }
});

describe('what a traced start loads', () => {
  const builtins = ['child_process', 'zlib'];
  const loaded = async (
    start: (args: string[]) => Promise<{ status: number | null; stdout: string }>,
    args: string[] = [],
  ): Promise<unknown> => {
    const r = await start([...args, program('loaded-builtins.js'), ...builtins]);
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };
  const cli = (args: string[]) => viztracer(['--quiet', '-o', path.join(tmp, 'r.json'), ...args]);
  const preload = (args: string[]) =>
    runNode(['--require', path.join(LIB, 'register.js'), ...args], {
      cwd: tmp,
      env: cleanEnv({ VIZTRACER_QUIET: '1' }),
    });

  it('neither node:child_process nor node:zlib (the CLI, and the preload)', async () => {
    expect(await loaded(cli)).toEqual({ child_process: false, zlib: false });
    expect(await loaded(preload)).toEqual({ child_process: false, zlib: false });
  });

  it('node:zlib when the report is gzipped, so the save has it as it was', async () => {
    const gz = ['--quiet', '-o', path.join(tmp, 'r.json.gz')];
    expect(await loaded((args) => viztracer([...gz.slice(1), ...args]))).toEqual({
      child_process: false,
      zlib: true,
    });
  });
});

/** Runs `bundle` of `dir` through runBundled in a fresh node; what it printed, parsed. */
function run(dir: string, env: NodeJS.ProcessEnv = {}): { how: string; exports: unknown } {
  const script = `
    const { runBundled } = require(${JSON.stringify(path.join(LIB, 'bundled.js'))});
    let exports;
    const how = runBundled('b.js', 'fallback.js', (e) => { exports = e; }, ${JSON.stringify(dir)});
    console.log(JSON.stringify({ how, exports }));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, VIZTRACER_WRITE_CODE_CACHE: undefined, ...env },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { how: string; exports: unknown };
}

describe('runBundled', () => {
  const dir = path.join(tmp, 'lib');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'sibling.js'), 'module.exports = 42;\n');
  fs.writeFileSync(path.join(dir, 'fallback.js'), 'exports.from = "modules";\n');
  fs.writeFileSync(
    path.join(dir, 'b.js'),
    `exports.from = 'bundle';
exports.dir = __dirname;
exports.file = __filename;
exports.sibling = require('./sibling');
exports.cpus = typeof require('node:os').cpus;
exports.sameModule = module.exports === exports;
exports.writeCacheEnv = process.env.VIZTRACER_WRITE_CODE_CACHE ?? null;
`,
  );
  const cache = path.join(dir, 'b.js.cache');
  const asEntry = {
    from: 'bundle',
    dir,
    file: path.join(dir, 'b.js'),
    sibling: 42,
    cpus: 'function',
    sameModule: true,
    writeCacheEnv: null,
  };

  it('runs a bundle without a cache as its module would, and writes none unasked', () => {
    expect(run(dir)).toEqual({ how: 'compiled', exports: asEntry });
    expect(fs.existsSync(cache)).toBe(false);
  });

  it('writes the cache at exit when asked (the bundle does not see the ask), then takes it', () => {
    expect(run(dir, { VIZTRACER_WRITE_CODE_CACHE: '1' })).toEqual({
      how: 'compiled',
      exports: asEntry,
    });
    expect(fs.statSync(cache).size).toBeGreaterThan(0);
    expect(run(dir)).toEqual({ how: 'cached', exports: asEntry });
  });

  it('compiles the bundle when V8 rejects its cache', () => {
    fs.writeFileSync(cache, Buffer.alloc(4096, 7));
    expect(run(dir)).toEqual({ how: 'compiled', exports: asEntry });
  });

  it('loads the modules when the bundle is older than its entry module (tsc ran since)', () => {
    const now = Date.now() / 1000;
    fs.utimesSync(path.join(dir, 'b.js'), now - 10, now - 10);
    fs.utimesSync(path.join(dir, 'fallback.js'), now, now);
    expect(run(dir)).toEqual({ how: 'modules', exports: { from: 'modules' } });
  });

  it('loads the modules when there is no bundle', () => {
    fs.rmSync(path.join(dir, 'b.js'));
    expect(run(dir)).toEqual({ how: 'modules', exports: { from: 'modules' } });
  });
});
