// Effective sample rate: samples per second over the requested rate (1e6 / interval), for
// viztracer and for `node --cpu-prof`, at 1000 µs and 100 µs, with the median gap between
// consecutive samples. Both run the same CPU-bound workload; runs alternate between tools.
//
// viztracer is measured two ways:
//  - "viztracer backend": the samples from lib/backends/inspector.js (the backend the CLI's
//    preload uses), so samples and gaps can be counted exactly;
//  - "viztracer report": the CLI's report, viztracer_metadata.sampleCount over the time span
//    of the report's slices (a report holds slices, not samples, so there are no gaps here).
//
// And the native backend (`--native`), with each sampler (`--sampler viztracer`, V8's sampler
// tuned to the asked rate, and `--sampler v8`, as it ships), the same two ways: "native
// <sampler> backend" from lib/backends/native.js, and "native <sampler> report" from the CLI's
// report.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLI,
  NODE,
  QUICK,
  WORKLOADS,
  fmt,
  median,
  printTable,
  tempDir,
  writeResults,
} from './common.mjs';

const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS || 5);
const INTERVALS = [1000, 100];
const workload = path.join(WORKLOADS, 'cpu.js');
const tmp = tempDir('rate');

function run(args) {
  const r = spawnSync(NODE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
}

/** Rate and gaps of a V8 profile (a .cpuprofile; times in µs). */
function profileStats(p) {
  const gaps = p.timeDeltas.slice(1); // the first delta is from startTime, not from a sample
  return rateStats(p.samples.length, p.startTime, p.endTime, gaps);
}

/** Rate and gaps of a backend's samples as the workloads write them (absolute times, µs). */
function samplesStats(s) {
  const gaps = s.timesMicros.slice(1).map((t, i) => t - s.timesMicros[i]);
  return rateStats(s.timesMicros.length, s.startMicros, s.endMicros, gaps);
}

function rateStats(n, startMicros, endMicros, gaps) {
  return {
    samples: n,
    spanMicros: endMicros - startMicros,
    rate: n / ((endMicros - startMicros) / 1e6),
    medianGap: median(gaps),
  };
}

function nativeBackend(sampler) {
  return (us) => {
    const out = path.join(tmp, 'native.json');
    run([path.join(WORKLOADS, 'raw-native.cjs'), String(us), sampler, out, workload]);
    const p = JSON.parse(fs.readFileSync(out, 'utf8'));
    return samplesStats(p);
  };
}

function nativeReport(sampler) {
  return (us) => {
    const out = path.join(tmp, 'native-report.json');
    run([
      CLI,
      '--quiet',
      '--native',
      '--sampler',
      sampler,
      '-o',
      out,
      '--interval',
      String(us),
      workload,
    ]);
    return reportStats(JSON.parse(fs.readFileSync(out, 'utf8')));
  };
}

/** sampleCount over the time span of the main thread's slices. */
function reportStats(doc) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of doc.traceEvents) {
    if (e.ph !== 'X') continue;
    lo = Math.min(lo, e.ts);
    hi = Math.max(hi, e.ts + e.dur);
  }
  const n = doc.viztracer_metadata.sampleCount;
  return { samples: n, spanMicros: hi - lo, rate: n / ((hi - lo) / 1e6), medianGap: NaN };
}

const measure = {
  'viztracer backend': (us) => {
    const out = path.join(tmp, 'raw.json');
    run([path.join(WORKLOADS, 'raw-profile.cjs'), String(us), out, workload]);
    return samplesStats(JSON.parse(fs.readFileSync(out, 'utf8')));
  },
  'viztracer report': (us) => {
    const out = path.join(tmp, 'report.json');
    run([CLI, '--quiet', '-o', out, '--interval', String(us), workload]);
    return reportStats(JSON.parse(fs.readFileSync(out, 'utf8')));
  },
  'native viztracer backend': nativeBackend('viztracer'),
  'native viztracer report': nativeReport('viztracer'),
  'native v8 backend': nativeBackend('v8'),
  'native v8 report': nativeReport('v8'),
  'node --cpu-prof': (us) => {
    const dir = path.join(tmp, 'cpuprof');
    fs.rmSync(dir, { recursive: true, force: true });
    run(['--cpu-prof', '--cpu-prof-interval', String(us), '--cpu-prof-dir', dir, workload]);
    const [file] = fs.readdirSync(dir);
    return profileStats(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  },
};

const results = {}; // `${tool}@${us}` -> [stats per round]
for (let r = 0; r < ROUNDS; r++) {
  for (const us of INTERVALS) {
    for (const [tool, fn] of Object.entries(measure))
      (results[`${tool}@${us}`] ??= []).push(fn(us));
  }
  console.log(`  round ${r + 1}/${ROUNDS} done`);
}

const rows = [];
for (const us of INTERVALS) {
  for (const tool of Object.keys(measure)) {
    const runs = results[`${tool}@${us}`];
    const rate = median(runs.map((s) => s.rate));
    rows.push({
      tool,
      intervalMicros: us,
      requestedRate: 1e6 / us,
      samples: median(runs.map((s) => s.samples)),
      spanMs: median(runs.map((s) => s.spanMicros)) / 1000,
      rate,
      effective: rate / (1e6 / us),
      medianGapMicros: median(runs.map((s) => s.medianGap)),
      runs,
    });
  }
}
printTable(
  `Effective sample rate, median of ${ROUNDS} run(s) (effective = samples/s / requested samples/s)`,
  [
    'tool',
    'interval µs',
    'requested/s',
    'samples',
    'span ms',
    'samples/s',
    'effective',
    'median gap µs',
  ],
  rows.map((r) => [
    r.tool,
    r.intervalMicros,
    r.requestedRate,
    r.samples,
    fmt(r.spanMs, 0),
    fmt(r.rate, 0),
    fmt(r.effective, 3),
    fmt(r.medianGapMicros, 0),
  ]),
);
writeResults('sample-rate', { rounds: ROUNDS, rows });
