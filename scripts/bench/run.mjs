// `npm run bench`: every benchmark in sequence, each in its own node process so one's heap and
// JIT state never colour the next. BENCH_QUICK=1 (or --quick) runs a smoke-test sized version.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHES = [
  'overhead.mjs',
  'program-phase.mjs',
  'peers.mjs',
  'sample-rate.mjs',
  'attribution.mjs',
  'report-build.mjs',
  'source-maps.mjs',
  'source-maps-files.mjs',
  'startup.mjs',
  'merge.mjs',
  'threads-processes.mjs',
  'viewer.mjs',
  'instrument.mjs',
  'instrument-load.mjs',
  'http.mjs',
  'flight-recorder.mjs',
  'attach.mjs',
  'native-memory.mjs',
];
const extra = process.argv.includes('--quick') ? ['--quick'] : [];

const failed = [];
for (const b of BENCHES) {
  console.log(`\n=== ${b} ===`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(here, b), ...extra], { stdio: 'inherit' });
  console.log(`(${b}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) failed.push(b);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
