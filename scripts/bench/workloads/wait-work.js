// A program that waits and works by turns, for the attribution benchmark: timers, a thread-pool
// job (crypto.pbkdf2) and setImmediate chains between bursts of a few ms of CPU work in named
// functions. Much of its wall time is spent waiting in the event loop, which is no function's
// time. Exports a promise that settles when it is done. About 1.2 s under plain node.
'use strict';
const crypto = require('node:crypto');
const ROUNDS = Number(process.env.BENCH_WORKLOAD_ROUNDS || 40);

function burn(ms) {
  let x = 0;
  const until = performance.now() + ms;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  return x;
}

function parseWork() {
  const rows = [];
  for (let i = 0; i < 3000; i++) rows.push({ i, s: `v${i}` });
  return JSON.parse(JSON.stringify(rows)).length;
}

function computeWork() {
  return burn(4);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const hash = () =>
  new Promise((resolve, reject) =>
    crypto.pbkdf2('password', 'salt', 20000, 32, 'sha256', (e, k) => (e ? reject(e) : resolve(k))),
  );
const immediates = (n) =>
  new Promise((resolve) => {
    const step = (k) => (k === 0 ? resolve() : setImmediate(() => step(k - 1)));
    step(n);
  });

async function main() {
  let check = 0;
  for (let r = 0; r < ROUNDS; r++) {
    check += computeWork();
    await sleep(10);
    check += parseWork();
    await hash();
    check += computeWork();
    await immediates(50);
  }
  return check;
}

module.exports = main();
