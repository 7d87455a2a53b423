// Where the cost of a recorded call goes: fibonacci(27) instrumented by our transform and run
// against the real Recorder (lib/), in steady state (after warm-up, median of 7 calls), with
// parts of the recording switched off. Mode from argv:
//   plain      not instrumented
//   noclock    instrumented, entries written with a constant time, ring memory touched before
//   clock      instrumented, performance.now() times, ring memory touched before
//   fresh      instrumented, performance.now() times, each call writes memory not touched yet
// Prints {"mode": …, "nsPerCall": …}.
'use strict';
const path = require('node:path');

const lib = path.join(__dirname, '..', '..', '..', 'lib', 'instrument');
const { Recorder } = require(path.join(lib, 'recorder.js'));
const { instrument } = require(path.join(lib, 'transform.js'));

const mode = process.argv[2] ?? 'clock';
const N = 27;
const CALLS = 392835; // 2 * fib(27) - 1
const ROUNDS = 7;
const src =
  'function fibonacci(n) { return n <= 2 ? 1 : fibonacci(n - 1) + fibonacci(n - 2); }\nreturn fibonacci;';
// Room for every round without wrapping, so `fresh` always writes new memory.
const rec = new Recorder(2 * CALLS * (ROUNDS + 1) + 100_000);
if (mode === 'noclock') {
  rec.put = function (code) {
    const i = this.next;
    this.codes[i] = code;
    this.timesMillis[i] = 0;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    this.total++;
  };
}
if (mode !== 'fresh') {
  rec.codes.fill(1);
  rec.timesMillis.fill(1);
}
globalThis[Symbol.for('viztracer.instrument')] = rec;
rec.start();
const fib = new Function(mode === 'plain' ? src : instrument(src, '/bench.js').code)();
fib(20);
const ns = [];
for (let r = 0; r < ROUNDS; r++) {
  if (mode !== 'fresh') rec.next = 0;
  const t0 = process.hrtime.bigint();
  fib(N);
  ns.push(Number(process.hrtime.bigint() - t0) / CALLS);
}
ns.sort((a, b) => a - b);
console.log(JSON.stringify({ mode, nsPerCall: ns[ROUNDS >> 1] }));
