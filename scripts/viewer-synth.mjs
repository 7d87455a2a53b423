#!/usr/bin/env node
// Writes a synthetic Chrome Trace Event report for testing the viewer at scale:
//
//   node scripts/viewer-synth.mjs OUT.json [--slices 1000000] [--threads 8]
//
// Each thread gets nested call trees (a few levels, many short leaves, some recursion), so the
// report has long slices, millions of sub-pixel ones when zoomed out, a counter, instants, args,
// and one function whose name is HTML (the page must show it as text).
import { createWriteStream } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt;
};
const total = opt('--slices', 1_000_000);
const nThreads = opt('--threads', 8);
const out = args[0];
if (!out) {
  console.error('usage: node scripts/viewer-synth.mjs OUT.json [--slices N] [--threads N]');
  process.exit(2);
}

const pid = 4242;
const funcs = [
  'main (/app/main.js:1)',
  'handleRequest (/app/server.js:42)',
  'parseJSON (/app/util/json.js:7)',
  'render (/app/view.js:120)',
  'fib (/app/math.js:3)',
  'query (/app/db.js:88)',
  '<img src=x onerror=alert(1)> (/app/evil.js:1)',
  'compress (node:zlib:300)',
  '(garbage collector)',
];
const w = createWriteStream(out);
const lines = ['{"traceEvents":['];
const push = (e) => lines.push(JSON.stringify(e) + ',');
const flush = () => {
  if (lines.length > 10000) {
    w.write(lines.join('\n') + '\n');
    lines.length = 0;
  }
};
push({ ph: 'M', name: 'process_name', pid, tid: pid, args: { name: 'node synth.js (pid 4242)' } });
const perThread = Math.floor(total / nThreads);
let rnd = 12345;
const rand = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 2 ** 32;

for (let t = 0; t < nThreads; t++) {
  const tid = t === 0 ? pid : pid + t;
  push({
    ph: 'M',
    name: 'thread_name',
    pid,
    tid,
    args: { name: t === 0 ? 'main' : `worker-${t}` },
  });
  let ts = 1_000_000 + t * 100;
  let made = 0;
  // A tree: depth-first, durations in µs. Leaves are 1-20 µs.
  const tree = (depth, start, budget) => {
    let cursor = start;
    while (made < perThread && cursor < start + budget) {
      const leaf = depth >= 4 || rand() < 0.5;
      const dur = leaf
        ? 1 + Math.floor(rand() * 20)
        : Math.min(budget, 40 + Math.floor(rand() * 400));
      if (cursor + dur > start + budget) break;
      const name = funcs[1 + Math.floor(rand() * (funcs.length - 1))];
      const ev = { ph: 'X', cat: 'js', name, pid, tid, ts: cursor, dur };
      if (made % 1000 === 0) ev.args = { i: made, note: '<b>not bold</b>' };
      push(ev);
      made++;
      if (!leaf) tree(depth + 1, cursor + 1, dur - 2);
      cursor += dur + (rand() < 0.3 ? 2 : 0);
      flush();
    }
    return cursor;
  };
  while (made < perThread) {
    const dur = 2000 + Math.floor(rand() * 3000);
    push({ ph: 'X', cat: 'js', name: funcs[0], pid, tid, ts, dur });
    made++;
    tree(1, ts + 1, dur - 2);
    ts += dur + 50;
    flush();
  }
  push({ ph: 'i', name: `thread ${t} done`, pid, tid, ts, s: 't' });
}
for (let k = 0; k < 2000; k++) {
  push({
    ph: 'C',
    name: 'heap',
    pid,
    tid: pid,
    ts: 1_000_000 + k * 1000,
    args: { used: 50 + 30 * Math.sin(k / 50) + rand() * 5, total: 100 },
  });
}
push({ ph: 'i', name: 'global mark', pid, tid: pid, ts: 1_500_000, s: 'g' });
lines[lines.length - 1] = lines[lines.length - 1].slice(0, -1);
lines.push(
  '],"viztracer_metadata":{"tool":"viztracer","version":"synthetic","backend":"synthetic","intervalMicros":10,"sampleCount":0}}',
);
w.write(lines.join('\n') + '\n');
w.end(() => console.error(`wrote ${out}`));
