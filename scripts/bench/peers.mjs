// viztracer against its peers on the CPU-bound workload: whole-process wall time as a ratio to
// plain node measured in the same run, effective sample rate, wall time added per delivered
// sample, and peak RSS, at each interval (default 1000 µs and 100 µs), for
//   viztracer --native (and --native --sampler viztracer|v8 when the CLI has --sampler),
//   viztracer (the inspector backend), node --cpu-prof, and @datadog/pprof's time profiler.
// Runs alternate round-robin between all configurations (order rotated each round).
//
// @datadog/pprof is installed on demand into bench-results/peers-deps/ (its own package.json,
// never a dependency of ours) and runs through a scratch preload that starts the time profiler
// before the workload and, at exit, stops it, encodes the profile and writes it, so its cost
// includes producing the profile like the others.
//
// Peak RSS two ways, the same for every configuration:
//  - "max RSS": GNU time's %M, the largest peak of any process of the run (for viztracer, the
//    CLI or the program's process, whichever is bigger); includes what happens after the exit
//    event (--cpu-prof writes its profile then);
//  - "program RSS" (and "CLI RSS"): VmHWM of the process that ran the workload (and of the CLI)
//    read by a preload in NODE_OPTIONS after every 'exit' listener has run.
//
// The machine may be shared: each run notes how many CPUs' worth of work the rest of the
// machine did meanwhile (/proc/stat minus the run's own CPU time), and a run during which that
// exceeded --max-contention (default 0.5) is redone, up to --retries (default 3) times.
//
//   node scripts/bench/peers.mjs [--runs N] [--intervals 1000,100] [--workload-rounds N]
//        [--duration S] [--max-contention CPUS] [--retries N] [--no-pprof] [--quick]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
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
import {
  costPerSampleMicros,
  cpuprofileSamples,
  effectiveRate,
  marginalCostMicros,
  othersCpus,
  parseGnuTime,
  parseProcStat,
  pprofSamples,
  rejectedOption,
  viztracerSamples,
} from './peers-lib.mjs';

const PPROF_VERSION = '5.20.0';

const { values: argv } = parseArgs({
  options: {
    runs: { type: 'string' },
    intervals: { type: 'string' },
    'workload-rounds': { type: 'string' }, // cpu.js rounds, default 27 (about 2.5 s here)
    duration: { type: 'string' }, // or: scale cpu.js to about this many seconds of plain node
    'max-contention': { type: 'string' }, // redo a run when others used more CPUs than this
    retries: { type: 'string' }, // at most this many times
    'no-pprof': { type: 'boolean' },
    quick: { type: 'boolean' },
  },
});
const ROUNDS = Number(argv.runs ?? process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5));
const INTERVALS = (argv.intervals ?? '1000,100').split(',').map(Number);
const TARGET_SECONDS = argv.duration === undefined ? null : Number(argv.duration);
const MAX_CONTENTION = Number(argv['max-contention'] ?? 0.5);
const RETRIES = Number(argv.retries ?? (QUICK ? 0 : 3));
for (const [what, x] of [
  ['--runs', ROUNDS],
  ['--duration', TARGET_SECONDS ?? 1],
  ['--max-contention', MAX_CONTENTION],
  ['--retries', RETRIES + 1],
  ...INTERVALS.map((us) => ['--intervals', us]),
]) {
  if (!(x > 0)) throw new Error(`${what}: expected a positive number`);
}

const workload = path.join(WORKLOADS, 'cpu.js');
const tmp = tempDir('peers');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

// ---- scratch preloads ------------------------------------------------------------------------

// Records VmHWM after every 'exit' listener has run (Node emits 'exit' through process.emit).
const rssPreload = path.join(tmp, 'rss-preload.cjs');
fs.writeFileSync(
  rssPreload,
  `'use strict';
const fs = require('fs');
const file = process.env.VZBENCH_RSS_FILE;
const emit = process.emit;
process.emit = function (event, ...args) {
  const r = emit.call(this, event, ...args);
  if (event === 'exit' && file) {
    let kb = NaN;
    try { kb = Number(/^VmHWM:\\s*(\\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); }
    catch { kb = process.resourceUsage().maxRSS; }
    fs.appendFileSync(file, JSON.stringify({ pid: process.pid, script: process.argv[1] || '', kb }) + '\\n');
  }
  return r;
};
`,
);

