// Overhead on a CPU-bound workload: whole-process wall time of plain node, viztracer (the
// inspector backend, and `--native` with each sampler), the native samplers alone (no CLI, no
// report), V8's profiler started through the inspector by a few lines of user code, and
// `node --cpu-prof`, each at 1000 µs and 100 µs. Runs alternate round-robin between the
// configurations so drift on a noisy machine hits all of them alike; ratios are to plain
// node measured in the same run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLI,
  NODE,
  QUICK,
  WORKLOADS,
  fmt,
  median,
  medianInterval,
  min,
  printTable,
  quantile,
  roundRobin,
  tempDir,
  writeResults,
} from './common.mjs';

const ROUNDS = QUICK ? 2 : Number(process.env.BENCH_ROUNDS || 11);
const workload = path.join(WORKLOADS, 'cpu.js');
const tmp = tempDir('overhead');
const report = path.join(tmp, 'report.json');
const profDir = path.join(tmp, 'cpuprof');

const configs = [
  { name: 'node (plain)', cmd: NODE, args: [workload] },
  ...[1000, 100].map((us) => ({
    name: `viztracer --interval ${us}`,
    cmd: NODE,
    args: [CLI, '--quiet', '-o', report, '--interval', String(us), workload],
  })),
  ...['viztracer', 'v8'].flatMap((sampler) =>
    [1000, 100].map((us) => ({
      name: `viztracer --native --sampler ${sampler} --interval ${us}`,
      cmd: NODE,
      args: [
        CLI,
        '--quiet',
        '--native',
        '--sampler',
        sampler,
        '-o',
        report,
        '--interval',
        String(us),
        workload,
      ],
    })),
  ),
  // The sampler alone: the native backend around the workload in one process, no CLI, no
  // preload, no report (scripts/bench/workloads/raw-native.cjs with output `-`).
  ...['viztracer', 'v8'].flatMap((sampler) =>
    [1000, 100].map((us) => ({
      name: `sampler only: ${sampler} ${us} µs`,
      cmd: NODE,
      args: [path.join(WORKLOADS, 'raw-native.cjs'), String(us), sampler, '-', workload],
    })),
  ),
  // V8's sampler asked for 85% of 1000 µs delivers about the rate `viztracer` delivers at 1000
  // µs: their costs at an equal delivered rate (section 13).
  {
    name: 'sampler only: v8 850 µs',
    cmd: NODE,
    args: [path.join(WORKLOADS, 'raw-native.cjs'), '850', 'v8', '-', workload],
  },
  // The floor of a profiler started after Node's bootstrap: V8's profiler through an inspector
  // session in user code, nothing of ours loaded, the profile written as --cpu-prof writes it.
  ...[1000, 100].map((us) => ({
    name: `inspector profiler only: ${us} µs`,
    cmd: NODE,
    args: [
      path.join(WORKLOADS, 'inspector-only.cjs'),
      String(us),
      path.join(tmp, 'inspector-only.cpuprofile'),
      workload,
    ],
  })),
  ...[1000, 100].map((us) => ({
    name: `node --cpu-prof --cpu-prof-interval ${us}`,
    cmd: NODE,
    args: ['--cpu-prof', '--cpu-prof-interval', String(us), '--cpu-prof-dir', profDir, workload],
  })),
];

// BENCH_ONLY=<regex>: only the configurations whose name matches (plain node always runs).
if (process.env.BENCH_ONLY) {
  const only = new RegExp(process.env.BENCH_ONLY);
  for (let i = configs.length - 1; i > 0; i--)
    if (!only.test(configs[i].name)) configs.splice(i, 1);
}

// Each run's workload says when its first and last lines ran (ms since its process started).
const phasesFile = path.join(tmp, 'phases.txt');
for (const c of configs) c.opts = { env: { ...process.env, BENCH_PHASES_OUT: phasesFile } };
/** Per configuration, per round: ms before the workload's first line, in it, and after it. */
const phases = Object.fromEntries(configs.map((c) => [c.name, []]));

console.log(`overhead: ${configs.length} configurations x ${ROUNDS} rounds, round-robin`);
// Untimed: start each run with no output from the previous one; then read its phases.
const times = roundRobin(
  configs,
  ROUNDS,
  () => {
    fs.rmSync(report, { force: true });
    fs.rmSync(profDir, { recursive: true, force: true });
    fs.rmSync(phasesFile, { force: true });
  },
  (name, ms) => {
    const [first, last] = fs.readFileSync(phasesFile, 'utf8').split(' ').map(Number);
    phases[name].push({ beforeMs: first, programMs: last - first, afterMs: ms - last });
  },
);

