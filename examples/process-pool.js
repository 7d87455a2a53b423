// A pool of child processes summing squares, like Python's multiprocessing.Pool example:
// the range 1..N is cut into chunks, each child sums the squares of its chunk with BigInt,
// and the parent adds the results. When the work is done, the pool stops its children with
// SIGTERM. In the report each process is a track of its own: 1 + the pool's size.
'use strict';
const { fork } = require('node:child_process');
const os = require('node:os');

function sumOfSquares(from, to) {
  let sum = 0n;
  for (let i = BigInt(from); i <= BigInt(to); i++) sum += i * i;
  return sum;
}

if (process.argv[2] === 'child') {
  process.on('message', ({ from, to }) => {
    process.send(sumOfSquares(from, to).toString());
  });
} else {
  const n = Number(process.argv[2] ?? 3_000_000);
  const size = Number(process.argv[3] ?? Math.min(4, os.availableParallelism()));
  const chunks = size * 4;
  const start = Date.now();
  const pool = Array.from({ length: size }, () => fork(__filename, ['child']));
  let next = 0;
  let done = 0;
  let total = 0n;
  const give = (child) => {
    if (next >= chunks) return;
    const i = next++;
    const from = Math.floor((i * n) / chunks) + 1;
    const to = Math.floor(((i + 1) * n) / chunks);
    child.send({ from, to });
  };
  for (const child of pool) {
    child.on('message', (part) => {
      total += BigInt(part);
      if (++done === chunks) {
        const big = BigInt(n);
        const exact = total === (big * (big + 1n) * (2n * big + 1n)) / 6n;
        console.log(
          `sum of squares 1..${n} = ${total} (${Date.now() - start} ms, ${exact ? 'exact' : 'WRONG'})`,
        );
        for (const c of pool) c.kill('SIGTERM');
      } else {
        give(child);
      }
    });
    give(child);
  }
}
