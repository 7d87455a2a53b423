// Memory of a flight-recorded process over time: `viztracer --flight_recorder 30s` on a steady
// service-like load at 1000 µs, with the inspector's sampler and with `--native` (the addon
// stops and starts V8's profiler at each 5 s chunk), its RSS read from /proc every second for
// 10 minutes (20 s in quick mode), beside the same load untraced. Target: flat after the first
// window, under 5 MB of growth over the last 9 minutes.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, fmt, NODE, printTable, QUICK, tempDir, WORKLOADS, writeResults } from './common.mjs';

const SECONDS = QUICK ? 20 : 600;
const LOAD = path.join(WORKLOADS, 'steady.js');
const dir = tempDir('flight');

const rssMB = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
/** The main process of a command: the CLI runs the program in its own process. */
const procs = [
  { name: 'node', child: spawn(NODE, [LOAD], { cwd: dir, stdio: 'ignore' }) },
  ...[[], ['--native']].map((flags) => ({
    name: ['viztracer', ...flags, '--flight_recorder 30s'].join(' '),
    child: spawn(NODE, [CLI, '--quiet', ...flags, '--flight_recorder', '30s', LOAD], {
      cwd: dir,
      stdio: 'ignore',
    }),
  })),
];
const series = procs.map(() => []);
for (let s = 1; s <= SECONDS; s++) {
  await new Promise((r) => setTimeout(r, 1000));
  procs.forEach((p, i) => series[i].push(rssMB(p.child.pid)));
}
for (const p of procs) p.child.kill('SIGTERM');

/** Least-squares slope, MB per minute, of the samples from index `from`. */
function slope(ys, from) {
  const pts = ys.slice(from).map((y, i) => [i / 60, y]);
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  const num = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return num / den;
}
const at = (ys, s) => ys[Math.min(ys.length, s) - 1];
const from = QUICK ? 10 : 60;
const rows = procs.map((p, i) => {
  const ys = series[i];
  return [
    p.name,
    fmt(at(ys, 10)),
    fmt(at(ys, 30)),
    fmt(at(ys, from)),
    fmt(at(ys, SECONDS)),
    fmt(Math.max(...ys.slice(from - 1))),
    fmt(at(ys, SECONDS) - at(ys, from)),
    fmt(slope(ys, from - 1), 3),
  ];
});
printTable(
  `RSS (MB) of a steady load, ${SECONDS} s, read every second`,
  [
    'process',
    '10 s',
    '30 s',
    `${from} s`,
    'end',
    `max after ${from} s`,
    `end - ${from} s`,
    'MB/min after',
  ],
  rows,
);
writeResults('flight-recorder', {
  seconds: SECONDS,
  series: Object.fromEntries(procs.map((p, i) => [p.name, series[i]])),
});
