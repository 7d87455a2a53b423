// Compares this checkout with another built checkout (an earlier commit) on the same benchmarks,
// in one run: each round runs every benchmark once in each tree (one round each, BENCH_ROUNDS=1),
// the trees' order alternating, so a shared machine's noise falls on both alike. Prints the
// medians, the ratio of this tree to the base, and each side's spread over the rounds (the
// noise floor: a ratio inside it is no difference).
//
//   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci)   # or npm run build
//   node scripts/bench/compare.mjs --base /tmp/base [--rounds 5] [startup overhead report-build merge viewer]
// (With no names: report-build, merge and viewer.)
//
// Writes bench-results/compare.json with every round's figures.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE, ROOT, fmt, median, printTable, writeResults } from './common.mjs';

/** What each benchmark's results file says, as named figures (lower is better for all). */
const EXTRACT = {
  startup: (r) => ({
    'viztracer: added ms (empty script)': r.rows.find((row) => row.name.startsWith('viztracer'))
      .addedMs,
    'preload: added ms (empty script)': r.rows.find((row) => row.name.includes('register')).addedMs,
  }),
  // With one round each, a ratio is that run's over plain node's run of the same round.
  overhead: (r) =>
    Object.fromEntries(
      r.rows
        .filter((row) => /^(viztracer|node --cpu-prof)/.test(row.name))
        .map((row) => [`${row.name}: ratio`, row.ratio]),
    ),
  'report-build': (r) => ({
    ...Object.fromEntries(
      r.rows.flatMap((row) => [
        [`convert ms (${row.format})`, row.convertMs],
        [`convert+write ms (${row.format})`, row.totalMs],
        [`peak RSS MB (${row.format})`, row.peakRssMB],
      ]),
    ),
    'merge step ms': r.merge.totalMs,
  }),
  merge: (r) => ({
    '--combine 2M events ms': r.runs[0].ms,
    '--combine peak RSS MB': r.runs[0].peakRssMB,
  }),
  viewer: (r) => ({
    'first draw ms (1M slices)': r.results.big[0].firstDrawMs,
    'zoom frame ms (1M slices)': r.results.big[0].zoomMs,
    'pan frame ms (1M slices)': r.results.big[0].panMs,
    'server RSS MB (1M slices)': r.results.big[0].serverRssMB,
    'first draw ms (fib 150k)': r.results.fib[0].firstDrawMs,
  }),
};

function parseArgs(argv) {
  const out = { base: null, rounds: 5, benches: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--base') out.base = path.resolve(argv[++i]);
    else if (argv[i] === '--rounds') out.rounds = Number(argv[++i]);
    else out.benches.push(argv[i]);
  }
  if (out.benches.length === 0) out.benches = ['report-build', 'merge', 'viewer'];
  if (!out.base || !fs.existsSync(path.join(out.base, 'lib'))) {
    throw new Error('--base must name a built checkout (with lib/) of the commit to compare with');
  }
  for (const b of out.benches) if (!EXTRACT[b]) throw new Error(`no extractor for bench ${b}`);
  if (!(out.rounds >= 1)) throw new Error('--rounds must be a positive number');
  return out;
}

/** One round of one benchmark in one tree; its figures. */
function runOnce(tree, bench) {
  const script = path.join(tree, 'scripts', 'bench', `${bench}.mjs`);
  const r = spawnSync(NODE, [script], {
    cwd: tree,
    env: { ...process.env, BENCH_ROUNDS: '1', BENCH_QUICK: '0' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${bench} failed in ${tree}:\n${r.stderr}${r.stdout}`);
  const results = JSON.parse(
    fs.readFileSync(path.join(tree, 'bench-results', `${bench}.json`), 'utf8'),
  );
  return EXTRACT[bench](results);
}

const opts = parseArgs(process.argv.slice(2));
const trees = { base: opts.base, here: ROOT };
const figures = { base: {}, here: {} };
for (let round = 0; round < opts.rounds; round++) {
  for (const bench of opts.benches) {
    const order = round % 2 ? ['here', 'base'] : ['base', 'here'];
    for (const side of order) {
      for (const [k, v] of Object.entries(runOnce(trees[side], bench))) {
        (figures[side][k] ??= []).push(v);
      }
    }
  }
  console.log(`  round ${round + 1}/${opts.rounds} done`);
}

// Ratios (below 10) with three decimals, milliseconds and MB with none or one.
const digits = (x, big) => (Math.abs(x) < 10 ? 3 : big);
const spread = (xs) =>
  `${fmt(Math.min(...xs), digits(Math.min(...xs), 0))}-${fmt(Math.max(...xs), digits(Math.max(...xs), 0))}`;
const rows = Object.keys(figures.here).map((k) => {
  const b = figures.base[k] ?? [NaN];
  const h = figures.here[k];
  return [
    k,
    fmt(median(b), digits(median(b), 1)),
    spread(b),
    fmt(median(h), digits(median(h), 1)),
    spread(h),
    fmt(median(h) / median(b), 3),
  ];
});
printTable(
  `This tree against ${opts.base}, medians of ${opts.rounds} alternating round(s) (lower is better)`,
  ['figure', 'base', 'base range', 'here', 'here range', 'here/base'],
  rows,
);
writeResults('compare', { base: opts.base, rounds: opts.rounds, figures });
