// `--rotate 60s`: the main thread traced in periods, one profile per period written (in the
// format of the output's name) and, with `--push`, sent as pprof to an ingest; memory holds one
// period, not the uptime. At each period's end the next period's tracer starts before the last
// one's profile is built, so the gap between periods is a stop and a start of the backend.
import { displayPath, withPidAndTime } from '../report/save';
import { extensionOf } from '../report/writer';
import type { ResolvedOptions } from '../options';
import { withPristineBuiltins } from '../pristine';
import { Tracer } from '../tracer';
import { PushQueue, type PushItem } from './push';

/** The time of day of a period's start, for messages: `14:01:05`. */
const clock = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(11, 19);

export function rotateProfiles(options: ResolvedOptions): void {
  const periodMillis = Math.round(options.rotate! * 1000);
  const pusher = options.push
    ? new PushQueue({
        url: options.push,
        // Read when the first profile goes: the CLI sets the program's argv after this.
        get appName(): string {
          return options.appName ?? appNameOf(process.argv[1]);
        },
        tags: options.tags,
        sampleRate: 1e6 / options.interval,
      })
    : null;
  // With --push alone, profiles go to the ingest only; a folder asked for gets them too.
  const writeFiles = !pusher || options.outputDir !== null;
  let tracer = Tracer.fromResolved(options);
  tracer.start();
  let from = Date.now() / 1000;
  let periods = 0;
  const files: string[] = [];

  const endPeriod = (atExit: boolean): PushItem | null => {
    const old = tracer;
    const start = from;
    const until = Date.now() / 1000;
    old.stop();
    if (!atExit) {
      tracer = Tracer.fromResolved(options);
      tracer.start();
      from = until;
    }
    periods++;
    try {
      const file = writeFiles
        ? withPidAndTime(options.outputFile, process.pid, new Date(start * 1000))
        : null;
      // With the builtins as they were before the program ran (it may have patched them).
      const { saved, pprof } = withPristineBuiltins(() =>
        old.savePeriodSync(file, pusher !== null),
      );
      if (saved) files.push(saved.file);
      return pprof ? { pprof, fromSeconds: start, untilSeconds: until } : null;
    } catch (err) {
      // A failing disk costs this period's file, never the program.
      process.stderr.write(
        `viztracer: warning: could not save a period's profile: ${(err as Error).message}\n`,
      );
      return null;
    }
  };

  const timer = setInterval(() => {
    const item = endPeriod(false);
    if (item) pusher!.add(item);
  }, periodMillis);
  // The rotation must not keep the program alive.
  timer.unref();

  process.on('exit', () => {
    clearInterval(timer);
    const last = endPeriod(true);
    if (!options.quiet && files.length > 0) {
      const shown = displayPath(files[0]).replace(/_\d+_[^/]*$/, `_${process.pid}_<time>`);
      process.stderr.write(
        `viztracer: Saved ${files.length} profiles, one per ${options.rotate} s: ${shown}${extensionOf(files[0])}\n`,
      );
    }
    if (!pusher) return;
    pusher.flushSync(last);
    if (pusher.dropped.length > 0) {
      const starts = pusher.dropped.map((d) => clock(d.fromSeconds)).join(', ');
      process.stderr.write(
        `viztracer: warning: ${pusher.dropped.length} of ${periods} profiles were not pushed to ${options.push} ` +
          `(periods starting ${starts} UTC): ${pusher.lastError ?? 'dropped'}\n`,
      );
    } else if (!options.quiet) {
      process.stderr.write(`viztracer: pushed ${pusher.sent} profiles to ${options.push}\n`);
    }
  });
}

/** The script's file name without its extension, as the application's name. */
function appNameOf(script: string | undefined): string {
  const base = (script ?? 'node').split('/').pop() ?? 'node';
  return base.replace(/\.[cm]?[jt]s$/, '') || 'node';
}
