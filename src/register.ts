// The preload: `node --require viztracer/register app.js` (or `--import`), and what the CLI
// puts in NODE_OPTIONS. Starts sampling before the program runs and saves on every exit path.
import { isMainThread } from 'node:worker_threads';
import { optionsFromConfig, toTracerOptions, type ResolvedOptions } from './options';
import { mergedEventTexts, newMergeStats } from './report/merge';
import { savedMessage, saveEventsSync } from './report/save';
import { processEventTexts } from './report/serialize';
import {
  createSession,
  listPartials,
  partialPath,
  removeSession,
  SESSION_ENV,
  sessionEnvValue,
  sessionFromEnv,
  type Session,
} from './session';
import { Tracer } from './tracer';

const LOADED = Symbol.for('viztracer.register');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function fail(message: string): never {
  process.stderr.write(`viztracer: ${message}\n`);
  process.exit(2);
}

function* chain(...sources: Iterable<string>[]): Generator<string> {
  for (const s of sources) yield* s;
}

function register(): void {
  const g = globalThis as Record<symbol, unknown>;
  // Loaded by both --require and --import, or twice through NODE_OPTIONS: trace once.
  if (g[LOADED]) return;
  g[LOADED] = true;
  // Worker threads are the next step; until then only the main thread is sampled.
  if (!isMainThread) return;

  let session: Session | null;
  let options: ResolvedOptions;
  try {
    session = sessionFromEnv();
    options = session ? session.options : optionsFromConfig();
  } catch (err) {
    fail((err as Error).message);
  }
  // The first traced process of a run owns the session: its descendants inherit it through
  // the environment, write partial reports into it, and the owner merges them at exit.
  const owner = session === null;
  if (!session) {
    session = createSession(options);
    process.env[SESSION_ENV] = sessionEnvValue(session);
  }
  const s = session;
  const tracer = new Tracer(toTracerOptions(options));
  tracer.start();

  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    try {
      tracer.stop();
      if (!owner) {
        tracer.saveSync(partialPath(s, process.pid));
        return;
      }
      const { track, sampleCount } = tracer.takeProcessTrack();
      const stats = newMergeStats();
      const partials = listPartials(s).complete;
      const result = saveEventsSync(
        options.outputFile,
        chain(processEventTexts(track), mergedEventTexts(partials, stats, true)),
        () => tracer.metadata(sampleCount + stats.sampleCount),
      );
      removeSession(s);
      if (!options.quiet) process.stderr.write(savedMessage(result, stats));
    } catch (err) {
      process.stderr.write(`viztracer: could not save the report: ${(err as Error).message}\n`);
    }
  };

  process.on('exit', finish);
  for (const sig of SIGNALS) {
    const onSignal = (): void => {
      // The program listens for this signal itself: its behaviour is its own, and if it
      // exits, the 'exit' handler saves.
      if (process.listenerCount(sig) > 1) return;
      finish();
      // Die by the same signal, so the exit status is the one the program would have had.
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

register();
