// What files without a source map cost a report build: each file a profile names is looked up
// (Node's map cache, then the file's last line for a `//# sourceMappingURL=` comment) before its
// frames are named. FILES small modules with no map, one frame each; every run is a fresh process
// timing `mapSamples` once, cold, as a traced process does at exit (the addon loaded first, as
// the CLI and the preload load it). `OTHER_ROOT` (a checkout with lib/ built) runs alongside.
//   node scripts/bench/source-maps-files.mjs [OTHER_ROOT]    the benchmark
//   node scripts/bench/source-maps-files.mjs child ROOT DIR FILES   one run
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE, QUICK, ROOT, fmt, median, printTable, tempDir, writeResults } from './common.mjs';

const FILES = Number(process.env.BENCH_FILES || 300);

function child(root, dir, files) {
  const require = createRequire(path.join(root, 'x.js'));
  require(path.join(root, 'lib', 'native.js')).loadNative();
  const { SourceMaps, mapSamples } = require(path.join(root, 'lib', 'report', 'source-maps.js'));
  const nodes = [{ parent: -1, functionName: '(root)', file: '', line: 0, column: 0 }];
  for (let i = 0; i < files; i++) {
    nodes.push({
      parent: 0,
      functionName: `f${i}`,
      file: path.join(dir, `m${i}.js`),
      line: 1,
      column: 18,
    });
  }
  const samples = { nodes, samples: new Int32Array(0), timesMicros: new Float64Array(0) };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const maps = new SourceMaps(
    () => false,
    () => {},
  );
  mapSamples(samples, maps);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ wallMs, cpuMs: (c.user + c.system) / 1000 }));
}

if (process.argv[2] === 'child') {
  const [, , , root, dir, files] = process.argv;
  child(root, dir, Number(files));
} else {
  const ROUNDS = QUICK ? 2 : Number(process.env.BENCH_ROUNDS || 15);
  const other = process.argv[2] ? path.resolve(process.argv[2]) : null;
  const dir = tempDir('source-maps-files');
  for (let i = 0; i < FILES; i++) {
    fs.writeFileSync(
      path.join(dir, `m${i}.js`),
      `module.exports = function f${i}(x) {\n  return x + ${i};\n};\n`,
    );
  }
  const roots = other ? [ROOT, other] : [ROOT];
  const runs = new Map(roots.map((r) => [r, []]));
  const self = fileURLToPath(import.meta.url);
  for (let r = 0; r < ROUNDS; r++) {
    for (const root of r % 2 ? [...roots].reverse() : roots) {
      const res = spawnSync(NODE, [self, 'child', root, dir, String(FILES)], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`source-maps-files child failed: ${res.stderr}`);
      runs.get(root).push(JSON.parse(res.stdout.trim().split('\n').pop()));
    }
  }
  const rows = roots.map((root) => {
    const wallMs = median(runs.get(root).map((x) => x.wallMs));
    const cpuMs = median(runs.get(root).map((x) => x.cpuMs));
    return { root, wallMs, cpuMs, microsPerFile: (wallMs * 1000) / FILES };
  });
  printTable(
    `Naming frames of ${FILES} files without source maps (cold, one process a run), median of ${ROUNDS}`,
    ['lib/ of', 'wall ms', 'CPU ms', 'µs a file'],
    rows.map((r) => [r.root, fmt(r.wallMs, 1), fmt(r.cpuMs, 1), fmt(r.microsPerFile, 0)]),
  );
  writeResults('source-maps-files', {
    rounds: ROUNDS,
    files: FILES,
    rows,
    runs: Object.fromEntries(runs),
  });
}
