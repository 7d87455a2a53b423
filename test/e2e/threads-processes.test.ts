// Worker threads and child processes in one report: the examples and the exit paths.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkNames, checkNesting, loadReport, slices, type Report } from '../helpers/report';
import { cleanEnv, program, ROOT, run, tempDir, viztracer } from '../helpers/run';

const example = (name: string): string => join(ROOT, 'examples', name);

function names(r: Report, what: 'process_name' | 'thread_name'): string[] {
  return r.traceEvents
    .filter((e) => e.ph === 'M' && e.name === what)
    .map((e) => String(e.args!.name));
}

const pidsOf = (r: Report): Set<number> => new Set(slices(r).map((e) => e.pid));
const threadsOf = (r: Report): Set<string> => new Set(slices(r).map((e) => `${e.pid}:${e.tid}`));

/** The most threads whose first-to-last slice spans overlap at one instant. */
function mostParallel(r: Report, filter: (name: string) => boolean): number {
  const spans = new Map<string, [number, number]>();
  for (const e of slices(r)) {
    if (!filter(e.name)) continue;
    const k = `${e.pid}:${e.tid}`;
    const s = spans.get(k) ?? [Infinity, -Infinity];
    spans.set(k, [Math.min(s[0], e.ts!), Math.max(s[1], e.ts! + e.dur!)]);
  }
  const points = [...spans.values()].flatMap(([a, b]) => [[a, 1] as const, [b, -1] as const]);
  points.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cur = 0;
  let best = 0;
  for (const [, d] of points) best = Math.max(best, (cur += d));
  return best;
}

