// What `viztracer --attach` runs inside the process it attached to, loaded by its absolute path
// through the target's inspector (Runtime.evaluate, in the main thread and in each worker, by
// interrupt: also while the thread is busy in synchronous code). Each thread samples itself
// with the usual Tracer; workers write partial reports into a session folder, and the main
// thread merges them with its own into the report. Nothing is printed: the target's output is
// its own. Every entry point is synchronous, so none waits for the target's event loop.
import * as inspector from 'node:inspector';
import { isMainThread } from 'node:worker_threads';
import type { ResolvedOptions } from '../options';
import { mergedEventTexts, newMergeStats } from '../report/merge';
import { processEventTexts, type EventPiece } from '../report/serialize';
import { saveReportSync } from '../save-report';
import { sessionMetadata } from '../session-end';
import { createSession, partialPath, removeSession, sessionState, type Session } from '../session';
import { addTotals, mergedTotals } from '../trace/metadata';
import { currentThread } from '../thread';
import { Tracer } from '../tracer';

/** Where this thread keeps its attached session: the module may be loaded more than once. */
const STATE = Symbol.for('viztracer.attached');
/** Set by the preload (register.ts) in a process started with it. */
const PRELOADED = Symbol.for('viztracer.register');

/** What the attacher sends: the options resolved in its own folder, and the command it ran. */
export interface AttachConfig {
  options: ResolvedOptions;
  command: string[];
  /** Whether the attacher opened the inspector (SIGUSR1), so the target must close it. */
  closeInspector: boolean;
}

interface ThreadState {
  tracer: Tracer;
  session: Session;
  config: AttachConfig;
  onExit: () => void;
}

/** What the main thread's stop hands back to the attacher (plain data: it crosses the wire). */
export interface AttachResult {
  file: string;
  events: number;
  bytes: number;
  /** Workers' partial reports that could not be read, one line each. */
  lost: string[];
}

const g = globalThis as Record<symbol, unknown>;
const stateOf = (): ThreadState | undefined => g[STATE] as ThreadState | undefined;

function begin(config: AttachConfig, session: Session, onExit: () => void): ThreadState {
  if (stateOf()) throw new Error('another viztracer --attach session is running in this process');
  // Throws a one-line Error when --native cannot load the addon in the target.
  const tracer = Tracer.fromResolved(config.options);
  tracer.start();
  const state: ThreadState = { tracer, session, config, onExit };
  g[STATE] = state;
  process.on('exit', onExit);
  return state;
}

function end(state: ThreadState): void {
  process.removeListener('exit', state.onExit);
  delete g[STATE];
  if (state.tracer.running) state.tracer.stop();
}

/** The main thread: starts sampling; returns the session folder the workers write into. */
export function startMain(config: AttachConfig): { pid: number; node: string; dir: string } {
  if (!isMainThread) throw new Error('startMain runs in the main thread');
  if (g[PRELOADED]) {
    throw new Error(
      'this process was started with viztracer/register: it traces itself (armed processes toggle on SIGUSR2)',
    );
  }
  const session = createSession(config.options);
  try {
    begin(config, session, () => {
      // The target is exiting during the session: what was sampled so far is saved, and the
      // inspector closed, or Node would wait at exit for our client to disconnect.
      const state = stateOf();
      if (!state) return;
      try {
        finishMain(state);
      } catch {
        // nothing to say in the target's output; the attacher says the profile is lost
      }
      if (config.closeInspector) inspector.close();
    });
  } catch (err) {
    removeSession(session);
    throw err;
  }
  return { pid: process.pid, node: process.version, dir: session.dir };
}

/** The main thread: stops, merges what the workers saved, writes the report. */
export function stopMain(): AttachResult {
  const state = stateOf();
  if (!state) throw new Error('no viztracer --attach session is running in this process');
  return finishMain(state);
}

function finishMain(state: ThreadState): AttachResult {
  end(state);
  const { tracer, session, config } = state;
  const pid = process.pid;
  try {
    // Workers that ended while sampling under --native: the addon kept their profiles.
    tracer.saveOrphansSync((tid) => partialPath(session, pid, tid));
    const { track, totals } = tracer.takeProcessTrack();
    const files = sessionState(session).partials.get(pid) ?? [];
    const stats = newMergeStats();
    function* events(): Generator<EventPiece> {
      yield* processEventTexts(track);
      yield* mergedEventTexts(files, stats, { tolerant: true, named: [pid] });
    }
    const saved = saveReportSync(config.options.outputFile, events(), () =>
      sessionMetadata(config.options, addTotals(totals, mergedTotals(stats)), config.command),
    );
    return { ...saved, lost: stats.lost.map((l) => `${l.file}: ${l.problem}`) };
  } finally {
    removeSession(session);
  }
}

/** Stops this thread's tracer without a report (the attacher failed after starting it). */
export function abort(): void {
  const state = stateOf();
  if (!state) return;
  end(state);
  if (isMainThread) removeSession(state.session);
}

/** A worker: starts sampling it, into the main thread's session folder. */
export function startWorker(config: AttachConfig, dir: string): { tid: number } {
  const session: Session = { dir, ownerPid: process.pid, options: config.options };
  // A worker that ends by itself runs its 'exit' handlers: it saves then. (One that is
  // terminated does not: under --native the addon keeps its profile for the main thread.)
  begin(config, session, () => {
    const state = stateOf();
    if (state) saveWorker(state);
  });
  return { tid: currentThread().tid };
}

/** A worker: stops and writes its partial report for the main thread to merge. */
export function stopWorker(): { file: string } | null {
  const state = stateOf();
  return state ? saveWorker(state) : null;
}

function saveWorker(state: ThreadState): { file: string } {
  end(state);
  const me = currentThread();
  return { file: state.tracer.saveSync(partialPath(state.session, me.pid, me.tid)).file };
}
