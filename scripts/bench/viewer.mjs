// The viewer on big reports, in headless Chromium: a synthetic report of 1,000,000 slices over
// 8 threads (about 100 MB of JSON), and for comparison the 150,049 calls of a recursive
// fibonacci(25) as exact slices. Measured: from starting vizviewer to the first drawn timeline
// (the page's `ready`) and where it went (the server's read, opening the page, the page's own
// steps), the time of a zoom and of a pan frame (event to the next painted
// frame), the page's JS heap, and the server's peak RSS.
// Targets (1M slices): first draw <= 5 s, zoom/pan frames <= 50 ms, heap < 1 GB, server RSS < 1 GB.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { NODE, QUICK, ROOT, fmt, median, printTable, tempDir, writeResults } from './common.mjs';
import { launchChromium } from '../chromium.mjs';

const require = createRequire(import.meta.url);
const { saveEventsSync } = require(path.join(ROOT, 'lib', 'report', 'save.js'));
const { reportMetadata } = require(path.join(ROOT, 'lib', 'trace', 'metadata.js'));

const VIZVIEWER = path.join(ROOT, 'lib', 'cli', 'vizviewer.js');
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS || 3);
const tmp = tempDir('viewer');
const meta = () =>
  reportMetadata({ backend: 'inspector', intervalMicros: 1000, sampleCount: 0, command: [] });

/** 8 threads of nested calls: each thread a sequence of call trees up to depth 24. */
function* bigReport(total) {
  const pid = 4242;
  yield JSON.stringify({
    ph: 'M',
    name: 'process_name',
    pid,
    tid: pid,
    args: { name: 'node big.js (pid 4242)' },
  });
  const perThread = total / 8;
  for (let t = 0; t < 8; t++) {
    const tid = t === 0 ? pid : pid + t;
    yield JSON.stringify({
      ph: 'M',
      name: 'thread_name',
      pid,
      tid,
      args: { name: t === 0 ? 'main' : `Worker ${t}` },
    });
    let made = 0;
    let ts = 1_000_000;
    let seed = t + 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    // A call of `dur` µs at `depth`, with children filling part of it.
    const call = function* (depth, start, dur) {
      if (made >= perThread) return;
      made++;
      const fn = Math.floor(rnd() * 2000);
      yield `{"ph":"X","cat":"js","name":"fn${fn} (/srv/app/src/mod${fn % 60}.js:${(fn % 500) + 1})","pid":${pid},"tid":${tid},"ts":${start},"dur":${dur}}`;
      if (depth >= 24 || dur < 4) return;
      const kids = 1 + Math.floor(rnd() * 3);
      let at = start + 1;
      const share = Math.floor((dur - 2) / kids);
      for (let k = 0; k < kids && share > 1; k++) {
        yield* call(depth + 1, at, share - 1);
        at += share;
      }
    };
    while (made < perThread) {
      const dur = 2000 + Math.floor(rnd() * 20000);
      yield* call(0, ts, dur);
      ts += dur + 50;
    }
  }
}

/** fibonacci(25)'s 150,049 calls (base case n <= 2) as exact nested slices. */
function* fibReport() {
  const pid = 7;
  yield JSON.stringify({
    ph: 'M',
    name: 'process_name',
    pid,
    tid: pid,
    args: { name: 'node fib.js (pid 7)' },
  });
  let ts = 0;
  const fib = function* (n) {
    const start = ts;
    ts += 0.05;
    if (n > 2) {
      yield* fib(n - 1);
      yield* fib(n - 2);
    }
    ts += 0.05;
    yield `{"ph":"X","cat":"js","name":"fibonacci (/srv/fib.js:2)","pid":${pid},"tid":${pid},"ts":${start.toFixed(2)},"dur":${(ts - start).toFixed(2)}}`;
  };
  yield* fib(25);
}

/** Chromium's renderer processes (the page's typed arrays live outside the JS heap). */
function rendererPids() {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return fs.readFileSync(`/proc/${n}/cmdline`, 'utf8').includes('--type=renderer');
      } catch {
        return false;
      }
    })
    .map(Number);
}