describe('worker threads', () => {
  it('threads-cpu: 9 named JS tracks in one process, computing in parallel', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'r.json', example('threads-cpu.js'), '8', '150000'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/primes below 1200000/);
    const rep = loadReport(join(dir, 'r.json'));
    checkNames(rep);
    checkNesting(rep);
    expect(pidsOf(rep).size).toBe(1);
    expect(threadsOf(rep).size).toBe(9);
    const threadNames = names(rep, 'thread_name');
    expect(threadNames[0]).toBe('main');
    for (let i = 0; i < 8; i++) expect(threadNames).toContain(`Worker ${i + 1} (primes-${i})`);
    // Workers' tids are OS thread ids: distinct, and none is the pid.
    const [pid] = pidsOf(rep);
    const tids = [...threadsOf(rep)].map((k) => Number(k.split(':')[1])).filter((t) => t !== pid);
    expect(new Set(tids).size).toBe(8);
    // The main thread sorts first.
    const sort = rep.traceEvents.find((e) => e.name === 'thread_sort_index' && e.tid === pid);
    expect(sort?.args?.sort_index).toBe(0);
    expect(mostParallel(rep, (n) => n.startsWith('countPrimes ('))).toBeGreaterThanOrEqual(2);
  });

  it('threads-io: 9 tracks of threads that mostly wait', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'r.json', example('threads-io.js')], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'r.json'));
    checkNames(rep);
    expect(threadsOf(rep).size).toBe(9);
    expect(slices(rep).some((e) => e.name.startsWith('parse ('))).toBe(true);
  });

  it('keeps the track of a worker that throws, and the process goes on', async () => {
    const dir = tempDir();
    const r = await viztracer([program('worker-throws.js')], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('caught: worker failed\n');
    const rep = loadReport(join(dir, 'result.json'));
    expect(names(rep, 'thread_name')).toEqual(['main', 'Worker 1 (thrower)']);
    expect(slices(rep).some((e) => e.name.startsWith('work (') && e.tid !== e.pid)).toBe(true);
  });

  it('traces workers created with execArgv: [] and eval: true', async () => {
    const dir = tempDir();
    const r = await viztracer([program('exec-argv-worker.js')], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    expect(names(rep, 'thread_name').sort()).toEqual([
      'Worker 1 (no-argv)',
      'Worker 2 (evaluated)',
      'main',
    ]);
  });

  it('keeps the samples of a busy worker that is terminate()d', async () => {
    const dir = tempDir();
    const r = await viztracer([program('worker-terminate.js')], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('terminated 1\n');
    const rep = loadReport(join(dir, 'result.json'));
    checkNames(rep);
    expect(names(rep, 'thread_name')).toEqual(['main', 'Worker 1 (doomed)']);
    expect(slices(rep).some((e) => e.name.startsWith('spin (') && e.tid !== e.pid)).toBe(true);
  });

  it('keeps the samples of busy workers when the main thread calls process.exit()', async () => {
    const dir = tempDir();
    const r = await viztracer([program('exit-with-workers.js')], { cwd: dir });
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
});

describe('child processes', () => {
  it('does not wait for a program that is not Node and outlives the traced one', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'r.json', program('spawns-non-node.js')], { cwd: dir });
    const pid = Number(/^sleep (\d+)$/m.exec(r.stdout)![1]);
    process.kill(pid, 'SIGKILL');
    expect(r.status).toBe(0);
    // It inherits the session, but only Node processes write reports.
    expect(r.stderr).not.toMatch(/Waiting for/);
    expect(existsSync(join(dir, 'r.json'))).toBe(true);
  });

  it('process-pool: 1 + N processes, each named, and the exact sum', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'r.json', example('process-pool.js'), '1000000', '3'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^sum of squares 1\.\.1000000 = 333333833333500000 \(\d+ ms, exact\)\n$/,
    );
    const rep = loadReport(join(dir, 'r.json'));
    checkNames(rep);
    checkNesting(rep);
    expect(pidsOf(rep).size).toBe(4);
    const procNames = names(rep, 'process_name');
    expect(
      procNames.filter((n) => /^node process-pool\.js child \(pid \d+\)$/.test(n)),
    ).toHaveLength(3);
    // Every child summed squares; each child's process_name carries its parent's pid.
    const parent = rep.traceEvents.find(
      (e) => e.name === 'process_name' && !String(e.args!.name).includes('child'),
    )!;
    for (const e of rep.traceEvents.filter((x) => x.name === 'process_name' && x !== parent)) {
      expect(e.args!.ppid).toBe(parent.pid);
      expect(slices(rep).some((s) => s.pid === e.pid && s.name.startsWith('sumOfSquares ('))).toBe(
        true,
      );
    }
  });

  it('thread-pool: the JS thread of a program waiting on libuv', async () => {
    const dir = tempDir();
    const r = await viztracer([example('thread-pool.js'), '8', '20000'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^8 pbkdf2 hashes/);
    checkNames(loadReport(join(dir, 'result.json')));
  });

  it('a child killed with SIGKILL loses only its own data, and the message names it', async () => {
    const dir = tempDir();
    const r = await viztracer([program('sigkill-child.js')], { cwd: dir });
    expect(r.status).toBe(0);
    const [, victim, survivor] = /victim (\d+) survivor (\d+)/.exec(r.stdout)!.map(Number);
    expect(r.stderr).toContain(
      `viztracer: warning: process ${victim} ended without saving its data (killed by SIGKILL?)`,
    );
    const rep = loadReport(join(dir, 'result.json'));
    checkNames(rep);
    const pids = pidsOf(rep);
    expect(pids.has(survivor)).toBe(true);
    expect(pids.has(victim)).toBe(false);
    expect(pids.size).toBe(2);
  });

  it('the program killed with SIGKILL loses only its own data: its child writes the report', async () => {
    const dir = tempDir();
    // The CLI runs the program in its own process, so the SIGKILL takes the CLI with it; the
    // child, the last of the session to finish, merges. stderr closes when the child exits.
    const r = await viztracer([program('owner-sigkill.js')], { cwd: dir });
    expect(r.signal).toBe('SIGKILL');
    const [, child] = /child (\d+)/.exec(r.stdout)!.map(Number);
    expect(r.stderr).toMatch(
      /^viztracer: warning: process \d+ ended without saving its data \(killed by SIGKILL\?\); the report holds the processes it started$/m,
    );
    expect(r.stderr).toMatch(/^viztracer: Saved report to result\.json/m);
    const rep = loadReport(join(dir, 'result.json'));
    checkNames(rep);
    expect([...pidsOf(rep)]).toEqual([child]);
    expect(slices(rep).some((e) => e.name.startsWith('busy ('))).toBe(true);
  });

  it('a child that throws writes its report; exit codes pass through', async () => {
    const dir = tempDir();
    const r = await viztracer([program('child-throws.js')], { cwd: dir });
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('child exit code 1\n');
    const rep = loadReport(join(dir, 'result.json'));
    expect(pidsOf(rep).size).toBe(2);
    expect(
      slices(rep).some(
        (e) => e.name.startsWith('busy (') && names(rep, 'process_name').length === 2,
      ),
    ).toBe(true);
  });

  it('a child whose parent disconnects writes its report', async () => {
    const dir = tempDir();
    const r = await viztracer([program('disconnect.js')], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('child exited 0\n');
    const rep = loadReport(join(dir, 'result.json'));
    expect(pidsOf(rep).size).toBe(2);
    expect(names(rep, 'process_name').some((n) => n.startsWith('node disconnect.js child'))).toBe(
      true,
    );
  });

  it('nested children: a child that spawns `node` through a shell', async () => {
    const dir = tempDir();
    const r = await viztracer([program('nested-children.js')], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'result.json'));
    expect(names(rep, 'process_name').map((n) => n.replace(/ \(pid \d+\)$/, ''))).toEqual([
      'node nested-children.js',
      'node nested-children.js child',
      'node nested-children.js grandchild',
    ]);
  });

  it.each([
    ['the CLI', (dir: string) => viztracer([program('custom-env-children.js')], { cwd: dir })],
    [
      'node --require viztracer/register',
      (dir: string) =>
        run(['--require', join(ROOT, 'lib', 'register.js'), program('custom-env-children.js')], {
          cwd: dir,
        }),
    ],
    [
      // process.binding would print a deprecation warning: node:child_process is patched instead.
      'the CLI under --pending-deprecation',
      (dir: string) =>
        viztracer([program('custom-env-children.js')], {
          cwd: dir,
          env: cleanEnv({ NODE_OPTIONS: '--pending-deprecation' }),
        }),
    ],
  ])('children given an env of their own are traced, with %s', async (_how, start) => {
    const dir = tempDir();
    const r = await start(dir);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Warning/);
    for (const role of ['spawnSync', 'execFileSync', 'opted-out', 'spawn', 'exec'])
      expect(r.stdout).toContain(`${role} ran`);
    const rep = loadReport(join(dir, 'result.json'));
    const procs = names(rep, 'process_name').map((n) => n.replace(/ \(pid \d+\)$/, ''));
    expect(procs.sort()).toEqual(
      [
        'node custom-env-children.js',
        'node custom-env-children.js exec',
        'node custom-env-children.js execFileSync',
        'node custom-env-children.js spawn',
        'node custom-env-children.js spawnSync',
      ].sort(),
    );
  });

  it('cluster with 2 workers: 3 processes', async () => {
    const dir = tempDir();
    const r = await viztracer([program('cluster.js')], { cwd: dir });
    expect(r.status).toBe(0);
    expect(pidsOf(loadReport(join(dir, 'result.json'))).size).toBe(3);
  });

  it('waits for a child that outlives its parent', async () => {
    const dir = tempDir();
    const r = await viztracer([program('outlives-parent.js')], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Waiting for 1 process to finish writing, Ctrl\+C to skip/);
    const rep = loadReport(join(dir, 'result.json'));
    expect(
      names(rep, 'process_name').some((n) => n.startsWith('node outlives-parent.js child')),
    ).toBe(true);
  });

  it('Ctrl+C while the CLI waits for a child skips the wait and writes what there is', async () => {
    const dir = tempDir();
    let child = 0;
    let interrupted = false;
    try {
      const r = await viztracer([program('outlives-parent.js'), '60000'], {
        cwd: dir,
        onStdout: (text) => {
          child = Number(/child (\d+)/.exec(text)?.[1] ?? 0);
        },
        onStderr: (text, kill) => {
          // Once: a second one, arriving as the process exits, would find Node's handlers gone.
          if (text.includes('Waiting for 1 process') && !interrupted) {
            interrupted = true;
            kill('SIGINT');
          }
        },
      });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(
        new RegExp(`warning: process ${child} was still running; its data is not in the report`),
      );
      const rep = loadReport(join(dir, 'result.json'));
      expect(names(rep, 'process_name').some((n) => n.startsWith('node outlives-parent.js'))).toBe(
        true,
      );
    } finally {
      if (child) process.kill(child, 'SIGKILL');
    }
  });

  it('--output_dir with --pid_suffix writes one report per process', async () => {
    const dir = tempDir();
    const r = await viztracer(
      ['--output_dir', 'traces', '--pid_suffix', '--', example('process-pool.js'), '100000', '2'],
      {
        cwd: dir,
      },
    );
    expect(r.status).toBe(0);
    const files = readdirSync(join(dir, 'traces')).sort();
    expect(files).toHaveLength(3);
    for (const f of files) {
      expect(f).toMatch(/^result_\d+\.json$/);
      const rep = loadReport(join(dir, 'traces', f));
      expect([...pidsOf(rep)]).toEqual([Number(/\d+/.exec(f)![0])]);
      checkNames(rep);
    }
  });
});

