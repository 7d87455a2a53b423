// Load for the threads-and-processes benchmark: 32 worker threads and 8 child processes at
// once, each working for about DURATION ms of wall time (bursts of computation between short
// waits, so 40 of them share 2 cores without taking minutes). When all are done, the main
// thread writes the time to STAMP and returns: from there on, the time is the tracer's.
'use strict';
const { fork } = require('node:child_process');
const fs = require('node:fs');
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');

const DURATION = Number(process.env.LOAD_MILLIS || 3000);

function burst(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + Math.random());
  return x;
}

function workFor(ms, done) {
  const end = Date.now() + ms;
  const step = () => {
    burst(4);
    if (Date.now() < end) setTimeout(step, 12);
    else done();
  };
  step();
}

if (process.argv[2] === 'child') {
  workFor(DURATION, () => process.exit(0));
} else if (!isMainThread) {
  workFor(workerData.ms, () => parentPort.postMessage('done'));
} else {
  const [threads, processes, stamp] = [
    Number(process.argv[2]),
    Number(process.argv[3]),
    process.argv[4],
  ];
  let left = threads + processes;
  const finished = () => {
    if (--left === 0) fs.writeFileSync(stamp, String(Date.now()));
  };
  for (let i = 0; i < threads; i++) {
    new Worker(__filename, { name: `load-${i}`, workerData: { ms: DURATION } }).on(
      'message',
      finished,
    );
  }
  for (let i = 0; i < processes; i++) fork(__filename, ['child']).on('exit', finished);
}
