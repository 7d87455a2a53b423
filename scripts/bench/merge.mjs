// Merge throughput: partial reports totalling 2,000,000 events (8 processes of 250,000
// events, as the tracer writes them) merged into one by `viztracer --combine`, which uses the
// same line-copying merge as the end of a traced run. Wall time of the whole command and its
// peak RSS under /usr/bin/time -v. Targets: >= 1M events/s, peak RSS < 500 MB.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import {
  CLI,
  NODE,
  QUICK,
  ROOT,
  fmt,
  median,
  printTable,
  tempDir,
  writeResults,
} from './common.mjs';

const require = createRequire(import.meta.url);
const { saveEventsSync } = require(path.join(ROOT, 'lib', 'report', 'save.js'));
const { reportMetadata } = require(path.join(ROOT, 'lib', 'trace', 'metadata.js'));

const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS || 5);
const FILES = 8;
const TOTAL = QUICK ? 200_000 : 2_000_000;
const tmp = tempDir('merge');
const TIME = '/usr/bin/time';

/** One process's partial report: 4 threads of nested slices with realistic names. */
function* partialEvents(pid, count) {
  yield JSON.stringify({
    ph: 'M',
    name: 'process_name',
    pid,
    tid: pid,
    args: { name: `node app.js (pid ${pid})` },
  });
  let ts = 1_000_000;
  for (let i = 1; i < count; i++) {
    const tid = pid + (i % 4);
    const depth = i % 17;
    ts += 37;
    yield `{"ph":"X","cat":"js","name":"handler${depth} (/srv/app/src/module${i % 50}.js:${(i % 400) + 1})","pid":${pid},"tid":${tid},"ts":${ts},"dur":${1000 - depth * 50}}`;
  }
}

const inputs = [];
for (let f = 0; f < FILES; f++) {
  const file = path.join(tmp, `${10_000 + f}.json`);
  saveEventsSync(file, partialEvents(10_000 + f, TOTAL / FILES), () =>
    reportMetadata({
      backend: 'inspector',
      intervalMicros: 1000,
      sampleCount: TOTAL / FILES,
      command: [],
    }),
  );
  inputs.push(file);
}
const inputBytes = inputs.reduce((s, f) => s + fs.statSync(f).size, 0);

const runs = [];
for (let r = 0; r < ROUNDS; r++) {
  const out = path.join(tmp, 'merged.json');
  const args = [CLI, '--quiet', '--combine', ...inputs, '-o', out];
  const t0 = process.hrtime.bigint();
  const res = fs.existsSync(TIME)
    ? spawnSync(TIME, ['-v', NODE, ...args], { encoding: 'utf8' })
    : spawnSync(NODE, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`merge failed: ${res.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr);
  const events = (fs.readFileSync(out, 'utf8').match(/\n/g) ?? []).length - 1;
  runs.push({ ms, peakRssMB: rss ? Number(rss[1]) / 1024 : null, events });
  fs.rmSync(out);
  console.log(`  round ${r + 1}/${ROUNDS}: ${fmt(ms, 0)} ms`);
}

const ms = median(runs.map((x) => x.ms));
const eventsPerSec = TOTAL / (ms / 1000);
const rss = median(runs.map((x) => x.peakRssMB ?? NaN));
printTable(
  `Merging ${FILES} partial reports, ${TOTAL} events, ${fmt(inputBytes / 2 ** 20)} MiB (median of ${ROUNDS})`,
  ['measure', 'value', 'target'],
  [
    ['events in the merged report', runs[0].events, `${TOTAL}`],
    ['wall time, whole command (ms)', fmt(ms, 0), ''],
    ['events per second', fmt(eventsPerSec / 1e6, 2) + 'M', '>= 1M'],
    ['peak RSS (MB)', fmt(rss, 0), '< 500'],
  ],
);
writeResults('merge', {
  rounds: ROUNDS,
  files: FILES,
  totalEvents: TOTAL,
  inputBytes,
  eventsPerSec,
  peakRssMB: rss,
  runs,
});
