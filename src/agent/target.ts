// What `viztracer --attach PID` learns about a process before it touches it, from /proc:
// whether it exists and is ours to signal, whether it is Node (20+) and listens for SIGUSR1
// (sent to any other program, SIGUSR1 would kill it), which port its inspector would open,
// and whether it is armed (started with viztracer/register and VIZTRACER_TRIGGER=signal).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCliArgs } from '../args';
import { givenOptions, resolveOptions, type ResolvedOptions } from '../options';
import { processRunning, sessionFromEnv } from '../session';

/** A reason not to attach, in one line for the user; status 2 for bad input. */
export class AttachError extends Error {
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

export const DEFAULT_INSPECTOR_PORT = 9229;
/** The oldest Node the agent supports (the package's engines). */
const MIN_NODE_MAJOR = 20;

export interface TargetInfo {
  pid: number;
  /** The port Node opens its inspector on at SIGUSR1. */
  inspectorPort: number;
  /** Where the port came from, for messages. */
  portSource: string;
  /** Set when viztracer traces the target already: how, and with which options. */
  traced: TracedAs | null;
}

function readProc(pid: number, name: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch {
    return null;
  }
}

/** The signals a process catches, from the SigCgt mask of /proc/PID/status. */
function caughtSignals(status: string): bigint {
  const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

const SIGNAL_NUMBER = { SIGUSR1: 10, SIGUSR2: 12 } as const;

export function catchesSignal(pid: number, sig: keyof typeof SIGNAL_NUMBER): boolean {
  const status = readProc(pid, 'status');
  return status !== null && (caughtSignals(status) & (1n << BigInt(SIGNAL_NUMBER[sig] - 1))) !== 0n;
}

/** Node's options that take their value as the next argument (the script comes after them). */
const TAKES_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--inspect-port',
  '--debug-port',
  '--title',
  '--env-file',
  '--conditions',
  '-C',
  '--input-type',
  '--stack-size',
]);

/** Node's own options in an argv (before the script), and those in NODE_OPTIONS. */
export function nodeOptionsOf(argv: readonly string[], nodeOptionsEnv = ''): string[] {
  const own: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || !a.startsWith('-')) break;
    own.push(a);
    // -e/-p: the code is the next argument, and no script follows.
    if (['-e', '--eval', '-p', '--print'].includes(a)) break;
    if (TAKES_VALUE.has(a) && i + 1 < argv.length) own.push(argv[++i]);
  }
  // NODE_OPTIONS comes first: the command line wins over it.
  const env = nodeOptionsEnv.split(/\s+/).filter((s) => s !== '');
  return [...env, ...own];
}

/**
 * The host and port of the inspector from Node's options, as Node reads them (the last one
 * given wins): `--inspect-port=N`, `--inspect[=[host:]port]`, `--inspect-brk=...`, `--debug-port`.
 */
export function inspectorAddress(options: readonly string[]): {
  host: string | null;
  port: number | null;
} {
  let host: string | null = null;
  let port: number | null = null;
  const take = (value: string): void => {
    const m = /^(?:(\[[^\]]*\]|[^:]*):)?(\d+)$/.exec(value);
    if (m) {
      if (m[1] !== undefined) host = m[1];
      port = Number(m[2]);
    } else if (!/^\d+$/.test(value)) {
      host = value;
    }
  };
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    const eq = o.indexOf('=');
    const name = eq < 0 ? o : o.slice(0, eq);
    let value = eq < 0 ? null : o.slice(eq + 1);
    if (name === '--inspect-port' || name === '--debug-port') {
      value ??= options[++i] ?? null;
      if (value !== null) take(value);
    } else if (/^--inspect(-brk|-wait)?$/.test(name) && value !== null) {
      take(value);
    }
  }
  return { host, port };
}

function parseEnviron(text: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** How viztracer traces a process, as the process read its options when it started. */
export interface TracedAs {
  /**
   * `armed`: toggled by SIGUSR2 (VIZTRACER_TRIGGER=signal); `flight`: a flight recorder, dumped
   * by SIGUSR2; `traced`: from its start to its exit (rotating periods included).
   */
  kind: 'armed' | 'flight' | 'traced';
  options: ResolvedOptions;
}

/** The viztracer package that holds `file` (by its package.json), and the file's path in it. */
function inOurPackage(file: string): string | null {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return null;
  }
  for (let dir = path.dirname(real); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    let name: unknown;
    try {
      name = (
        JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }
      ).name;
    } catch {
      continue;
    }
    return name === 'viztracer' ? path.relative(dir, real).split(path.sep).join('/') : null;
  }
  return null;
}

/** Whether a module a process preloads (`-r`, `--import`) is our preload. */
function isOurPreload(specifier: string, cwd: string): boolean {
  if (/^viztracer\/register(\.js)?$/.test(specifier)) return true;
  const file = specifier.startsWith('file:')
    ? fileURLToPath(specifier)
    : path.resolve(cwd, specifier);
  return inOurPackage(file) === 'lib/register.js';
}

