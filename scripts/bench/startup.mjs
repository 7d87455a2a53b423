// Start-up cost: `viztracer --quiet` on an empty script vs `node` on it, runs alternating.
// Also `node --require lib/register.js` (the preload alone, no CLI parent process), to show
// where the added time goes. Target: at most 50 ms added by viztracer (issue #12).
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
  min,
  printTable,
  roundRobin,
  tempDir,
  writeResults,
} from './common.mjs';

const ROUNDS = QUICK ? 3 : Number(process.env.BENCH_ROUNDS || 20);
const empty = path.join(WORKLOADS, 'empty.js');
const tmp = tempDir('startup');
const report = path.join(tmp, 'report.json');
// The preload reads its options from VIZTRACER_* variables when run without the CLI.
const preloadEnv = {
  ...process.env,
  VIZTRACER_OUTPUT: path.join(tmp, 'preload.json'),
  VIZTRACER_QUIET: 'true',
};

const configs = [
  { name: 'node empty.js', cmd: NODE, args: [empty] },
  { name: 'viztracer --quiet empty.js', cmd: NODE, args: [CLI, '--quiet', '-o', report, empty] },
  {
    name: 'node --require lib/register.js empty.js',
    cmd: NODE,
    args: ['--require', path.join(ROOT, 'lib', 'register.js'), empty],
    opts: { env: preloadEnv },
  },
];

console.log(`startup: ${configs.length} configurations x ${ROUNDS} rounds, round-robin`);
const times = roundRobin(configs, ROUNDS, () => fs.rmSync(report, { force: true }));
const base = median(times[configs[0].name]);
const rows = configs.map((c) => {
  const ts = times[c.name];
  const paired = median(ts.map((t, r) => t - times[configs[0].name][r]));
  return {
    name: c.name,
    medianMs: median(ts),
    minMs: min(ts),
    addedMs: median(ts) - base,
    pairedAddedMs: paired,
    runsMs: ts,
  };
});
printTable(
  `Start-up on an empty script, ${ROUNDS} runs each (added = median - median of plain node)`,
  ['configuration', 'median ms', 'min ms', 'added ms', 'paired added ms'],
  rows.map((r) => [r.name, fmt(r.medianMs), fmt(r.minMs), fmt(r.addedMs), fmt(r.pairedAddedMs)]),
);
const added = rows[1].addedMs;
console.log(`viztracer adds ${fmt(added)} ms: target <= 50 ms ${added <= 50 ? 'met' : 'NOT met'}`);
writeResults('startup', { rounds: ROUNDS, targetAddedMs: 50, rows });
