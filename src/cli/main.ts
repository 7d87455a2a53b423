// `viztracer [options] script [args...]` (what lib/cli/viztracer.js, the bin, runs): runs the program in this process, traced from its
// first line, as `node script` would (preload.ts: this process owns the session, its workers
// and children join it through the preload in NODE_OPTIONS, and it merges what they wrote when
// it exits). Without the addon, or with --open, the program runs in a child `node` instead,
// and this process ends the session after it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  flagOf,
  givenOptions,
  OptionError,
  optionConflicts,
  resolveOptions,
  type ResolvedOptions,
} from '../options';
import type { SaveResult } from '../report/save';
import { checkWritable, isHtml, isReportName } from '../report/writer';
import { nodeOptionsWithPreload } from '../children';
import {
  claimOutput,
  createSession,
  removeSession,
  SESSION_ENV,
  sessionEnvValue,
  type Session,
} from '../session';
import { NodeModule } from '../node-module';
import { LIB_DIR, VERSION } from '../version';
import { parseCliArgs, usage, type CliArgs } from '../args';

function warn(message: string): void {
  process.stderr.write(`viztracer: warning: ${message}\n`);
}

/** A problem to report to the user in one line, with an exit status. */
class CliError extends Error {
  constructor(
    message: string,
    readonly status = 2,
  ) {
    super(message);
  }
}

