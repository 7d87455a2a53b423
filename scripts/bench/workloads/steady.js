// A steady service-like load for memory benchmarks: 5 ms of work, 5 ms of waiting, forever
// (until SIGTERM), allocating a little garbage each round.
'use strict';
function work() {
  const end = Date.now() + 5;
  const junk = [];
  while (Date.now() < end) junk.push({ t: Date.now(), s: String(junk.length) });
  return junk.length;
}
setInterval(work, 10);
process.on('SIGTERM', () => process.exit(0));