const base = median(times[configs[0].name]);
// Paired ratio: each run over the plain run of the same round, then the median of those.
const paired = (name) => median(times[name].map((t, r) => t / times[configs[0].name][r]));
const rows = configs.map((c) => {
  const ts = times[c.name];
  return {
    name: c.name,
    medianMs: median(ts),
    minMs: min(ts),
    ratio: median(ts) / base,
    pairedRatio: paired(c.name),
    minRatio: min(ts) / min(times[configs[0].name]),
    runsMs: ts,
  };
});
printTable(
  `Wall time of the whole process, ${ROUNDS} runs each (ratio = median / median of plain node;\n` +
    `paired = median over rounds of run / plain run of the same round; min ratio = min / min of plain)`,
  ['configuration', 'median ms', 'min ms', 'ratio', 'paired ratio', 'min ratio'],
  rows.map((r) => [
    r.name,
    fmt(r.medianMs, 0),
    fmt(r.minMs, 0),
    fmt(r.ratio, 3),
    fmt(r.pairedRatio, 3),
    fmt(r.minRatio, 3),
  ]),
);
// Where each configuration's time goes beside plain node's: before the workload's first line
// (start-up: Node's, then ours), the workload itself (what sampling costs as it runs), and after
// its last line (the exit: stopping, building and writing the profile). Medians over rounds of
// the difference to the plain run of the same round. The spawn's own time counts as before.
const plainPhases = phases[configs[0].name];
const plainMedian = (key) => median(plainPhases.map((p) => p[key]));
const phaseRows = configs.slice(1).map((c) => {
  const diff = (key) => median(phases[c.name].map((p, r) => p[key] - plainPhases[r][key]));
  return {
    name: c.name,
    beforeMs: diff('beforeMs'),
    programMs: diff('programMs'),
    afterMs: diff('afterMs'),
  };
});
printTable(
  `Where the time is added, ms beside plain node (medians over rounds of the difference to the\n` +
    `plain run of the same round; the plain run's own: before ${fmt(plainMedian('beforeMs'))},` +
    ` program ${fmt(plainMedian('programMs'), 0)}, after ${fmt(plainMedian('afterMs'))})`,
  ['configuration', 'before the program', 'the program', 'after it'],
  phaseRows.map((r) => [r.name, fmt(r.beforeMs), fmt(r.programMs), fmt(r.afterMs)]),
);
// Against `node --cpu-prof` at the same interval, round by round: (run - cpu-prof run) / plain
// run of the same round. Pairing each run with --cpu-prof's of its round cancels the drift of
// a shared machine's speed, which is larger than a 0.02 difference; the quartiles say how
// much the rounds disagree, and the median's 95% interval how well the rounds pin it down.
const gaps = [];
for (const us of [1000, 100]) {
  const prof = times[`node --cpu-prof --cpu-prof-interval ${us}`];
  if (!prof) continue;
  for (const c of configs) {
    const ours = c.name.startsWith('viztracer') && c.name.endsWith(`--interval ${us}`);
    if (!ours && c.name !== `inspector profiler only: ${us} µs`) continue;
    const g = times[c.name].map((t, r) => (t - prof[r]) / times[configs[0].name][r]);
    gaps.push({
      name: c.name,
      intervalMicros: us,
      median: median(g),
      medianInterval: medianInterval(g),
      q1: quantile(g, 0.25),
      q3: quantile(g, 0.75),
      roundsWithin002: g.filter((x) => x <= 0.02).length,
    });
  }
}
if (gaps.length > 0) {
  printTable(
    `Gap to node --cpu-prof at the same interval, per round: (run - cpu-prof run) / plain run\n` +
      `(median, its 95% interval, and quartiles over the ${ROUNDS} rounds; within 0.02 = rounds\n` +
      `where it is at most 0.02)`,
    ['configuration', 'median gap', '95% interval', 'q1', 'q3', 'within 0.02'],
    gaps.map((g) => [
      g.name,
      fmt(g.median, 3),
      g.medianInterval ? `${fmt(g.medianInterval[0], 3)}..${fmt(g.medianInterval[1], 3)}` : '-',
      fmt(g.q1, 3),
      fmt(g.q3, 3),
      `${g.roundsWithin002}/${ROUNDS}`,
    ]),
  );
}
writeResults('overhead', {
  rounds: ROUNDS,
  workload: path.relative(process.cwd(), workload),
  rows,
  phases: phaseRows,
  gapsToCpuProf: gaps,
});
