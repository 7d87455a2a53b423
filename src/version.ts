import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

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
 * The folders of the packages our code runs (our dependencies and theirs): their frames under
 * our own are the tracer's work too (building a pprof, reading source maps, gzip), not the
 * program's. Found once, by resolving from lib/ as our code does.
 */
export function ownDependencyDirs(): readonly string[] {
  if (dependencyDirs) return dependencyDirs;
  const found = new Set<string>();
  const visit = (name: string, from: string, depth: number): void => {
    let entry: string;
    try {
      entry = require.resolve(name, { paths: [from] });
    } catch {
      return; // optional, or exports no main entry: its frames stay the program's
    }
    const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
    const at = entry.lastIndexOf(marker);
    if (at < 0) return;
    const dir = entry.slice(0, at + marker.length - 1);
    if (found.has(dir)) return;
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
