// libuv's thread pool at work while the JavaScript thread waits: crypto.pbkdf2 runs on the
// pool's threads (4 by default, UV_THREADPOOL_SIZE to change it). The main thread's track
// is mostly idle; the hashing itself is not JavaScript, so the sampler of the JS thread
// cannot see it (the native backend shows the pool's threads and their CPU use).
'use strict';
const crypto = require('node:crypto');

const jobs = Number(process.argv[2] ?? 16);
const iterations = Number(process.argv[3] ?? 100_000);
const start = Date.now();
let done = 0;
for (let i = 0; i < jobs; i++) {
  crypto.pbkdf2(`password ${i}`, 'salt', iterations, 64, 'sha512', (err) => {
    if (err) throw err;
    if (++done === jobs) console.log(`${jobs} pbkdf2 hashes (${Date.now() - start} ms)`);
  });
}
