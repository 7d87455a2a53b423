// Tracing without the CLI: `node --require viztracer/register`, `--import`, and the API.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNames, checkNesting, loadReport, slices } from '../helpers/report';
import { cleanEnv, LIB, program, ROOT, run, tempDir } from '../helpers/run';
import { threadStacks } from '../../src/report/stacks';
import type { TraceEvent } from '../../src/trace/events';

const REGISTER = join(LIB, 'register.js');
const FIB = join(ROOT, 'examples', 'fibonacci.js');

describe('node --require viztracer/register', () => {
  it('writes result.json in the current folder when the program ends', async () => {
    const dir = tempDir();
    const r = await run(['--require', REGISTER, FIB, '30'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^fibonacci\(30\)/);
    expect(r.stderr).toMatch(/^viztracer: Saved report to result\.json \(\d+ events\)$/m);
    const rep = loadReport(join(dir, 'result.json'));
    expect(slices(rep).some((e) => e.name === `fibonacci (${FIB}:5)`)).toBe(true);
    expect(checkNesting(rep, /^fibonacci /).maxMatchDepth).toBeGreaterThanOrEqual(5);
    checkNames(rep);
    expect(rep.viztracer_metadata.command).toEqual([process.execPath, FIB, '30']);
  });

  it('resolves by package name and reads VIZTRACER_* variables', async () => {
    const dir = tempDir();
    const out = join(dir, 'named.json.gz');
    const r = await run(['--require', 'viztracer/register', FIB, '25'], {
      cwd: ROOT,
      env: cleanEnv({ VIZTRACER_OUTPUT: out, VIZTRACER_INTERVAL: '250', VIZTRACER_QUIET: '1' }),
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(loadReport(out).viztracer_metadata.intervalMicros).toBe(250);
  });

  it('reads .viztracerrc from the current folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.viztracerrc'), '[default]\noutput_file = rc.json\nquiet = true\n');
    const r = await run(['--require', REGISTER, FIB, '25'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'rc.json'))).toBe(true);
  });

  it('saves on process.exit, a throw and SIGTERM, keeping the exit status', async () => {
    const dir = tempDir();
    const exit = await run(['--require', REGISTER, program('exit-code.js'), '5'], {
      cwd: dir,
      env: cleanEnv({ VIZTRACER_OUTPUT: 'exit.json' }),
    });
    expect(exit.status).toBe(5);
    const thrown = await run(['--require', REGISTER, program('throws.js')], {
      cwd: dir,
      env: cleanEnv({ VIZTRACER_OUTPUT: 'throw.json' }),
    });
    expect(thrown.status).toBe(1);
    expect(thrown.stderr).toContain('Error: boom from the program');
    const term = await run(['--require', REGISTER, program('self-sigterm.js')], {
      cwd: dir,
      env: cleanEnv({ VIZTRACER_OUTPUT: 'term.json' }),
    });
    expect(term.signal).toBe('SIGTERM');
    for (const f of ['exit.json', 'throw.json', 'term.json']) {
      expect(slices(loadReport(join(dir, f))).length).toBeGreaterThan(0);
    }
  });

  it('a bad VIZTRACER_* value stops before the program runs, in one line', async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const r = await run(['--require', REGISTER, program('marker.js'), marker], {
      cwd: dir,
      env: cleanEnv({ VIZTRACER_MAX_STACK_DEPTH: 'deep' }),
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'viztracer: VIZTRACER_MAX_STACK_DEPTH: expected an integer from 1 to 100000, got "deep"\n',
    );
    expect(existsSync(marker)).toBe(false);
  });
});

