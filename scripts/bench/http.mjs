// Throughput of an HTTP server on 127.0.0.1 under a load generator (keep-alive connections, a
// fixed time each), untraced and traced: what withLabels costs per request, what --rotate with
// --push costs (to a local ingest that takes each profile), and what `viztracer --attach` costs
// a server started without viztracer (attached once the load has run a second: the pause of
// the attach shows in the slowest request), against the same server untraced in the same
// round. Configurations alternate, rounds repeat; medians of requests/s and of the slowest
// request.
import { spawn } from 'node:child_process';
import http from 'node:http';
import * as path from 'node:path';
import {
  CLI,
  fmt,
  median,
  NODE,
  printTable,
  QUICK,
  startAttach,
  ROOT,
  tempDir,
  WORKLOADS,
  writeResults,
} from './common.mjs';

const SERVER = path.join(WORKLOADS, 'http-server.js');
const DIR = tempDir('http');
const SECONDS = QUICK ? 1 : 5;
const ROUNDS = QUICK ? 1 : 5;
const CONNECTIONS = 8;

/** A local ingest that reads each profile and answers 200. */
async function ingest() {
  let profiles = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      profiles++;
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    count: () => profiles,
    close: () => server.close(),
  };
}

/** Starts the server (by `args`), waits for its port. */
function start(args, env) {
  const child = spawn(NODE, args, {
    cwd: DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

/** Requests/s and the slowest request (ms) over `seconds` with `CONNECTIONS` connections. */
async function load(port, seconds = SECONDS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const paths = ['/a', '/ab', '/abc', '/abcd'];
  let done = 0;
  let slowest = 0;
  const until = Date.now() + seconds * 1000;
  const worker = async (w) => {
    for (let i = w; Date.now() < until; i++) {
      const t = performance.now();
      await new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: paths[i % 4], agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      });
      slowest = Math.max(slowest, performance.now() - t);
      done++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));
  agent.destroy();
  return { rps: (done * 1000) / (Date.now() - t0), slowest };
}

const sink = await ingest();
const configs = [
  { name: 'node', args: [SERVER], env: {} },
  { name: 'node, AsyncLocalStorage.run', args: [SERVER], env: { LABELS: 'als' } },
  { name: 'node, withLabels', args: [SERVER], env: { LABELS: '1' } },
  { name: 'viztracer', args: [CLI, '--quiet', '-o', 'r.json', SERVER], env: {} },
  {
    name: 'viztracer --trigger signal (armed, idle)',
    args: [CLI, '--quiet', '--trigger', 'signal', SERVER],
    env: {},
  },
  {
    name: 'viztracer --flight_recorder 30s --interval 10000',
    args: [CLI, '--quiet', '--flight_recorder', '30s', '--interval', '10000', SERVER],
    env: {},
  },
  {
    name: 'viztracer, withLabels',
    args: [CLI, '--quiet', '-o', 'r.json', SERVER],
    env: { LABELS: '1' },
  },
  { name: 'node, viztracer --attach after 1 s', args: [SERVER], env: {}, attach: [] },
  {
    name: 'node, viztracer --attach --native after 1 s',
    args: [SERVER],
    env: {},
    attach: ['--native'],
  },
  {
    name: 'viztracer --rotate 2s --push',
    args: [CLI, '--quiet', '--rotate', '2s', '--push', sink.url, SERVER],
    env: {},
  },
  {
    name: 'viztracer --rotate 2s --push, withLabels',
    args: [CLI, '--quiet', '--rotate', '2s', '--push', sink.url, SERVER],
    env: { LABELS: '1' },
  },
];
const results = new Map(configs.map((c) => [c.name, []]));
const slowest = new Map(configs.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of configs) {
    const { child, port } = await start(c.args, c.env);
    // Warm-up (the JIT, the connections), not counted.
    await load(port, QUICK ? 0.2 : 1);
    let measured;
    if (c.attach) {
      // Attached 1 s into the load, until the load's end.
      const loading = load(port);
      await new Promise((r) => setTimeout(r, 1000));
      const session = await startAttach(child.pid, Math.max(1, SECONDS - 1), {
        cwd: DIR,
        out: 'attached.json',
        extra: c.attach,
      });
      measured = await loading;
      await session.ended;
    } else {
      measured = await load(port);
    }
    results.get(c.name).push(measured.rps);
    slowest.get(c.name).push(measured.slowest);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
sink.close();
const base = median(results.get('node'));
const rows = configs.map((c) => {
  const xs = results.get(c.name);
  return [
    c.name,
    fmt(median(xs), 0),
    fmt(Math.min(...xs), 0),
    fmt(Math.max(...xs), 0),
    fmt(median(xs) / base, 3),
    fmt(median(slowest.get(c.name)), 1),
  ];
});
printTable(
  `HTTP server on 127.0.0.1, ${CONNECTIONS} keep-alive connections, ${SECONDS} s x ${ROUNDS} rounds (profiles pushed: ${sink.count()})`,
  ['configuration', 'req/s median', 'min', 'max', 'vs node', 'slowest request ms (median)'],
  rows,
);
writeResults('http', {
  seconds: SECONDS,
  rounds: ROUNDS,
  connections: CONNECTIONS,
  results: Object.fromEntries(results),
  slowestMillis: Object.fromEntries(slowest),
});
