// Shared helpers for the benchmark scripts: paths, quick mode, timing a child process,
// statistics, a plain-text table, the JSON results file, and `viztracer --attach` to a process.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'lib', 'cli', 'viztracer.js');
export const WORKLOADS = path.join(ROOT, 'scripts', 'bench', 'workloads');
export const NODE = process.execPath;

/** Quick mode (BENCH_QUICK=1 or --quick): fewer runs and smaller inputs, for smoke tests. */
export const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');

/** A fresh temporary folder, removed at exit. */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vzbench-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `viztracer --attach pid --duration <seconds>s -o out [...extra]` in `cwd`; resolves once it
 * says it is tracing, with `ended`, a promise of its end that rejects if it failed.
 */
export function startAttach(pid, seconds, { cwd, out, extra = [] }) {
  const child = spawn(
    NODE,
    [CLI, '--attach', String(pid), '--duration', `${seconds}s`, '-o', out, ...extra],
    { cwd, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const ended = new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`--attach exited ${code}: ${err}`)),
    ),
  );
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      if (/tracing/.test(err)) resolve({ ended });
    });
    ended.catch(reject);
  });
}

/** Runs a command to completion; returns its wall time in ms (spawn to exit). Throws on failure. */
export function timeRun(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  }
  return ms;
}

/**
 * Round-robin timing: each round runs every configuration once (order rotated each round so no
 * configuration always runs first); `before(name)` runs untimed, e.g. to clear output files, and
 * `after(name, ms)` too, e.g. to read what the run wrote.
 */
export function roundRobin(configs, rounds, before = () => {}, after = () => {}) {
  const times = Object.fromEntries(configs.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < configs.length; k++) {
      const c = configs[(k + r) % configs.length];
      before(c.name);
      const ms = timeRun(c.cmd, c.args, c.opts);
      times[c.name].push(ms);
      after(c.name, ms);
    }
    if (process.stderr.isTTY) process.stderr.write(`  round ${r + 1}/${rounds}\r`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  return times;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0 <= q <= 1) of xs, interpolated between the two nearest values. */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

/**
 * A 95% confidence interval of the median that assumes nothing of the distribution: the order
 * statistics whose ranks bound the median with that probability (normal approximation of the
 * binomial). Null for fewer than 6 values, where the interval would be the whole range.
 */
export function medianInterval(xs) {
  const n = xs.length;
  if (n < 6) return null;
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.max(0, Math.floor((n - 1.96 * Math.sqrt(n)) / 2));
  return [s[k], s[n - 1 - k]];
}

export function min(xs) {
  return Math.min(...xs);
}

/** Prints rows (arrays of cells) as an aligned table with a header row. */
export function printTable(title, header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(`\n${title}\n${line(all[0])}\n${w.map((n) => '-'.repeat(n)).join('  ')}`);
  for (const r of all.slice(1)) console.log(line(r));
}

/** Writes bench-results/<name>.json with the run's context. */
export function writeResults(name, data) {
  const dir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const doc = {
    name,
    date: new Date().toISOString(),
    quick: QUICK,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memBytes: os.totalmem(),
    // 1/5/15-minute load averages when the benchmark finished: other work on a shared machine.
    loadavgAtEnd: os.loadavg(),
    ...data,
  };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  console.log(`\nload average at end: ${load}; wrote ${path.relative(process.cwd(), file)}`);
}

export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
