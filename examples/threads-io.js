// Eight worker threads that mostly wait: each reads a file and sleeps between small bits of
// work, as a thread waiting on I/O does. In the report their tracks are mostly gaps.
'use strict';
const { Worker, isMainThread, threadId, parentPort } = require('node:worker_threads');
const { readFile } = require('node:fs/promises');
const { setTimeout: sleep } = require('node:timers/promises');

async function fetchLike(round) {
  await sleep(20); // waiting for "the network"
  const text = await readFile(__filename, 'utf8');
  return text.length + round;
}

function parse(n) {
  let s = 0;
  for (let i = 0; i < 20_000; i++) s += Math.sqrt(i * n);
  return s;
}

async function work() {
  let total = 0;
  for (let round = 0; round < 10; round++) total += parse(await fetchLike(round));
  return total;
}

if (isMainThread) {
  const workers = Number(process.argv[2] ?? 8);
  const start = Date.now();
  let done = 0;
  for (let i = 0; i < workers; i++) {
    new Worker(__filename, { name: `io-${i}` }).on('message', () => {
      if (++done === workers) console.log(`${workers} workers done (${Date.now() - start} ms)`);
    });
  }
} else {
  work().then((total) => parentPort.postMessage({ threadId, total }));
}
