// Load-time cost of `--instrument`: how fast modules are instrumented, in MB of source per
// second, on a big real dependency tree: the `typescript` package (node_modules/typescript/lib,
// about 15 MB of JavaScript).
//   1. The transform alone, in this process: instrument() on every lib/*.js file, and acorn's
//      parse of the same files for comparison (the transform's first step). Median of rounds.
//   2. End to end: `scripts/bench/workloads/ts-compile.js` (require('typescript'), then
//      transpileModule a small program) under plain node and under
//      `viztracer --instrument --instrument_node_modules`, alternating; the in-process time of
//      load+compile, and the whole process.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  CLI,
  NODE,
  QUICK,
  ROOT,
  WORKLOADS,
  fmt,
  median,
  printTable,
  tempDir,
  writeResults,
} from './common.mjs';

const require = createRequire(import.meta.url);
const { instrument } = require(path.join(ROOT, 'lib', 'instrument', 'transform.js'));
const { parse } = require('acorn');

const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS || 5);
const libDir = path.join(ROOT, 'node_modules', 'typescript', 'lib');
const files = fs
  .readdirSync(libDir)
  .filter((f) => f.endsWith('.js'))
  .map((f) => path.join(libDir, f));
const sources = files.map((f) => ({ file: f, text: fs.readFileSync(f, 'utf8') }));
const totalBytes = sources.reduce((s, x) => s + Buffer.byteLength(x.text), 0);
const MB = totalBytes / 1e6;
const now = () => Number(process.hrtime.bigint()) / 1e6;

console.log(`instrument-load: ${files.length} files, ${fmt(MB, 2)} MB of typescript/lib/*.js`);
let functions = 0;
const transformMs = [];
const parseMs = [];
for (let r = 0; r < ROUNDS + 1; r++) {
  // Alternate the two measures; the first round of each warms the JIT and is not kept.
  let t = now();
  for (const s of sources) {
    parse(s.text, {
      ecmaVersion: 'latest',
      locations: false,
      preserveParens: true,
      allowHashBang: true,
      sourceType: 'script',
      allowReturnOutsideFunction: true,
    });
  }
  if (r > 0) parseMs.push(now() - t);
  t = now();
  functions = 0;
  for (const s of sources) functions += instrument(s.text, s.file).functions.length;
  if (r > 0) transformMs.push(now() - t);
}
const tMs = median(transformMs);
const pMs = median(parseMs);

const workload = path.join(WORKLOADS, 'ts-compile.js');
const tmp = tempDir('instrument-load');
const report = path.join(tmp, 'report.json');
const configs = [
  { name: 'node (plain)', args: [workload] },
  {
    name: 'viztracer --instrument --instrument_node_modules',
    args: [CLI, '--quiet', '--instrument', '--instrument_node_modules', '-o', report, workload],
  },
];
const runs = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < configs.length; k++) {
    const c = configs[(k + r) % configs.length];
    fs.rmSync(report, { force: true });
    const t0 = now();
    const out = spawnSync(NODE, c.args, { encoding: 'utf8', cwd: ROOT });
    const wallMs = now() - t0;
    if (out.status !== 0) throw new Error(`${c.name} failed: ${out.stderr}`);
    runs[c.name].push({ ...JSON.parse(out.stdout.trim().split('\n').pop()), wallMs });
  }
}
const [plain, traced] = configs.map((c) => runs[c.name]);
const loadedMB = fs.statSync(path.join(libDir, 'typescript.js')).size / 1e6;
const addedMs = median(traced.map((x) => x.ms)) - median(plain.map((x) => x.ms));
const slices = JSON.parse(fs.readFileSync(report, 'utf8')).traceEvents.filter(
  (e) => e.ph === 'X',
).length;

printTable(
  `transform alone (in process, median of ${ROUNDS})`,
  ['step', 'ms', 'MB/s'],
  [
    ['acorn parse only', fmt(pMs, 0), fmt(MB / (pMs / 1000), 1)],
    [`instrument() (${functions} functions)`, fmt(tMs, 0), fmt(MB / (tMs / 1000), 1)],
  ],
);
printTable(
  `end to end: require('typescript') + transpileModule (median of ${ROUNDS}, alternating)`,
  ['configuration', 'load+compile ms', 'of which require ms', 'whole process ms'],
  [plain, traced].map((xs, i) => [
    configs[i].name,
    fmt(median(xs.map((x) => x.ms)), 0),
    fmt(median(xs.map((x) => x.loadMs)), 0),
    fmt(median(xs.map((x) => x.wallMs)), 0),
  ]),
);
console.log(
  `\nadded by --instrument: ${fmt(addedMs, 0)} ms for typescript.js (${fmt(loadedMB, 2)} MB): ` +
    `${fmt(loadedMB / (addedMs / 1000), 1)} MB/s end to end; report: ${slices} slices`,
);

writeResults('instrument-load', {
  rounds: ROUNDS,
  files: files.map((f) => path.basename(f)),
  megabytes: MB,
  functions,
  transformMs,
  parseMs,
  transformMBps: MB / (tMs / 1000),
  parseMBps: MB / (pMs / 1000),
  endToEnd: { plain, traced, loadedMB, addedMs, MBps: loadedMB / (addedMs / 1000), slices },
});
