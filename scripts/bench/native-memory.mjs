// Issue #17, item 8: the memory a `--native` run keeps per retained sample, on a program that
// spins in synchronous code (workloads/spin-rss.js, which notes its own RSS every second), at
// 1000 µs and 100 µs, with the inspector backend beside it. Growth is the least-squares slope of
// RSS over the run's middle (from 10% to 95% of it), divided by the rate of samples the report
// holds. Saving: the process's peak RSS (/usr/bin/time) minus its RSS at the program's end,
// against what the samples hold (RSS at the end minus at 10%, extrapolated to the whole run).
// MINUTES=10 for the 10-minute runs (default 2; --quick: 0.25); ONLY=native runs only
// the configurations whose name contains it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, fmt, NODE, printTable, QUICK, tempDir, WORKLOADS, writeResults } from './common.mjs';

const MINUTES = QUICK ? 0.25 : Number(process.env.MINUTES ?? 2);
const DIR = tempDir('native-memory');
const SPIN = path.join(WORKLOADS, 'spin-rss.js');

function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

function measure(name, flags) {
  const notes = path.join(DIR, `${name.replace(/\W+/g, '_')}.notes.json`);
  const report = path.join(DIR, 'r.json');
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'peak %M',
      NODE,
      CLI,
      '--quiet',
      ...flags,
      '-o',
      report,
      SPIN,
      String(MINUTES * 60),
      notes,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
  const peak = Number(/peak (\d+)/.exec(r.stderr)[1]) * 1024;
  const { seconds, rssBytes } = JSON.parse(fs.readFileSync(notes, 'utf8'));
  return { seconds, rssBytes, peak, report };
}

function samplesOf(report) {
  // The report's own count (its metadata line).
  const text = fs.readFileSync(report, 'utf8');
  const m = /"sampleCount":(\d+)/.exec(text);
  return m ? Number(m[1]) : NaN;
}

const configs = [
  { name: '--native, 1000 µs', flags: ['--native', '--interval', '1000'] },
  { name: '--native, 100 µs', flags: ['--native', '--interval', '100'] },
  { name: 'inspector, 1000 µs', flags: ['--interval', '1000'] },
];
const rows = [];
const results = {};
for (const c of configs.filter((x) => x.name.includes(process.env.ONLY ?? ''))) {
  const m = measure(c.name, c.flags);
  const samples = samplesOf(m.report);
  const total = m.seconds.at(-1);
  const keep = m.seconds
    .map((s, i) => i)
    .filter((i) => m.seconds[i] >= 0.1 * total && m.seconds[i] <= 0.95 * total);
  const bytesPerSecond = slope(
    keep.map((i) => m.seconds[i]),
    keep.map((i) => m.rssBytes[i]),
  );
  const samplesPerSecond = samples / total;
  const perSample = bytesPerSecond / samplesPerSecond;
  const atEnd = m.rssBytes.at(-1);
  const held = perSample * samples;
  const saveExtra = m.peak - atEnd;
  results[c.name] = {
    minutes: MINUTES,
    samples,
    bytesPerSecond,
    perSample,
    peak: m.peak,
    atEnd,
    held,
    saveExtra,
    seconds: m.seconds,
    rssBytes: m.rssBytes,
  };
  rows.push([
    c.name,
    fmt(samples, 0),
    fmt((bytesPerSecond * 60) / 1e6, 2),
    fmt(perSample, 1),
    fmt(atEnd / 1e6, 1),
    fmt(m.peak / 1e6, 1),
    fmt(held > 0 ? saveExtra / held : NaN, 2),
  ]);
  fs.rmSync(m.report, { force: true });
}
printTable(
  `Memory of a spinning program over ${MINUTES} min (RSS slope over 10-95% of the run)`,
  [
    'configuration',
    'samples',
    'MB/min',
    'bytes/sample',
    'RSS at end MB',
    'peak MB',
    'save extra / held',
  ],
  rows,
);
writeResults('native-memory', results);
