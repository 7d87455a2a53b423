// Eight worker threads that compute. Unlike Python's threads under the GIL, Node's workers
// run JavaScript truly in parallel: in the report their tracks overlap in time, as many at
// once as the machine has cores.
'use strict';
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');

function countPrimes(from, to) {
  let count = 0;
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

if (isMainThread) {
  const workers = Number(process.argv[2] ?? 8);
  const perWorker = Number(process.argv[3] ?? 400_000);
  const start = Date.now();
  let done = 0;
  let total = 0;
  for (let i = 0; i < workers; i++) {
    const w = new Worker(__filename, {
      name: `primes-${i}`,
      workerData: { from: i * perWorker, to: (i + 1) * perWorker },
    });
    w.on('message', (count) => {
      total += count;
      if (++done === workers) {
        console.log(`${total} primes below ${workers * perWorker} (${Date.now() - start} ms)`);
      }
    });
  }
} else {
  parentPort.postMessage(countPrimes(workerData.from, workerData.to));
}
