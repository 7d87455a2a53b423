// What naming frames through source maps costs a report: a synthetic 1,000,000-sample profile
// (synthetic-profile.mjs) whose user frames are functions of a ~5 MB esbuild bundle (generated
// TypeScript modules, an external .map beside it), built into a process's track by
// buildProcessTrack (report/build.ts) with source maps and without (--no_source_maps), then
// written as .json (saveEventsSync). Each run is a fresh child process doing one of the two;
// runs alternate. Target: mapping adds at most 20% to the report build. Also timed apart, after
// the rest: loading the map again, and loading it with trace-mapping decoding every mapping.
//   node scripts/bench/source-maps.mjs                       the benchmark
//   node scripts/bench/source-maps.mjs child maps|none BUNDLE SAMPLES OUT   one run
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NODE, QUICK, ROOT, fmt, median, printTable, tempDir, writeResults } from './common.mjs';
import { syntheticProfile } from './synthetic-profile.mjs';

const require = createRequire(import.meta.url);
const lib = (p) => require(path.join(ROOT, 'lib', p));
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** ~5 MB of TypeScript in MODULES modules, bundled by esbuild with an external map. */
export function makeBundle(dir) {
  const MODULES = 300;
  const FUNCTIONS = 50;
  const src = path.join(dir, 'src');
  fs.mkdirSync(src, { recursive: true });
  for (let m = 0; m < MODULES; m++) {
    let text = `// Module ${m}.\nexport interface Row${m} {\n  id: number;\n  name: string;\n  tags: string[];\n}\n`;
    for (let k = 0; k < FUNCTIONS; k++) {
      text += `
export function m${m}_f${k}(rows: Row${m}[], n: number): number {
  let total = 0;
  for (const r of rows) {
    if (r.id % ${k + 2} === 0) total += r.name.length * n;
    else total -= r.tags.length;
  }
  const extra = rows.map((r: Row${m}) => r.id * ${k}).filter((x: number) => x > ${k});
  return total + extra.length + (n > ${k} ? m${m}_f${(k + 1) % FUNCTIONS}(rows.slice(1), n - 1) : 0);
}
`;
    }
    fs.writeFileSync(path.join(src, `m${m}.ts`), text);
  }
  const imports = Array.from({ length: MODULES }, (_, m) => `import * as m${m} from './m${m}';`);
  fs.writeFileSync(
    path.join(src, 'index.ts'),
    `${imports.join('\n')}\nexport const all = [${imports.map((_, m) => `m${m}`).join(', ')}];\n`,
  );
  const out = path.join(dir, 'bundle', 'index.js');
  require('esbuild').buildSync({
    entryPoints: [path.join(src, 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: 'external',
    outfile: out,
    logLevel: 'warning',
  });
  // esbuild names the map in a comment only with sourcemap: 'linked'; as tsc does:
  fs.appendFileSync(out, '//# sourceMappingURL=index.js.map\n');
  return out;
}

/** The bundle's named functions: where each starts (0-based line and column, as V8's inspector). */
function functionsOf(bundle) {
  const out = [];
  const lines = fs.readFileSync(bundle, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const m = /^(\s*)function (m\d+_f\d+)\(/.exec(line);
    if (m) out.push({ name: m[2], line: i, column: m[1].length });
  });
  return out;
}

function child(mode, bundle, samples, out) {
  const { buildProcessTrack } = lib('report/build.js');
  const { SourceMaps } = lib('report/source-maps.js');
  const { fromInspectorProfile } = lib('trace/inspector-profile.js');
  const { processEventTexts } = lib('report/serialize.js');
  const { saveEventsSync } = lib('report/save.js');
  const { reportMetadata } = lib('trace/metadata.js');
  const { convertOptionsOf } = lib('tracer.js');
  const { resolveOptions } = lib('options.js');
  const { LIB_DIR } = lib('version.js');
  // The addon (whose indexMappings the map reader uses) is loaded before the clock starts, as a
  // traced process has it: the CLI and the preload load it at start (it watches for Ctrl+C).
  lib('native.js').loadNative();
  const fns = functionsOf(bundle);
  const url = pathToFileURL(bundle).href;
  // The profile's user frames become the bundle's functions (each pool function one of them).
  const profile = syntheticProfile({ samples });
  for (const n of profile.nodes) {
    const cf = n.callFrame;
    const m = /module(\d+)\.js$/.exec(cf.url);
    if (!m) continue;
    const f = fns[(Number(m[1]) * 7919 + cf.lineNumber * 31) % fns.length];
    cf.url = url;
    cf.lineNumber = f.line;
    cf.columnNumber = f.column + 'function '.length;
    if (cf.functionName !== '') cf.functionName = f.name;
  }
  const input = {
    pid: process.pid,
    ppid: process.ppid,
    argv: ['node', bundle],
    thread: { tid: process.pid, name: 'main', sortIndex: 0 },
    isMain: true,
    monitors: [],
    pools: { libuv: [], v8: [] },
  };
  const t0 = now();
  const c0 = process.cpuUsage();
  const samplesOf = fromInspectorProfile(profile);
  const warnings = [];
  const maps =
    mode === 'maps'
      ? new SourceMaps(
          (file) => file.startsWith(LIB_DIR),
          (w) => warnings.push(w),
        )
      : null;
  const track = buildProcessTrack(
    {
      ...input,
      captures: [{ samples: samplesOf, calls: null, events: emptyEvents(), labels: null }],
    },
    {
      convert: convertOptionsOf(resolveOptions({ interval: 1000 })),
      libDir: LIB_DIR,
      jsCoreFromSamples: false,
      sourceMaps: maps,
    },
  );
  const t1 = now();
  const c1 = process.cpuUsage(c0);
  const slices = track.threads[0].slices;
  const saved = saveEventsSync(out, processEventTexts(track), () =>
    reportMetadata({
      backend: 'inspector',
      intervalMicros: 1000,
      sampleCount: slices.sampleCount,
      command: ['bench'],
    }),
  );
  const t2 = now();
  // The peak of the build and write, before the measurements apart below add theirs.
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  const named = slices.names.filter((n) => n.includes('.ts:')).length;
  // Apart, after the rest: what loading the bundle's map takes (read, parse, index) again.
  // And, for comparison, what @jridgewell/trace-mapping took to read it and decode every
  // mapping at the first lookup (how report/source-maps.ts read maps before 98e7ca9).
  let mapLoadMs = 0;
  let traceMappingMs = 0;
  if (mode === 'maps') {
    const t3 = now();
    new SourceMaps(
      () => false,
      () => {},
    ).mapOf(bundle);
    mapLoadMs = now() - t3;
    const tm = require('@jridgewell/trace-mapping');
    const t4 = now();
    const all = new tm.TraceMap(fs.readFileSync(`${bundle}.map`, 'utf8'), `${bundle}.map`);
    tm.originalPositionFor(all, { line: fns[0].line + 1, column: fns[0].column });
    traceMappingMs = now() - t4;
  }
  console.log(
    JSON.stringify({
      mode,
      samples: slices.sampleCount,
      slices: slices.count,
      namesFromSources: named,
      warnings,
      buildMs: t1 - t0,
      // CPU time of the process (its GC and compiler threads too): steadier than wall time on
      // a machine other work shares.
      buildCpuMs: (c1.user + c1.system) / 1000,
      mapLoadMs,
      traceMappingMs,
      saveMs: t2 - t1,
      totalMs: t2 - t0,
      bytes: saved.bytes,
      maxRssMB,
    }),
  );
}

function emptyEvents() {
  return { slices: [], instants: [], counters: [], dropped: 0 };
}

if (!process.argv[1] || import.meta.url !== pathToFileURL(process.argv[1]).href) {
  // imported: makeBundle only
} else if (process.argv[2] === 'child') {
  const [, , , mode, bundle, samples, out] = process.argv;
  child(mode, bundle, Number(samples), out);
} else {
  const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS || 5);
  const SAMPLES = Number(process.env.BENCH_SAMPLES || 1_000_000);
  const tmp = tempDir('source-maps');
  const bundle = makeBundle(tmp);
  const sizes = {
    bundleMB: fs.statSync(bundle).size / 1e6,
    mapMB: fs.statSync(`${bundle}.map`).size / 1e6,
    functions: functionsOf(bundle).length,
  };
  const self = fileURLToPath(import.meta.url);
  const runs = { none: [], maps: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 ? ['maps', 'none'] : ['none', 'maps']) {
      const out = path.join(tmp, `r-${mode}.json`);
      const res = spawnSync(NODE, [self, 'child', mode, bundle, String(SAMPLES), out], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      if (res.status !== 0) throw new Error(`source-maps child failed: ${res.stderr}`);
      runs[mode].push(JSON.parse(res.stdout.trim().split('\n').pop()));
      fs.rmSync(out, { force: true });
    }
    console.log(`  round ${r + 1}/${ROUNDS} done`);
  }
  const med = (mode, k) => median(runs[mode].map((x) => x[k]));
  const rows = ['none', 'maps'].map((mode) => ({
    mode,
    buildMs: med(mode, 'buildMs'),
    buildCpuMs: med(mode, 'buildCpuMs'),
    mapLoadMs: med(mode, 'mapLoadMs'),
    traceMappingMs: med(mode, 'traceMappingMs'),
    saveMs: med(mode, 'saveMs'),
    totalMs: med(mode, 'totalMs'),
    maxRssMB: med(mode, 'maxRssMB'),
    namesFromSources: runs[mode][0].namesFromSources,
    bytes: runs[mode][0].bytes,
    slices: runs[mode][0].slices,
  }));
  const [none, maps] = rows;
  printTable(
    `Report build of ${SAMPLES.toLocaleString('en-US')} samples from a ${fmt(sizes.bundleMB, 1)} MB bundle (${fmt(sizes.mapMB, 1)} MB map, ${sizes.functions} functions), median of ${ROUNDS} run(s)`,
    [
      'source maps',
      'build ms',
      'build CPU ms',
      'apart: loading the map',
      'apart: trace-mapping decoding all',
      'write ms',
      'build + write ms',
      'MB written',
      'peak RSS MB',
      'names from .ts',
    ],
    rows.map((r) => [
      r.mode === 'maps' ? 'on' : 'off (--no_source_maps)',
      fmt(r.buildMs, 0),
      fmt(r.buildCpuMs, 0),
      r.mode === 'maps' ? fmt(r.mapLoadMs, 0) : '-',
      r.mode === 'maps' ? fmt(r.traceMappingMs, 0) : '-',
      fmt(r.saveMs, 0),
      fmt(r.totalMs, 0),
      fmt(r.bytes / 1e6, 0),
      fmt(r.maxRssMB, 0),
      r.namesFromSources,
    ]),
  );
  const added = maps.buildMs / none.buildMs - 1;
  const addedTotal = maps.totalMs / none.totalMs - 1;
  const addedCpu = maps.buildCpuMs / none.buildCpuMs - 1;
  // Each round's two runs ran back to back: their ratio is freer of the machine's drift.
  const paired = (k) => median(runs.maps.map((m, i) => m[k] / runs.none[i][k])) - 1;
  const pairedBuild = paired('buildMs');
  const pairedCpu = paired('buildCpuMs');
  const verdict = (x) => (x <= 0.2 ? 'met' : 'NOT met');
  console.log(
    `mapping adds ${fmt(added * 100, 1)}% to the build (paired ${fmt(pairedBuild * 100, 1)}%), ${fmt(addedTotal * 100, 1)}% to build + write; at most 20%: ${verdict(added)}`,
  );
  console.log(
    `in CPU time: ${fmt(addedCpu * 100, 1)}% (paired ${fmt(pairedCpu * 100, 1)}%): ${verdict(addedCpu)}`,
  );
  if (runs.maps[0].warnings.length) console.log(`warnings: ${runs.maps[0].warnings.join('; ')}`);
  writeResults('source-maps', {
    rounds: ROUNDS,
    samples: SAMPLES,
    sizes,
    added,
    addedTotal,
    addedCpu,
    pairedBuild,
    pairedCpu,
    rows,
    runs,
  });
}
