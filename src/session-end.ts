// The end of a session, in one place: wait for the processes still writing, turn their partial
// reports into the report(s) the user asked for, and tell the user what became of them. The
// CLI ends its session asynchronously; without the CLI, the first traced process ends it in
// its exit handler, synchronously. Also the metadata every report is written with.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { samples, type ResolvedOptions } from './options';
import type { ProcessTrack } from './report/model';
import { displayPath, savedMessage, withPidSuffix, type SaveResult } from './report/save';
import { processEventTexts, type EventPiece } from './report/serialize';
import { removeFile } from './report/writer';
import type { ReportMetadata } from './trace/events';
import {
  addTotals,
  mergedTotals,
  runMetadata,
  type ReportTotals,
  type TraceMode,
} from './trace/metadata';
import { saveReport, saveReportSync } from './save-report';
import {
  partialPath,
  processAlive,
  removeSession,
  SESSION_ENV,
  sessionState,
  type Session,
  type SessionState,
} from './session';

const merge = (): typeof import('./report/merge') => require('./report/merge');

/**
 * Processes of the session that are still running: those that said so (a marker file), and
 * on Linux every process whose environment holds the session, so a child that was just
 * started, and has not yet loaded the preload, is waited for too.
 */
function pendingProcesses(s: Session, except: number[] = []): number[] {
  const pids = new Set(sessionState(s).running.filter((pid) => processAlive(pid)));
  for (const pid of processesWithSession(s)) pids.add(pid);
  for (const pid of except) pids.delete(pid);
  return [...pids].sort((a, b) => a - b);
}

