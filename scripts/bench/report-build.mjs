// Report building: convert a synthetic 1,000,000-sample profile (convertProfile) and write it
// as .json and as .json.gz (saveEventsSync, as exit handlers do, and for .json.gz also
// saveEvents, as the CLI does). Each run is a fresh child process doing only
// this (report-build-child.mjs) under /usr/bin/time -v for its peak RSS; runs alternate
// between the formats. Targets: >= 1M samples/s convert+write, peak RSS < 300 MB.
// Also measured, apart from the targets: the CLI's merge step on the .json just written
// (the CLI reads every process's partial report and writes the final one).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE, QUICK, ROOT, fmt, median, printTable, tempDir, writeResults } from './common.mjs';

const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS || 5);
const SAMPLES = Number(process.env.BENCH_SAMPLES || 1_000_000);
const TIME = '/usr/bin/time';
const hasTime = fs.existsSync(TIME);
const child = path.join(ROOT, 'scripts', 'bench', 'report-build-child.mjs');
const tmp = tempDir('report');

function runChild(...args) {
  const cmd = hasTime ? [TIME, ['-v', NODE, child, ...args]] : [NODE, [child, ...args]];
  const r = spawnSync(cmd[0], cmd[1], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`report-build child failed: ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop());
  // GNU time: "Maximum resident set size (kbytes): N"; without it, the child's own maxRSS.
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  res.peakRssMB = m ? Number(m[1]) / 1024 : res.maxRssMB;
  return res;
}

// .json.gz is written two ways: synchronously with fflate (exit handlers cannot wait for
// node:zlib's asynchronous streams) and asynchronously with node:zlib (the CLI's final report).
const CONFIGS = {
  json: ['json', 'sync'],
  'json.gz (sync, fflate)': ['json.gz', 'sync'],
  'json.gz (async, node:zlib)': ['json.gz', 'async'],
};
const formats = Object.keys(CONFIGS);
const runs = Object.fromEntries([...formats, 'merge'].map((f) => [f, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const f of r % 2 ? [...formats].reverse() : formats) {
    const [ext, writer] = CONFIGS[f];
    const out = path.join(tmp, `report.${ext}`);
    runs[f].push(runChild('convert', String(SAMPLES), out, writer));
    if (f === 'json') runs.merge.push(runChild('merge', out, path.join(tmp, 'merged.json')));
    fs.rmSync(out, { force: true });
    fs.rmSync(path.join(tmp, 'merged.json'), { force: true });
  }
  console.log(`  round ${r + 1}/${ROUNDS} done`);
}

const med = (rs, k) => median(rs.map((x) => x[k]));
const rows = formats.map((f) => {
  const rs = runs[f];
  const totalMs = med(rs, 'totalMs');
  return {
    format: f,
    samples: rs[0].samples,
    nodes: rs[0].nodes,
    slices: rs[0].slices,
    events: rs[0].events,
    bytes: rs[0].bytes,
    convertMs: med(rs, 'convertMs'),
    saveMs: med(rs, 'saveMs'),
    totalMs,
    samplesPerSec: rs[0].samples / (totalMs / 1000),
    convertSamplesPerSec: rs[0].samples / (med(rs, 'convertMs') / 1000),
    peakRssMB: med(rs, 'peakRssMB'),
    maxRssAfterBuildMB: med(rs, 'maxRssAfterBuildMB'),
    maxRssAfterConvertMB: med(rs, 'maxRssAfterConvertMB'),
    runs: rs,
  };
});
const merge = {
  events: runs.merge[0].events,
  bytes: runs.merge[0].bytes,
  totalMs: med(runs.merge, 'totalMs'),
  peakRssMB: med(runs.merge, 'peakRssMB'),
  runs: runs.merge,
};

printTable(
  `Convert + write ${SAMPLES.toLocaleString('en-US')} samples (${rows[0].nodes} nodes), median of ${ROUNDS} run(s)`,
  [
    'format',
    'convert ms',
    'write ms',
    'total ms',
    'samples/s',
    'events',
    'MB written',
    'peak RSS MB',
    'of which profile MB',
  ],
  rows.map((r) => [
    r.format,
    fmt(r.convertMs, 0),
    fmt(r.saveMs, 0),
    fmt(r.totalMs, 0),
    fmt(r.samplesPerSec, 0),
    r.events,
    fmt(r.bytes / 1e6, 1),
    fmt(r.peakRssMB, 0),
    fmt(r.maxRssAfterBuildMB, 0),
  ]),
);
console.log(
  '("of which profile MB": max RSS once the synthetic profile was built, before convertProfile)',
);
for (const r of rows) {
  console.log(
    `${r.format}: >= 1M samples/s ${r.samplesPerSec >= 1e6 ? 'met' : 'NOT met'}; peak RSS < 300 MB ${r.peakRssMB < 300 ? 'met' : 'NOT met'}`,
  );
}
printTable(
  'CLI merge step on the .json above (read partial report, write final report; not in the targets)',
  ['step', 'events', 'total ms', 'peak RSS MB'],
  [['merge', merge.events, fmt(merge.totalMs, 0), fmt(merge.peakRssMB, 0)]],
);
writeResults('report-build', {
  rounds: ROUNDS,
  rssSource: hasTime ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS',
  targets: { samplesPerSec: 1e6, peakRssMB: 300 },
  rows,
  merge,
});
