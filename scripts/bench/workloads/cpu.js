// CPU-bound workload for the overhead and sample-rate benchmarks: a fixed amount of work
// (not a fixed time), so any slowdown from profiling shows up as a longer run.
// Mix: recursion, string building, JSON stringify/parse, sorting. About 1.5 s under plain node.
'use strict';
const ROUNDS = Number(process.env.BENCH_WORKLOAD_ROUNDS || 18);
// BENCH_PHASES_OUT=<file>: the ms since the process started at this line and at the last one,
// so that a run's time splits into before the program, the program, and after it.
const startedMs = process.uptime() * 1000;

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function buildStrings(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += `item-${i}-${(i * 7919) % 1000};`;
  return s
    .split(';')
    .map((p) => p.toUpperCase())
    .join('|').length;
}

function jsonRoundTrip(n) {
  const rows = [];
  for (let i = 0; i < n; i++)
    rows.push({ id: i, name: `row${i}`, tags: ['a', 'b', String(i % 13)], v: i / 3 });
  const text = JSON.stringify(rows);
  return JSON.parse(text).reduce((acc, r) => acc + r.tags.length, 0);
}

function sortNumbers(n) {
  let x = 12345;
  const a = new Array(n);
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff; // LCG: the same data every run
    a[i] = x;
  }
  a.sort((p, q) => p - q);
  return a[n >> 1];
}

function round() {
  return fib(25) + buildStrings(40000) + jsonRoundTrip(20000) + sortNumbers(60000);
}

let check = 0;
if (process.env.BENCH_PARTS_OUT) {
  // The same work, each part timed (ms, summed over the rounds) and written as JSON: for
  // program-phase.mjs, which compares what the program itself takes, part by part.
  const parts = [
    ['fib', () => fib(25)],
    ['strings', () => buildStrings(40000)],
    ['json', () => jsonRoundTrip(20000)],
    ['sort', () => sortNumbers(60000)],
  ];
  const ms = Object.fromEntries(parts.map(([name]) => [name, 0]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, part] of parts) {
      const t0 = process.hrtime.bigint();
      check += part();
      ms[name] += Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }
  require('node:fs').writeFileSync(process.env.BENCH_PARTS_OUT, JSON.stringify(ms));
} else {
  for (let r = 0; r < ROUNDS; r++) check += round();
}
if (process.env.BENCH_WORKLOAD_PRINT) console.log(check);
if (process.env.BENCH_PHASES_OUT) {
  require('node:fs').writeFileSync(
    process.env.BENCH_PHASES_OUT,
    `${startedMs} ${process.uptime() * 1000}`,
  );
}