function processesWithSession(s: Session): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`${SESSION_ENV}=`);
  const dir = Buffer.from(JSON.stringify(s.dir));
  const found: number[] = [];
  let ownExe = process.execPath;
  try {
    ownExe = fs.realpathSync(process.execPath);
  } catch {
    // as it is
  }
  for (const name of entries) {
    if (name.charCodeAt(0) > 57 || name.charCodeAt(0) < 48) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    // A program that is not Node (esbuild's service, which tsx starts, a shell) inherits the
    // session but never writes a report: waiting for it would wait until it exits. A child
    // not yet exec'd is still our node binary, and counts.
    let exe = '';
    try {
      exe = fs.readlinkSync(`/proc/${name}/exe`);
    } catch {
      // not ours to read, or gone: decided by its environment below
    }
    if (exe !== '' && exe !== ownExe && !/(^|\/)node[^/]*$/.test(exe)) continue;
    let env: Buffer;
    try {
      env = fs.readFileSync(`/proc/${name}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    const at = env.indexOf(needle);
    if (at >= 0 && env.indexOf(dir, at) >= 0) found.push(pid);
  }
  return found;
}

/** How long, and how, the end of a session waits for processes still writing. */
interface WaitPolicy {
  pollMillis: number;
  limitMillis: number;
  /** Whether a process finishing starts the limit again (it bounds a wait without progress). */
  limitWithoutProgress: boolean;
  /** The end of the "Waiting for N processes" line. */
  hint: string;
}

/** Without the CLI, the owner's exit handler: children that outlive it get a moment, no more. */
const OWNER_WAIT: WaitPolicy = {
  pollMillis: 20,
  limitMillis: 5000,
  limitWithoutProgress: false,
  hint: '',
};
/** The CLI: until a minute passes in which none finishes (a daemon the program started will not). */
const CLI_WAIT: WaitPolicy = {
  pollMillis: 50,
  limitMillis: 60_000,
  limitWithoutProgress: true,
  hint: ', Ctrl+C to skip',
};

/** The one wait loop: yields each pause, which the caller sleeps, blocking or not. */
function* waitSteps(
  s: Session,
  except: number[],
  quiet: boolean,
  policy: WaitPolicy,
  skipped: () => boolean,
): Generator<number, void, void> {
  let pending = pendingProcesses(s, except);
  if (pending.length === 0) return;
  if (!quiet) {
    const n = pending.length;
    process.stderr.write(
      `viztracer: Waiting for ${n} process${n === 1 ? '' : 'es'} to finish writing${policy.hint}\n`,
    );
  }
  let deadline = Date.now() + policy.limitMillis;
  while (pending.length > 0 && !skipped() && Date.now() < deadline) {
    yield policy.pollMillis;
    const now = pendingProcesses(s, except);
    if (policy.limitWithoutProgress && now.length < pending.length)
      deadline = Date.now() + policy.limitMillis;
    pending = now;
  }
}

/**
 * Blocks (an exit handler cannot wait otherwise) for the session's other processes: up to 5 s,
 * or under the CLI's policy until a minute passes without progress or `skipped()` says so.
 */
function waitForProcessesSync(
  s: Session,
  quiet: boolean,
  except: number[],
  policy: WaitPolicy,
  skipped: () => boolean,
): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (const millis of waitSteps(s, except, quiet, policy, skipped)) {
    // An interrupt (the addon's Ctrl+C) wakes the wait, and runs before it resumes.
    Atomics.wait(cell, 0, 0, millis);
  }
}

/**
 * Polls until every traced process has written its report, the user presses Ctrl+C, or a
 * minute passes in which none of them finishes.
 */
async function waitForProcesses(s: Session, quiet: boolean): Promise<void> {
  let skipped = false;
  const skip = (): void => {
    skipped = true;
  };
  process.on('SIGINT', skip);
  try {
    for (const millis of waitSteps(s, [], quiet, CLI_WAIT, () => skipped)) {
      await new Promise((r) => setTimeout(r, millis));
    }
  } finally {
    process.removeListener('SIGINT', skip);
  }
}

/** One report to write: its path, its events, and its metadata once the events are out. */
interface PlannedReport {
  file: string;
  events: Iterable<EventPiece>;
  meta: () => ReportMetadata;
  /** Partial reports to delete once this one is written. */
  consumed: string[];
}

interface SessionPlan {
  reports: PlannedReport[];
  /** Lines to show the user about data that was lost; complete once the reports are written. */
  warnings(): string[];
  /** Whether a report written so far holds data from a buffer that overflowed. */
  overflowed(): boolean;
}

/** A process's own data, written into its report directly instead of through a partial one. */
export interface OwnReport {
  track: ProcessTrack;
  totals: ReportTotals;
}

function* chain(...sources: Iterable<EventPiece>[]): Generator<EventPiece> {
  for (const s of sources) yield* s;
}

/**
 * What the session's report(s) will be. `own` is the calling process's data when it writes
 * it directly. With `onlyPid`, only that process's partial reports are used (a process writing
 * its own report under --pid_suffix). `alone`: the calling process started no other process
 * or thread, so the session holds nothing but its own data. The caller writes the reports,
 * synchronously in an exit handler or asynchronously in the CLI.
 */
function planSessionReport(
  s: Session,
  options: ResolvedOptions,
  command: readonly string[],
  own: OwnReport | null = null,
  onlyPid: number | null = null,
  alone = false,
): SessionPlan {
  const state: SessionState = alone ? { partials: new Map(), running: [] } : sessionState(s);
  const ownPid = own?.track.pid ?? null;
  let overflow = false;

  const groups = new Map<number, string[]>();
  for (const [pid, files] of state.partials) {
    if (onlyPid === null || pid === onlyPid) groups.set(pid, files);
  }
  // The merger, and the readers under it, are loaded only when there is something to merge.
  const stats = groups.size > 0 ? merge().newMergeStats() : null;
  if (ownPid !== null && !groups.has(ownPid)) groups.set(ownPid, []);

  const plan = (file: string, files: string[], withOwn: boolean): PlannedReport => ({
    file,
    events: chain(
      // Only a process's exit handler has its own data, and it writes synchronously, chunk by
      // chunk: one buffer serves every chunk of slices and counters.
      withOwn && own ? processEventTexts(own.track, { scratch: Buffer.allocUnsafe(1 << 20) }) : [],
      stats
        ? merge().mergedEventTexts(files, stats, {
            tolerant: true,
            named: withOwn && own ? [own.track.pid] : [],
          })
        : [],
    ),
    meta: () => {
      // Without partial reports (stats null), `own` is the report's only data.
      const merged = stats ? mergedTotals(stats) : null;
      const totals =
        withOwn && own ? (merged ? addTotals(own.totals, merged) : own.totals) : merged!;
      overflow ||= totals.overflow;
      return sessionMetadata(options, totals, command);
    },
    // Merged into a process's own report: nobody else must merge them again.
    consumed: onlyPid !== null ? files : [],
  });
  const reports: PlannedReport[] = [];
  if (options.pidSuffix) {
    for (const [pid, files] of groups) {
      reports.push(plan(withPidSuffix(options.outputFile, pid), files, pid === ownPid));
    }
  } else if (groups.size > 0) {
    const pids = [...groups.keys()].sort((a, b) => a - b);
    reports.push(
      plan(
        options.outputFile,
        pids.flatMap((p) => groups.get(p)!),
        ownPid !== null,
      ),
    );
  }
  const warnings = (): string[] => {
    const out = (stats?.lost ?? []).map(
      (lost) => `viztracer: warning: lost a partial report: ${lost.file}: ${lost.problem}`,
    );
    // A process that said it was running, is gone, and left no report was killed (SIGKILL,
    // or a crash of node itself): only its own data is lost. One that runs on (the wait was
    // skipped, or timed out) may not have said so yet: its environment names the session.
    const said = new Set(state.running);
    const started = alone ? [] : processesWithSession(s);
    const pids = [...said, ...started.filter((pid) => !said.has(pid))];
    for (const pid of pids) {
      if (pid === ownPid || (onlyPid !== null && pid !== onlyPid)) continue;
      if (state.partials.has(pid)) continue;
      out.push(
        processAlive(pid)
          ? `viztracer: warning: process ${pid} was still running; its data is not in the report`
          : `viztracer: warning: process ${pid} ended without saving its data (killed by SIGKILL?)`,
      );
    }
    return out;
  };
  return { reports, warnings, overflowed: () => overflow };
}

/** What the user reads when a ring buffer wrapped. */
function overflowWarning(options: ResolvedOptions): string {
  return (
    `viztracer: warning: the trace buffer overflowed (${options.tracerEntries} entries a thread); ` +
    'the oldest calls are not in the report (raise --tracer_entries)'
  );
}

/** Writes a plan's reports synchronously (exit handlers). */
function writePlanSync(plan: SessionPlan): SaveResult[] {
  return plan.reports.map((r) => {
    const result = saveReportSync(r.file, r.events, r.meta);
    for (const f of r.consumed) removeFile(f);
    return result;
  });
}

/** Writes a plan's reports without blocking (the CLI: native gzip, off the main thread). */
async function writePlan(plan: SessionPlan): Promise<SaveResult[]> {
  const results: SaveResult[] = [];
  for (const r of plan.reports) {
    results.push(await saveReport(r.file, r.events, r.meta));
    for (const f of r.consumed) removeFile(f);
  }
  return results;
}

/** What the user reads once the reports are written: where they are, and what was lost. */
function tellOutcome(plan: SessionPlan, results: SaveResult[], options: ResolvedOptions): void {
  if (results.length === 0 && !options.pidSuffix) {
    process.stderr.write(
      'viztracer: no report: the program ended before it could save its profile\n',
    );
  }
  if (!options.quiet) for (const r of results) process.stderr.write(savedMessage(r));
  // Lost data is said even under --quiet.
  for (const w of plan.warnings()) process.stderr.write(`${w}\n`);
  if (plan.overflowed()) process.stderr.write(`${overflowWarning(options)}\n`);
}

/**
 * The CLI, once the program has exited: waits for the processes still writing, then writes
 * the session's report(s) from their partial reports. Under --pid_suffix each process wrote
 * its own report; what is left belongs to processes whose main thread could not (their
 * workers' data is saved all the same).
 */
export async function endSession(
  s: Session,
  options: ResolvedOptions,
  command: readonly string[],
): Promise<SessionOutcome> {
  await waitForProcesses(s, options.quiet);
  try {
    if (options.outputDir) fs.mkdirSync(options.outputDir, { recursive: true });
    const plan = planSessionReport(s, options, command);
    const results = await writePlan(plan);
    tellOutcome(plan, results, options);
    return { results, kept: false };
  } catch (err) {
    if (!isEnvironmentError(err)) throw err;
    keepInSession(s, options, null, command, err);
    return { results: [], kept: true };
  }
}

/** The reports written; or, when they could not be, that the session's folder keeps the data. */
export interface SessionOutcome {
  results: SaveResult[];
  kept: boolean;
}

/** How a main thread's exit handler ends the session (`endSessionSync`). */
export interface SyncEnd {
  /**
   * Children that outlive the owner: `moment`, up to 5 s (the preload's owner); or
   * `while-progress`, until a minute passes in which none finishes, or Ctrl+C (the CLI).
   */
  waitForChildren: 'moment' | 'while-progress';
  /** The command the metadata names. */
  command: readonly string[];
  /** Whether the user asked to stop waiting. */
  skipped: () => boolean;
  /**
   * The process started no child process and no worker: unless the session's folder says
   * otherwise, nothing else wrote into it, so there is no one to wait for, nothing to merge,
   * and no `/proc` to scan.
   */
  alone: boolean;
}

/**
 * In a main thread's exit handler, with its own data (taken after the wait): the owner (the
 * CLI's process, or the first process traced with the preload) waits for the session's other
 * processes and writes the one report; under --pid_suffix every process writes its own, with
 * what its workers left.
 */
export function endSessionSync(
  s: Session,
  options: ResolvedOptions,
  owner: boolean,
  own: () => OwnReport,
  end: SyncEnd,
): SessionOutcome {
  const whole = owner && !options.pidSuffix;
  // A child started other than through child_process or a Worker (a native addon's fork) went
  // unnoted; once it has said that it runs, or has written its report, the folder shows it.
  const seen = end.alone ? sessionState(s) : null;
  const alone = seen !== null && seen.partials.size === 0 && seen.running.length === 0;
  // Children that outlive the owner still get time to write; what they write later is lost.
  if (whole && !alone) {
    const policy = end.waitForChildren === 'moment' ? OWNER_WAIT : CLI_WAIT;
    waitForProcessesSync(s, options.quiet, [process.pid], policy, end.skipped);
  }
  const ownReport = own();
  try {
    if (options.outputDir) fs.mkdirSync(options.outputDir, { recursive: true });
    const plan = planSessionReport(
      s,
      options,
      end.command,
      ownReport,
      whole ? null : process.pid,
      alone,
    );
    const results = writePlanSync(plan);
    tellOutcome(plan, results, options);
    return { results, kept: false };
  } catch (err) {
    if (!isEnvironmentError(err)) throw err;
    keepInSession(s, options, ownReport, end.command, err);
    return { results: [], kept: true };
  }
}

/** A failure of the machine (disk full, no permission, a folder gone), not of our code. */
function isEnvironmentError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException;
  return e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}

/**
 * The report could not be written: the session's folder keeps every partial report, this
 * process's own data is added there as one, and the user is told in one line where it is and
 * the command that writes the report from it. The folder is left for them.
 */
function keepInSession(
  s: Session,
  options: ResolvedOptions,
  own: OwnReport | null,
  command: readonly string[],
  err: NodeJS.ErrnoException,
): void {
  const target = displayPath(options.outputFile);
  const problem = `cannot write ${target} (${err.code}: ${err.message.replace(/^[A-Z]+: /, '')})`;
  try {
    if (own) {
      saveReportSync(partialPath(s, own.track.pid), processEventTexts(own.track), () =>
        sessionMetadata(options, own.totals, command),
      );
    }
  } catch (keepErr) {
    const e = keepErr as NodeJS.ErrnoException;
    process.stderr.write(
      `viztracer: ${problem}, nor keep the profile in ${s.dir} (${e.code ?? e.message})\n`,
    );
    return;
  }
  process.stderr.write(
    `viztracer: ${problem}; the profile is kept in ${s.dir}: ` +
      `viztracer --combine ${s.dir} -o ${target}\n`,
  );
}

/**
 * When the owner was killed before it could end the session (SIGKILL: no exit handler ran), the
 * last of the session's processes to finish calls this after writing its own partial report:
 * it writes the session's report from the partial ones, once (the first caller to take the
 * lock), and says whose data is lost. Does nothing while another process is still writing.
 */
export function endOrphanedSession(s: Session, options: ResolvedOptions): SaveResult[] {
  if (pendingProcesses(s, [process.pid]).length > 0) return [];
  try {
    fs.writeFileSync(path.join(s.dir, 'orphaned.lock'), '', { flag: 'wx' });
  } catch {
    return []; // another process is ending it
  }
  if (options.outputDir) fs.mkdirSync(options.outputDir, { recursive: true });
  const plan = planSessionReport(s, options, s.command ?? []);
  const results = writePlanSync(plan);
  process.stderr.write(
    `viztracer: warning: process ${s.ownerPid} ended without saving its data (killed by SIGKILL?); ` +
      'the report holds the processes it started\n',
  );
  tellOutcome(plan, results, options);
  removeSession(s);
  return results;
}

/** How the options trace, as a report's metadata says it. */
function traceModeOf(o: ResolvedOptions): TraceMode {
  const sampling = samples(o);
  const sampler = o.native ? 'native' : 'inspector';
  return {
    backend: o.instrument ? 'instrument' : sampler,
    intervalMicros: sampling ? o.interval : 0,
    ...(o.instrument && sampling ? { sampling: sampler } : {}),
    ...(o.native ? { sampler: o.sampler } : {}),
  };
}

/** The metadata of a report traced with `options`: a Tracer's own, or a session's. */
export function sessionMetadata(
  options: ResolvedOptions,
  totals: ReportTotals,
  command: readonly string[],
): ReportMetadata {
  return runMetadata(traceModeOf(options), totals, command);
}
