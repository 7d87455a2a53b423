// pprof and .cpuprofile as a user meets them: written by the CLI, by the preload and by
// --combine, read by `go tool pprof` (Debian's golang-go, which .ci/run installs), and read back
// by our own reader with the same totals.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromPprof } from '../../src/report/pprof';
import { readReportSync } from '../../src/report/read';
import { threadStacks } from '../../src/report/stacks';
import type { TraceEvent } from '../../src/trace/events';
import { loadReport } from '../helpers/report';
import { cleanEnv, LIB, ROOT, run, tempDir, viztracer } from '../helpers/run';

const FIB = join(ROOT, 'examples', 'fibonacci.js');
const THREADS = join(ROOT, 'examples', 'threads-cpu.js');
// CI installs go (.ci/run): there its absence fails the tests instead of skipping them.
const hasGo = spawnSync('go', ['version']).status === 0 || !!process.env.CI;

const pprof = (...args: string[]): string =>
  execFileSync('go', ['tool', 'pprof', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Self µs per function (`fn (file:line)`) over every thread. */
function selfTotals(events: Iterable<TraceEvent>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const t of threadStacks(events)) {
    t.segments.node.forEach((n, i) => {
      if (n !== 0)
        totals.set(
          t.nodes[n].name,
          (totals.get(t.nodes[n].name) ?? 0) + t.segments.durationMicros[i],
        );
    });
  }
  return totals;
}

describe('pprof', () => {
  it('is written by -o x.pb.gz, with the program untouched, and names functions with files', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'fib.pb.gz', FIB, '28'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^fibonacci\(28\) = 317811 /);
    expect(r.stderr).toBe(
      'viztracer: Saved pprof profile to fib.pb.gz\n' +
        'viztracer: View it with: vizviewer fib.pb.gz, or go tool pprof -http=127.0.0.1:8080 fib.pb.gz\n',
    );
    const p = fromPprof(readFileSync(join(dir, 'fib.pb.gz')));
    const fib = p.samples.filter((s) => s.stack.some((f) => f.startsWith(`fibonacci (${FIB}:`)));
    expect(fib.length).toBeGreaterThan(0);
    expect(fib[0].labels).toMatchObject({ thread: 'main', pid: expect.any(Number) });
  });

  it.skipIf(!hasGo)('is read by go tool pprof: -top lists fibonacci with its file', async () => {
    const dir = tempDir();
    await viztracer(['--quiet', '-o', 'fib.pb.gz', FIB], { cwd: dir });
    const top = pprof('-top', '-filefunctions', join(dir, 'fib.pb.gz'));
    expect(top).toMatch(new RegExp(`\\bfibonacci ${FIB.replace(/[.]/g, '\\.')}\\n`));
    expect(top).toMatch(/^Type: wall$/m);
  });

  it.skipIf(!hasGo)(
    'tells threads apart by labels: -tagfocus thread=Worker has only the workers',
    async () => {
      const dir = tempDir();
      await viztracer(['--quiet', '-o', 't.pb.gz', THREADS, '2', '100000'], { cwd: dir });
      const file = join(dir, 't.pb.gz');
      const workers = pprof('-top', '-tagfocus', 'thread=Worker', file);
      expect(workers).toMatch(/countPrimes/);
      const tags = pprof('-tags', file);
      expect(tags).toMatch(/thread: Total/);
      expect(tags).toMatch(/main/);
      expect(tags).toMatch(/Worker 1 \(primes-0\)/);
      // The workers' share is the samples with their label, nothing of main's.
      const main = pprof('-top', '-tagfocus', 'thread=^main$', file);
      expect(main).not.toMatch(/countPrimes/);
    },
  );

  it('is written by the preload too, and per process with --pid_suffix', async () => {
    const dir = tempDir();
    const r = await run(['--require', join(LIB, 'register.js'), FIB, '28'], {
      cwd: dir,
      env: cleanEnv({ VIZTRACER_OUTPUT: 'reg.pb.gz', VIZTRACER_QUIET: '1' }),
    });
    expect(r.status).toBe(0);
    expect(fromPprof(readFileSync(join(dir, 'reg.pb.gz'))).samples.length).toBeGreaterThan(0);
    const s = await viztracer(['--quiet', '--pid_suffix', '-o', 'p.pb.gz', FIB, '28'], {
      cwd: dir,
    });
    expect(s.status).toBe(0);
    expect(readdirSync(dir).filter((f) => /^p_\d+\.pb\.gz$/.test(f))).toHaveLength(1);
  });

  it('opens in --combine with one line on what it cannot show', async () => {
    const dir = tempDir();
    await viztracer(['--quiet', '-o', 'fib.pb.gz', FIB, '28'], { cwd: dir });
    const r = await viztracer(['--combine', 'fib.pb.gz', '-o', 'back.json'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      'viztracer: fib.pb.gz: pprof has no times: the flame graph and function table show its wall/nanoseconds; the stacks are laid out one after another, not in time order',
    );
    const names = loadReport(join(dir, 'back.json')).traceEvents.map((e) => e.name);
    expect(names.some((n) => n.startsWith(`fibonacci (${FIB}:`))).toBe(true);
  });
});

