#!/usr/bin/env node
// `viztracer [options] script [args...]`: runs the program in a child `node` with our preload
// in NODE_OPTIONS (so its own children inherit it), then merges what every process wrote.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptionError, optionsFromConfig, type ResolvedOptions } from '../options';
import { mergedEventTexts, newMergeStats } from '../report/merge';
import { ReportReadError } from '../report/read';
import { savedMessage, saveEventsSync } from '../report/save';
import { checkWritable } from '../report/writer';
import { reportMetadata } from '../trace/metadata';
import {
  createSession,
  listPartials,
  removeSession,
  SESSION_ENV,
  sessionEnvValue,
  type Session,
} from '../session';
import { LIB_DIR, VERSION } from '../version';
import { parseCliArgs, usage } from './args';

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

/** NODE_OPTIONS with our preload added; quoted as Node's parser expects. */
export function nodeOptionsWithPreload(existing: string | undefined, preload: string): string {
  const quoted = `"${preload.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const own = `--require ${quoted}`;
  return existing && existing.trim() !== '' ? `${existing} ${own}` : own;
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
  const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit', env });
  const handlers = FORWARDED.map((sig) => {
    const h = (): void => {
      // Ctrl+C in a terminal reaches the whole foreground process group, the program included;
      // sending it again would make the program see two.
      if (sig === 'SIGINT' && process.stdin.isTTY) return;
      child.kill(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new CliError(`cannot start node: ${err.message}`)));
    child.on('exit', (code, signal) => {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
      resolve({ code, signal });
    });
  });
}

function mergeSession(session: Session, options: ResolvedOptions, command: string[]): void {
  const { complete } = listPartials(session);
  if (complete.length === 0) {
    process.stderr.write(
      'viztracer: no report: the program ended before it could save its profile\n',
    );
    return;
  }
  const stats = newMergeStats();
  const result = saveEventsSync(options.outputFile, mergedEventTexts(complete, stats, true), () =>
    reportMetadata({
      backend: 'inspector',
      intervalMicros: options.interval,
      sampleCount: stats.sampleCount,
      command,
    }),
  );
  if (!options.quiet) process.stderr.write(savedMessage(result, stats));
}

async function main(argv: string[]): Promise<number> {
  const cli = parseCliArgs(argv);
  if (cli.help) {
    process.stdout.write(usage());
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`viztracer ${VERSION}\n`);
    return 0;
  }
  if (!cli.script)
    throw new CliError('no script given (usage: viztracer [options] script.js [args...])');
  let options: ResolvedOptions;
  try {
    options = optionsFromConfig(cli.options, cli.rcfile);
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) throw new CliError(err.message);
    throw err;
  }
  const script = findScript(cli.script);
  const unwritable = checkWritable(options.outputFile);
  if (unwritable) throw new CliError(unwritable);

  const session = createSession(options);
  let status: { code: number | null; signal: NodeJS.Signals | null };
  try {
    status = await runProgram(script, cli.scriptArgs, session);
    mergeSession(session, options, ['viztracer', ...argv]);
  } finally {
    removeSession(session);
  }
  if (status.signal) {
    // Die the way the program died, so a shell sees the same status.
    process.kill(process.pid, status.signal);
    return 128;
  }
  return status.code ?? 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
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
  },
);
