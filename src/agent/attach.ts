// `viztracer --attach PID`: profiles a running Node process started without viztracer.
//
// Inspector route: SIGUSR1 makes Node open its inspector on 127.0.0.1; through it we load our
// in-process agent (attached.ts) by its absolute path into the main thread and every worker
// (NodeWorker domain, existing workers and those created during the session), so the target
// samples itself with the usual backends and writes its own report; then we stop it, and close
// the inspector, so no port stays open. Armed route: a target started with viztracer/register
// and VIZTRACER_TRIGGER=signal gets SIGUSR2 to start and SIGUSR2 to stop; no port is opened.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { secondsOf, type ResolvedOptions } from '../options';
import { pidAndTimeNames, savedMessage } from '../report/save';
import { processRunning } from '../session';
import { LIB_DIR } from '../version';
import type { AttachConfig, AttachResult } from './attached';
import {
  evaluateResult,
  InspectorClient,
  InspectorError,
  listTargets,
  portListening,
  type InspectorTarget,
} from './inspector-client';
import {
  AttachError,
  catchesSignal,
  checkNodeVersion,
  inspectTarget,
  type TargetInfo,
} from './target';

export { AttachError } from './target';

export interface AttachRequest {
  pid: number;
  /** Null: until Ctrl+C. */
  durationMillis: number | null;
  options: ResolvedOptions;
  command: string[];
}

/** How long the target may take to open its inspector after SIGUSR1. */
const OPEN_MILLIS = 5000;
/** How long each thread may take to answer a start or a stop (it answers by interrupt). */
const ANSWER_MILLIS = 30_000;
/** How often a worker still starting is asked whether it is set up (50 ms apart). */
const WORKER_TRIES = 40;
/** How long an armed target may take to write its report after the second SIGUSR2. */
const ARMED_SAVE_MILLIS = 60_000;

/** `10s`, `500ms`, `2m`, or plain seconds (`10`, `1.5`): milliseconds. */
export function parseDuration(text: string): number {
  const millis = (secondsOf(text) ?? NaN) * 1000;
  if (!(millis > 0) || !Number.isFinite(millis) || millis > 2 ** 31 - 1) {
    throw new AttachError(
      `--duration: expected a time like 10s, 500ms, 2m or 10 (seconds), got "${text}"`,
      2,
    );
  }
  return millis;
}

const log = (line: string): void => {
  process.stderr.write(`viztracer: ${line}\n`);
};

