// Does the program itself run slower under viztracer than under V8's profiler started by a few
// lines of user code (the floor of any profiler started after Node's bootstrap)? Whole-process
// times cannot tell on a shared machine: runs of the same command differ by more than the
// effect. So each round runs two configurations at once, each pinned to a CPU of its own
// (`taskset`), swapped every round, and the workload times its own parts (cpu.js under
// BENCH_PARTS_OUT): the two runs share the host's state at that moment, and start-up and exit
// are left out. The ratio per round, its median and 95% interval, part by part; plain node
// against plain node, run the same way, is the noise floor. Needs 2 CPUs and taskset (Linux).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CLI,
  NODE,
  QUICK,
  WORKLOADS,
  fmt,
  median,
  medianInterval,
  printTable,
  tempDir,
  writeResults,
} from './common.mjs';

const ROUNDS = QUICK ? 3 : Number(process.env.BENCH_ROUNDS || 100);
const INTERVAL = '1000';
const workload = path.join(WORKLOADS, 'cpu.js');
const tmp = tempDir('program-phase');

if (os.cpus().length < 2 || spawnSync('taskset', ['-c', '0', 'true']).status !== 0) {
  console.log('program-phase: needs 2 CPUs and taskset; skipped');
  process.exit(0);
}

const pairs = [
  {
    base: { name: 'node (plain)', args: [workload] },
    other: { name: 'node (plain), again', args: [workload] },
  },
  {
    base: {
      name: `inspector profiler only: ${INTERVAL} µs`,
      args: [
        path.join(WORKLOADS, 'inspector-only.cjs'),
        INTERVAL,
        path.join(tmp, 'bare.cpuprofile'),
        workload,
      ],
    },
    other: {
      name: `viztracer --interval ${INTERVAL}`,
      args: [CLI, '--quiet', '-o', path.join(tmp, 'report.json'), '--interval', INTERVAL, workload],
    },
  },
];

/** Runs `config` pinned to `cpu`; resolves with the workload's part times. */
function runPinned(config, cpu, out) {
  fs.rmSync(out, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', String(cpu), NODE, ...config.args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, BENCH_PARTS_OUT: out },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${config.name} failed (${code}): ${err}`));
      else resolve(JSON.parse(fs.readFileSync(out, 'utf8')));
    });
  });
}

/** A run's time over all its parts. */
const total = (parts) => Object.values(parts).reduce((x, y) => x + y, 0);

const results = [];
for (const { base, other } of pairs) {
  const ratios = {};
  for (let r = 0; r < ROUNDS; r++) {
    const [a, b] = await Promise.all([
      runPinned(base, r % 2, path.join(tmp, 'a.json')),
      runPinned(other, 1 - (r % 2), path.join(tmp, 'b.json')),
    ]);
    for (const part of [...Object.keys(a), 'total']) {
      const ratio = part === 'total' ? total(b) / total(a) : b[part] / a[part];
      (ratios[part] ??= []).push(ratio - 1);
    }
    if (process.stderr.isTTY) process.stderr.write(`  ${other.name}: round ${r + 1}/${ROUNDS}\r`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  for (const [part, xs] of Object.entries(ratios)) {
    const ci = medianInterval(xs);
    results.push({
      base: base.name,
      other: other.name,
      part,
      medianPct: median(xs) * 100,
      intervalPct: ci ? ci.map((x) => x * 100) : null,
      ratios: xs,
    });
  }
}

const pct = (x) => `${x >= 0 ? '+' : ''}${fmt(x, 2)}%`;
printTable(
  `The program's own time, two runs at once on CPUs of their own, ${ROUNDS} rounds (other / base - 1)`,
  ['other against base', 'part', 'median', '95% interval'],
  results.map((r) => [
    `${r.other} / ${r.base}`,
    r.part,
    pct(r.medianPct),
    r.intervalPct ? `${pct(r.intervalPct[0])}..${pct(r.intervalPct[1])}` : '-',
  ]),
);
writeResults('program-phase', {
  rounds: ROUNDS,
  workload: path.relative(process.cwd(), workload),
  results,
});
