// `viztracer --native`: the C++ addon samples every JS thread; tids are OS thread ids.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNames, checkNesting, loadReport, slices, type Report } from '../helpers/report';
import { cleanEnv, program, ROOT, run, tempDir, viztracer } from '../helpers/run';

const example = (name: string): string => join(ROOT, 'examples', name);
const threadsOf = (r: Report): Set<string> => new Set(slices(r).map((e) => `${e.pid}:${e.tid}`));
const threadNames = (r: Report): string[] =>
  r.traceEvents
    .filter((e) => e.ph === 'M' && e.name === 'thread_name')
    .map((e) => String(e.args!.name));
/** The names of the JS threads: those with slices (the OS threads have only counters). */
const jsThreadNames = (r: Report): string[] => {
  const js = threadsOf(r);
  return r.traceEvents
    .filter((e) => e.ph === 'M' && e.name === 'thread_name' && js.has(`${e.pid}:${e.tid}`))
    .map((e) => String(e.args!.name));
};
const counters = (r: Report, prefix: string): Map<string, number[]> => {
  const out = new Map<string, number[]>();
  for (const e of r.traceEvents) {
    if (e.ph !== 'C' || !e.name.startsWith(prefix)) continue;
    const v = Object.values(e.args!)[0] as number;
    out.set(e.name, [...(out.get(e.name) ?? []), v]);
  }
  return out;
};

