// Threads and processes under load: a program with 32 worker threads and 8 child processes
// at once, about 3 s of work each, traced at the default interval. Checks that the merged
// report is valid and lost nothing (41 JS tracks in 9 processes), and measures the time from
// the program's last action to the saved report. Target: under 2 s on this machine.
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
const THREADS = 32;
const PROCESSES = 8;
const tmp = tempDir('load');
const load = path.join(WORKLOADS, 'many-threads-processes.js');

/** Parses the report and checks that every thread's slices nest and every track is named. */
function check(file) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const threads = new Map();
  const named = new Set();
  const procs = new Set();
  for (const e of doc.traceEvents) {
    if (e.ph === 'M' && e.name === 'thread_name') named.add(`${e.pid}:${e.tid}`);
    if (e.ph === 'M' && e.name === 'process_name') procs.add(e.pid);
    if (e.ph !== 'X') continue;
    const k = `${e.pid}:${e.tid}`;
    if (!threads.has(k)) threads.set(k, []);
    threads.get(k).push(e);
  }
  for (const [k, list] of threads) {
    if (!named.has(k)) throw new Error(`thread ${k} has no name`);
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = [];
    for (const e of list) {
      while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
      if (stack.length && e.ts + e.dur > stack.at(-1).ts + stack.at(-1).dur)
        throw new Error(`bad nesting on ${k}`);
      stack.push(e);
    }
  }
  return { events: doc.traceEvents.length, threads: threads.size, processes: procs.size };
}

const runs = [];
const plainMs = [];
for (let r = 0; r < ROUNDS; r++) {
  // The same load untraced, for scale: 40 node start-ups share 2 cores.
  const p0 = Date.now();
  const plain = spawnSync(
    NODE,
    [load, String(THREADS), String(PROCESSES), path.join(tmp, 'plain-stamp')],
    {
      env: { ...process.env, LOAD_MILLIS: QUICK ? '1000' : '3000' },
    },
  );
  if (plain.status !== 0) throw new Error('untraced load failed');
  plainMs.push(Date.now() - p0);
  const out = path.join(tmp, 'load.json');
  const stamp = path.join(tmp, 'stamp');
  const t0 = Date.now();
  const res = spawnSync(NODE, [CLI, '-o', out, load, String(THREADS), String(PROCESSES), stamp], {
    encoding: 'utf8',
    env: { ...process.env, LOAD_MILLIS: QUICK ? '1000' : '3000' },
  });
  const end = Date.now();
  if (res.status !== 0) throw new Error(`traced load failed: ${res.stderr}`);
  const lost = /warning: (.*)/.exec(res.stderr);
  const facts = check(out);
  const run = {
    wallMs: end - t0,
    exitToReportMs: end - Number(fs.readFileSync(stamp, 'utf8')),
    ...facts,
    lost: lost ? lost[1] : null,
    bytes: fs.statSync(out).size,
  };
  runs.push(run);
  console.log(`  round ${r + 1}/${ROUNDS}: ${JSON.stringify(run)}`);
  fs.rmSync(out);
}

const ok = runs.every(
  (x) => x.threads === THREADS + PROCESSES + 1 && x.processes === PROCESSES + 1 && !x.lost,
);
const exitToReport = median(runs.map((x) => x.exitToReportMs));
printTable(
  `32 worker threads + 8 child processes, ~3 s each, default interval (median of ${ROUNDS})`,
  ['measure', 'value', 'target'],
  [
    ['JS tracks in the report', runs[0].threads, `${THREADS + PROCESSES + 1}`],
    ['processes in the report', runs[0].processes, `${PROCESSES + 1}`],
    ['every run complete, nothing lost', ok ? 'yes' : 'NO', 'yes'],
    ['events in the report', runs[0].events, ''],
    ['program end -> saved report (ms)', fmt(exitToReport, 0), '< 2000'],
    ['whole traced run (ms)', fmt(median(runs.map((x) => x.wallMs)), 0), ''],
    ['the same load untraced (ms)', fmt(median(plainMs), 0), ''],
  ],
);
writeResults('threads-processes', {
  rounds: ROUNDS,
  threads: THREADS,
  processes: PROCESSES,
  ok,
  exitToReportMs: exitToReport,
  plainMs,
  runs,
});
if (!ok) process.exitCode = 1;