// Starts @datadog/pprof's time profiler; at exit stops it, encodes and writes the profile. It
// also notes the raw V8 profile's total hit count (pprof's serializer leaves out (program) and
// (idle) samples, which the other tools count) by wrapping the serializer.
const pprofPreload = path.join(tmp, 'pprof-preload.cjs');
fs.writeFileSync(
  pprofPreload,
  `'use strict';
const fs = require('fs');
const dir = process.env.VZBENCH_PPROF_DIR;
const out = process.env.VZBENCH_PPROF_OUT;
const pprof = require(dir);
const serializer = require(dir + '/out/src/profile-serializer');
const serialize = serializer.serializeTimeProfile;
let rawSamples = null;
const hits = (n) => n.hitCount + n.children.reduce((s, c) => s + hits(c), 0);
serializer.serializeTimeProfile = function (prof, ...rest) {
  rawSamples = prof.totalHitCount ?? hits(prof.topDownRoot);
  return serialize.call(this, prof, ...rest);
};
pprof.time.start({ intervalMicros: Number(process.env.VZBENCH_PPROF_INTERVAL), durationMillis: 3600000 });
// prepend: pprof's own exit listener would otherwise stop the profiler and drop the profile.
process.prependListener('exit', () => {
  fs.writeFileSync(out, pprof.encodeSync(pprof.time.stop()));
  fs.writeFileSync(out + '.raw.json', JSON.stringify({ rawSamples }));
});
`,
);

// ---- what is available -----------------------------------------------------------------------

