// What `viztracer --attach` costs the process it attaches to: the longest the event loop of a
// service with a big warm heap (workloads/ts-service.js: TypeScript's checker, about 120 MB) was
// held up in a window without attaching, and in a window of the same length in which the
// attach starts the profiler in it (inspector and --native), and then in which it detaches and
// the target saves. Each round starts a fresh service; medians over the rounds.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import {
  fmt,
  median,
  NODE,
  printTable,
  QUICK,
  startAttach,
  tempDir,
  WORKLOADS,
  writeResults,
} from './common.mjs';

const SERVICE = path.join(WORKLOADS, 'ts-service.js');
const DIR = tempDir('attach');
const ROUNDS = QUICK ? 1 : 5;
const WINDOW_MS = 1500;

function lines(stream) {
  let buf = '';
  const waiting = [];
  stream.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  return () => new Promise((r) => waiting.push(r));
}

async function round(extra) {
  const child = spawn(NODE, [SERVICE], { cwd: DIR, stdio: ['pipe', 'pipe', 'ignore'] });
  const next = lines(child.stdout);
  const ready = await next();
  const heap = Number(/heap (\d+)/.exec(ready)[1]);
  const worst = async () => {
    child.stdin.write('\n');
    return Number(/worst ([\d.]+)/.exec(await next())[1]);
  };
  await worst();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const idle = await worst();
  const session = await startAttach(child.pid, WINDOW_MS / 1000, {
    cwd: DIR,
    out: 'a.json',
    extra,
  });
  const start = await worst();
  await session.ended;
  const stop = await worst();
  child.kill('SIGKILL');
  return { heap, idle, start, stop };
}

const configs = [
  { name: '--attach', extra: [] },
  { name: '--attach --native', extra: ['--native'] },
];
const results = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++)
  for (const c of configs) results[c.name].push(await round(c.extra));

const rows = configs.map((c) => {
  const xs = results[c.name];
  const m = (k) => median(xs.map((x) => x[k]));
  return [c.name, fmt(m('heap'), 0), fmt(m('idle'), 1), fmt(m('start'), 1), fmt(m('stop'), 1)];
});
printTable(
  `Longest event-loop delay of a service (TypeScript's checker warm), ${ROUNDS} rounds, medians`,
  ['configuration', 'heap MB', 'ms, not attached', 'ms, attaching', 'ms, detaching and saving'],
  rows,
);
writeResults('attach', { rounds: ROUNDS, windowMillis: WINDOW_MS, results });
