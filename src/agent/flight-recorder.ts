// `--flight_recorder 30s`: the main thread sampled continuously, only its last N seconds kept,
// written when something asks: SIGUSR2 (through the addon's interrupt too, so a process stuck
// in a loop answers), `viztracer.dump()`, an uncaught error about to end the process, or, with
// `--dump_on_stall`, an event loop that was blocked for that long. Memory is bounded by the
// window, not the uptime: the backend is stopped and started every chunk (a quarter of the
// window, 0.25 to 5 s), so V8 drops its buffers, and chunks older than the window are forgotten.
import { displayPath, withPidAndTime } from '../report/save';
import type { SaveResult } from '../report/save';
import type { ResolvedOptions } from '../options';
import { withPristineBuiltins } from '../pristine';
import { Tracer } from '../tracer';
import { onSigusr2 } from './sigusr2';
import { threadEventLog } from '../user-events';

const RECORDER_KEY = Symbol.for('viztracer.flightRecorder');
/** How often the event loop's lateness is measured, for stalls. */
const STALL_CHECK_MILLIS = 20;
/** At most one stall dump in this long. */
const STALL_DUMP_GAP_MILLIS = 60_000;

interface Recorder {
  dump(reason: string, file?: string): SaveResult | null;
}

/** `viztracer.dump(file)`: the flight recorder of this process writes its window now. */
export function dump(file?: string): SaveResult | null {
  const r = (globalThis as Record<symbol, Recorder | undefined>)[RECORDER_KEY];
  return r ? r.dump('viztracer.dump()', file) : null;
}

export function recordFlight(options: ResolvedOptions): void {
  const windowMicros = options.flightRecorderSeconds! * 1e6;
  const chunkMillis = Math.min(5000, Math.max(250, windowMicros / 4000));
  const tracer = Tracer.fromResolved(options);
  tracer.start();
  let running = true;
  const now = (): number => threadEventLog().nowMicros();

  // A SIGUSR2 taken by interrupt can land inside a cycle: its dump waits for the cycle's end.
  let cycling = false;
  let pending: string | null = null;
  const cycle = (): void => {
    cycling = true;
    try {
      tracer.stop();
      tracer.keepSince(now() - windowMicros);
      tracer.start();
    } finally {
      cycling = false;
    }
    if (pending !== null) {
      const reason = pending;
      pending = null;
      recorder.dump(reason);
    }
  };
  const chunks = setInterval(cycle, chunkMillis);
  chunks.unref();

  let dumping = false;
  const recorder: Recorder = {
    dump(reason, file) {
      if (!running || dumping) return null;
      if (cycling) {
        pending = reason;
        return null;
      }
      dumping = true;
      try {
        tracer.stop();
        tracer.keepSince(now() - windowMicros);
        const target = file ?? withPidAndTime(options.outputFile, process.pid, new Date());
        // With the builtins as they were before the program ran (it may have patched them).
        const result = withPristineBuiltins(() => tracer.saveSync(target));
        if (!options.quiet) {
          process.stderr.write(
            `viztracer: flight recorder: saved the last ${options.flightRecorderSeconds} s (${reason}) to ${displayPath(result.file)}\n`,
          );
        }
        return result;
      } catch (err) {
        // A failing disk costs this dump, never the program.
        process.stderr.write(
          `viztracer: warning: the flight recorder could not save: ${(err as Error).message}\n`,
        );
        return null;
      } finally {
        if (running) tracer.start();
        dumping = false;
      }
    },
  };
  (globalThis as Record<symbol, Recorder>)[RECORDER_KEY] = recorder;

  // SIGUSR2 dumps, also while the program is busy in synchronous code (with the addon).
  onSigusr2(() => recorder.dump('SIGUSR2'));

  // An error about to end the process: its last seconds, before Node prints it and exits 1.
  process.on('uncaughtExceptionMonitor', (_err, origin) => {
    recorder.dump(origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception');
    running = false;
  });

  if (options.dumpOnStallSeconds !== null) {
    const stallMicros = options.dumpOnStallSeconds * 1e6;
    let last = now();
    let lastDump = -Infinity;
    // A timer that fires late by more than the threshold: the loop was blocked that long.
    const watch = setInterval(() => {
      const t = now();
      const blocked = t - last - STALL_CHECK_MILLIS * 1000;
      last = t;
      if (blocked < stallMicros || t - lastDump < STALL_DUMP_GAP_MILLIS * 1000) return;
      lastDump = t;
      recorder.dump(`the event loop was blocked ${Math.round(blocked / 1000)} ms`);
      last = now();
    }, STALL_CHECK_MILLIS);
    watch.unref();
  }

  process.on('exit', () => {
    running = false;
    clearInterval(chunks);
  });
}
