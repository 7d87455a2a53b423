// A recursive Fibonacci: about a second of pure CPU work. In the report's flame graph the
// `fibonacci` frames stack as deep as the recursion the sampler caught.
'use strict';

function fibonacci(n) {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

function main() {
  const n = Number(process.argv[2] ?? 37);
  const start = process.hrtime.bigint();
  let result = 0;
  // Several rounds, so the run lasts about a second on a typical machine.
  for (let round = 0; round < 3; round++) result = fibonacci(n);
  const millis = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`fibonacci(${n}) = ${result} (3 rounds in ${millis.toFixed(0)} ms)`);
}

main();