/** The script as node would load it: the file, or `name.js`, `name/index.js`, ... */
function findScript(script: string): string {
  const abs = path.resolve(script);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (st?.isFile()) return abs;
  try {
    return require.resolve(abs);
  } catch {
    throw new CliError(`cannot find script ${script}`);
  }
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function runProgram(
  script: string,
  args: string[],
  session: Session,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const env = {
    ...process.env,
    [SESSION_ENV]: sessionEnvValue(session),
    NODE_OPTIONS: nodeOptionsWithPreload(
      process.env.NODE_OPTIONS,
      path.join(LIB_DIR, 'register.js'),
    ),
  };
  // Loaded here: the common run (the program in this process) starts no child itself.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit', env });
  let interruptedAt = 0;
  let forced = false;
  const handlers = FORWARDED.map((sig) => {
    const h = (): void => {
      if (sig === 'SIGINT') {
        // Node runs signal listeners on the event loop, so a program busy in synchronous code
        // only sees the signal when that code returns. A second Ctrl+C means "now".
        if (interruptedAt > 0 && Date.now() - interruptedAt > 500) {
          process.stderr.write(
            'viztracer: the program is busy and did not stop; killing it (its profile is lost)\n',
          );
          forced = true;
          child.kill('SIGKILL');
          return;
        }
        if (interruptedAt === 0) interruptedAt = Date.now();
        // Ctrl+C in a terminal reaches the whole foreground process group, the program
        // included; sending it again would make the program see two.
        if (process.stdin.isTTY) return;
      }
      child.kill(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new CliError(`cannot start node: ${err.message}`)));
    child.on('exit', (code, signal) => {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
      // Killed at the user's second Ctrl+C: report the interrupt, as node alone would have.
      resolve({ code, signal: forced ? 'SIGINT' : signal });
    });
  });
}

/** `viztracer --combine a.json b.json -o both.json`: nothing is written unless all inputs read. */
async function combine(cli: CliArgs, options: ResolvedOptions, command: string[]): Promise<number> {
  if (cli.inputs.length === 0) throw new CliError('--combine needs at least one report');
  const inputs: string[] = [];
  for (const f of cli.inputs) {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    if (!st) throw new CliError(`${f}: no such file`);
    if (st.isDirectory()) {
      // A folder (one a run kept when it could not write its report): its reports, by name.
      const found = fs
        .readdirSync(f)
        .filter((name) => isReportName(name) && !isHtml(name))
        .sort()
        .map((name) => path.join(f, name));
      if (found.length === 0) throw new CliError(`${f}: no reports in this folder`);
      inputs.push(...found);
    } else if (st.isFile()) {
      inputs.push(f);
    } else {
      throw new CliError(`${f}: not a file`);
    }
  }
  const unwritable = checkWritable(options.outputFile);
  if (unwritable) throw new CliError(unwritable);
  // Loaded here: a traced run (the common case) never merges in this way.
  const { mergedEventTexts, newMergeStats } =
    require('../report/merge') as typeof import('../report/merge');
  const { savedMessage } = require('../report/save') as typeof import('../report/save');
  const { saveReport } = require('../save-report') as typeof import('../save-report');
  const { runMetadata } = require('../trace/metadata') as typeof import('../trace/metadata');
  const stats = newMergeStats();
  const result = await saveReport(
    options.outputFile,
    mergedEventTexts(inputs, stats, { tolerant: false, align: cli.align }),
    () => {
      // Traced as the first input was; its clock only, and the sample count of all.
      const first = stats.metadata[0] ?? {};
      const mode = {
        backend:
          first.backend === 'native' || first.backend === 'instrument'
            ? first.backend
            : 'inspector',
        intervalMicros: typeof first.intervalMicros === 'number' ? first.intervalMicros : 0,
      } as const;
      const clocks = typeof first.clock === 'string' ? [first.clock] : [];
      const totals = { sampleCount: stats.sampleCount, overflow: false, clocks };
      return runMetadata(mode, totals, command, {
        combined: inputs.map((f) => path.resolve(f)),
        aligned: cli.align,
      });
    },
  );
  if (!options.quiet) {
    for (const n of stats.notices) process.stderr.write(`viztracer: ${n.file}: ${n.notice}\n`);
    process.stderr.write(savedMessage(result));
  }
  return 0;
}

/**
 * What the command line asks for: a status once some work is done (help, --combine, or a
 * program run in a child process), or the program run in this very process (`run`, called at
 * the top level, so that the program's own errors are uncaught as under plain `node`).
 */
type Plan = { status: Promise<number> } | { run: () => void };

function plan(argv: string[]): Plan {
  const cli = parseCliArgs(argv);
  if (cli.help) {
    process.stdout.write(usage());
    return { status: Promise.resolve(0) };
  }
  if (cli.version) {
    process.stdout.write(`viztracer ${VERSION}\n`);
    return { status: Promise.resolve(0) };
  }
  if (cli.align && !cli.combine) throw new CliError('--align needs --combine');
  let options: ResolvedOptions;
  const given = givenOptions(cli.options, cli.rcfile);
  // Before the values' own checks: a conflict names both flags.
  const conflicts = optionConflicts(given);
  if (conflicts.errors.length > 0) throw new CliError(conflicts.errors[0]);
  try {
    options = resolveOptions(given);
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) throw new CliError(err.message);
    throw err;
  }
  const command = ['viztracer', ...argv];
  if (cli.duration !== null && cli.attach === null) throw new CliError('--duration needs --attach');
  if (cli.dump !== null) {
    if (cli.attach !== null || cli.combine || cli.script) {
      throw new CliError('--dump takes no script, no --attach and no --combine');
    }
    // The process dumps with its own options: ours would mean nothing.
    for (const key of Object.keys(cli.options)) warn(`${flagOf(key)} has no effect with --dump`);
    const { dumpFromCli } = require('../agent/attach') as typeof import('../agent/attach');
    return { status: dumpFromCli(cli.dump) };
  }
  if (cli.attach !== null) {
    if (cli.combine || cli.script) throw new CliError('--attach takes no script and no --combine');
    const { attachFromCli } = require('../agent/attach') as typeof import('../agent/attach');
    return { status: attachFromCli(cli.attach, cli.duration, options, command) };
  }
  if (cli.combine) {
    // Only where the merged report goes, its format, and --quiet mean something to --combine.
    for (const key of Object.keys(cli.options)) {
      if (!['outputFile', 'outputDir', 'format', 'quiet'].includes(key)) {
        warn(`${flagOf(key)} has no effect with --combine`);
      }
    }
    return { status: combine(cli, options, command) };
  }
  for (const w of conflicts.warnings) warn(w);
  const { loadNative } = require('../native') as typeof import('../native');
  const native = loadNative();
  // Before the program runs: a traced program whose preload cannot load the addon would
  // stop at its first line anyway.
  if (options.native && 'error' in native) throw new CliError(native.error);
  if (!cli.script) {
    throw new CliError('no script given (usage: viztracer [options] script.js [args...])');
  }
  const script = findScript(cli.script);
  if (options.outputDir) {
    try {
      fs.mkdirSync(options.outputDir, { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CliError(`cannot create output folder ${options.outputDir} (${e.code})`);
    }
  }
  const unwritable = checkWritable(options.outputFile);
  if (unwritable) throw new CliError(unwritable);
  // In this process, as `node script` would run it: one Node start-up instead of two. It needs
  // the addon (Ctrl+C on a program busy in synchronous code); --open serves the report after
  // the program, which an exit handler cannot. Otherwise a child process runs it.
  if ('addon' in native && !cli.open) {
    return { run: () => runHere(script, cli.scriptArgs, options, command) };
  }
  return { status: runInChild(script, cli, options, command) };
}

/** Runs the program in this process, traced from its first line; its exit is this process's. */
function runHere(
  script: string,
  args: string[],
  options: ResolvedOptions,
  command: string[],
): void {
  const { startInCli } = require('../preload') as typeof import('../preload');
  startInCli(options, { waitForChildren: 'while-progress', command });
  process.argv = [process.argv[0], script, ...args];
  // What `node script` does: CommonJS or ES module by the same rules, require.main, argv. From
  // the tick queue, which Node runs once this module returns and before anything else, so that
  // no frame of ours sits under the program's: its stack traces are those of `node script` but
  // for the bottom frame (Node's tick queue, not its main-module runner), and V8's sampler has
  // fewer frames to walk at every sample. The program's own ticks still run after its first
  // pass, and its microtasks after those, as untraced.
  process.nextTick(NodeModule.runMain.bind(NodeModule));
}

/** The program in a child `node` with the preload; this process ends the session after it. */
async function runInChild(
  script: string,
  cli: CliArgs,
  options: ResolvedOptions,
  command: string[],
): Promise<number> {
  let release = (): void => {};
  if (!options.pidSuffix) ({ options, release } = claimOutput(options));
  const session = createSession(options);
  let status: { code: number | null; signal: NodeJS.Signals | null };
  let results: SaveResult[] = [];
  let kept = false;
  const { endSession } = require('../session-end') as typeof import('../session-end');
  try {
    status = await runProgram(script, cli.scriptArgs, session);
    ({ results, kept } = await endSession(session, options, command));
  } finally {
    // A report that could not be written is kept in the session's folder for the user.
    if (!kept) removeSession(session);
    release();
  }
  if (cli.open && results.length > 0 && !status.signal) {
    const { serve } = require('./vizviewer') as typeof import('./vizviewer');
    const view = { host: '127.0.0.1', once: false, serverOnly: false };
    // vizviewer's port if it is free, any free port if not.
    await serve(results[0].file, { ...view, port: 9001 }).catch((err: Error) =>
      /port 9001 is taken/.test(err.message)
        ? serve(results[0].file, { ...view, port: 0 })
        : Promise.reject(err),
    );
  }
  if (status.signal) {
    // Die the way the program died, so a shell sees the same status.
    process.kill(process.pid, status.signal);
    return 128;
  }
  return status.code ?? 1;
}

function report(err: unknown): void {
  // Loaded on this error path only (--combine's inputs are read by it).
  const { ReportReadError } = require('../report/read') as typeof import('../report/read');
  if (err instanceof CliError || err instanceof OptionError || err instanceof ReportReadError) {
    process.stderr.write(`viztracer: ${err.message}\n`);
    process.exitCode = err instanceof CliError ? err.status : 2;
    return;
  }
  const e = err as NodeJS.ErrnoException;
  // Environment failures (disk full, permissions) are the user's to fix: one line, not a trace.
  if (e && typeof e.code === 'string' && e.syscall) {
    process.stderr.write(`viztracer: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  throw err;
}

let planned: Plan | null = null;
try {
  planned = plan(process.argv.slice(2));
} catch (err) {
  report(err);
}
if (planned && 'run' in planned) {
  planned.run();
} else if (planned) {
  planned.status.then((code) => {
    process.exitCode = code;
  }, report);
}
