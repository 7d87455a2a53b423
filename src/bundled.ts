// The code a traced process runs at start and at exit, loaded as one file with V8's code cache.
//
// Every `viztracer` run and every traced child or worker loads the CLI or the preload and, at
// exit, what builds and writes the report: some forty modules. One at a time, each is found,
// read, wrapped and compiled, and each of its functions compiled when first called; that was
// about a quarter of what tracing adds to a short program. The build (scripts/bundle.mjs) makes
// each entry point one file in lib/ (esbuild: every module still runs only when first
// required), runs it once on an empty program and keeps V8's code cache of what that compiled,
// beside it (`<bundle>.cache`). Here the file is compiled with that cache, so V8 skips parsing
// and compiling what it holds. A cache V8 rejects (another Node, other V8 flags) costs nothing
// but the compiling; without the bundle (no esbuild), or with one older than its entry module
// (tsc ran since), the modules load one by one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { loadNative } from './native';
import { NodeModule as Module } from './node-module';

/** Set by scripts/bundle.mjs: write the code cache of the bundles this process ran, at exit. */
const WRITE_CACHE_ENV = 'VIZTRACER_WRITE_CODE_CACHE';

/**
 * How `runBundled` ran its code: the bundle with the code cache V8 took, the bundle compiled
 * (no cache, or one V8 rejected), or the modules one by one (no bundle).
 */
export type BundleRun = 'cached' | 'compiled' | 'modules';

/**
 * A bundle's text. In a main thread, where the addon is loaded anyway (Ctrl+C), it reads the
 * file into a string V8 neither copies nor decodes: the bundles are ASCII (scripts/bundle.mjs),
 * and fs' UTF-8 read of one took about a millisecond. Elsewhere, or without the addon, fs.
 */
function readSource(file: string, dir: string): string {
  const { isMainThread } = require('node:worker_threads') as typeof import('node:worker_threads');
  if (isMainThread) {
    const native = loadNative(dir);
    const text = 'addon' in native ? native.addon.readAsciiFile?.(file) : null;
    if (typeof text === 'string') return text;
  }
  return fs.readFileSync(file, 'utf8');
}

/**
 * Runs `<dir>/<bundle>`'s entry module, or `fallback` (a module's path in `dir`) when there is
 * no bundle, then `start` on its exports. `dir` is lib/ but in tests.
 */
export function runBundled<T>(
  bundle: string,
  fallback: string,
  start?: (exports: T) => void,
  dir = __dirname,
): BundleRun {
  const file = path.join(dir, bundle);
  const entry = path.join(dir, fallback);
  let source: string;
  try {
    // A bundle older than its entry module is stale (tsc ran since, without the bundling).
    if (fs.statSync(file).mtimeMs < fs.statSync(entry).mtimeMs) throw new Error('stale');
    source = readSource(file, dir);
  } catch {
    start?.(require(entry) as T);
    return 'modules';
  }
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // none: compiled as any module is
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  // Requires resolve from the bundle's place, as its modules' did from theirs in lib/.
  const req = Module.createRequire(file);
  const run = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: NodeJS.Module,
    filename: string,
    dirname: string,
  ) => void;
  // Not for the program's children.
  const writeCache = process.env[WRITE_CACHE_ENV] !== undefined;
  delete process.env[WRITE_CACHE_ENV];
  run.call(mod.exports, mod.exports, req, mod, file, dir);
  mod.loaded = true;
  start?.(mod.exports as T);
  if (writeCache) {
    // After the report is written (this listener comes after the tracer's, which `start`
    // added), so the cache holds the exit's code too.
    process.on('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    });
  }
  return cachedData !== undefined && !script.cachedDataRejected ? 'cached' : 'compiled';
}
