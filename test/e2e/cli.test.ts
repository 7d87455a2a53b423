// The real CLI on real programs: the report, the exit status, and what the user sees.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkNames, checkNesting, loadReport, slices } from '../helpers/report';
import { cleanEnv, LIB, program, ROOT, run, tempDir, viztracer, waitFor } from '../helpers/run';

const FIB = join(ROOT, 'examples', 'fibonacci.js');

/** No line of ours looks like a stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^viztracer: /);
  expect(lines[0]).toMatch(pattern);
}

describe('viztracer on the Fibonacci example', () => {
  it('writes nested fibonacci slices, names and metadata', async () => {
    const dir = tempDir();
    const out = join(dir, 'fib.json');
    const r = await viztracer(['-o', out, '--interval', '200', FIB, '32'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^fibonacci\(32\) = 2178309/);
    expect(r.stderr).toMatch(/^viztracer: Saved report to fib\.json \(\d+ events\)$/m);

    const rep = loadReport(out);
    const fib = slices(rep).filter((e) => /^fibonacci \(.*fibonacci\.js:5\)$/.test(e.name));
    expect(fib.length).toBeGreaterThan(20);
    expect(fib[0].name).toBe(`fibonacci (${FIB}:5)`);
    expect(checkNesting(rep, /^fibonacci /).maxMatchDepth).toBeGreaterThanOrEqual(10);
    checkNames(rep);

    // One process, its main thread's tid is the pid, and the events count matches the message.
    const pids = new Set(slices(rep).map((e) => e.pid));
    expect(pids.size).toBe(1);
    const [pid] = pids;
    expect(slices(rep).every((e) => e.tid === pid)).toBe(true);
    const procName = rep.traceEvents.find((e) => e.ph === 'M' && e.name === 'process_name');
    expect(procName?.args?.name).toBe(`node fibonacci.js 32 (pid ${pid})`);
    const count = Number(/\((\d+) events\)/.exec(r.stderr)![1]);
    expect(rep.traceEvents).toHaveLength(count);

    const meta = rep.viztracer_metadata;
    expect(meta).toMatchObject({
      tool: 'viztracer',
      backend: 'inspector',
      intervalMicros: 200,
      nodeVersion: process.version,
      command: ['viztracer', '-o', out, '--interval', '200', FIB, '32'],
    });
    expect(meta.sampleCount).toBeGreaterThan(50);
    // baseTimeNanoseconds + ts*1000 is wall time: the first slice happened in the last minute.
    const base = BigInt(/"baseTimeNanoseconds":(\d+)/.exec(rep.raw)![1]);
    const firstTs = Math.min(...slices(rep).map((e) => e.ts!));
    const wallMs = Number((base + BigInt(Math.round(firstTs * 1000))) / 1_000_000n);
    expect(Math.abs(Date.now() - wallMs)).toBeLessThan(60_000);
    // No session folder is left behind.
    expect(readdirSync(dir)).toEqual(['fib.json']);
  });

  it('writes gzip when the output ends in .json.gz', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'fib.json.gz', FIB, '25'], { cwd: dir });
    expect(r.status).toBe(0);
    const rep = loadReport(join(dir, 'fib.json.gz'));
    expect(slices(rep).length).toBeGreaterThan(0);
    checkNames(rep);
  });

  it('applies --max_stack_depth, --include_files and --min_duration', async () => {
    const dir = tempDir();
    const depth = await viztracer(['-o', 'd.json', '--max_stack_depth', '5', FIB, '30'], {
      cwd: dir,
    });
    expect(depth.status).toBe(0);
    expect(checkNesting(loadReport(join(dir, 'd.json'))).maxDepth).toBeLessThanOrEqual(5);

    const inc = await viztracer(
      ['-o', 'i.json', '--include_files', join(ROOT, 'examples'), FIB, '30'],
      { cwd: dir },
    );
    expect(inc.status).toBe(0);
    const names = new Set(slices(loadReport(join(dir, 'i.json'))).map((e) => e.name));
    expect([...names].every((n) => n.includes(join(ROOT, 'examples')) || n.startsWith('('))).toBe(
      true,
    );

    const min = await viztracer(['-o', 'm.json', '--min_duration', '2ms', FIB, '30'], { cwd: dir });
    expect(min.status).toBe(0);
    const durs = slices(loadReport(join(dir, 'm.json'))).map((e) => e.dur!);
    expect(durs.length).toBeGreaterThan(0);
    expect(Math.min(...durs)).toBeGreaterThanOrEqual(2000);
  });

  it("hides Node's internals above the program unless --keep_internals", async () => {
    const dir = tempDir();
    await viztracer(['-o', 'a.json', FIB, '28'], { cwd: dir });
    await viztracer(['-o', 'b.json', '--keep_internals', FIB, '28'], { cwd: dir });
    const top = (f: string): string[] =>
      slices(loadReport(join(dir, f)))
        .filter((e) => /fibonacci\.js/.test(e.name))
        .map((e) => e.name);
    expect(top('a.json').length).toBeGreaterThan(0);
    // The names of the slices that enclose each `main` slice.
    // A slice with the same start and end as `main` may be its only child (a `main` sampled
    // only while it logged): slices are written parents first, so an enclosing one comes before.
    const aboveMain = (f: string): string[][] => {
      const all = slices(loadReport(join(dir, f)));
      return all
        .map((main, at) => ({ main, at }))
        .filter(({ main }) => main.name.startsWith('main ('))
        .map(({ main, at }) =>
          all
            .slice(0, at)
            .filter((e) => e.ts! <= main.ts! && e.ts! + e.dur! >= main.ts! + main.dur!)
            .map((e) => e.name),
        );
    };
    // `main` sits under the module's top-level frame only, or under the whole loader chain.
    for (const above of aboveMain('a.json')) {
      expect(above.filter((n) => !n.includes('fibonacci.js'))).toEqual([]);
    }
    expect(
      aboveMain('b.json').some((above) => above.some((n) => n.includes('node:internal/modules'))),
    ).toBe(true);
    const kept = slices(loadReport(join(dir, 'b.json'))).map((e) => e.name);
    expect(kept.some((n) => n.includes('node:internal/modules/run_main'))).toBe(true);
  });
});

/**
 * Output of a program, with the one frame that differs traced made the same: the bottom of
 * the program's stack is Node's runner of the main module untraced, and Node's tick queue when
 * the CLI runs it (once the CLI's own module has returned, so that none of its frames is left).
 */
