// Attribution distance: does a sampler say where the main thread's time went as an unbiased
// sampler does? For each workload and interval, every sampler runs the same program several
// times in turn (round-robin, so a noisy machine's drift falls on all alike); each run gives
// the main thread's self time per function: the samples with that function on top, `(program)`
// and `(garbage collector)` included, `(idle)` left out (waiting is no function's time). The
// runs of one sampler are pooled (counts added) and made shares. The distance between two
// samplers is the total variation distance of their shares (half the sum of the absolute
// differences, in percentage points: 0 is the same picture, 100 disjoint).
//
// The reference is V8's own signal-based sampler as it ships (`--native --sampler v8`) at the
// same interval: it interrupts the thread wherever it is, so it has no safepoint bias. It runs
// twice as often as the others, in two pools A and B: the distance between A and B is the noise
// floor, what two equally good samplers differ by with this many runs. Each sampler's distance
// is to A and B pooled. Samplers:
//   viztracer   `--native` (default): V8's sampler tuned to the asked rate
//   inspector   viztracer without --native: V8's sampler through node:inspector
//   v8 @0.85    V8's sampler asked for 85% of the interval, about the rate `viztracer`
//               delivers: overhead at an equal delivered rate
//   plain       no sampler: the workload's own wall time, for the overhead ratios
// Workloads (scripts/bench/workloads): cpu.js (recursion, strings, JSON, sort), sort-json.js
// (builtins without interrupt checks), wait-work.js (timers, the thread pool, immediates
// between bursts of work).
//
//   node scripts/bench/attribution.mjs        [BENCH_ROUNDS=k runs per sampler, default 3]
// Writes bench-results/attribution.json with every run's counts.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { NODE, QUICK, WORKLOADS, fmt, median, printTable, writeResults } from './common.mjs';

const K = QUICK ? 1 : Number(process.env.BENCH_ROUNDS || 3);
const INTERVALS = [1000, 100];
const WORKLOAD_FILES = ['cpu.js', 'sort-json.js', 'wait-work.js'];
const CHILD = path.join(WORKLOADS, 'attribution-child.cjs');
const workloadEnv = QUICK ? { BENCH_WORKLOAD_ROUNDS: '2' } : {};

/** The samplers, each as [name, backend, interval for a requested interval]. */
const SAMPLERS = [
  ['reference A', 'native:v8', (us) => us],
  ['reference B', 'native:v8', (us) => us],
  ['viztracer', 'native:viztracer', (us) => us],
  ['inspector', 'inspector', (us) => us],
  ['v8 @0.85', 'native:v8', (us) => Math.round(us * 0.85)],
  ['plain', 'none', (us) => us],
];

function runOnce(backend, interval, workload, requested) {
  const r = spawnSync(NODE, [CHILD, backend, String(interval), workload, String(requested)], {
    encoding: 'utf8',
    env: { ...process.env, ...workloadEnv },
  });
  if (r.status !== 0) throw new Error(`${backend} on ${workload} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function pool(runs) {
  const counts = new Map();
  for (const r of runs)
    for (const [k, n] of Object.entries(r.counts)) counts.set(k, (counts.get(k) ?? 0) + n);
  return counts;
}

function shares(counts) {
  let total = 0;
  for (const n of counts.values()) total += n;
  return new Map([...counts].map(([k, n]) => [k, n / total]));
}

/** Total variation distance of two pooled count maps, in percentage points. */
function distance(a, b) {
  const p = shares(a);
  const q = shares(b);
  let sum = 0;
  for (const k of new Set([...p.keys(), ...q.keys()]))
    sum += Math.abs((p.get(k) ?? 0) - (q.get(k) ?? 0));
  return 50 * sum;
}

const short = (key) => key.replace(/ \((.*\/)?([^/]+)\)$/, ' ($2)');

const results = [];
for (const us of INTERVALS) {
  for (const file of WORKLOAD_FILES) {
    const workload = path.join(WORKLOADS, file);
    const runs = Object.fromEntries(SAMPLERS.map(([name]) => [name, []]));
    for (let r = 0; r < K; r++) {
      for (let i = 0; i < SAMPLERS.length; i++) {
        const [name, backend, intervalOf] = SAMPLERS[(i + r) % SAMPLERS.length];
        runs[name].push(runOnce(backend, intervalOf(us), workload, us));
      }
    }
    const refA = pool(runs['reference A']);
    const refB = pool(runs['reference B']);
    const ref = pool([...runs['reference A'], ...runs['reference B']]);
    const plainMs = median(runs.plain.map((x) => x.wallMs));
    const row = (name, dist) => {
      const rs = runs[name];
      const wallMs = median(rs.map((x) => x.wallMs));
      const samples = median(rs.map((x) => x.samples));
      return {
        sampler: name,
        distance: dist,
        // Over the requested rate (1e6 / us), whatever the sampler was asked for.
        effective: median(rs.map((x) => x.effective)),
        samples,
        wallMs,
        wallRatio: wallMs / plainMs,
        // What each delivered sample cost the workload, µs.
        costPerSampleMicros: ((wallMs - plainMs) * 1000) / samples,
      };
    };
    const noise = distance(refA, refB);
    const rows = [
      row('reference A', noise),
      ...['viztracer', 'inspector', 'v8 @0.85'].map((name) =>
        row(name, distance(pool(runs[name]), ref)),
      ),
    ];
    const top = [...shares(ref)]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([k]) => k);
    results.push({
      intervalMicros: us,
      workload: file,
      noiseFloor: noise,
      plainMs,
      rows,
      top: top.map((k) => ({
        function: k,
        shares: Object.fromEntries(
          ['reference A', 'reference B', 'viztracer', 'inspector', 'v8 @0.85'].map((name) => [
            name,
            shares(pool(runs[name])).get(k) ?? 0,
          ]),
        ),
      })),
      runs,
    });
    console.error(`  ${file} at ${us} µs done`);
  }
}

for (const us of INTERVALS) {
  const at = results.filter((r) => r.intervalMicros === us);
  printTable(
    `Attribution at ${us} µs, ${K} run(s) per sampler, reference ${2 * K} (distance in points; ` +
      `"reference A" row: A against B, the noise floor)`,
    [
      'workload',
      'sampler',
      'distance',
      'noise floor',
      'excess',
      'effective',
      'wall ratio',
      'µs/sample',
    ],
    at.flatMap((r) =>
      r.rows.map((x) => [
        r.workload,
        x.sampler === 'reference A' ? 'reference (A vs B)' : x.sampler,
        fmt(x.distance, 1),
        fmt(r.noiseFloor, 1),
        x.sampler === 'reference A' ? '-' : fmt(x.distance - r.noiseFloor, 1),
        fmt(x.effective, 3),
        fmt(x.wallRatio, 3),
        fmt(x.costPerSampleMicros, 1),
      ]),
    ),
  );
  for (const r of at) {
    printTable(
      `${r.workload} at ${us} µs: the reference's top functions, their share under each sampler (%)`,
      ['function', 'ref A', 'ref B', 'viztracer', 'inspector', 'v8 @0.85'],
      r.top.map((t) => [short(t.function), ...Object.values(t.shares).map((s) => fmt(100 * s, 1))]),
    );
  }
}
writeResults('attribution', { runsPerSampler: K, results });
