// The flight recorder on real node processes started without the CLI (`node --require
// viztracer/register` with VIZTRACER_FLIGHT_RECORDER): the last seconds on SIGUSR2, at a crash,
// and at an event-loop stall, and nothing else written.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReport, slices, type Report } from '../helpers/report';
import { cleanEnv, LIB, program, run, tempDir, waitFor } from '../helpers/run';

const REGISTER = join(LIB, 'register.js');
const fn = (name: string): string => name.replace(/ \(.*\)$/, '');
const dumps = (dir: string): string[] =>
  readdirSync(dir).filter((f) => /^fr_\d+_.*\.json$/.test(f));
/** The time the slices cover, s. */
function coverSeconds(r: Report): number {
  const x = slices(r);
  const start = Math.min(...x.map((e) => e.ts!));
  const end = Math.max(...x.map((e) => e.ts! + e.dur!));
  return (end - start) / 1e6;
}
const env = (extra: Record<string, string>): NodeJS.ProcessEnv =>
  cleanEnv({ VIZTRACER_OUTPUT: 'fr.json', ...extra });

describe('--flight_recorder', () => {
  it('writes only the last 2 s when SIGUSR2 asks, and keeps running', async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      ['--require', REGISTER, program('flight-busy.js'), '4000'],
      {
        cwd: dir,
        env: env({ VIZTRACER_FLIGHT_RECORDER: '2s' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve()),
    );
    child.kill('SIGUSR2');
    const [file] = await waitFor('the dump', () =>
      dumps(dir).length > 0 ? dumps(dir) : undefined,
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    expect(await exited).toBe(0);
    expect(dumps(dir)).toEqual([file]);
    expect(stderr).toContain(
      `viztracer: flight recorder: saved the last 2 s (SIGUSR2) to ${file}\n`,
    );
    const r = loadReport(join(dir, file));
    expect(Math.abs(coverSeconds(r) - 2)).toBeLessThanOrEqual(0.3);
    expect(slices(r).some((e) => fn(e.name) === 'spin' || fn(e.name) === 'work')).toBe(true);
  });

  it('under --native, its CPU counters cover the same last 2 s as its slices', async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      ['--require', REGISTER, program('flight-busy.js'), '3000'],
      {
        cwd: dir,
        env: env({ VIZTRACER_FLIGHT_RECORDER: '2s', VIZTRACER_NATIVE: '1' }),
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve()),
    );
    child.kill('SIGUSR2');
    const [file] = await waitFor('the dump', () =>
      dumps(dir).length > 0 ? dumps(dir) : undefined,
    );
    child.kill('SIGTERM');
    const r = loadReport(join(dir, file));
    const counters = r.traceEvents.filter((e) => e.ph === 'C').map((e) => e.ts!);
    const first = Math.min(...slices(r).map((e) => e.ts!));
    expect(counters.length).toBeGreaterThan(0);
    expect(Math.min(...counters)).toBeGreaterThanOrEqual(first - 20_000);
    expect(Math.abs(coverSeconds(r) - 2)).toBeLessThanOrEqual(0.3);
  });

  it('writes the crash of an uncaught exception, and the process still exits 1 with its message', async () => {
    const dir = tempDir();
    const plain = await run([program('flight-crash.js')], { cwd: dir });
    const r = await run(['--require', REGISTER, program('flight-crash.js')], {
      cwd: dir,
      env: env({ VIZTRACER_FLIGHT_RECORDER: '2s' }),
    });
    expect(r.status).toBe(1);
    expect(plain.status).toBe(1);
    const [file] = dumps(dir);
    expect(r.stderr).toBe(
      `viztracer: flight recorder: saved the last 2 s (uncaught exception) to ${file}\n${plain.stderr}`,
    );
    expect(slices(loadReport(join(dir, file))).some((e) => fn(e.name) === 'explode')).toBe(true);
  });

  it('writes exactly one report for a 300 ms stall with --dump_on_stall 100ms, with the loop in it', async () => {
    const dir = tempDir();
    const r = await run(['--require', REGISTER, program('stall-server.js')], {
      cwd: dir,
      env: env({ VIZTRACER_FLIGHT_RECORDER: '2s', VIZTRACER_DUMP_ON_STALL: '100ms' }),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('served\n');
    const files = dumps(dir);
    expect(files).toHaveLength(1);
    expect(r.stderr).toMatch(/the event loop was blocked \d+ ms\) to fr_\d+_/);
    const loop = slices(loadReport(join(dir, files[0]))).filter((e) => fn(e.name) === 'stallLoop');
    expect(loop.length).toBeGreaterThan(0);
    expect(loop.reduce((s, e) => s + e.dur!, 0)).toBeGreaterThan(200_000);
  });

  it('writes the window when the program calls viztracer.dump(file); null without a recorder', async () => {
    const dir = tempDir();
    const r = await run(['--require', REGISTER, program('flight-api.js')], {
      cwd: dir,
      env: env({ VIZTRACER_FLIGHT_RECORDER: '5s' }),
    });
    expect(r.stdout).toBe('dumped true\n');
    expect(r.stderr).toBe(
      'viztracer: flight recorder: saved the last 5 s (viztracer.dump()) to incident.json\n',
    );
    expect(slices(loadReport(join(dir, 'incident.json'))).length).toBeGreaterThan(0);
    const plain = await run([program('flight-api.js')], { cwd: tempDir() });
    expect(plain.stdout).toBe('no flight recorder\n');
  });

  it('writes nothing when nothing asks', async () => {
    const dir = tempDir();
    const r = await run(['--require', REGISTER, program('stall-server.js')], {
      cwd: dir,
      env: env({ VIZTRACER_FLIGHT_RECORDER: '2s' }),
    });
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr).toBe('');
  });
});