/** The values of the preload options (`-r X`, `--require=X`, `--import X`) among Node's options. */
function preloadsOf(options: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const m = /^(-r|--require|--import)(?:=(.*))?$/.exec(options[i]);
    if (!m) continue;
    const value = m[2] ?? options[++i];
    if (value !== undefined) out.push(value);
  }
  return out;
}

/**
 * How viztracer traces process `pid`, or null when it does not: through a session it inherited
 * (a traced program's child), as the program of the `viztracer` CLI (which runs it in its own
 * process), or through our preload with its environment's and folder's options.
 */
function tracedAs(
  pid: number,
  argv: readonly string[],
  nodeOptions: readonly string[],
  env: NodeJS.ProcessEnv,
): TracedAs | null {
  let cwd: string;
  try {
    cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
  let options: ResolvedOptions | null = null;
  try {
    const session = sessionFromEnv(env);
    const ownNodeOptions = nodeOptionsOf(argv);
    const script = argv[1 + ownNodeOptions.length];
    if (session) {
      options = session.options;
    } else if (
      script !== undefined &&
      inOurPackage(path.resolve(cwd, script)) === 'lib/cli/viztracer.js'
    ) {
      const cli = parseCliArgs(argv.slice(2 + ownNodeOptions.length));
      if (cli.attach !== null || cli.combine || cli.script === null) return null;
      options = resolveOptions(givenOptions(cli.options, cli.rcfile, env, cwd), cwd);
    } else if (preloadsOf(nodeOptions).some((p) => isOurPreload(p, cwd))) {
      options = resolveOptions(givenOptions({}, null, env, cwd), cwd);
    }
  } catch {
    // Options it could not have started with: not a process traced by us.
    return null;
  }
  if (!options) return null;
  const kind =
    options.trigger === 'signal'
      ? 'armed'
      : options.flightRecorderSeconds !== null
        ? 'flight'
        : 'traced';
  return { kind, options };
}

/** The Node version of the binary a process runs (its /proc/PID/exe, even if since replaced). */
function nodeVersionOf(pid: number): string | null {
  const r = spawnSync(`/proc/${pid}/exe`, ['--version'], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: process.env.PATH ?? '' },
  });
  const v = (r.stdout ?? '').trim();
  return /^v\d+\.\d+\.\d+/.test(v) ? v : null;
}

function nodeMajor(version: string): number {
  return Number(/^v(\d+)/.exec(version)?.[1] ?? 0);
}

export function checkNodeVersion(pid: number, version: string): void {
  if (nodeMajor(version) < MIN_NODE_MAJOR) {
    throw new AttachError(
      `process ${pid} runs Node ${version}; --attach needs Node ${MIN_NODE_MAJOR} or newer`,
    );
  }
}

/** Everything to know before sending a signal; throws an AttachError saying why not. */
export function inspectTarget(pid: number): TargetInfo {
  if (pid === process.pid) throw new AttachError('viztracer cannot attach to itself');
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM') {
      throw new AttachError(
        `process ${pid} belongs to another user: attach as that user (or as root); signals and the inspector are same-user mechanisms`,
      );
    }
    throw new AttachError(`no such process: ${pid}`);
  }
  if (!processRunning(pid)) throw new AttachError(`process ${pid} has exited`);
  const cmdline = readProc(pid, 'cmdline');
  if (cmdline === null) throw new AttachError(`no such process: ${pid}`);
  const argv = cmdline.split('\0');
  if (argv[argv.length - 1] === '') argv.pop();
  let exe = '';
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    // a kernel thread has none
  }
  const program = exe || argv[0] || `process ${pid}`;
  // Only the name says Node without running the binary; SIGUSR1 sent to any other program
  // would end it, so nothing else is ever signalled.
  if (!/^(node|nodejs)[\w.-]*$/.test(path.basename(exe)) || argv.length === 0) {
    throw new AttachError(`process ${pid} is not a Node process (it runs ${program})`);
  }
  const nodeVersion = nodeVersionOf(pid);
  if (nodeVersion) checkNodeVersion(pid, nodeVersion);

  const environ = readProc(pid, 'environ');
  const env = environ === null ? null : parseEnviron(environ);
  const nodeOptions = nodeOptionsOf(argv, env?.NODE_OPTIONS ?? '');
  const traced = env ? tracedAs(pid, argv, nodeOptions, env) : null;

  const { host, port } = inspectorAddress(nodeOptions);
  if (!traced && host !== null && !['127.0.0.1', 'localhost'].includes(host)) {
    throw new AttachError(
      `process ${pid} would open its inspector on ${host}, not on 127.0.0.1: attaching would open a port to the network; not done`,
    );
  }
  if (!traced && port === 0) {
    throw new AttachError(
      `process ${pid} was started with inspector port 0 (a random port, which cannot be found): start it with --inspect-port=N (a free port above 1024)`,
    );
  }
  return {
    pid,
    inspectorPort: port ?? DEFAULT_INSPECTOR_PORT,
    portSource: port === null ? 'the default' : 'its command line',
    traced,
  };
}
