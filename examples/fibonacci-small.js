// fibonacci(10) for `viztracer --instrument`: every call is recorded, so the report has
// exactly 109 fibonacci slices (2 * fib(10) - 1), 9 deep. Sampling would see none of them.
'use strict';

function fibonacci(n) {
  return n <= 2 ? 1 : fibonacci(n - 1) + fibonacci(n - 2);
}

console.log(`fibonacci(10) = ${fibonacci(10)}`);