describe('node --import viztracer/register', () => {
  it('traces an ES module with top-level await', async () => {
    const dir = tempDir();
    const r = await run(['--import', 'viztracer/register', program('top-level-await.mjs'), 'z'], {
      cwd: ROOT,
      env: cleanEnv({ VIZTRACER_OUTPUT: join(dir, 'esm.json') }),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('esm done z\n');
    const names = slices(loadReport(join(dir, 'esm.json'))).map((e) => e.name);
    expect(names).toContain(`busy (${program('top-level-await.mjs')}:4)`);
  });

  it('traces once when given both --require and --import', async () => {
    const dir = tempDir();
    const r = await run(['--require', REGISTER, '--import', REGISTER, FIB, '25'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr.match(/Saved report/g)).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['result.json']);
  });
});

describe('the API', () => {
  it('profiles a window of the program and saves it; bad options throw exact errors', async () => {
    const dir = tempDir();
    const out = join(dir, 'window.json');
    const r = await run([program('api.js'), out], {
      cwd: dir,
      env: cleanEnv({ VIZTRACER_LIB: join(LIB, 'index.js') }),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [saved, error] = r.stdout.trim().split('\n');
    expect(JSON.parse(saved)).toMatchObject({ file: out });
    expect(error).toBe(
      'RangeError: Expected the "interval" option to be an integer from 1 to 1000000 (microseconds)',
    );
    const rep = loadReport(out);
    expect(slices(rep).some((e) => e.name.startsWith('fibonacci ('))).toBe(true);
    expect(JSON.parse(saved).events).toBe(rep.traceEvents.length);
    expect(rep.viztracer_metadata.intervalMicros).toBe(200);
  });
});

describe('tracing that starts in a running program', () => {
  /** Each function's share of the main thread's sampled time, by its top-of-stack segments. */
  function selfShares(file: string): Map<string, number> {
    const rep = loadReport(file);
    const main = threadStacks(rep.traceEvents as TraceEvent[]).find((t) => t.tid === t.pid)!;
    const self = new Map<string, number>();
    let total = 0;
    main.segments.node.forEach((n, i) => {
      if (n === 0) return;
      const d = main.segments.durationMicros[i];
      total += d;
      const f = main.nodes[n].func;
      self.set(f, (self.get(f) ?? 0) + d);
    });
    return new Map([...self].map(([f, d]) => [f, d / total]));
  }

  // V8 names optimized code only if it was compiled under a profiler: without throwing away what
  // the warm-up optimized, every sample went to the script's (anonymous) (Node 20, both backends).
  for (const native of [false, true]) {
    it(`names code optimized before the start${native ? ' (--native)' : ''}`, async () => {
      const dir = tempDir();
      const out = join(dir, 'late.json');
      const r = await run([program('late-start.js'), out, ...(native ? ['native'] : [])], {
        cwd: dir,
        env: cleanEnv({ VIZTRACER_LIB: join(LIB, 'index.js') }),
      });
      expect(r.status, r.stderr).toBe(0);
      const shares = selfShares(out);
      const named =
        (shares.get('work') ?? 0) + (shares.get('outer') ?? 0) + (shares.get('inner') ?? 0);
      expect(named, JSON.stringify([...shares])).toBeGreaterThan(0.8);
      expect(shares.get('(anonymous)') ?? 0).toBeLessThan(0.1);
    });
  }
});

describe('armed: VIZTRACER_TRIGGER=signal', () => {
  const armed = (dir: string): NodeJS.ProcessEnv =>
    cleanEnv({ VIZTRACER_TRIGGER: 'signal', VIZTRACER_OUTPUT: join(dir, 'r.json') });

  it('toggled by SIGUSR2 four times, writes two reports named with the pid and the time', async () => {
    const dir = tempDir();
    // Each step waits for what the previous one made happen: the program's ticks (stdout) and
    // our lines (stderr).
    let sent = 0;
    let ticksAtStart = 0;
    let out = '';
    let err = '';
    const count = (text: string, what: string): number => text.split(what).length - 1;
    const step = (kill: (s: NodeJS.Signals) => void): void => {
      const ticks = count(out, 'tick ');
      const started = count(err, 'tracing started');
      const saved = count(err, 'Saved report to');
      const tracing = started > saved;
      if (sent === 0 && out.includes('ready')) {
        sent++;
        kill('SIGUSR2');
      } else if (tracing && sent % 2 === 1 && started === (sent + 1) / 2) {
        if (ticksAtStart === 0) ticksAtStart = ticks;
        if (ticks >= ticksAtStart + 3) {
          sent++;
          ticksAtStart = 0;
          kill('SIGUSR2');
        }
      } else if (!tracing && sent % 2 === 0 && saved === sent / 2 && sent > 0) {
        if (sent === 4) {
          sent++;
          kill('SIGTERM');
        } else {
          sent++;
          kill('SIGUSR2');
        }
      }
    };
    const r = await run(['--require', REGISTER, program('armed.js')], {
      cwd: dir,
      env: armed(dir),
      onStdout: (text, kill) => {
        out = text;
        step(kill);
      },
      onStderr: (text, kill) => {
        err = text;
        step(kill);
      },
    });
    expect(r.signal).toBe('SIGTERM');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2);
    for (const f of files) {
      expect(f).toMatch(/^r_\d+_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.json$/);
      const rep = loadReport(join(dir, f));
      checkNames(rep);
      // The program's work: burst(), or its caller when V8 had inlined burst() into it before
      // tracing started (V8's profiler then knows only the caller's code).
      expect(
        slices(rep).some((e) => /^(burst|\(anonymous\)) \(.*armed\.js:\d+\)$/.test(e.name)),
      ).toBe(true);
    }
  });

  it('toggles while the program is stuck in synchronous code, before it returns', async () => {
    const dir = tempDir();
    let out = '';
    let sent = 0;
    let ticksAtStart = 0;
    let savedBeforeLoopEnded: boolean | null = null;
    const step = (err: string, kill: (s: NodeJS.Signals) => void): void => {
      const ticks = out.split('tick ').length - 1;
      if (sent === 0 && ticks >= 2) {
        sent++;
        kill('SIGUSR2');
      } else if (sent === 1 && err.includes('tracing started')) {
        ticksAtStart ||= ticks;
        if (ticks >= ticksAtStart + 3) {
          sent++;
          kill('SIGUSR2');
        }
      } else if (sent === 2 && err.includes('Saved report to') && savedBeforeLoopEnded === null) {
        savedBeforeLoopEnded = !out.includes('loop done');
      }
    };
    let err = '';
    const r = await run(['--require', REGISTER, program('armed-busy.js')], {
      cwd: dir,
      env: armed(dir),
      onStdout: (text, kill) => {
        out = text;
        step(err, kill);
      },
      onStderr: (text, kill) => {
        err = text;
        step(err, kill);
      },
    });
    expect(r.status).toBe(0);
    expect(savedBeforeLoopEnded).toBe(true);
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    // stuck(), or its caller: its loop was compiled (on-stack replacement) before tracing
    // started, code V8's profiler then does not know, so it sees the caller on top.
    expect(
      slices(loadReport(join(dir, file))).some((e) =>
        /^(stuck|\(anonymous\)) \(.*armed-busy\.js:\d+\)$/.test(e.name),
      ),
    ).toBe(true);
  });

  it('does nothing until asked: no report, no line of ours', async () => {
    const dir = tempDir();
    const r = await run(['--require', REGISTER, program('armed.js')], {
      cwd: dir,
      env: armed(dir),
      onStdout: (text, kill) => {
        if (text.includes('tick 3')) kill('SIGTERM');
      },
    });
    expect(r.signal).toBe('SIGTERM');
    expect(r.stderr).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });
});
