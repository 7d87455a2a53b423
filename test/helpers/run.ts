// Running the real CLI and node with the preload, as a user would.
import { spawn, type SpawnOptions } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const LIB = join(ROOT, 'lib');
export const CLI = join(LIB, 'cli', 'viztracer.js');
export const PROGRAMS = join(ROOT, 'test', 'fixtures', 'programs');
export const program = (name: string): string => join(PROGRAMS, name);

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'viztracer-test-'));
}

/** Environment without the caller's VIZTRACER_* and NODE_OPTIONS, so tests see defaults. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('VIZTRACER_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, ...extra };
}

export function run(
  args: string[],
  opts: SpawnOptions & {
    input?: string;
    /** `pid`: the process started (under the CLI, also the program's). */
    onStdout?: (text: string, kill: (s: NodeJS.Signals) => void, pid: number) => void;
    onStderr?: (text: string, kill: (s: NodeJS.Signals) => void, pid: number) => void;
  } = {},
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      env: cleanEnv(),
      ...opts,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      opts.onStdout?.(stdout, (s) => child.kill(s), child.pid!);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(stderr, (s) => child.kill(s), child.pid!);
    });
    child.on('error', fail);
    child.on('close', (status, signal) => done({ status, signal, stdout, stderr }));
    child.stdin!.end(opts.input ?? '');
  });
}

/** `viztracer ARGS` from `cwd`. */
export const viztracer = (
  args: string[],
  opts: Parameters<typeof run>[1] = {},
): Promise<RunResult> => run([CLI, ...args], opts);

/**
 * Resolves with `check()`'s first value other than undefined, asked every 10 ms: for an event
 * that leaves only a trace (a file written by another process). Rejects after `timeoutMillis`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined,
  timeoutMillis = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMillis;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
