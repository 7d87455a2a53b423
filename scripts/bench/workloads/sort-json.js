// Builtin-heavy workload for the attribution benchmark: most of its time is inside builtins
// that have no interrupt checks of their own (Array.prototype.sort, JSON.stringify/parse,
// String.prototype.split/join). A sampler that waits for the thread's next interrupt check
// charges that time to the next JavaScript function (the sort's comparator); an unbiased one
// to the builtin's caller (`sort`, `json`, `strings`). About 1.2 s under plain node.
'use strict';
const ROUNDS = Number(process.env.BENCH_WORKLOAD_ROUNDS || 20);

function numbers(n, seed) {
  let x = seed;
  const a = new Array(n);
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff; // LCG: the same data every run
    a[i] = x;
  }
  return a;
}

function sort(a) {
  return a.sort((p, q) => p - q);
}

function json(n) {
  const rows = [];
  for (let i = 0; i < n; i++) rows.push({ id: i, name: `row ${i}`, tags: ['x', 'y'], v: i * 1.5 });
  return JSON.parse(JSON.stringify(rows)).length;
}

function strings(n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(`part-${i}`);
  return parts.join(',').split(',').join(';').length;
}

let check = 0;
for (let r = 0; r < ROUNDS; r++) {
  check += sort(numbers(100000, r + 1))[50000];
  check += json(15000);
  check += strings(60000);
}
if (process.env.BENCH_WORKLOAD_PRINT) console.log(check);