function describeMillis(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Resolves after `millis`, or at Ctrl+C (SIGINT) in this terminal, or when `stop` settles. */
function waitForEnd(millis: number | null, stop: Promise<unknown>): Promise<'time' | 'interrupt'> {
  return new Promise((resolve) => {
    const timer = millis === null ? null : setTimeout(() => done('time'), millis);
    const onInt = (): void => done('interrupt');
    process.on('SIGINT', onInt);
    const done = (why: 'time' | 'interrupt'): void => {
      if (timer) clearTimeout(timer);
      process.removeListener('SIGINT', onInt);
      resolve(why);
    };
    stop.then(
      () => done('time'),
      () => done('time'),
    );
  });
}

function withTimeout<T>(p: Promise<T>, millis: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(
        () => reject(new InspectorError(`${what} did not answer within ${millis / 1000} s`)),
        millis,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The CLI's `--attach PID [--duration T]`: the exit status; reasons not to attach are said in
 * one line (our own bugs are not caught here).
 */
export async function attachFromCli(
  pidText: string,
  durationText: string | null,
  options: ResolvedOptions,
  command: string[],
): Promise<number> {
  try {
    const pid = parsePid(pidText, '--attach');
    const durationMillis = durationText === null ? null : parseDuration(durationText);
    if (options.native) {
      const { loadNative } = require('../native') as typeof import('../native');
      const loaded = loadNative();
      if ('error' in loaded) throw new AttachError(loaded.error);
    }
    return await attach({ pid, durationMillis, options, command });
  } catch (err) {
    if (!(err instanceof AttachError)) throw err;
    process.stderr.write(`viztracer: ${err.message}\n`);
    return err.status;
  }
}

export async function attach(req: AttachRequest): Promise<number> {
  const target = inspectTarget(req.pid);
  const traced = target.traced;
  if (traced?.kind === 'armed') return attachArmed(req, target, traced.options);
  if (traced?.kind === 'flight') {
    throw new AttachError(
      `process ${req.pid} runs a flight recorder (the last ${traced.options.flightRecorderSeconds} s in memory): viztracer --dump ${req.pid} writes them`,
    );
  }
  if (traced) {
    throw new AttachError(
      traced.options.rotate !== null
        ? `process ${req.pid} is traced by viztracer already: it writes a profile every ${traced.options.rotate} s`
        : `process ${req.pid} is traced by viztracer already; its report is written when it exits`,
    );
  }
  return attachThroughInspector(req, target);
}

/**
 * `viztracer --dump PID`: a flight-recording process writes its last seconds (SIGUSR2), and
 * this says where. Reasons not to are said in one line.
 */
export async function dumpFromCli(pidText: string): Promise<number> {
  try {
    const pid = parsePid(pidText, '--dump');
    const target = inspectTarget(pid);
    const traced = target.traced;
    if (traced?.kind !== 'flight') {
      throw new AttachError(
        traced?.kind === 'armed'
          ? `process ${pid} is armed, not flight-recording: viztracer --attach ${pid} traces it for a while`
          : traced
            ? `process ${pid} is traced from its start, not flight-recording: its report is written when it exits`
            : `process ${pid} runs no flight recorder (start it with --flight_recorder 30s, or VIZTRACER_FLIGHT_RECORDER=30s with viztracer/register); viztracer --attach ${pid} profiles it from now`,
      );
    }
    const seconds = traced.options.flightRecorderSeconds;
    const file = await signalForReport(pid, traced.options, ARMED_SAVE_MILLIS);
    log(`process ${pid} saved its last ${seconds} s to ${file} (${fs.statSync(file).size} bytes)`);
    return 0;
  } catch (err) {
    if (!(err instanceof AttachError)) throw err;
    process.stderr.write(`viztracer: ${err.message}\n`);
    return err.status;
  }
}

function parsePid(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) {
    throw new AttachError(`${flag}: expected a process id, got "${text}"`, 2);
  }
  return Number(text);
}

// ---------------------------------------------------------------------------------------------
// Armed route, and the flight recorder's dump: a signal, then the report the process writes

/**
 * Sends SIGUSR2 to a process traced by us (`notListening` says why not, when it does not catch
 * it yet); the reports it writes are named by `withPidAndTime` from its own output file: their
 * names, and those of its folder before the signal.
 */
function sendSigusr2(
  pid: number,
  options: ResolvedOptions,
  notListening: string,
): { names: ReturnType<typeof pidAndTimeNames>; before: Set<string> } {
  if (!catchesSignal(pid, 'SIGUSR2')) throw new AttachError(notListening);
  const names = pidAndTimeNames(options.outputFile, pid);
  const before = new Set(listDir(names.dir));
  process.kill(pid, 'SIGUSR2');
  return { names, before };
}

/** SIGUSR2, then up to `millis` for the report it makes the process write; resolves with it. */
async function signalForReport(
  pid: number,
  options: ResolvedOptions,
  millis: number,
): Promise<string> {
  const { names, before } = sendSigusr2(
    pid,
    options,
    `process ${pid} does not listen for SIGUSR2 yet (still starting?)`,
  );
  const file = await waitForFile(names.dir, (n) => names.matches(n) && !before.has(n), millis);
  if (!file) {
    throw new AttachError(
      processRunning(pid)
        ? `process ${pid} did not write its report within ${millis / 1000} s; it goes to ${names.pattern}`
        : `process ${pid} exited before it wrote its report`,
    );
  }
  return file;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

async function attachArmed(
  req: AttachRequest,
  target: TargetInfo,
  armed: ResolvedOptions,
): Promise<number> {
  const { pid } = target;
  // The armed process traces with its own options, and names its report itself.
  const { names, before } = sendSigusr2(
    pid,
    armed,
    `process ${pid} is armed but does not listen for SIGUSR2 yet (still starting?)`,
  );
  log(
    `process ${pid} is armed (viztracer/register, VIZTRACER_TRIGGER=signal): toggling it with SIGUSR2, no inspector port opened; it traces with its own options`,
  );
  log(
    `tracing process ${pid}${req.durationMillis !== null ? ` for ${describeMillis(req.durationMillis)}` : ''} (Ctrl+C stops)`,
  );
  const exited = watchExit(pid);
  await waitForEnd(req.durationMillis, exited.promise);
  exited.cancel();
  if (exited.done) {
    const file = listDir(names.dir).find((n) => names.matches(n) && !before.has(n));
    throw new AttachError(
      file
        ? `process ${pid} exited during the session; it saved what was sampled to ${path.join(names.dir, file)}`
        : `process ${pid} exited during the session; an armed process saves its trace as it exits, into ${names.pattern}`,
    );
  }
  const file = await signalForReport(pid, armed, ARMED_SAVE_MILLIS);
  log(`process ${pid} saved its report to ${file} (${fs.statSync(file).size} bytes)`);
  return 0;
}

/** Polls for a process's end (nothing in Node 20 tells us about a process we did not start). */
function watchExit(pid: number): { promise: Promise<void>; done: boolean; cancel(): void } {
  const w = { promise: Promise.resolve(), done: false, cancel: () => {} };
  w.promise = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!processRunning(pid)) {
        w.done = true;
        clearInterval(timer);
        resolve();
      }
    }, 200);
    w.cancel = () => clearInterval(timer);
  });
  return w;
}

