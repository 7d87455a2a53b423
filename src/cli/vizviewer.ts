#!/usr/bin/env node
// `vizviewer result.json`: serves the interactive viewer on 127.0.0.1 and opens the browser.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReportReadError } from '../report/read';
import { loadModel } from '../viewer/load';
import { reportsInFolder, startViewer, type ReportEntry } from '../viewer/server';
import { VERSION } from '../version';

/** Bad input for the viewer: one line for the user. */
export class UsageError extends Error {
  override name = 'ViewerError';
}

interface ViewerArgs {
  target: string | null;
  host: string;
  port: number;
  serverOnly: boolean;
  once: boolean;
  help: boolean;
  version: boolean;
}

const USAGE = `usage: vizviewer [options] REPORT.json[.gz] | PROFILE.cpuprofile | PROFILE.pb.gz | FOLDER

Serves an interactive timeline and flame graph of a report on http://127.0.0.1:9001/.
A folder shows a list of its reports.

options:
  --port N        port to listen on (default 9001; 0 picks a free one)
  --host HOST     address to listen on (default 127.0.0.1; anything else shows the
                  report to the network)
  --server_only   do not open a browser
  --once          stop once the page has loaded the report
  -V, --version   print the version
  -h, --help      print this help
`;

export function parseViewerArgs(argv: readonly string[]): ViewerArgs {
  const out: ViewerArgs = {
    target: null,
    host: '127.0.0.1',
    port: 9001,
    serverOnly: false,
    once: false,
    help: false,
    version: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag.replace(/-/g, '_')) {
      case '__port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) {
          throw new UsageError(`--port: expected a port number (0-65535), got "${v}"`);
        }
        out.port = Number(v);
        break;
      }
      case '__host':
        out.host = value();
        break;
      case '__server_only':
        out.serverOnly = true;
        break;
      case '__once':
        out.once = true;
        break;
      case '_h':
      case '__help':
        out.help = true;
        break;
      case '_V':
      case '__version':
        out.version = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${flag}`);
        if (out.target !== null) throw new UsageError(`more than one report given: ${arg}`);
        out.target = arg;
    }
  }
  return out;
}

function openBrowser(url: string): void {
  const cmd =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`vizviewer: open ${url} in a browser\n`));
    child.unref();
  } catch {
    process.stderr.write(`vizviewer: open ${url} in a browser\n`);
  }
}

export async function serve(
  target: string,
  args: Pick<ViewerArgs, 'host' | 'port' | 'once' | 'serverOnly'>,
): Promise<void> {
  const st = fs.statSync(target, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`${target}: no such file or folder`);
  let reports: ReportEntry[];
  const preloaded = new Map();
  let listing: string | null = null;
  if (st.isDirectory()) {
    reports = reportsInFolder(target);
    listing = path.resolve(target);
  } else {
    reports = [{ file: path.resolve(target), title: path.basename(target) }];
    // A single report is read before serving, so a bad one is one line and exit 2.
    const model = await loadModel(reports[0].file);
    preloaded.set(0, model);
    // A profile of another format: what it cannot show, said once.
    const notice = model.metadata?.notice;
    if (typeof notice === 'string') process.stderr.write(`vizviewer: ${target}: ${notice}\n`);
  }
  let viewer;
  try {
    viewer = await startViewer(reports, args, preloaded, listing);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new UsageError(`port ${args.port} is taken (use --port)`);
    if (e.code === 'EACCES') throw new UsageError(`not allowed to listen on port ${args.port}`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
      throw new UsageError(`cannot listen on ${args.host} (${e.code})`);
    }
    throw err;
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(args.host)) {
    process.stderr.write(
      `vizviewer: warning: listening on ${args.host}: the report is visible to the network\n`,
    );
  }
  process.stdout.write(`vizviewer: serving ${target} at ${viewer.url} (Ctrl+C to stop)\n`);
  if (!args.serverOnly) openBrowser(viewer.url);
  const stop = (): void => viewer.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await viewer.closed;
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
}

async function main(argv: string[]): Promise<number> {
  const args = parseViewerArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`vizviewer ${VERSION}\n`);
    return 0;
  }
  if (!args.target) throw new UsageError('no report given (usage: vizviewer REPORT.json)');
  await serve(args.target, args);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError || err instanceof ReportReadError) {
        process.stderr.write(`vizviewer: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw err;
    },
  );
}
