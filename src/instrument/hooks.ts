// Where modules meet the transform: CommonJS through Module.prototype._compile, ES modules
// through module.register() load hooks (esm-hooks.ts, which runs on Node's loader thread).
// Called by the preload in every thread; each thread has its own CommonJS loader.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { shouldInstrument, type InstrumentFilter } from './filter';
import { withMovedMap } from './source-map';
import { installToString } from './to-string';
import { LIB_DIR } from '../version';
import { instrument, type TransformOptions } from './transform';

const INSTALLED = Symbol.for('viztracer.instrument.hooks');
const LOADER_THREAD_KEY = 'viztracer:loader-thread';

export interface HookWarnings {
  /** A module that did not parse and runs uninstrumented. */
  skipped(file: string, reason: string): void;
}

/** What the ES module hooks receive (module.register's `data`): plain, cloneable. */
export interface HookData {
  filter: InstrumentFilter;
  transform: TransformOptions;
}

export function installHooks(
  filter: InstrumentFilter,
  warn: HookWarnings,
  transform: TransformOptions = {},
): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  installToString();
  const Module = require('node:module') as typeof import('node:module') & {
    prototype: { _compile(content: string, filename: string, ...rest: unknown[]): unknown };
  };
  const original = Module.prototype._compile;
  Module.prototype._compile = function (content: string, filename: string, ...rest: unknown[]) {
    let code = content;
    if (typeof content === 'string' && shouldInstrument(filename, filter)) {
      try {
        const done = instrument(content, filename, undefined, transform);
        // Node reads a module's map as it compiles it only when source maps are on (a flag, or
        // a loader such as tsx): otherwise a moved map (half a second for a 5 MB bundle's) is
        // made for nothing, and the report reads the map on disk, which fits the columns kept.
        const mapsOn = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled !== false;
        code = mapsOn ? withMovedMap(done.code, content, filename, done.moved) : done.code;
      } catch (err) {
        warn.skipped(filename, (err as Error).message);
      }
    }
    return original.call(this, code, filename, ...rest);
  };
  // ES modules: load hooks on the loader thread (Node 20.6+; older Nodes trace CommonJS only).
  const register = (Module as { register?: (s: string, o?: unknown) => void }).register;
  if (typeof register === 'function') {
    // register() starts Node's loader thread, which runs the preload like any worker. It must
    // not trace nor register hooks again: environment data set now reaches only that thread.
    const wt = require('node:worker_threads') as typeof import('node:worker_threads');
    wt.setEnvironmentData(LOADER_THREAD_KEY, true);
    try {
      const data: HookData = { filter, transform };
      // From lib/, not __dirname: this module may run from a bundle there (bundled.ts).
      register(pathToFileURL(path.join(LIB_DIR, 'instrument', 'esm-hooks.js')).href, { data });
    } finally {
      wt.setEnvironmentData(LOADER_THREAD_KEY, undefined);
    }
  }
}

/** Whether this thread is Node's module loader thread that our hooks run on. */
export function isLoaderThread(): boolean {
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  return !wt.isMainThread && wt.getEnvironmentData(LOADER_THREAD_KEY) === true;
}
