// fibonacci(N) timed inside the process (hrtime around the call only: no start-up, no report),
// twice after a warm-up on fibonacci(20): the first call still runs partly in V8's lower tiers,
// the second is steady state. Prints {"ms": first, "ms2": second, "calls": per call of fibonacci(N)}.
'use strict';

function fibonacci(n) {
  return n <= 2 ? 1 : fibonacci(n - 1) + fibonacci(n - 2);
}

const n = Number(process.argv[2] ?? 27);
fibonacci(20);
const timed = () => {
  const t0 = process.hrtime.bigint();
  const result = fibonacci(n);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
};
const first = timed();
const second = timed();
// 2 * fib(n) - 1 calls for this definition.
console.log(JSON.stringify({ ms: first.ms, ms2: second.ms, calls: 2 * first.result - 1 }));
