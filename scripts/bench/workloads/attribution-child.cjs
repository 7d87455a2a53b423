// `node attribution-child.cjs BACKEND INTERVAL WORKLOAD.js [RATE_OF]`: runs the workload under one
// sampler and prints, as one JSON line, how many samples had each function on top (the
// main thread's self time), with the effective rate (over 1e6 / RATE_OF per second, the
// interval by default) and the workload's wall time.
// BACKEND: `native:viztracer`, `native:v8` (lib/backends/native.js with that sampler),
// `inspector` (lib/backends/inspector.js), or `none` (no sampler: the baseline's wall time).
// A workload may export a promise; it is awaited.
'use strict';
const path = require('node:path');
const lib = path.join(__dirname, '..', '..', '..', 'lib');
const { frameName } = require(path.join(lib, 'trace', 'samples.js'));

const [backendName, interval, workload, rateOf = interval] = process.argv.slice(2);
const [kind, sampler] = backendName.split(':');
let backend = null;
if (kind === 'native') {
  const { NativeBackend } = require(path.join(lib, 'backends', 'native.js'));
  backend = new NativeBackend(sampler);
} else if (kind === 'inspector') {
  const { InspectorBackend } = require(path.join(lib, 'backends', 'inspector.js'));
  backend = new InspectorBackend();
} else if (kind !== 'none') {
  throw new Error(`unknown backend ${backendName}`);
}

(async () => {
  backend?.start(Number(interval));
  const t0 = performance.now();
  await require(path.resolve(workload));
  const wallMs = performance.now() - t0;
  if (!backend) {
    console.log(JSON.stringify({ wallMs }));
    return;
  }
  const s = backend.stop();
  const counts = {};
  let idle = 0;
  for (const id of s.nodeIds) {
    const node = s.nodes[id];
    if (!node || node.functionName === '(root)' || node.functionName === '(idle)') {
      idle++;
      continue;
    }
    const key = frameName(node);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const t = s.timesMicros;
  const spanSeconds = t.length > 1 ? (t[t.length - 1] - t[0]) / 1e6 : NaN;
  console.log(
    JSON.stringify({
      wallMs,
      samples: t.length,
      idle,
      effective: t.length / spanSeconds / (1e6 / Number(rateOf)),
      counts,
    }),
  );
})();
