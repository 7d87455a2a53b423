// Cost per recorded call of `viztracer --instrument`: fibonacci(27) (392,835 calls) with and
// without instrumentation, timed inside the process around the call only (the workload
// prints its own hrtime figures: a first call after a small warm-up, and a second, steady one),
// (traced - plain) / calls, median of alternating runs. Also the whole-process wall times
// (start-up, instrumenting, writing the report included), and the report's size per event.
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

const ROUNDS = QUICK ? 2 : Number(process.env.BENCH_ROUNDS || 5);
const N = QUICK ? 22 : 27;
const workload = path.join(WORKLOADS, 'fib-calls.js');
const tmp = tempDir('instrument');
const report = path.join(tmp, 'report.json');

const configs = [
  { name: 'node (plain)', args: [workload, String(N)] },
  {
    name: 'viztracer --instrument',
    // Room for the entries of the warm-up and both timed calls.
    args: [
      CLI,
      '--quiet',
      '--instrument',
      '--tracer_entries',
      '2000000',
      '-o',
      report,
      workload,
      String(N),
    ],
  },
];

function runOnce(c) {
  fs.rmSync(report, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, c.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const { ms, ms2, calls } = JSON.parse(r.stdout.trim().split('\n').pop());
  return { ms, ms2, calls, wallMs };
}

console.log(`instrument: fibonacci(${N}), ${ROUNDS} rounds alternating`);
const runs = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < configs.length; k++) {
    const c = configs[(k + r) % configs.length];
    runs[c.name].push(runOnce(c));
  }
}
const plain = runs['node (plain)'];
const traced = runs['viztracer --instrument'];
const calls = plain[0].calls;
const inProcPlain = median(plain.map((x) => x.ms));
const inProcTraced = median(traced.map((x) => x.ms));
const nsPerCall = ((inProcTraced - inProcPlain) * 1e6) / calls;
// Paired: each traced run against the plain run of the same round.
const pairedNs = median(traced.map((x, i) => ((x.ms - plain[i].ms) * 1e6) / calls));
const steadyPlain = median(plain.map((x) => x.ms2));
const steadyTraced = median(traced.map((x) => x.ms2));
const steadyNs = ((steadyTraced - steadyPlain) * 1e6) / calls;
const wallPlain = median(plain.map((x) => x.wallMs));
const wallTraced = median(traced.map((x) => x.wallMs));

// One more traced run, keeping the report, for its size per event.
fs.rmSync(report, { force: true });
runOnce({ ...configs[1] });
const text = fs.readFileSync(report, 'utf8');
const events = JSON.parse(text).traceEvents.length;
const bytesPerEvent = Buffer.byteLength(text) / events;

printTable(
  `fibonacci(${N}): ${calls} calls; in-process ms around the call (median of ${ROUNDS})`,
  ['configuration', 'first call ms', 'second call ms', 'whole process ms'],
  [
    ['node (plain)', fmt(inProcPlain, 2), fmt(steadyPlain, 2), fmt(wallPlain, 0)],
    ['viztracer --instrument', fmt(inProcTraced, 2), fmt(steadyTraced, 2), fmt(wallTraced, 0)],
  ],
);
console.log(
  `\ncost per recorded call (performance.now() clock): first call ${fmt(nsPerCall, 1)} ns ` +
    `(paired ${fmt(pairedNs, 1)} ns), second call ${fmt(steadyNs, 1)} ns`,
);
console.log(`report: ${events} events, ${fmt(bytesPerEvent, 1)} bytes per event`);

// Where the time goes, in steady state (each mode in its own process, alternating rounds).
const MODES = ['plain', 'noclock', 'clock', 'fresh'];
const breakdownScript = path.join(WORKLOADS, 'instrument-breakdown.js');
const breakdownRuns = Object.fromEntries(MODES.map((m) => [m, []]));
for (let r = 0; r < (QUICK ? 1 : 3); r++) {
  for (const m of MODES) {
    const out = spawnSync(NODE, [breakdownScript, m], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`breakdown ${m} failed: ${out.stderr}`);
    breakdownRuns[m].push(JSON.parse(out.stdout).nsPerCall);
  }
}
const breakdown = Object.fromEntries(MODES.map((m) => [m, median(breakdownRuns[m])]));
printTable(
  'steady state, ns per call of fibonacci(27) (median of 7 calls, median of runs)',
  ['mode', 'ns per call'],
  [
    ['plain', fmt(breakdown.plain, 1)],
    ['instrumented, constant time, memory touched before', fmt(breakdown.noclock, 1)],
    ['instrumented, performance.now(), memory touched before', fmt(breakdown.clock, 1)],
    ['instrumented, performance.now(), memory not touched yet', fmt(breakdown.fresh, 1)],
  ],
);

writeResults('instrument', {
  n: N,
  calls,
  rounds: ROUNDS,
  timing: 'in-process hrtime around fibonacci(N), after a warm-up on fibonacci(20)',
  clock: 'performance.now()',
  inProcessMs: { plain: plain.map((x) => x.ms), traced: traced.map((x) => x.ms) },
  inProcessSecondMs: { plain: plain.map((x) => x.ms2), traced: traced.map((x) => x.ms2) },
  steadyNsPerCall: steadyNs,
  wallMs: { plain: plain.map((x) => x.wallMs), traced: traced.map((x) => x.wallMs) },
  nsPerCall,
  pairedNsPerCall: pairedNs,
  reportEvents: events,
  bytesPerEvent,
  breakdownNsPerCall: breakdown,
  breakdownRuns,
});