/**
 * Waits for a file whose name passes `wanted` to appear in `dir` (reports are written to a
 * temporary name, then renamed), polling: the folder may not exist yet, and fs.watch misses
 * renames on some file systems.
 */
function waitForFile(
  dir: string,
  wanted: (name: string) => boolean,
  millis: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    const deadline = Date.now() + millis;
    const check = (): void => {
      const found = listDir(dir).find(wanted);
      if (found || Date.now() > deadline) {
        clearInterval(poll);
        resolve(found ? path.join(dir, found) : null);
      }
    };
    const poll = setInterval(check, 50);
    check();
  });
}

// ---------------------------------------------------------------------------------------------
// Inspector route

const AGENT_FILE = path.join(LIB_DIR, 'agent', 'attached.js');
const NO_REQUIRE = 'viztracer: no require';

/**
 * Calls `call` (on `a`, the agent module) in a thread of the target. Synchronous there, so it
 * runs by interrupt also in a thread busy in synchronous code: nothing waits for the thread's
 * microtasks or event loop. The inspector's command-line API gives `require` (CommonJS and ES
 * module programs alike); without it, Node's own module API; only without both, import() of the
 * file URL, which needs the thread to reach its event loop.
 */
async function callAgent(client: InspectorClient, call: string, worker?: string): Promise<unknown> {
  const sync = `(() => {
    const file = ${JSON.stringify(AGENT_FILE)};
    const req = typeof require === 'function' ? require
      : globalThis.process.getBuiltinModule?.('node:module').createRequire(file);
    if (!req) throw new Error(${JSON.stringify(NO_REQUIRE)});
    const a = req(file);
    return ${call};
  })()`;
  try {
    return await evaluate(client, sync, worker);
  } catch (err) {
    if (!(err instanceof InspectorError) || err.message !== NO_REQUIRE) throw err;
  }
  const url = pathToFileURL(AGENT_FILE).href;
  return evaluate(client, `import(${JSON.stringify(url)}).then((a) => ${call})`, worker, true);
}

async function evaluate(
  client: InspectorClient,
  expression: string,
  worker?: string,
  awaitPromise = false,
): Promise<unknown> {
  const params = {
    expression,
    includeCommandLineAPI: true,
    returnByValue: true,
    awaitPromise,
    // Our evaluation must not stop at a breakpoint someone else set, nor show in the console.
    silent: true,
  };
  const reply = worker
    ? client.sendToWorker(worker, 'Runtime.evaluate', params)
    : client.send('Runtime.evaluate', params);
  return evaluateResult(
    await withTimeout(reply, ANSWER_MILLIS, worker ? 'a worker' : 'the target'),
  );
}

function portTakenMessage(target: TargetInfo, by: string): string {
  const p = target.inspectorPort;
  return (
    `127.0.0.1:${p} (the inspector port of process ${target.pid}, from ${target.portSource}) is taken by ${by}; ` +
    `start the target with --inspect-port=N, N a port nothing listens on (ss -ltn shows those that are taken), and attach again: viztracer reads the port from its command line`
  );
}

