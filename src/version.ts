import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The package's version, read once from its package.json (lib/ sits beside it). */
export const VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** The folder of our compiled code; frames from it are our own and hidden like Node's internals. */
export const LIB_DIR = __dirname;

/**
 * The folder the process started in (read when tracing starts, before the program can
 * `process.chdir()`): the paths in our messages are relative to it, as the user typed them.
 */
export const START_DIR = process.cwd();

let dependencyDirs: string[] | null = null;

/**
 * The folder of package `name` as `require` from `from` finds it (the nearest `node_modules`
 * up the tree that has it), by its real path, as V8 names the files in it; null if absent.
 * Only the folder: resolving the package's entry (exports, main) would cost each exit
 * half a millisecond a package.
 */
function packageDir(name: string, from: string): string | null {
  for (let dir = from; ;) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) {
        try {
          return realpathSync.native(candidate);
        } catch {
          return candidate;
        }
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The folders of the packages our code runs (our dependencies and theirs): their frames under
 * our own are the tracer's work too (building a pprof, reading source maps, gzip), not the
 * program's. Found once, looking from lib/ as our code's `require` does.
 */
export function ownDependencyDirs(): readonly string[] {
  if (dependencyDirs) return dependencyDirs;
  const found = new Set<string>();
  const visit = (name: string, from: string, depth: number): void => {
    const dir = packageDir(name, from);
    if (dir === null || found.has(dir)) return; // optional and absent, or seen
    found.add(dir);
    if (depth === 0) return;
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, dir, depth - 1);
    } catch {
      // no readable package.json: its dependencies stay unknown
    }
  };
  const own = JSON.parse(readFileSync(join(dirname(__dirname), 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const d of Object.keys(own.dependencies ?? {})) visit(d, __dirname, 1);
  dependencyDirs = [...found];
  return dependencyDirs;
}
