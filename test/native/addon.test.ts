// The real addon, as src/native.ts loads it: arguments, lifecycle, memory, workers, clock.
// What touches threads or process memory runs in a child `node`, so the test runner's own
// threads and heap do not blur it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe as vitestDescribe, expect, it } from 'vitest';
import { fitClock } from '../../src/instrument/clock';
import { loadNative, type NativeAddon, type NativeProfile } from '../../src/native';
import { indexMappings, lookupMappings } from '../../src/report/source-maps';
import { osThreadId } from '../../src/thread';
import { cleanEnv, ROOT } from '../helpers/run';
import { bundleTsApp } from '../helpers/ts-app';

// Without a built addon the file is skipped here, with the reason; CI must test the addon, so
// there the file fails instead.
const loaded = loadNative();
const built = !('error' in loaded);
if (!built && process.env.CI) throw new Error(`the native addon is not built: ${loaded.error}`);
if (!built) console.warn(`test/native/addon.test.ts skipped: ${loaded.error}`);
const addon = (built ? loaded.addon : null) as NativeAddon;
const describe = built ? vitestDescribe : vitestDescribe.skip;
const NATIVE_JS = join(ROOT, 'lib', 'native.js');

/** Runs `code` in a child node with `addon` in scope; returns what it printed as JSON. */
function inChild(code: string, args: string[] = [], env: Record<string, string> = {}): unknown {
  const script = `const addon = require(${JSON.stringify(NATIVE_JS)}).requireNative();\n${code}`;
  const r = spawnSync(process.execPath, [...args, '-e', script], {
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: 50_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function spin(millis: number): number {
  let x = 0;
  const until = performance.now() + millis;
  while (performance.now() < until) x += Math.sqrt(Math.random());
  return x;
}

/**
 * Every sample has a core of this machine, but those V8 takes while it starts, before the
 * handler that notes cores is in place: its first stack, and a signal during its start-up.
 */
function checkCores(cores: ArrayLike<number>): void {
  const all = Array.from(cores);
  const first = all.findIndex((c) => c >= 0);
  expect(first).toBeGreaterThanOrEqual(0);
  expect(first).toBeLessThanOrEqual(2);
  for (const c of all.slice(first)) {
    expect(c).toBeGreaterThanOrEqual(0);
    expect(c).toBeLessThan(cpus().length);
  }
}

function checkShape(p: NativeProfile): void {
  const n = p.nodes.id.length;
  for (const col of [p.nodes.parent, p.nodes.line, p.nodes.column, p.nodes.scriptId]) {
    expect(col).toBeInstanceOf(Int32Array);
    expect(col.length).toBe(n);
  }
  expect(p.nodes.functionName).toHaveLength(n);
  expect(p.nodes.url).toHaveLength(n);
  expect(p.samples).toBeInstanceOf(Int32Array);
  expect(p.timestamps).toBeInstanceOf(Float64Array);
  expect(p.timestamps.length).toBe(p.samples.length);
  // The root comes first; every parent is listed before its children.
  expect(p.nodes.functionName[0]).toBe('(root)');
  expect(p.nodes.parent[0]).toBe(-1);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (i > 0) expect(seen.has(p.nodes.parent[i])).toBe(true);
    seen.add(p.nodes.id[i]);
  }
  for (const s of p.samples) expect(seen.has(s)).toBe(true);
  expect(p.startTime).toBeLessThanOrEqual(p.endTime);
}

describe('start and stop', () => {
  it('samples this thread and returns plain data', () => {
    addon.start(200);
    spin(100);
    const p = addon.stop();
    checkShape(p);
    expect(p.samples.length).toBeGreaterThan(20);
    for (const t of p.timestamps) {
      expect(t).toBeGreaterThanOrEqual(p.startTime);
      expect(t).toBeLessThanOrEqual(p.endTime);
    }
  });

  it('gives lines and columns 1-based, as V8 does', () => {
    const code = [
      'addon.start(100);',
      'function spinHere(ms) { const t = Date.now() + ms; while (Date.now() < t); }',
      'spinHere(150);',
      'const p = addon.stop();',
      "const i = p.nodes.functionName.indexOf('spinHere');",
      'console.log(JSON.stringify({ line: p.nodes.line[i], column: p.nodes.column[i],',
      '  url: p.nodes.url[i], hits: p.samples.filter((s) => s === p.nodes.id[i]).length }));',
    ].join('\n');
    // Line 2 of the code is line 3 of the script: the child's first line loads the addon.
    // V8 places a function at its parameter list: the "(" of `function spinHere(` is column 18.
    const r = inChild(code) as { line: number; column: number; url: string; hits: number };
    expect(r).toMatchObject({ line: 3, column: 18, url: '[eval]' });
    expect(r.hits).toBeGreaterThan(10);
  });

  it('throws a TypeError with the exact message for a bad interval', () => {
    const message = 'Expected "intervalMicros" to be a positive integer';
    const start = addon.start as (...args: unknown[]) => void;
    for (const bad of [[], ['100'], [0], [-1], [1.5], [NaN], [Infinity], [2 ** 31], [null]]) {
      expect(() => start(...bad)).toThrow(new TypeError(message));
    }
    // Nothing was started by the failed calls.
    expect(() => addon.stop()).toThrow(new Error('The profiler is not running on this thread'));
  });

  it('refuses a second start and a stop without start', () => {
    expect(() => addon.stop()).toThrow(new Error('The profiler is not running on this thread'));
    addon.start(1000);
    expect(() => addon.start(1000)).toThrow(
      new Error('The profiler is already running on this thread'),
    );
    checkShape(addon.stop());
    expect(() => addon.stop()).toThrow(new Error('The profiler is not running on this thread'));
  });

  for (const sampler of ['viztracer', 'v8'] as const) {
    it(`1,000 start/stop cycles grow RSS by less than 10 MB (sampler ${sampler})`, () => {
      const code = `
      const cycle = () => { addon.start(500, '${sampler}'); addon.stop(); };
      for (let i = 0; i < 50; i++) cycle();  // warm up: code, allocator pools
      gc();
      const before = process.memoryUsage().rss;
      for (let i = 0; i < 1000; i++) cycle();
      gc();
      console.log(JSON.stringify({ growth: process.memoryUsage().rss - before }));`;
      // The growth measured is glibc's, not only ours: V8 allocates its sample processor (540 KB) at
      // each start and frees it at each stop. Once glibc has freed a block that big it had
      // mapped, it raises its mmap threshold above it, and from then on the processor comes from
      // its heap, where what is allocated around it keeps the freed space from being reused:
      // with the threshold left to move, RSS grew by 3 to 440 MB a 1,000 cycles, from run to
      // run, though heaptrack found no more than 4 MB live at any time and malloc_trim gave it
      // all back. A fixed threshold keeps the processor mapped; one arena keeps new threads from
      // taking their own. Then 1,000 cycles grow RSS by about 3 MB, steadily, and a real leak
      // still shows: with the profiler not disposed, +29 MB.
      const growths: number[] = [];
      for (let run = 0; run < 3; run++) {
        const { growth } = inChild(code, ['--expose-gc'], {
          MALLOC_ARENA_MAX: '1',
          MALLOC_MMAP_THRESHOLD_: '131072',
        }) as { growth: number };
        growths.push(growth);
        if (growth < 10 * 1024 * 1024) break;
      }
      expect(Math.min(...growths)).toBeLessThan(10 * 1024 * 1024);
    });
  }
});

describe('the samplers', () => {
  for (const sampler of ['viztracer', 'v8'] as const)
    it(`give each sample its CPU core, and say which sampler they were (${sampler})`, () => {
      addon.start(500, sampler);
      spin(150);
      const p = addon.stop();
      checkShape(p);
      expect(p.sampler).toBe(sampler);
      expect(p.cpus).toBeInstanceOf(Int16Array);
      expect(p.cpus.length).toBe(p.samples.length);
      expect(p.samples.length).toBeGreaterThan(10);
      checkCores(p.cpus);
    });

  it('throws a TypeError with the exact message for a bad sampler', () => {
    const msg = 'Expected "sampler" to be "viztracer" or "v8"';
    for (const bad of ['perf', '', 1, null]) {
      expect(() => addon.start(1000, bad as 'v8')).toThrow(new TypeError(msg));
    }
  });

  for (const sampler of ['viztracer', 'v8'] as const)
    it(`shows a thread that waits in the event loop as (idle), not as busy (${sampler})`, () => {
      const code = `
      addon.start(1000, '${sampler}');
      setTimeout(() => {
        const p = addon.stop();
        const names = new Map(Array.from(p.nodes.id, (id, i) => [id, p.nodes.functionName[i]]));
        const counts = {};
        for (const s of p.samples) counts[names.get(s)] = (counts[names.get(s)] ?? 0) + 1;
        console.log(JSON.stringify({ counts, samples: p.samples.length }));
      }, 300);`;
      const r = inChild(code) as { counts: Record<string, number>; samples: number };
      // 300 ms asleep: a few samples while the script ends, the rest idle.
      expect(r.counts['(idle)'] ?? 0).toBeGreaterThan(0.8 * r.samples);
      expect(r.counts['(program)'] ?? 0).toBeLessThan(0.1 * r.samples);
    });

  it('keeps noting cores across many starts and stops, and after V8 put its handler back', () => {
    const code = `
      const out = [];
      for (let i = 0; i < 5; i++) {
        addon.start(200, 'viztracer');
        // 20 ms of this thread's CPU time, however long a loaded machine makes that take.
        const t = process.cpuUsage(); while (process.cpuUsage(t).user < 20000);
        const p = addon.stop();
        out.push(Array.from(p.cpus));
      }
      console.log(JSON.stringify(out));`;
    const rounds = inChild(code) as number[][];
    for (const cores of rounds) {
      expect(cores.length).toBeGreaterThan(5);
      checkCores(cores);
    }
  });
});

describe('worker threads', () => {
  for (const sampler of ['viztracer', 'v8'] as const)
    it(`keeps the profiles of workers that are terminated or end while sampling (sampler ${sampler})`, () => {
      const code = `
      const { Worker } = require('node:worker_threads');
      const busy = \`
        const addon = require(${JSON.stringify(NATIVE_JS)}).requireNative();
        const { parentPort, workerData } = require('node:worker_threads');
        addon.setThreadLabel(workerData.label);
        addon.start(500, '${sampler}');
        parentPort.postMessage(addon.threadId());
        function spinInWorker(ms) { const t = Date.now() + ms; while (Date.now() < t); }
        spinInWorker(workerData.finite ? 150 : 1e9);\`;
      addon.start(1000, '${sampler}');
      const workers = [1, 2, 3].map((i) =>
        new Worker(busy, { eval: true, workerData: { label: 'w' + i, finite: i === 3 } }));
      const tids = {};
      let online = 0;
      for (const [i, w] of workers.entries()) {
        w.on('message', (tid) => {
          tids['w' + (i + 1)] = tid;
          if (++online === 3) setTimeout(finish, 300);
        });
      }
      async function finish() {
        // Two are terminated while busy; the third has ended by itself, still sampling.
        await Promise.all([workers[0].terminate(), workers[1].terminate()]);
        await new Promise((r) => workers[2].threadId < 0 ? r() : workers[2].once('exit', r));
        const orphans = addon.takeOrphans().map((o) => ({
          tid: o.tid,
          label: o.label,
          samples: o.profile.samples.length,
          spins: o.profile.nodes.functionName.includes('spinInWorker'),
        }));
        const main = addon.stop();
        console.log(JSON.stringify({ tids, orphans, again: addon.takeOrphans().length,
          mainSamples: main.samples.length, mainTid: addon.threadId(), pid: process.pid }));
      }`;
      const r = inChild(code) as {
        tids: Record<string, number>;
        orphans: { tid: number; label: string; samples: number; spins: boolean }[];
        again: number;
        mainSamples: number;
        mainTid: number;
        pid: number;
      };
      expect(r.mainTid).toBe(r.pid);
      expect(r.orphans).toHaveLength(3);
      for (const o of r.orphans) {
        expect(o.tid).toBe(r.tids[o.label]);
        expect(o.tid).not.toBe(r.pid);
        expect(o.samples).toBeGreaterThan(10);
        expect(o.spins).toBe(true);
      }
      expect(new Set(r.orphans.map((o) => o.tid)).size).toBe(3);
      expect(r.again).toBe(0);
      expect(r.mainSamples).toBeGreaterThan(0);
    });

  it('survives workers that start and are terminated at once, while the sampler ticks at 100 µs', () => {
    // The race: the sampler thread requests interrupts on each worker's isolate while the
    // worker tears it down. Unregistering under the sampler's mutex, in the cleanup hook
    // (before the isolate is disposed), is what keeps a request off a dead isolate.
    const code = `
      const { Worker } = require('node:worker_threads');
      const src = \`
        const addon = require(${JSON.stringify(NATIVE_JS)}).requireNative();
        addon.start(100, 'viztracer');
        require('node:worker_threads').parentPort.postMessage(0);
        for (;;) Math.sqrt(Math.random());\`;
      addon.start(100, 'viztracer');
      let done = 0;
      let started = 0;
      const round = () => {
        const w = new Worker(src, { eval: true });
        // Its message says it is sampling: its profile must outlive its termination.
        w.once('message', () => started++);
        // Terminated before, or as soon as, it starts sampling.
        if (done % 2 === 0) setTimeout(() => w.terminate(), done % 7);
        else w.once('message', () => w.terminate());
        w.once('exit', () => (++done < 30 ? round() : finish()));
      };
      round();
      function finish() {
        const orphans = addon.takeOrphans();
        const main = addon.stop();
        console.log(JSON.stringify({ done, started, orphans: orphans.length, main: main.samples.length }));
      }`;
    const r = inChild(code) as { done: number; started: number; orphans: number; main: number };
    expect(r.done).toBe(30);
    // Every other worker is terminated only after saying it samples.
    expect(r.started).toBeGreaterThanOrEqual(15);
    // Each worker that said so left its profile; the others may have died before start().
    expect(r.orphans).toBeGreaterThanOrEqual(r.started);
    expect(r.orphans).toBeLessThanOrEqual(30);
    expect(r.main).toBeGreaterThan(0);
  });
});

describe('clock and thread', () => {
  it('the timestamps are on the clock of process.hrtime', () => {
    const hr = (): number => Number(process.hrtime.bigint()) / 1000;
    const before = hr();
    addon.start(200);
    spin(50);
    const p = addon.stop();
    const after = hr();
    expect(p.startTime).toBeGreaterThanOrEqual(before - 5000);
    expect(p.endTime).toBeLessThanOrEqual(after + 5000);
    expect(p.timestamps[0]).toBeGreaterThanOrEqual(before - 5000);
    expect(p.timestamps[p.timestamps.length - 1]).toBeLessThanOrEqual(after + 5000);
  });

  it('wallMinusMonotonic() is the wall clock minus CLOCK_MONOTONIC (to the ms of Date.now())', () => {
    const offset = addon.wallMinusMonotonic();
    const coarse = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    expect(typeof offset).toBe('bigint');
    const diff = offset > coarse ? offset - coarse : coarse - offset;
    expect(diff < 2_000_000n).toBe(true);
  });

  it('readAsciiFile() gives an ASCII file as its text, and null for any other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'viztracer-ascii-'));
    try {
      const ascii = join(dir, 'a.js');
      const text = 'const x = 1;\n'.repeat(10_000);
      writeFileSync(ascii, text);
      expect(addon.readAsciiFile(ascii)).toBe(text);
      const empty = join(dir, 'empty.js');
      writeFileSync(empty, '');
      expect(addon.readAsciiFile(empty)).toBe('');
      const utf8 = join(dir, 'u.js');
      writeFileSync(utf8, '// 100 \u00b5s\n');
      expect(addon.readAsciiFile(utf8)).toBe(null);
      expect(addon.readAsciiFile(join(dir, 'none.js'))).toBe(null);
      expect(addon.readAsciiFile(dir)).toBe(null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('threadId() is the OS thread id', () => {
    // vitest may run this file in a worker thread: compare with /proc, not with the pid.
    expect(addon.threadId()).toBe(osThreadId());
  });
});

describe('thread monitor', () => {
  it('throws a TypeError with the exact message for a bad period, and for bad probe arguments', () => {
    for (const bad of [0, -1, 1.5, 60001, NaN, '10', null]) {
      expect(() => addon.startMonitor(bad as number)).toThrow(
        new TypeError('Expected "periodMillis" to be an integer from 1 to 60000'),
      );
    }
    for (const bad of [0, 1.5, 1025, '4', undefined]) {
      expect(() => addon.findPoolThreads(bad as number, 100)).toThrow(
        new TypeError('Expected "count" to be an integer from 1 to 1024'),
      );
    }
    for (const bad of [0, 2.5, 60001, '4', undefined]) {
      expect(() => addon.findPoolThreads(1, bad as number)).toThrow(
        new TypeError('Expected "timeoutMillis" to be an integer from 1 to 60000'),
      );
      expect(() => addon.findPlatformThreads(bad as number)).toThrow(
        new TypeError('Expected "timeoutMillis" to be an integer from 1 to 60000'),
      );
    }
  });

  it('refuses a second start and a stop without start', () => {
    expect(() => addon.stopMonitor()).toThrow('The thread monitor is not running');
    addon.startMonitor();
    try {
      expect(() => addon.startMonitor(10)).toThrow('The thread monitor is already running');
    } finally {
      addon.stopMonitor();
    }
    expect(() => addon.stopMonitor()).toThrow('The thread monitor is not running');
  });

  it('sees a busy worker near 100% on a valid core, names threads, and finds the pool', () => {
    const out = inChild(
      `
      const { Worker } = require('node:worker_threads');
      const pool = addon.findPoolThreads(4, 2000);
      const v8 = addon.findPlatformThreads(2000);
      addon.startMonitor(10);
      const w = new Worker(
        'const until = Date.now() + 400; let x = 0; while (Date.now() < until) x += Math.random();' +
        'require("node:worker_threads").parentPort.postMessage(require("node:fs").readlinkSync("/proc/thread-self"));',
        { eval: true },
      );
      w.on('message', (link) => {
        const tid = Number(link.split('/')[2]);
        w.on('exit', () => {
          const d = addon.stopMonitor();
          const pick = (t) => t && { name: t.name, cpuMicros: t.cpuMicros, ticks: t.ts.length,
            cpu: Array.from(t.cpuPercent), core: Array.from(t.core),
            ordered: t.ts.every((x, i) => i === 0 || x >= t.ts[i - 1]) };
          console.log(JSON.stringify({
            pool, v8, tid, monitorTid: d.monitorTid, period: d.periodMillis, dropped: d.droppedTicks,
            start: d.startTime, end: d.endTime, tids: d.threads.map((t) => t.tid),
            worker: pick(d.threads.find((t) => t.tid === tid)),
            monitor: pick(d.threads.find((t) => t.tid === d.monitorTid)),
            main: d.threads.find((t) => t.tid === process.pid)?.name,
          }));
        });
      });
    `,
      ['--v8-pool-size=2'],
    ) as {
      pool: number[];
      v8: number[];
      tid: number;
      monitorTid: number;
      period: number;
      dropped: number;
      start: number;
      end: number;
      tids: number[];
      worker: { cpuMicros: number; ticks: number; cpu: number[]; core: number[]; ordered: boolean };
      monitor: { name: string; cpuMicros: number };
      main: string;
    };
    // Four distinct pool threads, none of them the main thread, all seen by the monitor.
    expect(new Set(out.pool).size).toBe(4);
    for (const t of out.pool) expect(out.tids).toContain(t);
    expect(out.pool).not.toContain(out.monitorTid);
    // V8's platform workers: --v8-pool-size below, distinct, and not libuv's.
    expect(out.v8).toHaveLength(2);
    expect(new Set([...out.v8, ...out.pool]).size).toBe(6);
    for (const t of out.v8) expect(out.tids).toContain(t);
    expect(out.period).toBe(10);
    expect(out.dropped).toBe(0);
    expect(out.end).toBeGreaterThan(out.start);
    expect(out.main).toBe('node');
    expect(out.monitor.name).toBe('viztracer-mon');
    // The worker appeared after the start, spun, and ended: its track ends at 0.
    const w = out.worker;
    expect(w.ordered).toBe(true);
    expect(w.cpuMicros).toBeGreaterThan(0);
    expect(Math.max(...w.cpu)).toBeGreaterThan(50);
    expect(Math.max(...w.cpu)).toBeLessThanOrEqual(100);
    expect(w.cpu[w.cpu.length - 1]).toBe(0);
    for (const c of w.core) {
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThan(cpus().length);
    }
  });

  it('marks JS threads with their labels', () => {
    const out = inChild(`
      addon.setThreadLabel('me');
      addon.startMonitor(5);
      const until = Date.now() + 50; while (Date.now() < until);
      const d = addon.stopMonitor();
      console.log(JSON.stringify(d.threads.filter((t) => t.js).map((t) => [t.tid, t.label])));
    `);
    expect(out).toEqual([[expect.any(Number), 'me']]);
  });
});

describe('the recorder clock and ring', () => {
  it('ticks() never goes back, and calibrated ticks are the clock of process.hrtime', () => {
    expect(['tsc', 'cntvct', 'monotonic']).toContain(addon.tickSource);
    const hr = (): number => Number(process.hrtime.bigint()) / 1000;
    for (const useTicks of [true, false]) {
      let last = addon.ticks(useTicks);
      for (let i = 0; i < 10000; i++) {
        const t = addon.ticks(useTicks);
        expect(t).toBeGreaterThanOrEqual(last);
        last = t;
      }
      const p0 = addon.clockPair(useTicks);
      spin(30);
      // Between the two calibration pairs, as the recorder converts its entries.
      const a = hr();
      const t = addon.ticks(useTicks);
      const b = hr();
      spin(30);
      const p1 = addon.clockPair(useTicks);
      const line = fitClock(
        [p0, p1].map(([raw, micros]) => ({ raw, micros })),
        1e-3,
      );
      const micros = t * line.slope + line.intercept;
      // Within 20 µs of the hrtime readings around it (the VM's clock reads are slow at times).
      expect(micros).toBeGreaterThan(a - 20);
      expect(micros).toBeLessThan(b + 20);
      expect(p0[2]).toBeGreaterThanOrEqual(0);
    }
    // Without ticks the "ticks" are ns of CLOCK_MONOTONIC: the pair is exact.
    const a = hr();
    const [raw, micros, spread] = addon.clockPair(false);
    const b = hr();
    expect(spread).toBe(0);
    expect(micros).toBeGreaterThanOrEqual(a - 0.001);
    expect(micros).toBeLessThanOrEqual(b + 0.001);
    expect(raw).toBeGreaterThan(0);
  });

  it('recorderRing(): put() writes (code, time) entries after a header and wraps', () => {
    const { ring, put } = addon.recorderRing(3, true);
    expect(ring).toBeInstanceOf(Float64Array);
    expect(ring.length).toBe(8 + 2 * 3);
    const t0 = addon.ticks(true);
    for (const code of [5, 6, 7, 9]) put(code);
    put('not a number' as unknown as number); // ignored
    const t1 = addon.ticks(true);
    expect(ring[0]).toBe(1); // where the next entry goes
    expect(ring[1]).toBe(4); // entries ever written
    expect(ring[3]).toBe(3); // capacity
    expect([ring[8], ring[10], ring[12]]).toEqual([9, 6, 7]);
    for (const i of [9, 11, 13]) {
      expect(ring[i]).toBeGreaterThanOrEqual(t0);
      expect(ring[i]).toBeLessThanOrEqual(t1);
    }
    expect(ring[11]).toBeLessThanOrEqual(ring[13]);
    // Each ring is its own: another does not move this one.
    addon.recorderRing(2, false).put(1);
    expect(ring[1]).toBe(4);
  });

  it('recorderRing() throws a TypeError with the exact message for a bad size', () => {
    for (const bad of [0, -1, 1.5, 2 ** 28 + 1, '4', undefined]) {
      expect(() => addon.recorderRing(bad as number, true)).toThrow(
        new TypeError('Expected "entries" to be an integer from 1 to 268435456'),
      );
    }
  });

  it('a ring outlives every reference but its put(), and is freed with it', () => {
    const out = inChild(
      `
      const rss0 = process.memoryUsage().rss;
      let put = addon.recorderRing(1 << 20, true).put; // 16 MB of address space
      globalThis.gc();
      for (let i = 0; i < (1 << 20); i++) put(i);
      const rss1 = process.memoryUsage().rss;
      put = null;
      for (let k = 0; k < 50; k++) addon.recorderRing(1 << 20, true).put(1);
      globalThis.gc();
      // V8 frees array buffers' memory after a full GC, off the main thread at times.
      setTimeout(() => {
        globalThis.gc();
        const rss2 = process.memoryUsage().rss;
        console.log(JSON.stringify({ grew: (rss1 - rss0) / 1e6, after: (rss2 - rss0) / 1e6 }));
      }, 200);
    `,
      ['--expose-gc'],
    ) as { grew: number; after: number };
    // 1M entries written: 16 MB touched. 50 more rings with one entry each touch a (huge)
    // page each, up to 100 MB; none of them stays, nor does the first.
    expect(out.grew).toBeGreaterThan(12);
    expect(out.after).toBeLessThan(12);
  });
});

describe('indexMappings', () => {
  it("gives what report/source-maps.ts's JavaScript gives, on real maps and on hostile ones", () => {
    const inputs: Uint8Array[] = [];
    for (const minify of [false, true]) {
      const { map } = bundleTsApp(minify);
      inputs.push(Buffer.from((JSON.parse(map) as { mappings: string }).mappings, 'latin1'));
    }
    for (const text of [
      '',
      ';',
      ';;;',
      'A',
      'AAAA,,;',
      'AA A',
      'AAAA;\u00e9',
      'gggggggA',
      'Ag,A',
      'AAg',
      '//////f',
      'AAAAAAAAACAAA;AAAA', // 13 fields: the sixth on are not kept (the tenth was added to the source)
      // Segments of 4 and 5 one-digit values (read at once), others, and their ends.
      'CDEF,GHIJK;KLMN;;OPQRS,gBAAA,AAAA!,AAAA',
      'AAAA,AAAAA',
      'AAAAA;',
      'AAAA;AAA;AAAAAA;AAAAAAA;',
      'AAA!,AAAA;AAAA',
      'AAAA,\u00e9AAA',
    ]) {
      inputs.push(Buffer.from(text, 'latin1'));
    }
    // Values that overflow 32 bits as they add up, and random bytes.
    inputs.push(Buffer.from('A+/////DA+/////DA+/////DA;'.repeat(4), 'latin1'));
    let seed = 7;
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      random[i] = 'ABCgh+/;,'.charCodeAt(seed % 9);
    }
    inputs.push(random);
    for (const input of inputs) {
      const js = indexMappings(input);
      const native = addon.indexMappings(input);
      expect(native).toEqual(js);
    }
    expect(() => addon.indexMappings('AAAA' as never)).toThrow(
      new TypeError('Expected "mappings" to be a Uint8Array'),
    );
  });
});

describe('readFile', () => {
  it("gives a regular file's bytes, else an errno: fs says why", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vz-read-'));
    try {
      const big = Buffer.alloc(5 << 20, 'abc');
      big.write('end', big.length - 3);
      for (const [name, bytes] of [
        ['big', big],
        ['empty', Buffer.alloc(0)],
        ['small', Buffer.from('{"version":3}')],
      ] as const) {
        writeFileSync(join(dir, name), bytes);
        const got = addon.readFile(join(dir, name));
        expect(Buffer.isBuffer(got)).toBe(true);
        expect((got as Buffer).equals(bytes)).toBe(true);
      }
      expect(addon.readFile(join(dir, 'missing'))).toBe(osConstants.errno.ENOENT);
      expect(addon.readFile(dir)).toBe(osConstants.errno.EINVAL); // not a regular file
      expect(addon.readFile('a\0b')).toBe(osConstants.errno.EINVAL);
      expect(() => addon.readFile(7 as never)).toThrow(
        new TypeError('Expected "path" to be a string'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps small files out of huge pages: 500 maps of 4 KB each stay under 20 MB resident', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vz-read-'));
    try {
      for (let i = 0; i < 500; i++) writeFileSync(join(dir, `${i}.map`), Buffer.alloc(4000, 'A'));
      const added = inChild(`
        const before = process.memoryUsage().rss;
        const held = [];
        for (let i = 0; i < 500; i++) held.push(addon.readFile(${JSON.stringify(dir)} + '/' + i + '.map'));
        console.log(JSON.stringify((process.memoryUsage().rss - before) / 1e6));`) as number;
      // In a huge page each (transparent huge pages on), they took 2 MB apiece: 1 GB.
      expect(added).toBeLessThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lookupMappings', () => {
  it("gives what report/source-maps.ts's JavaScript gives: every place of real maps", () => {
    for (const minify of [false, true]) {
      const { code, map } = bundleTsApp(minify);
      const mappings = Buffer.from((JSON.parse(map) as { mappings: string }).mappings, 'latin1');
      const index = addon.indexMappings(mappings) as Int32Array;
      const queries: number[] = [];
      const lines = code.split('\n');
      for (let l = lines.length; l >= -1; l--) {
        for (let c = 0; c <= (lines[l]?.length ?? 0) + 2; c++) queries.push(l, c, 0, l, c, 1);
      }
      const q = Int32Array.from(queries);
      const native = addon.lookupMappings(mappings, index, q);
      expect(native).toEqual(lookupMappings(mappings, index, q));
      expect(native.filter((v, i) => i % 4 === 0 && v >= 0).length).toBeGreaterThan(500);
    }
  });

  it('and on hostile input: random mappings, forged indexes, any query, never a bad read', () => {
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const mappings = Buffer.alloc(1 + next(300));
      for (let i = 0; i < mappings.length; i++) {
        mappings[i] = 'ABCgh+/;,!'.charCodeAt(next(round % 2 ? 10 : 9));
      }
      // The index of valid mappings, or a forged one: offsets anywhere, in any order.
      const made = indexMappings(mappings);
      const index =
        typeof made !== 'number' && round % 3 !== 0
          ? made
          : Int32Array.from({ length: next(40) }, () => next(2 * mappings.length + 3) - 2);
      const queries = Int32Array.from({ length: 3 * next(50) + next(3) }, () => next(12) - 2);
      const native = addon.lookupMappings(mappings, index, queries);
      expect(native).toEqual(lookupMappings(mappings, index, queries));
    }
    // And extreme values: queries past 32-bit lines and columns, an empty index.
    const q = Int32Array.from([2 ** 31 - 1, -(2 ** 31), 1, 0, 2 ** 31 - 1, 0]);
    const m = Buffer.from('AAAA');
    expect(addon.lookupMappings(m, new Int32Array(0), q)).toEqual(
      lookupMappings(m, new Int32Array(0), q),
    );
    const i = indexMappings(m) as Int32Array;
    expect(addon.lookupMappings(m, i, q)).toEqual(lookupMappings(m, i, q));
    expect(() => addon.lookupMappings(m, 'x' as never, q)).toThrow(
      new TypeError('Expected "index" to be an Int32Array'),
    );
    expect(() => addon.lookupMappings(m, i, [0, 0, 0] as never)).toThrow(
      new TypeError('Expected "queries" to be an Int32Array'),
    );
  });
});
