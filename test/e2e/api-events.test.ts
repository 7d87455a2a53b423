// The program's own events (logEvent, instant, counter) in every mode, thread and process, and
// --instrument with sampling: real CLI runs on the programs in test/fixtures/programs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelSync } from '../../src/viewer/load';
import {
  checkNames,
  checkNesting,
  loadReport,
  slices,
  type Ev,
  type Report,
} from '../helpers/report';
import { LIB, program, run, tempDir, viztracer } from '../helpers/run';

const API_EVENTS = program('api-events.js');
const COMBINED = program('instrument-sampling.js');

const user = (r: Report, ph: string): Ev[] =>
  r.traceEvents.filter((e) => e.cat === 'user' && e.ph === ph);
/** `a` within `b`, in ns (the report's precision: `ts + dur` is not exact in doubles). */
const ns = (t: number): number => Math.round(t * 1000);
const inside = (a: Ev, b: Ev): boolean =>
  a.pid === b.pid &&
  a.tid === b.tid &&
  ns(b.ts!) <= ns(a.ts!) &&
  ns(a.ts! + a.dur!) <= ns(b.ts! + b.dur!);

async function traced(args: string[]): Promise<Report> {
  const dir = tempDir();
  const out = join(dir, 'r.json');
  const r = await viztracer(['-o', out, ...args], { cwd: dir });
  expect(r.stderr).not.toMatch(/could not save|not instrumented|warning/);
  expect(r.status).toBe(0);
  return loadReport(out);
}

/** What api-events.js logs, wherever it ran, in any mode. */
function checkApiEvents(rep: Report): void {
  checkNames(rep);
  checkNesting(rep);
  const x = user(rep, 'X');
  expect(x.map((e) => e.name).sort()).toEqual(
    ['child', 'main', 'worker'].flatMap((w) => [`fn ${w}`, `scope ${w}`]).sort(),
  );
  const main = x.find((e) => e.name === 'scope main')!;
  const worker = x.find((e) => e.name === 'scope worker')!;
  const child = x.find((e) => e.name === 'scope child')!;
  // Each on its own thread's track: the main thread (tid = pid), a worker, another process.
  expect(main.tid).toBe(main.pid);
  expect(worker.pid).toBe(main.pid);
  expect(worker.tid).not.toBe(main.tid);
  expect(child.pid).not.toBe(main.pid);
  expect(main.args).toEqual({ label: 'main' });
  for (const e of x) expect(e.dur!).toBeGreaterThanOrEqual(4000); // spin(5)
  // The slice that spans an await is an async slice, begun and ended under one id.
  const [b] = user(rep, 'b');
  const [e] = user(rep, 'e');
  expect(user(rep, 'b')).toHaveLength(1);
  expect(b).toMatchObject({ name: 'async wait', pid: main.pid, tid: main.tid, id: e.id });
  expect(e.ts! - b.ts!).toBeGreaterThanOrEqual(20_000);
  const marks = user(rep, 'i');
  expect(marks.map((m) => [m.name, (m as Ev & { s: string }).s]).sort()).toEqual([
    ['mark child', 't'],
    ['mark main', 't'],
    ['mark worker', 't'],
  ]);
  const counters = user(rep, 'C');
  expect(counters).toHaveLength(3);
  for (const c of counters)
    expect(c).toMatchObject({ name: 'progress', args: { done: 1, left: 2 } });
  // Times are the samplers' clock: the program's events lie within the thread's slices' span.
  const mainSlices = slices(rep).filter((s) => s.pid === main.pid && s.tid === main.tid);
  const first = Math.min(...mainSlices.map((s) => s.ts!));
  const last = Math.max(...mainSlices.map((s) => s.ts! + s.dur!));
  expect(main.ts!).toBeGreaterThanOrEqual(first);
  expect(main.ts! + main.dur!).toBeLessThanOrEqual(last);
}

