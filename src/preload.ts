// Tracing a thread from before the program's code runs to every exit path: the one way, for the
// preload (register.ts: every JS thread and every `node` child of a traced program) and for the
// CLI, which runs the program in its own process. The first traced process of a run owns the
// session: it merges what the others wrote when it exits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { givenOptions, optionConflicts, resolveOptions, type ResolvedOptions } from './options';
import {
  createSession,
  markDone,
  markRunning,
  partialPath,
  processRunning,
  claimOutput,
  removeSession,
  SESSION_ENV,
  sessionEnvValue,
  sessionFromEnv,
  type Session,
} from './session';
import { startingAtLaunch } from './backends/fresh-code';
import { exposeWorkerFlush, WorkerFlusher } from './backends/inspector-workers';
import { nodeOptionsWithPreload, patchChildProcesses } from './children';
import { captureBuiltins, sturdy, withPristineBuiltins } from './pristine';
import { currentThread, patchWorkers } from './thread';
import { Tracer } from './tracer';
import { formatOf } from './report/writer';
import { LIB_DIR } from './version';

const LOADED = Symbol.for('viztracer.register');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How long a thread waits for a worker it terminates, or that outlives it, to save. */
const WORKER_FLUSH_MILLIS = 3000;

function fail(message: string): never {
  process.stderr.write(`viztracer: ${message}\n`);
  process.exit(2);
}

/**
 * How the owner ends the session. The preload's owner (`node --require`) gives children that
 * outlive it a moment; the CLI waits for them as long as they make progress (Ctrl+C skips),
 * and names the command `viztracer ...`.
 */
export interface SessionEnd {
  waitForChildren: 'moment' | 'while-progress';
  command: readonly string[];
}

const PRELOAD_END: SessionEnd = { waitForChildren: 'moment', command: process.argv };

/** The main thread of a process: its report, and the session's when it owns it. */
function finishProcess(
  tracer: Tracer,
  s: Session,
  owner: boolean,
  options: ResolvedOptions,
  end: SessionEnd,
  alone: boolean,
): { kept: boolean } {
  if (!owner && !options.pidSuffix) {
    tracer.saveSync(partialPath(s, process.pid));
    return { kept: false };
  }
  // Loaded at exit: start-up time is the program's.
  const { endSessionSync } = require('./session-end') as typeof import('./session-end');
  const { kept } = endSessionSync(s, options, owner, () => tracer.takeProcessTrack(), {
    waitForChildren: owner ? end.waitForChildren : 'moment',
    command: end.command,
    skipped: () => waitSkipped,
    alone,
  });
  return { kept };
}

/** Set by Ctrl+C while the owner waits for its children at exit (with the addon). */
let waitSkipped = false;

/** The preload: options and session from the environment (a traced parent) or rc and env. */
export function startFromEnvironment(): void {
  const g = globalThis as Record<symbol, unknown>;
  // Loaded by both --require and --import, or twice through NODE_OPTIONS: trace once.
  if (g[LOADED]) return;
  g[LOADED] = true;

  let session: Session | null;
  let options: ResolvedOptions;
  try {
    session = sessionFromEnv();
    if (session) {
      options = session.options;
    } else {
      const given = givenOptions();
      options = resolveOptions(given);
      // Said once, by the process that read them (its descendants take the session's).
      const conflicts = optionConflicts(given);
      if (conflicts.errors.length > 0) fail(conflicts.errors[0]);
      if (isMainThread) {
        for (const w of conflicts.warnings) process.stderr.write(`viztracer: warning: ${w}\n`);
      }
    }
  } catch (err) {
    fail((err as Error).message);
  }
  if (!session && !isMainThread) return; // a worker of an untraced process
  start(options, session, PRELOAD_END, false);
}

/**
 * The CLI: traces this process, the owner of a new session, before it runs the program in it.
 * Workers and children load the preload and join the session.
 */
export function startInCli(options: ResolvedOptions, end: SessionEnd): void {
  const g = globalThis as Record<symbol, unknown>;
  g[LOADED] = true;
  start(options, null, end, true);
}

/** Whether what this process saves may need node:zlib: gzip, pprof, pushes, async saves. */
function savesWithZlib(options: ResolvedOptions): boolean {
  const format = formatOf(options.outputFile);
  return (
    format === 'json.gz' ||
    format === 'pprof' ||
    options.push !== null ||
    options.rotate !== null ||
    options.flightRecorderSeconds !== null
  );
}

