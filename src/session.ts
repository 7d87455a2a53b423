// A tracing session: the folder where every traced process of one run writes its partial
// report, and the options they all use. It travels to child processes in the environment.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedOptions } from './options';

export const SESSION_ENV = 'VIZTRACER_SESSION';

export interface Session {
  dir: string;
  /** The process that merges the partial reports: the CLI, or the first registered process. */
  ownerPid: number;
  options: ResolvedOptions;
}

export function createSession(options: ResolvedOptions): Session {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'viztracer-'));
  return { dir, ownerPid: process.pid, options };
}

/** The session this process belongs to, or null when it was not started by one. */
export function sessionFromEnv(env: NodeJS.ProcessEnv = process.env): Session | null {
  const text = env[SESSION_ENV];
  if (!text) return null;
  try {
    const s = JSON.parse(text) as Session;
    if (typeof s.dir === 'string' && typeof s.ownerPid === 'number' && s.options) return s;
  } catch {
    // fall through: a damaged variable is reported by the caller
  }
  throw new Error(`${SESSION_ENV} is not a viztracer session`);
}

export function sessionEnvValue(s: Session): string {
  return JSON.stringify(s);
}

/** Where a process writes its partial report. */
export function partialPath(s: Session, pid: number): string {
  return path.join(s.dir, `${pid}.json`);
}

/** Completed partial reports in the session folder, and the ones still being written. */
export function listPartials(s: Session): { complete: string[]; writing: string[] } {
  const names = fs.readdirSync(s.dir);
  const complete = names
    .filter((n) => /^\d+\.json$/.test(n))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((n) => path.join(s.dir, n));
  const writing = names.filter((n) => n.endsWith('.tmp')).map((n) => path.join(s.dir, n));
  return { complete, writing };
}

export function removeSession(s: Session): void {
  fs.rmSync(s.dir, { recursive: true, force: true });
}