describe('logEvent, instant and counter from the API', () => {
  it('sampling with the inspector: in the main thread, a worker and a child process', async () => {
    const rep = await traced([API_EVENTS]);
    checkApiEvents(rep);
    expect(rep.viztracer_metadata.backend).toBe('inspector');
    // The viewer shows them: instants, a counter track, the async track.
    const dir = tempDir();
    const file = join(dir, 'r.json');
    require('node:fs').writeFileSync(file, rep.raw);
    const m = loadModelSync(file);
    expect(m.instants.map((i) => i.name).sort()).toEqual([
      'mark child',
      'mark main',
      'mark worker',
    ]);
    const main = m.processes.find((p) =>
      p.threads.some((t) => t.name === 'main' && t.tid === p.pid),
    )!;
    expect(main.counters.map((c) => [c.name, c.keys])).toEqual([['progress', ['done', 'left']]]);
    expect(main.threads.map((t) => t.name)).toContain('main (async)');
  });

  it('sampling with the native addon', async () => {
    const rep = await traced(['--native', API_EVENTS]);
    checkApiEvents(rep);
    expect(rep.viztracer_metadata.backend).toBe('native');
  });

  it('--instrument: the slices nest exactly with the calls around and inside them', async () => {
    const rep = await traced(['--instrument', API_EVENTS]);
    checkApiEvents(rep);
    const calls = slices(rep).filter((e) => e.cat !== 'user');
    for (const u of user(rep, 'X')) {
      const work = calls.filter((c) => c.name.startsWith('work (') && inside(u, c));
      expect(work, u.name).toHaveLength(1);
      const within = calls.filter((c) => inside(c, u)).map((c) => c.name.split(' ')[0]);
      expect(within, u.name).toEqual(u.name.startsWith('fn') ? ['(anonymous)', 'spin'] : ['spin']);
    }
  });

  it('--instrument --with_sampling: the same, with samples placed among them', async () => {
    const rep = await traced(['--instrument', '--with_sampling', API_EVENTS]);
    checkApiEvents(rep);
    expect(rep.viztracer_metadata.sampling).toBe('inspector');
  });

  it('node --require viztracer/register, without the CLI', async () => {
    const dir = tempDir();
    const r = await run(['--require', join(LIB, 'register.js'), API_EVENTS], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('done\n');
    checkApiEvents(loadReport(join(dir, 'result.json')));
  });

  it("a Tracer of the program's own gets the events of its window, and only those", async () => {
    const dir = tempDir();
    const out = join(dir, 'w.json');
    const r = await run([program('api-events-tracer.js'), out], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(out);
    expect(user(rep, 'X').map((e) => [e.name, e.args])).toEqual([['inside', { n: 1 }]]);
    expect(user(rep, 'i').map((e) => e.name)).toEqual(['mark']);
    expect(user(rep, 'C').map((e) => e.args)).toEqual([{ v: 1 }]);
    checkNesting(rep);
  });
});

describe('--instrument with sampling', () => {
  async function combined(args: string[]): Promise<Report> {
    const rep = await traced(['--instrument', ...args, '--interval', '200', COMBINED]);
    checkNames(rep);
    checkNesting(rep);
    const all = slices(rep);
    const calls = (name: string) =>
      all.filter((e) => e.name === `${name} (${COMBINED}:${LINES[name]})`);
    // The calls are exact: every one, once (no sampled frame of an instrumented function).
    expect(calls('main')).toHaveLength(1);
    for (const f of ['parseBig', 'readSelf', 'allocate']) expect(calls(f), f).toHaveLength(5);
    // The samples add what instrumentation cannot see, inside the calls.
    const reads = calls('readSelf');
    const fsInRead = all.filter(
      (e) => /^\w+Sync \(node:fs:/.test(e.name) && reads.some((c) => inside(e, c)),
    );
    expect(fsInRead.length, 'fs calls inside readSelf').toBeGreaterThan(0);
    const any = [...calls('parseBig'), ...calls('allocate'), ...reads];
    const gc = all.filter((e) => e.name === '(garbage collector)' && any.some((c) => inside(e, c)));
    expect(gc.length, 'GC inside the calls').toBeGreaterThan(0);
    expect(rep.viztracer_metadata).toMatchObject({ backend: 'instrument', intervalMicros: 200 });
    expect(rep.viztracer_metadata.sampleCount as number, 'samples').toBeGreaterThan(0);
    return rep;
  }
  const LINES: Record<string, number> = { parseBig: 7, readSelf: 11, allocate: 17, main: 26 };

  it('--with_sampling: with the inspector', async () => {
    const rep = await combined(['--with_sampling']);
    expect(rep.viztracer_metadata.sampling).toBe('inspector');
  });

  it('--native: with the addon', async () => {
    const rep = await combined(['--native']);
    expect(rep.viztracer_metadata.sampling).toBe('native');
  });
});