function installPprof() {
  const deps = path.join(ROOT, 'bench-results', 'peers-deps');
  const pkgDir = path.join(deps, 'node_modules', '@datadog', 'pprof');
  const have = () => {
    try {
      return JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  if (have() !== PPROF_VERSION) {
    fs.mkdirSync(deps, { recursive: true });
    fs.writeFileSync(
      path.join(deps, 'package.json'),
      JSON.stringify({ name: 'peers-deps', private: true }) + '\n',
    );
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(
      npm,
      ['install', '--no-save', '--no-audit', '--no-fund', `@datadog/pprof@${PPROF_VERSION}`],
      { cwd: deps, encoding: 'utf8' },
    );
    if (r.status !== 0 || have() !== PPROF_VERSION) {
      const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop();
      console.log(`@datadog/pprof@${PPROF_VERSION} could not be installed (${why}); skipping it`);
      return null;
    }
  }
  // Does it load and run here (prebuilt binary for this platform and Node)?
  const probe = path.join(tmp, 'probe.pb.gz');
  const r = spawnSync(NODE, ['--require', pprofPreload, path.join(WORKLOADS, 'empty.js')], {
    env: { ...process.env, ...pprofEnv(pkgDir, 1000, probe) },
    encoding: 'utf8',
  });
  if (r.status !== 0 || !fs.existsSync(probe)) {
    const why =
      r.stderr
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ?? `exit ${r.status}`;
    console.log(`@datadog/pprof@${PPROF_VERSION} does not run here (${why}); skipping it`);
    return null;
  }
  return pkgDir;
}

function pprofEnv(pkgDir, us, out) {
  return { VZBENCH_PPROF_DIR: pkgDir, VZBENCH_PPROF_INTERVAL: String(us), VZBENCH_PPROF_OUT: out };
}

/** 'ok', 'no-sampler' (the CLI rejects --sampler) or an error line, for `viztracer <flags>`. */
function probeCli(flags) {
  const out = path.join(tmp, 'probe.json');
  const r = spawnSync(
    NODE,
    [CLI, '--quiet', ...flags, '-o', out, path.join(WORKLOADS, 'empty.js')],
    { encoding: 'utf8' },
  );
  if (r.status === 0) return 'ok';
  if (rejectedOption(r.status, r.stderr, '--sampler')) return 'no-sampler';
  return r.stderr.trim().split('\n')[0] || `exit ${r.status}`;
}

const notes = [];
const nativeOk = probeCli(['--native']);
let samplers = [];
if (nativeOk !== 'ok') {
  notes.push(`viztracer --native does not run here (${nativeOk}); left out`);
} else {
  const v8 = probeCli(['--native', '--sampler', 'v8']);
  const vz = probeCli(['--native', '--sampler', 'viztracer']);
  if (v8 === 'no-sampler' || vz === 'no-sampler') {
    notes.push('this viztracer CLI has no --sampler option: plain --native only');
  } else {
    if (vz === 'ok') samplers.push('viztracer');
    else notes.push(`--native --sampler viztracer fails (${vz}); left out`);
    if (v8 === 'ok') samplers.push('v8');
    else notes.push(`--native --sampler v8 fails (${v8}); left out`);
  }
}
const pprofDir = argv['no-pprof'] ? null : installPprof();
if (argv['no-pprof']) notes.push('@datadog/pprof left out (--no-pprof)');

// ---- the workload's size ---------------------------------------------------------------------

function wallOf(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// A fixed size by default: scaling it to a machine that is busy at that moment would not do.
let workloadRounds = Number(argv['workload-rounds'] ?? (QUICK ? 6 : 27));
if (TARGET_SECONDS !== null) {
  // Scale cpu.js (18 rounds by default) to about TARGET_SECONDS of plain node; the faster of two.
  const env = { ...process.env, BENCH_WORKLOAD_ROUNDS: '18' };
  const ms = Math.min(wallOf([workload], env), wallOf([workload], env));
  workloadRounds = Math.max(1, Math.round((18 * TARGET_SECONDS * 1000) / ms));
}

// ---- configurations --------------------------------------------------------------------------

const baseEnv = {
  ...process.env,
  BENCH_WORKLOAD_ROUNDS: String(workloadRounds),
  NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${rssPreload}`].filter(Boolean).join(' '),
};
delete baseEnv.VIZTRACER_OUTPUT; // the CLI's options come from the command line only

const out = (name) => path.join(tmp, name);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

function viztracerConfig(name, flags, us) {
  const report = out(`${name.replace(/\W+/g, '_')}.json`);
  return {
    name,
    tool: flags.includes('--native') ? 'viztracer --native' : 'viztracer',
    intervalMicros: us,
    args: [CLI, '--quiet', ...flags, '--interval', String(us), '-o', report, workload],
    clean: () => fs.rmSync(report, { force: true }),
    count: () => viztracerSamples(readJson(report)),
  };
}

const configs = [
  { name: 'node (plain)', tool: 'node', intervalMicros: 0, args: [workload], count: () => null },
];
for (const us of INTERVALS) {
  if (nativeOk === 'ok') {
    configs.push(viztracerConfig(`viztracer --native, ${us} µs`, ['--native'], us));
    for (const s of samplers) {
      configs.push(
        viztracerConfig(
          `viztracer --native --sampler ${s}, ${us} µs`,
          ['--native', '--sampler', s],
          us,
        ),
      );
    }
  }
  configs.push(viztracerConfig(`viztracer (inspector), ${us} µs`, [], us));
  const profDir = out(`cpuprof-${us}`);
  configs.push({
    name: `node --cpu-prof, ${us} µs`,
    tool: 'node --cpu-prof',
    intervalMicros: us,
    args: ['--cpu-prof', '--cpu-prof-interval', String(us), '--cpu-prof-dir', profDir, workload],
    clean: () => fs.rmSync(profDir, { recursive: true, force: true }),
    count: () => {
      const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length !== 1) throw new Error(`expected one .cpuprofile, found ${files.length}`);
      return cpuprofileSamples(readJson(path.join(profDir, files[0])));
    },
  });
  if (pprofDir) {
    const pb = out(`pprof-${us}.pb.gz`);
    const { Profile } = createRequire(path.join(pprofDir, 'package.json'))('pprof-format');
    configs.push({
      name: `@datadog/pprof time, ${us} µs`,
      tool: '@datadog/pprof',
      intervalMicros: us,
      args: ['--require', pprofPreload, workload],
      env: pprofEnv(pprofDir, us, pb),
      clean: () => fs.rmSync(pb, { force: true }),
      count: () => {
        const c = pprofSamples(Profile.decode(zlib.gunzipSync(fs.readFileSync(pb))));
        return { ...c, rawSamples: readJson(`${pb}.raw.json`).rawSamples };
      },
    });
  }
}

// ---- the runs --------------------------------------------------------------------------------

const rssFile = out('rss.jsonl');
const timeFile = out('time.txt');

const HZ = 100; // USER_HZ of /proc/stat (getconf CLK_TCK) on Linux
const procStat = () =>
  fs.existsSync('/proc/stat') ? parseProcStat(fs.readFileSync('/proc/stat', 'utf8')) : null;

function runOnce(c) {
  c.clean?.();
  fs.rmSync(rssFile, { force: true });
  fs.rmSync(timeFile, { force: true });
  const [cmd, args] = TIME
    ? [TIME, ['-f', '%U %S %M', '-o', timeFile, NODE, ...c.args]]
    : [NODE, c.args];
  const env = { ...baseEnv, ...c.env, VZBENCH_RSS_FILE: rssFile };
  const stat0 = procStat();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stat1 = procStat();
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const time = TIME ? parseGnuTime(fs.readFileSync(timeFile, 'utf8')) : null;
  const procs = fs.existsSync(rssFile)
    ? fs
        .readFileSync(rssFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
  const kbOf = (pred) => procs.find(pred)?.kb ?? NaN;
  return {
    ms,
    cpuMs: time?.cpuMs ?? NaN,
    maxRssKB: time?.maxRssKB ?? NaN,
    othersCpus: time && stat0 ? othersCpus(stat0, stat1, HZ, time.cpuMs, ms) : NaN,
    programRssKB: kbOf((p) => p.script === workload),
    cliRssKB: kbOf((p) => p.script === CLI),
    ...c.count(),
  };
}

console.log(
  `peers: ${configs.length} configurations x ${ROUNDS} rounds, round-robin; ` +
    `cpu.js with ${workloadRounds} rounds (BENCH_WORKLOAD_ROUNDS)`,
);
for (const n of notes) console.log(`note: ${n}`);

let redone = 0;
const runs = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < configs.length; k++) {
    const c = configs[(k + r) % configs.length];
    // Redo a run during which the rest of the machine was busy (up to RETRIES times).
    let run = runOnce(c);
    for (let t = 0; t < RETRIES && run.othersCpus > MAX_CONTENTION; t++) {
      redone++;
      run = runOnce(c);
    }
    runs[c.name].push(run);
  }
  console.log(`  round ${r + 1}/${ROUNDS} done (${redone} run(s) redone so far)`);
}

// ---- figures ---------------------------------------------------------------------------------

const plainRuns = runs[configs[0].name];
const plainMs = median(plainRuns.map((x) => x.ms));
const med = (xs) => (xs.some((x) => Number.isFinite(x)) ? median(xs.filter(Number.isFinite)) : NaN);
const rows = configs.map((c) => {
  const rs = runs[c.name];
  const samples = med(rs.map((x) => x.samples));
  const spanMicros = med(rs.map((x) => x.spanMicros));
  // Paired: each run against the plain run of the same round, then the median.
  const ratio = median(rs.map((x, i) => x.ms / plainRuns[i].ms));
  const addedMs = median(rs.map((x, i) => x.ms - plainRuns[i].ms));
  const cpuRatio = med(rs.map((x, i) => x.cpuMs / plainRuns[i].cpuMs));
  const minRatio = Math.min(...rs.map((x) => x.ms)) / Math.min(...plainRuns.map((x) => x.ms));
  return {
    name: c.name,
    tool: c.tool,
    intervalMicros: c.intervalMicros,
    medianMs: median(rs.map((x) => x.ms)),
    ratio,
    minRatio,
    cpuRatio,
    addedMs,
    samples,
    rawSamples: med(rs.map((x) => x.rawSamples ?? NaN)),
    spanMs: spanMicros / 1000,
    effectiveRate: c.intervalMicros ? effectiveRate(samples, spanMicros, c.intervalMicros) : NaN,
    costPerSampleMicros: c.intervalMicros
      ? costPerSampleMicros(plainMs + addedMs, plainMs, samples)
      : NaN,
    maxRssMB: med(rs.map((x) => x.maxRssKB)) / 1024,
    programRssMB: med(rs.map((x) => x.programRssKB)) / 1024,
    cliRssMB: med(rs.map((x) => x.cliRssKB)) / 1024,
    othersCpus: med(rs.map((x) => x.othersCpus)),
    runs: rs,
  };
});

// Marginal cost: against the same tool at the coarsest interval, so fixed costs cancel out.
const coarsest = Math.max(...INTERVALS);
for (const r of rows) {
  const c = rows.find((x) => x.tool === r.tool && x.intervalMicros === coarsest);
  r.marginalCostMicros = c && c !== r ? marginalCostMicros(c, r) : NaN;
}

printTable(
  `Whole-process wall time and samples, median of ${ROUNDS} run(s), plain node ${fmt(plainMs, 0)} ms\n` +
    `(ratio = median over rounds of run / plain run of the same round; min ratio = fastest run /\n` +
    ` fastest plain run; CPU ratio = as ratio, on user+system CPU time of all the run's processes;\n` +
    ` effective = samples / (span x requested rate); µs/sample = median added wall / samples;\n` +
    ` marginal = added wall per extra sample against the same tool at ${coarsest} µs; RSS in MB: max\n` +
    ` of any process (GNU time %M), the program's process and the CLI (VmHWM at exit))`,
  [
    'configuration',
    'median ms',
    'ratio',
    'min ratio',
    'CPU ratio',
    'samples',
    'span ms',
    'effective',
    'µs/sample',
    'marginal',
    'max RSS',
    'program RSS',
    'CLI RSS',
  ],
  rows.map((r) => [
    r.name,
    fmt(r.medianMs, 0),
    fmt(r.ratio, 3),
    fmt(r.minRatio, 3),
    fmt(r.cpuRatio, 3),
    Number.isFinite(r.samples) ? r.samples : '-',
    fmt(r.spanMs, 0),
    fmt(r.effectiveRate, 3),
    fmt(r.costPerSampleMicros, 1),
    fmt(r.marginalCostMicros, 1),
    fmt(r.maxRssMB, 0),
    fmt(r.programRssMB, 0),
    fmt(r.cliRssMB, 0),
  ]),
);
const others = Object.values(runs)
  .flat()
  .map((x) => x.othersCpus)
  .filter(Number.isFinite);
if (others.length) {
  console.log(
    `\nthe rest of the machine used ${fmt(median(others), 2)} CPUs (median; max ` +
      `${fmt(Math.max(...others), 2)}) during the runs kept; ${redone} run(s) were redone ` +
      `because it used more than ${MAX_CONTENTION}`,
  );
  if (median(others) > MAX_CONTENTION) {
    console.log('  (a busy machine: wall ratios, rates and costs below are not trustworthy)');
  }
}
const pp = rows.filter((r) => Number.isFinite(r.rawSamples));
if (pp.length) {
  console.log(
    `\n@datadog/pprof's profile leaves out (program) and (idle) samples; V8 delivered ` +
      pp.map((r) => `${r.rawSamples} at ${r.intervalMicros} µs`).join(', ') +
      ' (raw total hits, median).',
  );
}
// The targets for --native: at most 1.02x at 1000 µs and 1.25x at 100 µs.
const TARGETS = { 1000: 1.02, 100: 1.25 };
for (const r of rows) {
  if (r.tool !== 'viztracer --native' || !TARGETS[r.intervalMicros]) continue;
  const t = TARGETS[r.intervalMicros];
  console.log(
    `target: ${r.name}: ${fmt(r.ratio, 3)} (at most ${t}): ${r.ratio <= t ? 'met' : 'missed'}`,
  );
}
for (const n of notes) console.log(`note: ${n}`);

writeResults('peers', {
  rounds: ROUNDS,
  intervalsMicros: INTERVALS,
  workload: path.relative(process.cwd(), workload),
  workloadRounds,
  maxContention: MAX_CONTENTION,
  retries: RETRIES,
  redone,
  plainMs,
  pprofVersion: pprofDir ? PPROF_VERSION : null,
  samplers,
  notes,
  peakRssMethod: TIME
    ? 'GNU time %M (max of any process); VmHWM at exit per process'
    : 'VmHWM at exit per process',
  rows,
});
