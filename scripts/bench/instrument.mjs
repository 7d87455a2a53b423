// `viztracer --instrument`:
//   1. Cost per recorded call, with each clock the recorder can use: fibonacci(27) (392,835
//      calls) with and without instrumentation, timed inside the process around the call only
//      (the workload prints its own hrtime figures: a first call after a small warm-up, and a
//      second, steady one), (traced - plain) / calls, medians of alternating runs. The clock is
//      chosen with VIZTRACER_INSTRUMENT_CLOCK (benchmarks only); the default is `tsc`. Also the
//      whole-process wall times (start-up, instrumenting, writing the report included).
//   2. Where the time of a call goes (workloads/instrument-breakdown.js, steady state).
//   3. The report of fibonacci(25) (150,049 slices): bytes per event, and how fast it is
//      written at exit (report-build-child.mjs instrument: take the entries, build slices,
//      write the .json), in events per second; and the size VizTracer's format would take.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
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

const ROUNDS = QUICK ? 2 : Number(process.env.BENCH_ROUNDS || 7);
const N = QUICK ? 22 : 27;
const workload = path.join(WORKLOADS, 'fib-calls.js');
const tmp = tempDir('instrument');
const report = path.join(tmp, 'report.json');

const CLOCKS = ['tsc', 'monotonic', 'performance.now', 'hrtime'];
const traced = (clock) => ({
  name: `--instrument, ${clock}`,
  clock,
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
  env: { ...process.env, VIZTRACER_INSTRUMENT_CLOCK: clock },
});
const configs = [{ name: 'node (plain)', args: [workload, String(N)] }, ...CLOCKS.map(traced)];

function runOnce(c) {
  fs.rmSync(report, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, c.args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: c.env ?? process.env,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const { ms, ms2, calls } = JSON.parse(r.stdout.trim().split('\n').pop());
  let clock = null;
  if (c.clock) clock = JSON.parse(fs.readFileSync(report, 'utf8')).viztracer_metadata.clock;
  return { ms, ms2, calls, wallMs, clock };
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
const calls = plain[0].calls;
const perCall = {};
const rows = [];
for (const c of configs) {
  const xs = runs[c.name];
  const first = median(xs.map((x) => x.ms));
  const second = median(xs.map((x) => x.ms2));
  const row = [c.name, fmt(first, 2), fmt(second, 2), fmt(median(xs.map((x) => x.wallMs)), 0)];
  if (c.clock) {
    const firstNs = ((first - median(plain.map((x) => x.ms))) * 1e6) / calls;
    const secondNs = ((second - median(plain.map((x) => x.ms2))) * 1e6) / calls;
    // Paired: each traced run against the plain run of the same round.
    const pairedNs = median(xs.map((x, i) => ((x.ms - plain[i].ms) * 1e6) / calls));
    perCall[c.clock] = { firstNs, secondNs, pairedNs, reportClock: xs[0].clock };
    row.push(fmt(firstNs, 1), fmt(pairedNs, 1), fmt(secondNs, 1));
  } else {
    row.push('', '', '');
  }
  rows.push(row);
}
printTable(
  `fibonacci(${N}): ${calls} calls; in-process ms around the call (median of ${ROUNDS})`,
  [
    'configuration',
    'first call ms',
    'second call ms',
    'whole process ms',
    'ns/call first',
    'paired',
    'ns/call second',
  ],
  rows,
);

// Where the time goes, in steady state (each mode in its own process, alternating rounds).
const MODES = [
  'plain',
  'noclock',
  'tsc',
  'monotonic',
  'performance.now',
  'hrtime',
  'tsc-fresh',
  'performance.now-fresh',
];
const breakdownScript = path.join(WORKLOADS, 'instrument-breakdown.js');
const breakdownRuns = Object.fromEntries(MODES.map((m) => [m, []]));
for (let r = 0; r < (QUICK ? 1 : 5); r++) {
  for (const m of MODES) {
    const out = spawnSync(NODE, [breakdownScript, m], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`breakdown ${m} failed: ${out.stderr}`);
    breakdownRuns[m].push(JSON.parse(out.stdout).nsPerCall);
  }
}
const breakdown = Object.fromEntries(MODES.map((m) => [m, median(breakdownRuns[m])]));
printTable(
  'steady state, ns per call of fibonacci(27) (median of 7 calls, median of runs)',
  ['mode', 'ns per call', 'min of runs'],
  MODES.map((m) => [m, fmt(breakdown[m], 1), fmt(Math.min(...breakdownRuns[m]), 1)]),
);

// The report of fibonacci(25), written as at exit.
const child = path.join(ROOT, 'scripts', 'bench', 'report-build-child.mjs');
const FIB = QUICK ? 20 : 25;
const writes = [];
for (let r = 0; r < (QUICK ? 1 : ROUNDS); r++) {
  const out = path.join(tmp, 'fib.json');
  const res = spawnSync(NODE, [child, 'instrument', String(FIB), out], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`report-build-child instrument failed: ${res.stderr}`);
  writes.push(JSON.parse(res.stdout.trim().split('\n').pop()));
}
const w0 = writes[0];
const bytesPerEvent = w0.bytes / w0.events;
const vizPerSlice = w0.vizTracerSliceBytes / w0.slices;
const eps = (ms) => w0.events / (ms / 1000);
const slicesMs = median(writes.map((x) => x.slicesMs));
const saveMs = median(writes.map((x) => x.saveMs));
const totalMs = median(writes.map((x) => x.totalMs));
printTable(
  `fibonacci(${FIB}) report: ${w0.slices} slices, ${w0.events} events (median of ${writes.length} processes)`,
  ['measure', 'value'],
  [
    ['bytes per event (whole file)', fmt(bytesPerEvent, 1)],
    ['bytes per slice, VizTracer format, same names', fmt(vizPerSlice, 1)],
    ['of which the quoted name', String(w0.nameBytes)],
    ['take + build slices ms', fmt(slicesMs, 0)],
    ['write .json ms', fmt(saveMs, 0)],
    ['events/s, write only', fmt(eps(saveMs), 0)],
    ['events/s, take + slices + write', fmt(eps(totalMs), 0)],
    ['events/s, best process', fmt(eps(Math.min(...writes.map((x) => x.totalMs))), 0)],
  ],
);

writeResults('instrument', {
  n: N,
  calls,
  rounds: ROUNDS,
  timing: 'in-process hrtime around fibonacci(N), after a warm-up on fibonacci(20)',
  runs,
  perCallNs: perCall,
  breakdownNsPerCall: breakdown,
  breakdownRuns,
  report: {
    fib: FIB,
    writes,
    bytesPerEvent,
    vizTracerBytesPerSlice: vizPerSlice,
    eventsPerSecWrite: eps(saveMs),
    eventsPerSecTotal: eps(totalMs),
  },
});
