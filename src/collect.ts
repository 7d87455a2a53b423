// The end of a session: wait for the processes still writing, then turn their partial
// reports into the report(s) the user asked for. Used by the CLI and, without the CLI, by the
// first traced process.
import * as fs from 'node:fs';
import type { ResolvedOptions } from './options';
import { mergedEventTexts, newMergeStats, type MergeStats } from './report/merge';
import type { ProcessTrack } from './report/model';
import { saveEvents, saveEventsSync, withPidSuffix, type SaveResult } from './report/save';
import { processEventTexts, type EventPiece } from './report/serialize';
import type { ReportMetadata } from './trace/events';
import { processAlive, SESSION_ENV, sessionState, type Session } from './session';

/**
 * Processes of the session that are still running: those that said so (a marker file), and
 * on Linux every process whose environment holds the session, so a child that was just
 * started, and has not yet loaded the preload, is waited for too.
 */
export function pendingProcesses(s: Session, except: number[] = []): number[] {
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
  for (const name of entries) {
    if (name.charCodeAt(0) > 57 || name.charCodeAt(0) < 48) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
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

/** One report to write: its path, its events, and its metadata once the events are out. */
export interface PlannedReport {
  file: string;
  events: Iterable<EventPiece>;
  meta: () => ReportMetadata;
  /** Partial reports to delete once this one is written. */
  consumed: string[];
}

export interface SessionPlan {
  reports: PlannedReport[];
  stats: MergeStats;
  /** Lines to show the user about data that was lost; complete once the reports are written. */
  warnings(): string[];
}

function* chain(...sources: Iterable<EventPiece>[]): Generator<EventPiece> {
  for (const s of sources) yield* s;
}

/**
 * What the session's report(s) will be. `own` is the calling process's track when it writes
 * its data directly instead of through a partial report. With `onlyPid`, only that process's
 * partial reports are used (a process writing its own report under --pid_suffix). The caller
 * writes the reports, synchronously in an exit handler or asynchronously in the CLI.
 */
export function planSessionReport(
  s: Session,
  options: ResolvedOptions,
  meta: (stats: MergeStats, ownSamples: number) => ReportMetadata,
  own: { track: ProcessTrack; sampleCount: number } | null = null,
  onlyPid: number | null = null,
): SessionPlan {
  const state = sessionState(s);
  const stats = newMergeStats();
  const ownPid = own?.track.pid ?? null;

  const groups = new Map<number, string[]>();
  for (const [pid, files] of state.partials) {
    if (onlyPid === null || pid === onlyPid) groups.set(pid, files);
  }
  if (ownPid !== null && !groups.has(ownPid)) groups.set(ownPid, []);

  const plan = (file: string, files: string[], withOwn: boolean): PlannedReport => ({
    file,
    events: chain(
      withOwn && own ? processEventTexts(own.track) : [],
      mergedEventTexts(files, stats, { tolerant: true }),
    ),
    meta: () => meta(stats, withOwn && own ? own.sampleCount : 0),
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
    const out = stats.lost.map(
      (lost) => `viztracer: warning: lost a partial report: ${lost.file}: ${lost.problem}`,
    );
    // A process that said it was running, is gone, and left no report was killed (SIGKILL,
    // or a crash of node itself): only its own data is lost.
    for (const pid of state.running) {
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
  return { reports, stats, warnings };
}

/** What the user reads when a ring buffer wrapped. */
export function overflowWarning(options: ResolvedOptions): string {
  return (
    `viztracer: warning: the trace buffer overflowed (${options.tracerEntries} entries a thread); ` +
    'the oldest calls are not in the report (raise --tracer_entries)'
  );
}

/** Writes a plan's reports synchronously (exit handlers). */
export function writePlanSync(plan: SessionPlan): SaveResult[] {
  return plan.reports.map((r) => {
    const result = saveEventsSync(r.file, r.events, r.meta);
    for (const f of r.consumed) fs.rmSync(f, { force: true });
    return result;
  });
}

/** Writes a plan's reports without blocking (the CLI: native gzip, off the main thread). */
export async function writePlan(plan: SessionPlan): Promise<SaveResult[]> {
  const results: SaveResult[] = [];
  for (const r of plan.reports) {
    results.push(await saveEvents(r.file, r.events, r.meta));
    for (const f of r.consumed) fs.rmSync(f, { force: true });
  }
  return results;
}
