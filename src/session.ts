// A tracing session: the folder where every traced thread and process of one run writes its
// partial report, and the options they all use. It travels to child processes in the
// environment (VIZTRACER_SESSION), together with the preload in NODE_OPTIONS.
//
// In the folder, for a process with pid P:
//   P.running        exists from the process's start until its report is complete
//   P.json           the main thread's partial report
//   P-T.json         the partial report of worker thread T (its OS thread id)
//   *.tmp            a partial report still being written
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedOptions } from './options';
import { removeFile } from './report/writer';

export const SESSION_ENV = 'VIZTRACER_SESSION';

export interface Session {
  dir: string;
  /** The process that merges the partial reports: the CLI, or the first registered process. */
  ownerPid: number;
  options: ResolvedOptions;
  /** Write one report per process into this folder instead of merging (`--output_dir`). */
  perProcess?: boolean;
  /** The owner's command, for the report's metadata should another process end the session. */
  command?: string[];
}

export function createSession(options: ResolvedOptions, perProcess = false): Session {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'viztracer-'));
  return { dir, ownerPid: process.pid, options, perProcess };
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

/** Where a thread writes its partial report: `P.json` for the main thread, `P-T.json` else. */
export function partialPath(s: Session, pid: number, tid: number = pid): string {
  return path.join(s.dir, tid === pid ? `${pid}.json` : `${pid}-${tid}.json`);
}

function markerPath(s: Session, pid: number): string {
  return path.join(s.dir, `${pid}.running`);
}

/** Says that process `pid` is running and will write a report. */
export function markRunning(s: Session, pid: number): void {
  fs.writeFileSync(markerPath(s, pid), '');
}

/** Says that process `pid` has written everything it will write. */
export function markDone(s: Session, pid: number): void {
  removeFile(markerPath(s, pid));
}

export interface SessionState {
  /** Complete partial reports, by pid, the main thread's first. */
  partials: Map<number, string[]>;
  /** Processes that said they are running and have not finished writing. */
  running: number[];
}

const PARTIAL = /^(\d+)(?:-(\d+))?\.json$/;

export function sessionState(s: Session): SessionState {
  const partials = new Map<number, string[]>();
  const running: number[] = [];
  const entries: [number, number, string][] = [];
  for (const name of fs.readdirSync(s.dir)) {
    const m = PARTIAL.exec(name);
    if (m) entries.push([Number(m[1]), m[2] ? Number(m[2]) : 0, path.join(s.dir, name)]);
    else if (name.endsWith('.running')) running.push(Number(name.slice(0, -'.running'.length)));
  }
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [pid, , file] of entries) {
    if (!partials.has(pid)) partials.set(pid, []);
    partials.get(pid)!.push(file);
  }
  running.sort((a, b) => a - b);
  return { partials, running };
}

/** Whether a process is running: it exists and is not a zombie (dead, not yet reaped). */
export function processRunning(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(pid, 0)
  }
}

/** Whether a process exists (it may be a zombie that has not been reaped). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function removeSession(s: Session): void {
  try {
    // Mostly empty by now (a process alone in its session wrote nothing there): rmdir is one
    // call, where the first recursive rmSync of a process costs a millisecond of loading.
    fs.rmdirSync(s.dir);
  } catch {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
}

/** A claim on a report path for the length of a run (`claimReport`). */
export interface ReportClaim {
  /** The path this run writes: the one asked for, or a distinct one when another run has it. */
  file: string;
  /** The live run that holds the path asked for, if any. */
  holder: number | null;
  release(): void;
}

/**
 * A claim's name for a path: 64 bits in hex, two 32-bit hashes of its UTF-16 code units
 * (FNV-1a, and FNV-1a with a shift mixed in and another seed). Not node:crypto, which would cost
 * every traced start 3 ms to load; two paths that collide would only make the second run write
 * a `_<pid>` name as if the first were its own.
 */
function pathHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * Claims `file` for this run, so that two runs told to write the same report do not write over
 * each other: a second run while the first is alive writes `<name>_<pid>.json` instead (the
 * caller says so). The claim is a file named by the report's path in the system's temp folder
 * (nothing is left beside the report); one whose run is gone (SIGKILL) is taken over.
 */
export function claimReport(file: string, distinct: (file: string) => string): ReportClaim {
  const dir = path.join(os.tmpdir(), 'viztracer-claims');
  const claim = path.join(dir, `${pathHash(path.resolve(file))}.pid`);
  const release = (): void => {
    try {
      if (fs.readFileSync(claim, 'utf8') === String(process.pid)) removeFile(claim);
    } catch {
      // gone already
    }
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(claim, String(process.pid), { flag: 'wx' });
      return { file, holder: null, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') break; // cannot claim: write as asked
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(claim, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (holder > 0 && holder !== process.pid && processRunning(holder)) {
        return { file: distinct(file), holder, release: () => {} };
      }
      removeFile(claim); // its run is gone
    }
  }
  return { file, holder: null, release: () => {} };
}

/**
 * The owner's report path for this run (`claimReport`): the one asked for, unless another live
 * run is writing it; then `<name>_<pid>.json`, said now (and named by the saved line at the
 * end). `release` when the report is written.
 */
export function claimOutput(options: ResolvedOptions): {
  options: ResolvedOptions;
  release: () => void;
} {
  // report/save is loaded when another run holds the name: before the profiler starts, every
  // module loaded is code V8 logs at the start, and what is loaded after its stop is not.
  const reportSave = (): typeof import('./report/save') => require('./report/save');
  const claim = claimReport(options.outputFile, (f) => reportSave().withPidSuffix(f, process.pid));
  if (claim.holder === null) return { options, release: claim.release };
  const { displayPath } = reportSave();
  process.stderr.write(
    `viztracer: warning: ${displayPath(options.outputFile)} is being written by another run ` +
      `(pid ${claim.holder}); this run writes ${displayPath(claim.file)}\n`,
  );
  return { options: { ...options, outputFile: claim.file }, release: claim.release };
}
