// After tsc: the CLI and the preload as one file each in lib/, with V8's code cache of each
// beside it (src/bundled.ts loads them). The cache is made by running each once on an empty
// program with this Node; a Node that rejects it compiles the bundle as it would any file.
// Without esbuild (a production install), nothing is bundled and the modules load one by one.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = fileURLToPath(new URL('../lib/', import.meta.url));
const BUNDLES = { 'viztracer.bundle': 'cli/main.js', 'register.bundle': 'preload.js' };

for (const name of Object.keys(BUNDLES)) {
  fs.rmSync(path.join(LIB, `${name}.js`), { force: true });
  fs.rmSync(path.join(LIB, `${name}.js.cache`), { force: true });
}
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('bundle: esbuild is not installed: lib/ is left as modules');
  process.exit(0);
}
const result = await esbuild.build({
  entryPoints: Object.fromEntries(
    Object.entries(BUNDLES).map(([name, entry]) => [name, path.join(LIB, entry)]),
  ),
  outdir: LIB,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Dependencies stay in node_modules (one copy, shared with the program's requires of them).
  packages: 'external',
  external: ['*.node'],
  logLevel: 'warning',
  charset: 'ascii',
  write: false,
});
// All ASCII, comments too (esbuild keeps JSDoc comments as they are): V8 keeps a source with
// one other character (a µ in a comment) as two bytes a character, and reading it as UTF-8
// took 1.3-1.9 ms against 0.6. What is left is in comments and regular expressions (no `u`
// flag, no String.raw), where a \u escape means the same character.
for (const file of result.outputFiles) {
  const text = file.text.replace(
    /[^\x00-\x7f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  fs.writeFileSync(file.path, text);
}

// The launchers (the bin and the preload's entry) with runBundled inlined: one file for Node
// to find, read and compile before the bundle, not two.
await esbuild.build({
  entryPoints: [path.join(LIB, 'cli', 'viztracer.js'), path.join(LIB, 'register.js')],
  outdir: LIB,
  outbase: LIB,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  charset: 'ascii',
});

// The code cache: an empty program traced by the CLI, and by the preload.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'viztracer-bundle-'));
try {
  const empty = path.join(dir, 'empty.js');
  fs.writeFileSync(empty, '');
  const env = { ...process.env, VIZTRACER_WRITE_CODE_CACHE: '1' };
  for (const k of Object.keys(env))
    if (k.startsWith('VIZTRACER_') && k !== 'VIZTRACER_WRITE_CODE_CACHE') delete env[k];
  delete env.NODE_OPTIONS;
  const runs = [
    [path.join(LIB, 'cli', 'viztracer.js'), '--quiet', '-o', path.join(dir, 'cli.json'), empty],
    ['--require', path.join(LIB, 'register.js'), empty],
  ];
  // Without a cache the bundles still work (compiled as any file): a warning, not a failed build.
  for (const args of runs) {
    const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0) {
      console.warn(`bundle: making the code cache failed: node ${args.join(' ')}\n${r.stderr}`);
    }
  }
  for (const name of Object.keys(BUNDLES)) {
    if (!fs.existsSync(path.join(LIB, `${name}.js.cache`))) {
      console.warn(`bundle: no code cache was written for lib/${name}.js`);
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
