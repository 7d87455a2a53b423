// fibonacci as a module, for benchmarks that instrument it themselves: 2 * fib(n) - 1 calls.
'use strict';

function fibonacci(n) {
  return n <= 2 ? 1 : fibonacci(n - 1) + fibonacci(n - 2);
}

module.exports = fibonacci;
