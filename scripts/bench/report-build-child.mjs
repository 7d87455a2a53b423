// Child of report-build.mjs, one job per process so its peak RSS is the job's own:
//   node report-build-child.mjs convert SAMPLES OUT [sync|async]   build a synthetic profile,
//       convert it (fromInspectorProfile, as the inspector backend does, then convertProfile with
//       the CLI's default options) and write it with saveEventsSync (what an
//       exit handler does; fflate for .json.gz) or saveEvents (the CLI; node:zlib for .json.gz)
//   node report-build-child.mjs merge IN OUT          what the CLI does after the program exits:
//       read a partial report and write it again (mergedEventTexts + saveEvents)
//   node report-build-child.mjs instrument N OUT       what --instrument does at exit: record
//       fibonacci(N) (workloads/fib.js instrumented, the recorder's default clock), then take the
//       entries, build slices (recordingSlices) and write them (saveEventsSync)
// Prints its timings as one JSON line.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ROOT } from './common.mjs';
import { syntheticProfile } from './synthetic-profile.mjs';

const require = createRequire(import.meta.url);
const lib = (p) => require(path.join(ROOT, 'lib', p));
const { convertProfile } = lib('trace/convert.js');
const { fromInspectorProfile } = lib('trace/inspector-profile.js');
const { processEventTexts } = lib('report/serialize.js');
const { saveEvents, saveEventsSync } = lib('report/save.js');
const { reportMetadata } = lib('trace/metadata.js');
const { mergedEventTexts, newMergeStats } = lib('report/merge.js');
const { convertOptionsOf } = lib('tracer.js');
const { resolveOptions } = lib('options.js');

const [mode, arg, out, writer = 'sync'] = process.argv.slice(2);
const maxRssMB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
const now = () => Number(process.hrtime.bigint()) / 1e6;
const meta = (sampleCount) => () =>
  reportMetadata({ backend: 'inspector', intervalMicros: 1000, sampleCount, command: ['bench'] });

if (mode === 'convert') {
  const profile = syntheticProfile({ samples: Number(arg) });
  const rssAfterBuild = maxRssMB();
  const t0 = now();
  const samples = fromInspectorProfile(profile);
  const slices = convertProfile(samples, convertOptionsOf(resolveOptions({ interval: 1000 })));
  const t1 = now();
  const rssAfterConvert = maxRssMB();
  const thread = { tid: process.pid, name: 'main', sortIndex: 0, slices };
  const track = { pid: process.pid, name: 'synthetic', args: {}, threads: [thread] };
  const save = writer === 'async' ? saveEvents : saveEventsSync;
  const saved = await save(out, processEventTexts(track), meta(slices.sampleCount));
  const t2 = now();
  console.log(
    JSON.stringify({
      samples: slices.sampleCount,
      nodes: profile.nodes.length,
      slices: slices.count,
      events: saved.events,
      bytes: saved.bytes,
      convertMs: t1 - t0,
      saveMs: t2 - t1,
      totalMs: t2 - t0,
      maxRssAfterBuildMB: rssAfterBuild,
      maxRssAfterConvertMB: rssAfterConvert,
      maxRssMB: maxRssMB(),
    }),
  );
} else if (mode === 'merge') {
  const t0 = now();
  const stats = newMergeStats();
  const saved = await saveEvents(out, mergedEventTexts([arg], stats, { tolerant: false }), meta(0));
  const t1 = now();
  console.log(
    JSON.stringify({
      samples: stats.sampleCount,
      events: saved.events,
      bytes: saved.bytes,
      totalMs: t1 - t0,
      maxRssMB: maxRssMB(),
    }),
  );
} else if (mode === 'instrument') {
  const { Recorder, defaultClock } = lib('instrument/recorder.js');
  const { instrument } = lib('instrument/transform.js');
  const { recordingSlices } = lib('instrument/slices.js');
  const fs = require('node:fs');
  const file = path.join(ROOT, 'scripts', 'bench', 'workloads', 'fib.js');
  const rec = new Recorder(1 << 22, defaultClock());
  globalThis[Symbol.for('viztracer.instrument')] = rec;
  const m = { exports: {} };
  new Function('module', 'exports', instrument(fs.readFileSync(file, 'utf8'), file).code)(
    m,
    m.exports,
  );
  rec.start();
  m.exports(Number(arg));
  rec.stop();
  const t0 = now();
  const slices = recordingSlices(rec.take());
  const t1 = now();
  const thread = { tid: process.pid, name: 'main', sortIndex: 0, slices };
  const track = { pid: process.pid, name: 'fib', args: {}, threads: [thread] };
  // As Tracer.saveSync does at exit.
  const events = processEventTexts(track, { scratch: Buffer.allocUnsafe(1 << 20) });
  const saved = saveEventsSync(out, events, () =>
    reportMetadata({ backend: 'instrument', intervalMicros: 0, sampleCount: 0, command: ['x'] }),
  );
  const t2 = now();
  // The same slices as VizTracer (Python) writes them (snaptrace.c: ts and dur always with
  // three decimals, cat "fee"; without the caller_lineno that newer versions add).
  const three = (us) => {
    const ns = Math.round(us * 1000);
    return `${Math.floor(ns / 1000)}.${String(ns % 1000).padStart(3, '0')}`;
  };
  let vizBytes = 0;
  for (let i = 0; i < slices.count; i++) {
    const name = JSON.stringify(slices.names[slices.nameIndex[i]]);
    const ts = three(slices.startMicros[i]);
    const dur = three(slices.durationMicros[i]);
    vizBytes += Buffer.byteLength(
      `{"pid":${process.pid},"tid":${process.pid},"ts":${ts},"ph":"X","cat":"fee","dur":${dur},"name":${name}},\n`,
    );
  }
  const nameBytes = Buffer.byteLength(JSON.stringify(slices.names[0]));
  console.log(
    JSON.stringify({
      clock: rec.clock,
      slices: slices.count,
      events: saved.events,
      bytes: saved.bytes,
      slicesMs: t1 - t0,
      saveMs: t2 - t1,
      totalMs: t2 - t0,
      vizTracerSliceBytes: vizBytes,
      nameBytes,
      maxRssMB: maxRssMB(),
    }),
  );
} else {
  throw new Error(`unknown mode ${mode}`);
}
