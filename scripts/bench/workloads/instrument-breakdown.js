// Where the cost of a recorded call goes: fibonacci(27) instrumented by our transform and run
// against the real Recorder (lib/), in steady state (after warm-up, median of 7 calls), with
// each clock. Mode from argv:
//   plain               not instrumented
//   noclock             instrumented; a JavaScript put that stores a constant time
//   tsc, monotonic, performance.now, hrtime
//                       the Recorder with that clock, its ring written again each call
//   tsc-fresh, performance.now-fresh
//                       the same, each call writing ring memory never touched before
// Prints {"mode": …, "nsPerCall": …}.
'use strict';
const path = require('node:path');

const lib = path.join(__dirname, '..', '..', '..', 'lib');
const { Recorder, RING_HEADER } = require(path.join(lib, 'instrument', 'recorder.js'));
const { instrument } = require(path.join(lib, 'instrument', 'transform.js'));
const { loadNative } = require(path.join(lib, 'native.js'));

const mode = process.argv[2] ?? 'tsc';
const fresh = mode.endsWith('-fresh');
const clockName = mode.replace(/-fresh$/, '');
const N = 27;
const CALLS = 392835; // 2 * fib(27) - 1
const ROUNDS = 7;
const src =
  'function fibonacci(n) { return n <= 2 ? 1 : fibonacci(n - 1) + fibonacci(n - 2); }\nreturn fibonacci;';
// Room for every round without wrapping, so `-fresh` always writes new memory.
const capacity = 2 * CALLS * (ROUNDS + 1) + 100_000;
let rec;
if (mode === 'plain' || mode === 'noclock') {
  rec = new Recorder(16);
  if (mode === 'noclock') {
    const ring = new Float64Array(RING_HEADER + 2 * (2 * CALLS + 100_000)).fill(1);
    let next = 0;
    Object.defineProperty(rec, 'put', {
      value: (code) => {
        ring[RING_HEADER + 2 * next] = code;
        ring[RING_HEADER + 2 * next + 1] = 0;
        next = next + 1 === 2 * CALLS + 100_000 ? 0 : next + 1;
      },
    });
  }
} else {
  const native = ['tsc', 'cntvct', 'monotonic'].includes(clockName);
  const loaded = native ? loadNative() : null;
  if (loaded && 'error' in loaded) throw new Error(loaded.error);
  rec = new Recorder(
    capacity,
    native ? { name: clockName, addon: loaded.addon } : { name: clockName },
  );
}
globalThis[Symbol.for('viztracer.instrument')] = rec;
rec.start();
const fib = new Function(mode === 'plain' ? src : instrument(src, '/bench.js').code)();
fib(20);
const ns = [];
for (let r = 0; r < ROUNDS; r++) {
  if (!fresh) rec.reset();
  const t0 = process.hrtime.bigint();
  fib(N);
  ns.push(Number(process.hrtime.bigint() - t0) / CALLS);
}
ns.sort((a, b) => a - b);
console.log(JSON.stringify({ mode, nsPerCall: ns[ROUNDS >> 1] }));
