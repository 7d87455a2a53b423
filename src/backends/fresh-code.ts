// Sampling that starts in a program already running (armed by SIGUSR2, `--attach`, the API
// called mid-program) must first throw away the program's optimized code. V8 records the
// positions its profiler needs to name the frames of optimized code (inlined functions
// included) only while a profiler runs; code optimized before that is not named at all, and its
// time goes to the nearest caller V8 can name: measured on a warmed-up loop (Node 20), every
// sample of `work -> outer -> inner` went to the script's `(anonymous)`. Deoptimizing
// everything makes V8 recompile, under the profiler, what the program runs next.
//
// The route: switching V8 to precise coverage deoptimizes all functions (and back to best
// effort at once). It costs a pause of about 60 ms on a 120 MB heap (TypeScript's compiler
// loaded), then the time the program takes to warm up again; and V8 stops flushing bytecode
// from then on. Not done when the profiler was running until just before (a flight
// recorder's or a rotation's next chunk, started in the same synchronous run as the stop), nor
// at the program's launch (the preload: nothing is optimized yet), nor under
// NODE_V8_COVERAGE (Node records coverage: switching modes would end it).
import { Session } from 'node:inspector';

/** Whether the code this thread runs was compiled under a profiler (or nothing ran yet). */
let fresh = false;

/**
 * Until the synchronous run that calls this ends (a microtask runs after it), a profiler that
 * starts needs no fresh code.
 */
function freshUntilThisRunEnds(): void {
  fresh = true;
  queueMicrotask(() => {
    fresh = false;
  });
}

/** The preload, before the program's first line: nothing is optimized yet. */
export const startingAtLaunch = freshUntilThisRunEnds;

/** A profiler stopped: a restart in the same run finds the code as the profiler left it. */
export const profilerStopped = freshUntilThisRunEnds;

/** Before a profiler starts in this thread: makes V8 recompile what was optimized without one. */
export function refreshCodeIfLate(): void {
  const skip = fresh || process.env.NODE_V8_COVERAGE !== undefined;
  fresh = false;
  if (skip) return;
  const session = new Session();
  session.connect();
  try {
    session.post('Profiler.enable');
    session.post('Profiler.startPreciseCoverage', { callCount: false, detailed: false });
    session.post('Profiler.stopPreciseCoverage');
  } finally {
    session.disconnect();
  }
}