function peakRssMB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function measure(browser, file) {
  const t0 = Date.now();
  const server = spawn(NODE, [VIZVIEWER, '--server_only', '--port', '0', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', (c) => reject(new Error(`vizviewer exited ${c}`)));
  });
  const serverReadyMs = Date.now() - t0;
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(url);
  await page.waitForFunction(() => window.__viztracer?.ready === true, null, { timeout: 120_000 });
  const firstDrawMs = Date.now() - t0;
  // Where the page's part went (ms since the page's navigation began; the page marks its steps).
  const steps = await page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
    const index = performance.getEntriesByName('vz:index').reduce((a, m) => a + m.duration, 0);
    return {
      metaMs: at('vz:meta'),
      tracksMs: at('vz:tracks'),
      paintMs: at('vz:first-draw'),
      indexMs: index,
    };
  });
  const box = await page.locator('[data-testid="timeline"]').boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + Math.min(box.height / 2, 200);
  // Event to the end of the next painted frame.
  const frame = async (act) => {
    const t = await page.evaluate(() => performance.now());
    await act();
    return page.evaluate(
      (start) =>
        new Promise((r) =>
          requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - start))),
        ),
      t,
    );
  };
  await page.mouse.move(cx, cy);
  // The cost of a frame: the input's handler and the drawing it causes, timed in the page
  // (a wheel event or a pan key dispatched on the canvas, then the page's own draw call).
  const inPage = (kind, i) =>
    page.evaluate(
      ({ kind, i, x, y }) => {
        const canvas = document.querySelector('[data-testid="timeline"]');
        const t0 = performance.now();
        if (kind === 'zoom') {
          canvas.dispatchEvent(
            new WheelEvent('wheel', {
              deltaY: i < 5 ? -400 : 400,
              clientX: x,
              clientY: y,
              bubbles: true,
              cancelable: true,
            }),
          );
        } else {
          const key = i % 2 ? 'd' : 'a';
          window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
          window.dispatchEvent(new KeyboardEvent('keyup', { key, bubbles: true }));
        }
        window.__viztracerDrawFrame();
        return performance.now() - t0;
      },
      { kind, i, x: cx, y: cy },
    );
  // Input to the next painted frame, as a user would see it: real input through the browser,
  // then two animation frames (so it includes waiting for the display's next frame).
  const latency = async (act) => {
    const t = await page.evaluate(() => performance.now());
    await act();
    return page.evaluate(
      (start) =>
        new Promise((r) =>
          requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - start))),
        ),
      t,
    );
  };
  const zooms = [];
  const pans = [];
  for (let i = 0; i < 10; i++) zooms.push(await inPage('zoom', i));
  for (let i = 0; i < 10; i++) pans.push(await inPage('pan', i));
  const zoomLatency = [];
  for (let i = 0; i < 6; i++)
    zoomLatency.push(await latency(() => page.mouse.wheel(0, i < 3 ? -400 : 400)));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heapMB = metrics.find((m) => m.name === 'JSHeapUsedSize').value / 2 ** 20;
  const serverRssMB = peakRssMB(server.pid);
  const rendererRssMB = Math.max(...rendererPids().map(peakRssMB));
  await page.close();
  server.kill('SIGKILL');
  return {
    serverReadyMs,
    firstDrawMs,
    openMs: firstDrawMs - serverReadyMs - steps.paintMs,
    ...steps,
    zoomMs: median(zooms),
    zoomMaxMs: Math.max(...zooms),
    panMs: median(pans),
    panMaxMs: Math.max(...pans),
    zoomLatencyMs: median(zoomLatency),
    heapMB,
    rendererRssMB,
    serverRssMB,
  };
}

const big = path.join(tmp, 'big.json');
const fib = path.join(tmp, 'fib.json');
/** Counts the slices (X events) a generator yields, as `counted.slices`. */
function* counted(events, into) {
  for (const e of events) {
    if (e.startsWith('{"ph":"X"')) into.slices++;
    yield e;
  }
}
const bigCount = { slices: 0 };
const fibCount = { slices: 0 };
const bigSaved = {
  ...saveEventsSync(big, counted(bigReport(QUICK ? 100_000 : 1_000_000), bigCount), meta),
  slices: bigCount,
};
const fibSaved = { ...saveEventsSync(fib, counted(fibReport(), fibCount), meta), slices: fibCount };
const browser = await launchChromium();
const results = { big: [], fib: [] };
for (let r = 0; r < ROUNDS; r++) {
  results.big.push(await measure(browser, big));
  results.fib.push(await measure(browser, fib));
  console.log(`  round ${r + 1}/${ROUNDS}: ${JSON.stringify(results.big.at(-1))}`);
}
await browser.close();

const med = (rs, k) => median(rs.map((x) => x[k]));
const row = (label, rs, saved) => [
  label,
  saved.slices.slices,
  fmt(saved.bytes / 2 ** 20, 0),
  fmt(med(rs, 'firstDrawMs'), 0),
  `${fmt(med(rs, 'zoomMs'), 0)} (max ${fmt(Math.max(...rs.map((x) => x.zoomMaxMs)), 0)})`,
  `${fmt(med(rs, 'panMs'), 0)} (max ${fmt(Math.max(...rs.map((x) => x.panMaxMs)), 0)})`,
  fmt(med(rs, 'zoomLatencyMs'), 0),
  fmt(med(rs, 'heapMB'), 0),
  fmt(med(rs, 'rendererRssMB'), 0),
  fmt(med(rs, 'serverRssMB'), 0),
];
printTable(
  `vizviewer in headless Chromium, median of ${ROUNDS} (targets for 1M: first draw <= 5000 ms, frames <= 50 ms, heap and server RSS < 1024 MB)`,
  [
    'report',
    'slices',
    'MiB',
    'first draw ms',
    'zoom frame ms',
    'pan frame ms',
    'wheel to paint ms',
    'JS heap MB',
    'renderer RSS MB',
    'server RSS MB',
  ],
  [
    row('synthetic, 8 threads', results.big, bigSaved),
    row('fibonacci(25), exact', results.fib, fibSaved),
  ],
);
printTable(
  `Where the first draw went, median of ${ROUNDS}: server ready (vizviewer started to its URL printed: Node, reading the report, the columns), page opened (tab and navigation until the page's clock starts), then in the page: meta in, tracks in (fetched and indexed), drawn`,
  [
    'report',
    'first draw ms',
    'server ready ms',
    'page opened ms',
    'meta ms',
    'tracks ms',
    'of it indexing ms',
    'first draw in page ms',
  ],
  [
    ['synthetic, 8 threads', results.big],
    ['fibonacci(25), exact', results.fib],
  ].map(([label, rs]) => [
    label,
    fmt(med(rs, 'firstDrawMs'), 0),
    fmt(med(rs, 'serverReadyMs'), 0),
    fmt(med(rs, 'openMs'), 0),
    fmt(med(rs, 'metaMs'), 0),
    fmt(med(rs, 'tracksMs'), 0),
    fmt(med(rs, 'indexMs'), 0),
    fmt(med(rs, 'paintMs'), 0),
  ]),
);
writeResults('viewer', {
  rounds: ROUNDS,
  bigBytes: bigSaved.bytes,
  fibBytes: fibSaved.bytes,
  results,
});