describe('.cpuprofile', () => {
  it('is one file per thread, named <name>.<pid>-<tid>.cpuprofile, with the same totals', async () => {
    const dir = tempDir();
    await viztracer(['--quiet', '-o', 'r.json', THREADS, '2', '100000'], { cwd: dir });
    const r = await viztracer(['--combine', 'r.json', '-o', 'r.cpuprofile'], { cwd: dir });
    expect(r.status).toBe(0);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort();
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatch(/^r\.\d+-\d+\.cpuprofile$/);
    expect(r.stderr).toMatch(
      /^viztracer: Saved CPU profile to 3 files, one per thread: r\.<pid>-<tid>\.cpuprofile \(the first: r\.\d+-\d+\.cpuprofile\)$/m,
    );
    // Read back by our reader: each function's time within 1% (µs rounding of V8's format).
    const want = selfTotals(readReportSync(join(dir, 'r.json')).events);
    const got = new Map<string, number>();
    for (const f of files) {
      for (const [k, v] of selfTotals(readReportSync(join(dir, f)).events))
        got.set(k, (got.get(k) ?? 0) + v);
    }
    const total = [...want.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    for (const [name, us] of want) {
      if (us < total * 0.01) continue;
      expect(Math.abs((got.get(name) ?? 0) - us), name).toBeLessThanOrEqual(us * 0.01);
    }
  });

  it('from node --cpu-prof opens in --combine as a timeline of its thread', async () => {
    const dir = tempDir();
    const n = await run(['--cpu-prof', '--cpu-prof-dir', 'prof', FIB, '28'], { cwd: dir });
    expect(n.status).toBe(0);
    const [file] = readdirSync(join(dir, 'prof'));
    const r = await viztracer(['--combine', join('prof', file), '-o', 'cp.json'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      `viztracer: ${join('prof', file)}: a V8 CPU profile: one thread, with no OS thread ids or CPU cores`,
    );
    const rep = loadReport(join(dir, 'cp.json'));
    const pid = Number(file.split('.')[3]);
    const fib = rep.traceEvents.filter(
      (e) => e.ph === 'X' && e.name.startsWith(`fibonacci (${FIB}:`),
    );
    expect(fib.length).toBeGreaterThan(0);
    expect(fib.every((e) => e.pid === pid && e.tid === pid)).toBe(true);
  });
});

describe('--format', () => {
  it('names the report when -o has no extension, and refuses one that disagrees', async () => {
    const dir = tempDir();
    const r = await viztracer(['--quiet', '--format', 'pprof', FIB, '10'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'result.pb.gz'))).toBe(true);
    await viztracer(['--quiet', '-o', 'prof', '--format', 'cpuprofile', FIB, '10'], { cwd: dir });
    expect(existsSync(join(dir, 'prof.cpuprofile'))).toBe(true);
    const bad = await viztracer(['-o', 'x.json', '--format', 'pprof', FIB, '10'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'viztracer: --format pprof and --output_file x.json: the extension says json; give one of them\n',
    );
    expect(bad.stdout).toBe('');
  });
});