describe('the addon keeps a long run compact', () => {
  // Every 5 s (and here by hand) what V8 sampled moves into the addon's own store, and a new V8
  // profile takes over: nothing lost or counted twice at the seams, one node per frame.
  it('merges the profiles of three phases into one, in order, with their cores', async () => {
    const r = await run([program('native-compact.js'), join(ROOT, 'lib', 'native.js')], {
      env: cleanEnv(),
    });
    expect(r.status, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as {
      samples: number;
      cpusKnown: number;
      duplicateNodes: number;
      unknownNodes: number;
      increasing: boolean;
      perPhase: Record<string, number>;
    };
    expect(p.duplicateNodes).toBe(0);
    expect(p.unknownNodes).toBe(0);
    expect(p.increasing).toBe(true);
    // 400 ms each at 200 µs: 2,000 asked; a loaded machine delivers fewer.
    for (const phase of ['phaseA', 'phaseB', 'phaseC']) {
      expect(p.perPhase[phase], phase).toBeGreaterThan(500);
    }
    expect(p.cpusKnown / p.samples).toBeGreaterThan(0.95);
  });
});

describe('viztracer --native', () => {
  it('fibonacci: deep nesting, backend native, the main thread tid is the pid', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', example('fibonacci.js')], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    expect(rep.viztracer_metadata.backend).toBe('native');
    checkNames(rep);
    expect(checkNesting(rep, /^fibonacci \(/).maxMatchDepth).toBeGreaterThanOrEqual(10);
    const all = slices(rep);
    expect(all.length).toBeGreaterThan(0);
    for (const e of all) expect(e.tid).toBe(e.pid);
  });

  it('threads-cpu: 9 tracks, named, in one process', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', example('threads-cpu.js'), '8', '100000'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    checkNames(rep);
    checkNesting(rep);
    expect(threadsOf(rep).size).toBe(9);
    for (let i = 0; i < 8; i++) expect(threadNames(rep)).toContain(`Worker ${i + 1} (primes-${i})`);
  });

  it("every track's tid is the OS thread id its thread saw in /proc/thread-self", async () => {
    const dir = tempDir();
    const seen = join(dir, 'threads.txt');
    const r = await viztracer(['--native', program('native-tids.js'), seen], { cwd: dir });
    expect(r.status).toBe(0);
    // "<pid>/task/<tid>" from each of the 5 threads, written while they ran.
    const lines = readFileSync(seen, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    const pids = new Set(lines.map((l) => Number(l.split('/')[0])));
    expect(pids.size).toBe(1);
    const [pid] = pids;
    const osTids = lines.map((l) => Number(l.split('/')[2])).sort((a, b) => a - b);
    expect(osTids).toContain(pid);
    const rep = loadReport(join(dir, 'result.json'));
    const reported = [...threadsOf(rep)].map((k) => k.split(':').map(Number));
    for (const [p] of reported) expect(p).toBe(pid);
    expect(reported.map(([, t]) => t).sort((a, b) => a - b)).toEqual(osTids);
  });

  it('keeps the samples of a busy worker that is terminate()d', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', program('worker-terminate.js')], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('terminated 1\n');
    const rep = loadReport(join(dir, 'result.json'));
    checkNames(rep);
    expect(jsThreadNames(rep)).toEqual(['main', 'Worker 1 (doomed)']);
    const spins = slices(rep).filter((e) => e.name.startsWith('spin (') && e.tid !== e.pid);
    expect(spins.length).toBeGreaterThan(0);
    // It computed for ~300 ms before it was terminated. (V8's signal sampler can split the
    // slice where one sample missed spin()'s frame, at its on-stack replacement: add them up.)
    expect(spins.reduce((sum, e) => sum + e.dur!, 0)).toBeGreaterThan(200_000);
  });

  it('without a loadable addon: one line, exit 2, and the program does not run', async () => {
    const dir = tempDir();
    const env = cleanEnv({ VIZTRACER_ADDON_PATH: join(dir, 'missing.node') });
    const r = await viztracer(['--native', program('echo.js'), 'hello'], { cwd: dir, env });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^viztracer: cannot load the native addon \(Cannot find module '.*missing\.node'\): run npm rebuild viztracer with a C\+\+ compiler, python3 and make installed\n$/,
    );
  });

  it('without --native the addon is optional: a missing one changes nothing but Ctrl+C', async () => {
    // Without --native the addon is loaded, when it can be, only to act on Ctrl+C inside
    // synchronous code (src/register.ts).
    const dir = tempDir();
    const plain = await viztracer([program('addon-mapped.js')], {
      cwd: dir,
      env: cleanEnv({ VIZTRACER_ADDON_PATH: join(dir, 'missing.node') }),
    });
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe('not mapped\n');
    expect(plain.stderr).not.toMatch(/addon|native/i);
    expect(loadReport(join(dir, 'result.json')).viztracer_metadata.backend).toBe('inspector');
    const native = await viztracer(['--native', program('addon-mapped.js')], { cwd: dir });
    expect(native.stdout).toBe('mapped\n');
  });

  it('keeps the samples of busy workers when the main thread calls process.exit()', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', program('exit-with-workers.js')], { cwd: dir });
    expect(r.status).toBe(5);
    const rep = loadReport(join(dir, 'result.json'));
    expect(threadsOf(rep).size).toBe(3);
    const spinning = new Set(
      slices(rep)
        .filter((e) => e.name.startsWith('spin ('))
        .map((e) => e.tid),
    );
    expect(spinning.size).toBe(2);
  });

  it('thread-pool: at least 4 libuv-worker tracks with CPU % above zero', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', example('thread-pool.js'), '8', '50000'], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    checkNames(rep);
    const pool = threadNames(rep).filter((n) => /^libuv-worker \d+$/.test(n));
    expect(pool.length).toBeGreaterThanOrEqual(4);
    const cpu = counters(rep, 'CPU % (');
    for (const n of pool) expect(Math.max(...cpu.get(`CPU % (${n})`)!)).toBeGreaterThan(0);
    // Every counter belongs to the process, on a thread of it, with one value a point.
    for (const e of rep.traceEvents.filter((x) => x.ph === 'C')) {
      expect(e.pid).toBe(rep.traceEvents.find((x) => x.name === 'process_name')!.pid);
      expect(Object.keys(e.args!)).toEqual([e.name.startsWith('CPU %') ? 'cpu' : 'core']);
    }
  });

  it('threads-cpu: a CPU core counter for every JS thread', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', example('threads-cpu.js'), '4', '100000'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    const js = jsThreadNames(rep);
    expect(js).toHaveLength(5);
    const cores = counters(rep, 'CPU core (');
    for (const n of js) {
      const values = cores.get(`CPU core (${n})`);
      expect(values, n).toBeDefined();
      for (const c of values!) expect(c).toBeGreaterThanOrEqual(0);
    }
    // Their CPU % counters too, and no thread_name twice.
    for (const n of js) expect(counters(rep, 'CPU % (').has(`CPU % (${n})`)).toBe(true);
    const named = rep.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    expect(new Set(named.map((e) => e.tid)).size).toBe(named.length);
  });

  it('the sampler: the tuned one by default, named in the metadata', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', example('fibonacci.js')], { cwd: dir });
    expect(r.status).toBe(0);
    const meta = loadReport(join(dir, 'result.json')).viztracer_metadata;
    expect(meta.sampler).toBe('viztracer');
    expect(meta.intervalMicros).toBe(1000);
    expect(meta.sampleCount).toBeGreaterThan(0);
    expect(meta.samplerTicks).toBeUndefined();
  });

  it('an idle gap shows as idle, not as the last stack stretched across it', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', program('busy-sleep-busy.js')], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    const named = (prefix: string) => slices(rep).filter((e) => e.name.startsWith(prefix));
    const beforeEnd = Math.max(...named('before (').map((e) => e.ts! + e.dur!));
    const afterStart = Math.min(...named('after (').map((e) => e.ts!));
    // 300 ms asleep: nothing of before() runs on into it (a few ms of slack for the timer).
    expect(afterStart - beforeEnd).toBeGreaterThan(250_000);
    // And nothing at all is on the main thread's stack then.
    const inGap = slices(rep).filter(
      (e) => e.tid === e.pid && e.ts! < afterStart - 50_000 && e.ts! + e.dur! > beforeEnd + 50_000,
    );
    expect(inGap).toEqual([]);
  });

  it('a main thread that waits for the thread pool under CPU contention shows no busy slice', async () => {
    // More pool threads than cores, all hashing: the main thread waits in the event loop while
    // every core is taken. Its samples are late (it waits for a core to take the signal) but
    // must say it waited: no slice longer than 20 ms while its CPU % stays under 5%.
    const dir = tempDir();
    const poolSize = Math.max(4, 2 * cpus().length);
    const r = await viztracer(
      ['--native', example('thread-pool.js'), String(2 * poolSize), '200000'],
      { cwd: dir, env: cleanEnv({ UV_THREADPOOL_SIZE: String(poolSize) }) },
    );
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    const pid = rep.traceEvents.find((e) => e.ph === 'X')!.pid;
    const cpu = rep.traceEvents
      .filter((e) => e.ph === 'C' && e.name === 'CPU % (main)')
      .map((e) => ({ ts: e.ts!, value: Number(e.args!.cpu) }))
      .sort((a, b) => a.ts - b.ts);
    expect(cpu.length).toBeGreaterThan(0);
    // The spans during which the main thread's CPU % stayed under 5% (a step function).
    const quiet: [number, number][] = [];
    for (let i = 0; i + 1 < cpu.length; i++)
      if (cpu[i].value < 5) quiet.push([cpu[i].ts, cpu[i + 1].ts]);
    const quietMicros = quiet.reduce((s, [a, b]) => s + (b - a), 0);
    // The pool's work took long enough that the wait is worth checking.
    expect(quietMicros).toBeGreaterThan(100_000);
    const busy = slices(rep).filter((e) => e.tid === pid);
    for (const e of busy) {
      const overlap = quiet.reduce(
        (s, [a, b]) => s + Math.max(0, Math.min(b, e.ts! + e.dur!) - Math.max(a, e.ts!)),
        0,
      );
      expect(overlap, `${e.name} at ${e.ts} for ${e.dur} µs`).toBeLessThanOrEqual(20_000);
    }
  });

  it('slices carry args.cpu, a core of this machine, and each JS thread one CPU core counter', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', example('threads-cpu.js'), '2', '100000'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    const all = slices(rep);
    const withCpu = all.filter((e) => e.args && 'cpu' in e.args);
    expect(withCpu.length).toBeGreaterThan(all.length / 2);
    for (const e of withCpu) {
      expect(Number.isInteger(e.args!.cpu)).toBe(true);
      expect(e.args!.cpu).toBeGreaterThanOrEqual(0);
      expect(e.args!.cpu).toBeLessThan(cpus().length);
    }
    // One `CPU core (name)` track per JS thread, on that thread's own tid.
    const tidOf = new Map(
      rep.traceEvents
        .filter((e) => e.ph === 'M' && e.name === 'thread_name')
        .map((e) => [String(e.args!.name), e.tid]),
    );
    for (const name of jsThreadNames(rep)) {
      const events = rep.traceEvents.filter((e) => e.ph === 'C' && e.name === `CPU core (${name})`);
      expect(events.length, name).toBeGreaterThan(0);
      expect(new Set(events.map((e) => e.tid))).toEqual(new Set([tidOf.get(name)]));
    }
  });

  it("--sampler v8: V8's sampler as it ships, with each sample's core", async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', '--sampler', 'v8', example('fibonacci.js')], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    expect(rep.viztracer_metadata.sampler).toBe('v8');
    checkNames(rep);
    expect(checkNesting(rep, /^fibonacci \(/).maxMatchDepth).toBeGreaterThanOrEqual(10);
    const withCpu = slices(rep).filter((e) => e.args && 'cpu' in e.args);
    expect(withCpu.length).toBeGreaterThan(0);
    for (const e of withCpu) expect(e.args!.cpu).toBeLessThan(cpus().length);
    // One CPU core counter track for the main thread, from the samples.
    expect(counters(rep, 'CPU core (main)').size).toBe(1);
  });

  it('a bad --sampler: one line, exit 2, and the program does not run', async () => {
    const dir = tempDir();
    const r = await viztracer(['--native', '--sampler', 'perf', program('echo.js'), 'hi'], {
      cwd: dir,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('viztracer: --sampler: expected "viztracer" or "v8", got "perf"\n');
  });
});