describe('--combine', () => {
  it('merges reports, and --align starts each at 0', async () => {
    const dir = tempDir();
    await viztracer(['-o', 'a.json', example('fibonacci.js'), '25'], { cwd: dir });
    await viztracer(['-o', 'b.json.gz', example('fibonacci.js'), '25'], { cwd: dir });
    const r = await viztracer(['--combine', 'a.json', 'b.json.gz', '-o', 'both.json'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Saved report to both\.json/);
    const both = loadReport(join(dir, 'both.json'));
    expect(pidsOf(both).size).toBe(2);
    checkNames(both);
    expect(both.viztracer_metadata.sampleCount).toBe(
      Number(loadReport(join(dir, 'a.json')).viztracer_metadata.sampleCount) +
        Number(loadReport(join(dir, 'b.json.gz')).viztracer_metadata.sampleCount),
    );
    const al = await viztracer(['--combine', '--align', 'a.json', 'b.json.gz', '-o', 'al.json'], {
      cwd: dir,
    });
    expect(al.status).toBe(0);
    const aligned = loadReport(join(dir, 'al.json'));
    for (const pid of pidsOf(aligned)) {
      expect(
        Math.min(
          ...slices(aligned)
            .filter((e) => e.pid === pid)
            .map((e) => e.ts!),
        ),
      ).toBe(0);
    }
  });

  it.each([
    ['a missing file', 'missing.json', /^viztracer: missing\.json: no such file$/],
    [
      'a non-JSON file',
      'text.json',
      /^viztracer: text\.json: not a trace report \(invalid JSON\)$/,
    ],
    [
      'a truncated file',
      'cut.json',
      /^viztracer: cut\.json: not a trace report \(truncated JSON\)$/,
    ],
  ])('%s: one line, exit 2, nothing written', async (_what, bad, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.json'), '{"traceEvents":[]}');
    writeFileSync(join(dir, 'text.json'), 'hello, not json');
    writeFileSync(join(dir, 'cut.json'), '{"traceEvents":[{"ph":"X","name":"f","pid":1,"ti');
    const r = await viztracer(['--combine', 'ok.json', bad, '-o', 'out.json'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

// A disk that fills up: a 64 KiB tmpfs, which only root may mount (skipped otherwise).
const fullDisk = ((): string | null => {
  if (process.getuid?.() !== 0) return null;
  const dir = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return null;
  }
})();
afterAll(() => {
  if (fullDisk) execFileSync('umount', [fullDisk]);
});

describe.skipIf(fullDisk === null)('a full disk (needs root to mount a small tmpfs)', () => {
  it('keeps the exit status and the profile, and says how to write the report again', async () => {
    const dir = tempDir();
    const target = join(fullDisk!, 'big.json');
    const r = await viztracer(
      ['--interval', '50', '-o', target, ROOT + '/examples/fibonacci.js', '37'],
      {
        cwd: dir,
      },
    );
    expect(r.status).toBe(0);
    const m = new RegExp(
      `^viztracer: cannot write ${target} \\(ENOSPC: [^)]*\\); the profile is kept in (\\S+): viztracer --combine (\\S+) -o ${target}$`,
      'm',
    ).exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(m![2]).toBe(m![1]);
    const again = join(dir, 'again.json');
    const c = await viztracer(['--combine', m![1], '-o', again], { cwd: dir });
    expect(c.status).toBe(0);
    expect(slices(loadReport(again)).some((e) => e.name.startsWith('fibonacci ('))).toBe(true);
  });
});