function sameUpToNodesRunner(text: string): string {
  return text
    .replace(/^ +at node:internal\/main\/run_main_module:\d+:\d+$/gm, '    at <node>')
    .replace(
      /^ +at process\.processTicksAndRejections \(node:internal\/process\/task_queues:\d+:\d+\)$/gm,
      '    at <node>',
    );
}

describe('the program runs as `node program` runs it', () => {
  it.each([
    ['as-node.js', 'runs'],
    ['as-node.js', 'throw'],
    ['as-node.mjs', 'runs'],
    ['as-node.mjs', 'throw'],
  ])(
    '%s %s: require.main, argv, import.meta, its stack, callback order, exit status and uncaught-error output',
    async (name, arg) => {
      const dir = tempDir();
      const [plain, traced] = await Promise.all([
        run([program(name), arg], { cwd: dir }),
        viztracer(['--quiet', '-o', join(dir, 'r.json'), program(name), arg], { cwd: dir }),
      ]);
      expect(traced.status).toBe(plain.status);
      expect(plain.status).toBe(arg === 'throw' ? 1 : 0);
      expect(sameUpToNodesRunner(traced.stdout)).toBe(sameUpToNodesRunner(plain.stdout));
      expect(sameUpToNodesRunner(traced.stderr)).toBe(sameUpToNodesRunner(plain.stderr));
      // Not one frame of ours in the program's stacks.
      expect(traced.stdout + traced.stderr).not.toContain(LIB);
      expect(plain.stdout).toContain('at where (');
    },
  );
});