/** `inCli`: this process was not started with the preload (its workers get it explicitly). */
function start(
  options: ResolvedOptions,
  session: Session | null,
  end: SessionEnd,
  inCli: boolean,
): void {
  // Before the program's first line: what saving uses, whatever the program changes.
  captureBuiltins(savesWithZlib(options));
  if (options.trigger === 'signal') {
    // Armed: no session (each armed process stands alone), nothing running until asked.
    if (isMainThread) armForSignal(options);
    return;
  }
  // Whatever starts below starts before the program's first line.
  startingAtLaunch();
  if (options.flightRecorderSeconds !== null) {
    // The last seconds of the main thread, kept in memory and written when asked: no session.
    if (isMainThread) {
      const { recordFlight } =
        require('./agent/flight-recorder') as typeof import('./agent/flight-recorder');
      recordFlight(options);
    }
    return;
  }
  if (options.rotate !== null) {
    // Periods of the main thread, each saved (and pushed) while the program runs: no session.
    if (isMainThread) {
      const { rotateProfiles } = require('./agent/rotate') as typeof import('./agent/rotate');
      rotateProfiles(options);
    }
    return;
  }
  // The first traced process of a run owns the session: its descendants inherit it through
  // the environment, write partial reports into it, and the owner merges them at exit.
  const owner = session === null;
  let releaseOutput = (): void => {};
  if (owner && !options.pidSuffix) ({ options, release: releaseOutput } = claimOutput(options));
  if (!session) {
    session = { ...createSession(options), command: [...end.command] };
    process.env[SESSION_ENV] = sessionEnvValue(session);
  }
  const s = session;
  // Whether this process started a child process or a worker: until it does, nothing but
  // itself can write into the session, and its end need not look for anyone else.
  let startedOthers = false;
  const noteStarted = (): void => {
    startedOthers = true;
  };
  if (isMainThread) {
    // Every node child of the program is traced: the preload travels in NODE_OPTIONS (also
    // without the CLI, where it came in --require or --import), and children given an `env`
    // of their own get it and the session added.
    const preload = path.join(LIB_DIR, 'register.js');
    process.env.NODE_OPTIONS = nodeOptionsWithPreload(process.env.NODE_OPTIONS, preload);
    patchChildProcesses(sessionEnvValue(s), preload, noteStarted);
  }
  // Node's module loader thread (started for our ES module hooks): not the program's.
  if (options.instrument && !isMainThread) {
    const { isLoaderThread } = require('./instrument/hooks') as typeof import('./instrument/hooks');
    if (isLoaderThread()) return;
  }
  const me = currentThread();
  let tracer: Tracer;
  try {
    tracer = Tracer.fromResolved(options);
  } catch (err) {
    // --native without a loadable addon (the CLI checks first; this is `node --require`).
    fail((err as Error).message);
  }
  const flusher = new WorkerFlusher();
  patchWorkers({
    beforeCreate: () => {
      noteStarted();
      flusher.prepare();
    },
    // With the native backend a terminated worker's profile is kept by the addon's cleanup
    // hook and written by the main thread at exit: terminate() need not wait for a save.
    beforeTerminate: (threadId) =>
      options.native ? Promise.resolve() : flusher.flush(threadId, WORKER_FLUSH_MILLIS),
    ...(inCli ? { preload: path.join(LIB_DIR, 'register.js') } : {}),
  });
  if (options.instrument) {
    // Before the program's first module loads; the recorder exists already (the Tracer made it).
    const { installHooks } = require('./instrument/hooks') as typeof import('./instrument/hooks');
    installHooks(
      {
        includeFiles: options.includeFiles,
        excludeFiles: options.excludeFiles,
        instrumentNodeModules: options.instrumentNodeModules,
        libDir: LIB_DIR,
      },
      {
        skipped: (file, reason) =>
          process.stderr.write(`viztracer: warning: ${file} not instrumented: ${reason}\n`),
      },
      {
        logFuncArgs: options.logFuncArgs,
        logFuncRetval: options.logFuncRetval,
        ignoreFunctions: options.ignoreFunction,
      },
    );
  }
  if (me.isMain && !owner) {
    try {
      markRunning(s, me.pid);
    } catch (err) {
      // The session is gone (the CLI was killed): trace nothing, disturb nothing.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
  }
  tracer.start();

  let finished = false;
  const saveAll = (): void => {
    if (finished) return;
    finished = true;
    try {
      // Workers this thread created and that are still running are stopped when it exits,
      // without their 'exit' handlers: have them save first. (Also with the native backend:
      // the addon would keep their profiles, but only once they are torn down, which is
      // after this handler, too late for this process's report.)
      flusher.flushAllSync(WORKER_FLUSH_MILLIS);
      tracer.stop();
      if (!me.isMain) {
        tracer.saveSync(partialPath(s, me.pid, me.tid));
        return;
      }
      // Workers that ended while sampling (terminated): their partial reports, as they
      // would have written them, before this process's report is made from the folder.
      tracer.saveOrphansSync((tid) => partialPath(s, me.pid, tid));
      const { kept } = finishProcess(tracer, s, owner, options, end, !startedOthers);
      // A report that could not be written is kept in the session's folder for the user.
      if (owner && !kept) removeSession(s);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // The session folder went away: the CLI stopped waiting for us.
      if (e.code === 'ENOENT' && !fs.existsSync(s.dir)) return;
      process.stderr.write(`viztracer: could not save the report: ${e.message}\n`);
    } finally {
      if (me.isMain && !owner) {
        try {
          markDone(s, me.pid);
          // The owner was killed (SIGKILL): the last of its processes to finish writes the
          // report, so only the owner's own data is lost.
          if (!options.pidSuffix && !processRunning(s.ownerPid)) {
            const { endOrphanedSession } =
              require('./session-end') as typeof import('./session-end');
            endOrphanedSession(s, options);
          }
        } catch {
          // the session is gone
        }
      }
      // The report is written (or kept in the session's folder): another run may take its name.
      releaseOutput();
    }
  };

  const finish = (): void => withPristineBuiltins(saveAll);
  process.on('exit', sturdy(finish));
  // Signals reach only the main thread; workers end with their process.
  if (!me.isMain) {
    exposeWorkerFlush(finish);
    return;
  }
  watchSignals(finish, () => {
    waitSkipped = true;
  });
}

/**
 * SIGINT, SIGTERM and SIGHUP: save, then die by the signal, so the exit status is the one the
 * program would have had untraced. Node runs signal listeners on the event loop, which a
 * program busy in synchronous code does not reach; with the addon, the signal also interrupts
 * that code, and the report is saved from within it.
 */
function watchSignals(finish: () => void, skipWait: () => void): void {
  const listeners = new Map<NodeJS.Signals, () => void>();
  let stopping = false;
  let exiting = false;
  // At exit, before the 'exit' handler that saves: a signal now (the owner waiting for its
  // children) skips that wait. Only the addon sees it: the event loop has stopped.
  process.prependListener(
    'exit',
    sturdy(() => {
      exiting = true;
    }),
  );
  const { loadNative } = require('./native') as typeof import('./native');
  const loaded = loadNative();
  const addon = 'addon' in loaded ? loaded.addon : null;
  const stopBy = (sig: NodeJS.Signals): void => {
    if (exiting && !stopping) {
      skipWait();
      return;
    }
    // From the event loop and from the interrupt alike: whichever comes first.
    if (stopping) return;
    // The program listens for this signal itself: its behaviour is its own, and if it
    // exits, the 'exit' handler saves.
    if (process.listenerCount(sig) > 1) return;
    stopping = true;
    // A second Ctrl+C while saving ends the process at once.
    addon?.markStopping();
    finish();
    for (const [s, l] of listeners) process.removeListener(s, l);
    process.kill(process.pid, sig);
  };
  for (const sig of SIGNALS) {
    const onSignal = (): void => stopBy(sig);
    listeners.set(sig, onSignal);
    process.on(sig, sturdy(onSignal));
  }
  addon?.watchStopSignals(stopBy);
}

/**
 * `trigger: 'signal'`: nothing runs until SIGUSR2; each SIGUSR2 then starts tracing this
 * process's main thread, or stops it and saves a report named with the pid and the time, so a
 * long-running service can be profiled for a while, as often as wanted. Tracing that is on when
 * the process exits is saved then.
 */
function armForSignal(options: ResolvedOptions): void {
  const { savedMessage, withPidAndTime } =
    require('./report/save') as typeof import('./report/save');
  let tracer: Tracer | null = null;
  const stopAndSave = (): void => withPristineBuiltins(stopAndSaveNow);
  const stopAndSaveNow = (): void => {
    const t = tracer!;
    tracer = null;
    try {
      t.stop();
      const result = t.saveSync(withPidAndTime(options.outputFile, process.pid, new Date()));
      if (!options.quiet) process.stderr.write(savedMessage(result));
    } catch (err) {
      process.stderr.write(`viztracer: could not save the report: ${(err as Error).message}\n`);
    }
  };
  const toggle = (): void => {
    if (tracer) {
      stopAndSave();
      return;
    }
    try {
      tracer = Tracer.fromResolved(options);
      tracer.start();
    } catch (err) {
      tracer = null;
      process.stderr.write(`viztracer: could not start tracing: ${(err as Error).message}\n`);
      return;
    }
    if (!options.quiet) {
      process.stderr.write('viztracer: tracing started; SIGUSR2 again stops it and saves\n');
    }
  };
  // Each SIGUSR2 toggles, also while the program is busy in synchronous code (with the addon).
  const { onSigusr2 } = require('./agent/sigusr2') as typeof import('./agent/sigusr2');
  onSigusr2(toggle);
  process.on(
    'exit',
    sturdy(() => {
      if (tracer) stopAndSave();
    }),
  );
}