/** The target's inspector: already open (its own --inspect), or opened now by SIGUSR1. */
async function openInspector(
  target: TargetInfo,
): Promise<{ entry: InspectorTarget; openedByUs: boolean }> {
  const { pid, inspectorPort: port } = target;
  const first = await listTargets(port);
  if ('other' in first) throw new AttachError(portTakenMessage(target, first.other));
  if ('targets' in first) {
    // Open already: the target's own (started with --inspect), or another process's.
    return { entry: first.targets[0], openedByUs: false };
  }
  if (!catchesSignal(pid, 'SIGUSR1')) {
    throw new AttachError(
      `process ${pid} does not listen for SIGUSR1 (started with --disable-sigusr1, or a Node without the inspector): it cannot be attached to`,
    );
  }
  process.kill(pid, 'SIGUSR1');
  // Node opens the port on its own thread as soon as it sees the signal: a few ms.
  const deadline = Date.now() + OPEN_MILLIS;
  for (;;) {
    const r = await listTargets(port);
    if ('targets' in r && r.targets.length > 0) return { entry: r.targets[0], openedByUs: true };
    if ('other' in r) throw new AttachError(portTakenMessage(target, r.other));
    if (Date.now() > deadline) {
      throw new AttachError(
        `process ${pid} did not open its inspector on 127.0.0.1:${port} within ${OPEN_MILLIS / 1000} s (its stderr says why: the port taken, or the process busy in native code)`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function attachThroughInspector(req: AttachRequest, target: TargetInfo): Promise<number> {
  const { pid } = target;
  if (req.options.instrument) {
    throw new AttachError(
      '--instrument cannot attach: it rewrites code as it loads, and the target has loaded its code',
    );
  }
  const { entry, openedByUs } = await openInspector(target);
  let client: InspectorClient;
  try {
    client = await InspectorClient.connect(entry.webSocketDebuggerUrl);
  } catch (err) {
    throw new AttachError((err as Error).message);
  }
  let started = false;
  try {
    // The inspector on that port must be the target's: another Node process may hold it.
    const who = (await evaluate(client, '[process.pid, process.version]')) as [number, string];
    if (who[0] !== pid) {
      throw new AttachError(
        portTakenMessage(target, `the inspector of another Node process (pid ${who[0]})`),
      );
    }
    checkNodeVersion(pid, who[1]);
    // Node would otherwise wait at the target's exit for us to disconnect.
    client.on('NodeRuntime.waitingForDisconnect', () => client.close());
    await client
      .send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true })
      .catch(() => {});

    const config: AttachConfig = {
      options: { ...req.options, quiet: true },
      command: req.command,
      closeInspector: openedByUs,
    };
    const before = fs.statSync(req.options.outputFile, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    const main = (await callAgent(client, `a.startMain(${JSON.stringify(config)})`)) as {
      dir: string;
      node: string;
    };
    started = true;
    const workers = await traceWorkers(client, config, main.dir);
    log(
      `attached to process ${pid} (Node ${main.node}) through its inspector on 127.0.0.1:${target.inspectorPort}; ` +
        `tracing${req.durationMillis !== null ? ` for ${describeMillis(req.durationMillis)}` : ''} (Ctrl+C stops)`,
    );
    const why = await waitForEnd(req.durationMillis, client.closed);
    if (why === 'interrupt') log('stopping (Ctrl+C)');
    if (client.isClosed) return targetGone(pid, req.options.outputFile, before);

    const lostWorkers = await workers.stop();
    let result: AttachResult;
    try {
      result = (await callAgent(client, 'a.stopMain()')) as AttachResult;
    } catch (err) {
      if (client.isClosed) return targetGone(pid, req.options.outputFile, before);
      throw err;
    }
    started = false;
    process.stderr.write(savedMessage(result));
    for (const l of [...lostWorkers, ...result.lost]) log(`warning: lost a worker's profile: ${l}`);
    await detach(client, openedByUs, pid, target.inspectorPort);
    return 0;
  } catch (err) {
    if (started && !client.isClosed) {
      // Leave the target as it was: stop its tracer without a report.
      await callAgent(client, 'a.abort()').catch(() => {});
    }
    if (!client.isClosed)
      await detach(client, openedByUs, pid, target.inspectorPort).catch(() => {});
    if (err instanceof InspectorError) throw new AttachError(err.message);
    throw err;
  }
}

/** The target ended during the session: its exit handler saved what was sampled, or not. */
async function targetGone(pid: number, file: string, mtimeBefore: number): Promise<number> {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st && st.mtimeMs > mtimeBefore) {
    log(
      `process ${pid} exited during the session; what was sampled until then is saved to ${file}`,
    );
  } else {
    log(`process ${pid} exited during the session; what was sampled is lost`);
  }
  return 1;
}

/** Closes the inspector if we opened it (no port left listening), then our connection. */
async function detach(
  client: InspectorClient,
  openedByUs: boolean,
  pid: number,
  port: number,
): Promise<void> {
  if (!openedByUs) {
    client.close();
    await client.closed;
    log(`detached; the inspector of process ${pid} stays open on 127.0.0.1:${port}, as it was`);
    return;
  }
  // inspector.close() ends our connection from the target's side, before it can answer.
  client
    .send('Runtime.evaluate', {
      expression: `require('node:inspector').close()`,
      includeCommandLineAPI: true,
    })
    .catch(() => {});
  await withTimeout(client.closed, ANSWER_MILLIS, 'the target').catch(() => client.close());
  const open = await portListening(port);
  log(
    open
      ? `warning: 127.0.0.1:${port} still accepts connections after detaching from process ${pid}`
      : `detached; process ${pid}'s inspector is closed`,
  );
}

/**
 * Starts the agent in every worker of the main thread, those running now and those created
 * until the stop; `stop()` has them write their partial reports, and says which were lost.
 */
async function traceWorkers(
  client: InspectorClient,
  config: AttachConfig,
  dir: string,
): Promise<{ stop(): Promise<string[]> }> {
  const started = new Map<string, Promise<unknown>>();
  let stopping = false;
  client.on('NodeWorker.attachedToWorker', (params) => {
    const sessionId = String(params.sessionId);
    const info = params.workerInfo as { url?: string } | undefined;
    // Node's own threads (the loader thread of ES module hooks) are not the program's.
    if (stopping || info?.url?.startsWith('node:internal/')) return;
    const start = startWorker(sessionId);
    // Its failure is said at the stop; until then it must not count as unhandled.
    start.catch(() => {});
    started.set(sessionId, start);
  });
  // A worker created during the session is announced before Node has set it up: loading a
  // module into it then breaks its start (Node's ERR_INTERNAL_ASSERTION in setupUserModules,
  // and the worker's 'error' ends the program). So the agent is loaded once the worker has its
  // parentPort, which Node sets after the setup (a builtin is read to see it, no user module).
  const startWorker = async (sessionId: string): Promise<unknown> => {
    // getBuiltinModule (Node 20.16+) returns the module Node loaded for itself; require() that
    // early can fail inside Node (debuglog not set up yet), which only means "not yet".
    const ready = `(() => {
      const p = globalThis.process;
      const load = typeof p?.getBuiltinModule === 'function' ? p.getBuiltinModule
        : typeof require === 'function' ? require : null;
      try {
        return load !== null && load('node:worker_threads').parentPort !== null;
      } catch {
        return false;
      }
    })()`;
    for (let attempt = 1; !(await evaluate(client, ready, sessionId)); attempt++) {
      if (attempt >= WORKER_TRIES || stopping || !started.has(sessionId)) {
        throw new InspectorError(`the worker was not set up within ${WORKER_TRIES * 50} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return callAgent(
      client,
      `a.startWorker(${JSON.stringify(config)}, ${JSON.stringify(dir)})`,
      sessionId,
    );
  };

  client.on('NodeWorker.detachedFromWorker', (params) => {
    // Ended: it saved in its 'exit' handler, or (terminated) the addon kept its profile.
    started.delete(String(params.sessionId));
  });
  await client.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
  return {
    async stop(): Promise<string[]> {
      stopping = true;
      const lost: string[] = [];
      await Promise.all(
        [...started].map(async ([sessionId, start]) => {
          try {
            await start;
            await callAgent(client, 'a.stopWorker()', sessionId);
          } catch (err) {
            // A worker that ended meanwhile saved in its exit handler; others say why.
            if (started.has(sessionId))
              lost.push(`worker session ${sessionId}: ${(err as Error).message}`);
          }
        }),
      );
      await client.send('NodeWorker.disable').catch(() => {});
      return lost;
    },
  };
}