describe('exit paths', () => {
  it('process.exit(7) exits 7 with a report', async () => {
    const dir = tempDir();
    const r = await viztracer([program('exit-code.js'), '7'], { cwd: dir });
    expect(r.status).toBe(7);
    expect(slices(loadReport(join(dir, 'result.json'))).length).toBeGreaterThan(0);
  });

  it('an uncaught throw exits 1 with the program message and a report', async () => {
    const dir = tempDir();
    const r = await viztracer([program('throws.js')], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: boom from the program');
    expect(r.stderr).toContain(`${program('throws.js')}:7`);
    const names = slices(loadReport(join(dir, 'result.json'))).map((e) => e.name);
    expect(names.some((n) => n.startsWith('work ('))).toBe(true);
  });

  it('an unhandled rejection exits 1 with a report', async () => {
    const dir = tempDir();
    const r = await viztracer([program('rejects.js')], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('rejected by the program');
    expect(existsSync(join(dir, 'result.json'))).toBe(true);
  });

  it('a self-sent SIGTERM kills by SIGTERM (143 in a shell) with a report', async () => {
    const dir = tempDir();
    const r = await viztracer([program('self-sigterm.js')], { cwd: dir });
    expect(r.signal).toBe('SIGTERM');
    expect(slices(loadReport(join(dir, 'result.json'))).length).toBeGreaterThan(0);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s sent to viztracer reaches the program, which dies by it, with a report',
    async (sig) => {
      const dir = tempDir();
      const r = await viztracer([program('waits.js')], {
        cwd: dir,
        onStdout: (text, kill) => {
          if (text.includes('ready')) kill(sig);
        },
      });
      expect(r.signal).toBe(sig);
      expect(
        slices(loadReport(join(dir, 'result.json'))).some((e) => e.name.startsWith('tick (')),
      ).toBe(true);
    },
  );

  for (const native of [false, true])
    it.each([
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const)(
      `%s saves a program busy in synchronous code at once, and it dies by it (%i)${native ? ' (--native)' : ''}`,
      async (sig) => {
        const dir = tempDir();
        let sentAt = 0;
        const r = await viztracer([...(native ? ['--native'] : []), program('busy-forever.js')], {
          cwd: dir,
          onStdout: (text, kill) => {
            if (!text.includes('spinning') || sentAt) return;
            sentAt = Date.now();
            kill(sig);
          },
        });
        const tookMillis = Date.now() - sentAt;
        // Killed by the signal: a shell shows 128 + its number.
        expect(r.signal).toBe(sig);
        expect(r.stderr).not.toMatch(/killing it/);
        const rep = loadReport(join(dir, 'result.json'));
        expect(slices(rep).some((e) => e.name.startsWith('spin ('))).toBe(true);
        // The signal was acted on inside the loop, not at a second signal or a timeout.
        expect(tookMillis).toBeLessThan(2000);
      },
    );

  it('a second SIGINT while the report is being written ends the process at once', async () => {
    const dir = tempDir();
    let pid = 0;
    // Should the second signal not end it, it would wait on the FIFO for ever.
    onTestFinished(() => {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // ended, as it should
      }
    });
    const r = await viztracer([program('busy-forever.js')], {
      cwd: dir,
      onStdout: (text, kill, child) => {
        if (!text.includes('spinning') || pid) return;
        pid = child;
        // The report's temporary files are FIFOs nobody reads: the save blocks opening one.
        for (let n = 0; n < 8; n++)
          execFileSync('mkfifo', [join(dir, `result.json.${pid}.${n}.tmp`)]);
        kill('SIGINT');
        void waitFor('the save to block opening its file', () =>
          readFileSync(`/proc/${pid}/wchan`, 'utf8') === 'wait_for_partner' ? true : undefined,
        ).then(() => kill('SIGINT'));
      },
    });
    expect(r.signal).toBe('SIGINT');
    expect(existsSync(join(dir, 'result.json'))).toBe(false);
  });

  it('without the addon, a second SIGINT stops a program stuck in synchronous code', async () => {
    const dir = tempDir();
    const r = await viztracer([program('busy-forever.js')], {
      cwd: dir,
      // The addon cannot load: Node's listeners run only on the event loop, never reached.
      env: cleanEnv({ VIZTRACER_ADDON_PATH: join(dir, 'missing.node') }),
      onStdout: (text, kill) => {
        if (!text.includes('spinning')) return;
        kill('SIGINT');
        // The CLI takes a second Ctrl+C within 500 ms for the same key press: this gap is
        // the behaviour under test, not a wait for something to happen.
        setTimeout(() => kill('SIGINT'), 1000);
      },
    });
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr).toMatch(/^viztracer: the program is busy and did not stop; killing it/m);
  });

  it('leaves no program behind when viztracer itself is SIGKILLed: it is the same process', async () => {
    const dir = tempDir();
    let pid = 0;
    const r = await viztracer([program('prints-pid.js')], {
      cwd: dir,
      onStdout: (text, kill) => {
        const m = /pid (\d+)/.exec(text);
        if (m && !pid) {
          pid = Number(m[1]);
          kill('SIGKILL');
        }
      },
    });
    expect(r.signal).toBe('SIGKILL');
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });

  it('says where the report is from the folder the user started in, after the program chdir()s', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'chd.js'), "process.chdir('sub');\n");
    const r = await viztracer(['chd.js'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^viztracer: Saved report to result\.json \(\d+ events\)$/m);
    expect(existsSync(join(dir, 'result.json'))).toBe(true);
  });

  it('warns of an --instrument option without --instrument, and runs', async () => {
    const dir = tempDir();
    const r = await viztracer(['--log_func_args', '--quiet', program('echo.js'), 'hi'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      'viztracer: warning: --log_func_args has no effect without --instrument\nprogram stderr line\n',
    );
  });

  it('a second run told to write a report a live run is writing writes a distinct one', async () => {
    const dir = tempDir();
    const go = join(dir, 'go');
    let second: Promise<Awaited<ReturnType<typeof viztracer>>> | null = null;
    const first = viztracer(['-o', 'same.json', program('waits-for-file.js'), go], {
      cwd: dir,
      onStdout: (text) => {
        if (text.includes('ready') && !second) {
          second = viztracer(['-o', 'same.json', program('echo.js'), 'x'], { cwd: dir });
          void second.then(() => writeFileSync(go, ''));
        }
      },
    });
    const a = await first;
    const b = await second!;
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    const [, other] = /this run writes (same_\d+\.json)/.exec(b.stderr) ?? [];
    expect(b.stderr).toMatch(
      /^viztracer: warning: same\.json is being written by another run \(pid \d+\); this run writes same_\d+\.json$/m,
    );
    expect(b.stderr).toContain(`viztracer: Saved report to ${other} (`);
    expect(a.stderr).toMatch(/^viztracer: Saved report to same\.json \(/m);
    expect(existsSync(join(dir, 'same.json'))).toBe(true);
    expect(existsSync(join(dir, other))).toBe(true);
  });

  it("leaves a program's own signal handler in charge", async () => {
    const dir = tempDir();
    const r = await viztracer([program('own-handler.js')], { cwd: dir });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('handler ran\n');
    expect(existsSync(join(dir, 'result.json'))).toBe(true);
  });

  it('passes arguments, stdin, stdout and stderr through', async () => {
    const dir = tempDir();
    const r = await viztracer(['--quiet', '--', program('echo.js'), '-o', '--interval', 'x y'], {
      cwd: dir,
      input: 'hello\nworld\n',
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      args: ['-o', '--interval', 'x y'],
      input: 'hello\nworld\n',
    });
    expect(r.stderr).toBe('program stderr line\n');
  });

  it('runs an ES module with top-level await', async () => {
    const dir = tempDir();
    const r = await viztracer([program('top-level-await.mjs'), 'a', 'b'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('esm done a b\n');
    const names = slices(loadReport(join(dir, 'result.json'))).map((e) => e.name);
    expect(names).toContain(`busy (${program('top-level-await.mjs')}:4)`);
    expect(names).toContain(`(anonymous) (${program('top-level-await.mjs')}:1)`);
    expect(names.some((n) => n.includes('lib/register.js'))).toBe(false);
  });
});

describe('configuration', () => {
  it('reads .viztracerrc in the current folder, and flags override it', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, '.viztracerrc'),
      '[default]\noutput_file = fromrc.json\ninterval = 300\n',
    );
    const r = await viztracer([FIB, '25'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(loadReport(join(dir, 'fromrc.json')).viztracer_metadata.intervalMicros).toBe(300);
    await viztracer(['--interval', '400', FIB, '25'], { cwd: dir });
    expect(loadReport(join(dir, 'fromrc.json')).viztracer_metadata.intervalMicros).toBe(400);
  });

  it('prints --version and --help', async () => {
    const v = await viztracer(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^viztracer \d+\.\d+\.\d+\n$/);
    const h = await viztracer(['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('usage: viztracer [options] [--] script.js [args...]');
    expect(h.stdout).toContain('--max_stack_depth');
  });
});

describe('bad input: one line, exit 2, the program never runs', () => {
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ['an unknown flag', () => ['--frobnicate', 'x.js'], /unknown option --frobnicate/],
    [
      'a bad interval',
      () => ['--interval', 'fast', 'x.js'],
      /--interval: expected an integer from 1 to 1000000 \(microseconds\), got "fast"/,
    ],
    [
      'a zero interval',
      () => ['--interval=0', 'x.js'],
      /--interval: expected an integer from 1 to 1000000/,
    ],
    [
      'an interval V8 would refuse',
      () => ['--interval', '2147483648', 'x.js'],
      /--interval: expected an integer from 1 to 1000000 \(microseconds\), got "2147483648"/,
    ],
    [
      'more ring entries than the addon can map',
      () => ['--instrument', '--tracer_entries', '99999999999', 'x.js'],
      /--tracer_entries: expected an integer from 1 to 268435456, got "99999999999"/,
    ],
    [
      'a malformed rc file',
      (d) => {
        writeFileSync(join(d, 'bad.rc'), '[Default]\ninterval = 100\n');
        return ['--rcfile', join(d, 'bad.rc'), 'x.js'];
      },
      /bad\.rc:1: unknown section \[Default\] \(options go under \[default\]\)$/,
    ],
    ['--align without --combine', () => ['--align', 'x.js'], /--align needs --combine$/],
    [
      '--output_dir with an absolute --output_file',
      () => ['--output_dir', 'od', '-o', '/tmp/x.json', 'x.js'],
      /--output_dir and an absolute --output_file: give the folder in one of them$/,
    ],
    ['a flag without its value', () => ['-o'], /-o needs a value/],
    ['no script', () => ['--quiet'], /no script given/],
    ['a missing script', () => ['no-such-script.js'], /cannot find script no-such-script\.js/],
    [
      'an output folder that does not exist',
      (d) => ['-o', join(d, 'nope', 'r.json'), 'x.js'],
      /output folder .*nope does not exist/,
    ],
    [
      'an output folder that is a file',
      (d) => ['-o', join(d, 'x.js', 'r.json'), 'x.js'],
      /output folder .*x\.js is not a directory/,
    ],
    [
      'an output path that is a folder',
      (d) => ['-o', join(d, 'sub.json'), 'x.js'],
      /output path .*sub\.json is a directory/,
    ],
    [
      'an output with an unknown extension',
      () => ['-o', 'r.txt', 'x.js'],
      /-o: expected a path ending in \.json, \.json\.gz, \.html, \.pb\.gz, \.pprof or \.cpuprofile, got "r\.txt"/,
    ],
    [
      'a missing --rcfile',
      () => ['--rcfile', 'missing.ini', 'x.js'],
      /cannot read rc file .*missing\.ini \(ENOENT\)/,
    ],
    [
      'a bad value in VIZTRACER_INTERVAL',
      () => ['x.js'],
      /VIZTRACER_INTERVAL: expected an integer from 1 to 1000000/,
    ],
  ];
  it.each(cases)('%s', async (what, args, message) => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub.json'));
    const marker = join(dir, 'ran');
    writeFileSync(
      join(dir, 'x.js'),
      `require('fs').writeFileSync(${JSON.stringify(marker)}, '1');`,
    );
    const env = what.includes('VIZTRACER_INTERVAL')
      ? { ...process.env, NODE_OPTIONS: '', VIZTRACER_INTERVAL: '-5' }
      : undefined;
    const r = await viztracer(args(dir), { cwd: dir, ...(env ? { env } : {}) });
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, message);
    expect(r.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  });
});
