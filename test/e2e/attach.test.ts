// `viztracer --attach PID` on real node processes started without viztracer: each target gets
// an inspector port of its own (--inspect-port, which the attacher reads from its command
// line), so the tests can run in parallel.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { portListening } from '../../src/agent/inspector-client';
import { loadReport, slices } from '../helpers/report';
import { cleanEnv, LIB, program, tempDir, viztracer, type RunResult } from '../helpers/run';

const REGISTER = join(LIB, 'register.js');

interface Target {
  child: ChildProcess;
  pid: number;
  /** The fixture's HTTP port, when it has a server. */
  httpPort: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const targets: Target[] = [];
afterEach(() => {
  for (const t of targets.splice(0)) if (t.child.exitCode === null) t.child.kill('SIGKILL');
});

/** A port nothing listens on now (the OS's pick, released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Starts `node [nodeArgs] fixture [args]` and resolves once it says `ready`. */
function startTarget(
  nodeArgs: string[],
  fixture: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<Target> {
  const child = spawn(process.execPath, [...nodeArgs, program(fixture), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  const t: Target = {
    child,
    pid: child.pid!,
    httpPort: 0,
    stdout: () => out,
    stderr: () => err,
    exited,
  };
  targets.push(t);
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^ready(?: (\d+))?$/m.exec(out);
      if (m && t.httpPort === 0) {
        t.httpPort = Number(m[1] ?? -1);
        resolve(t);
      }
    });
    void exited.then(({ code }) => reject(new Error(`target exited (${code}): ${err}`)));
  });
}

function get(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** Whether anything accepts a connection on 127.0.0.1:`port` (the attacher's own check). */
const listening = portListening;

/** Function names of the report's slices on each thread (tid -> names). */
function namesByThread(file: string): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const e of slices(loadReport(file))) {
    if (!out.has(e.tid)) out.set(e.tid, new Set());
    out.get(e.tid)!.add(e.name);
  }
  return out;
}

const has = (names: Set<string> | undefined, re: RegExp): boolean =>
  [...(names ?? [])].some((n) => re.test(n));

/** Node's own lines when its inspector opens and a client attaches; nothing else. */
const INSPECTOR_LINES =
  /^(Debugger listening on ws:\/\/127\.0\.0\.1:\d+\/[\w-]+\nFor help, see: https:\/\/nodejs\.org\/en\/docs\/inspector\nDebugger attached\.\n)?$/;

/** Checks what every inspector attach leaves: a report, no port, a target that still answers. */
async function checkDetached(t: Target, inspectorPort: number, r: RunResult): Promise<void> {
  expect(r.stderr).toMatch(/Saved report to .*\(\d+ events\)/);
  expect(r.stderr).toMatch(new RegExp(`process ${t.pid}'s inspector is closed`));
  expect(await listening(inspectorPort)).toBe(false);
  expect(await get(t.httpPort)).toBe('ok');
  expect(t.stderr()).toMatch(INSPECTOR_LINES);
}

describe('viztracer --attach through the inspector', () => {
  it('a busy service: a report naming its functions; then no port, and it still answers', async () => {
    const port = await freePort();
    const t = await startTarget([`--inspect-port=${port}`], 'attach-service.js');
    const dir = tempDir();
    const r = await viztracer(['--attach', String(t.pid), '--duration', '1s', '-o', 'out.json'], {
      cwd: dir,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`attached to process ${t.pid} \\(Node v[\\d.]+\\) .* on 127\\.0\\.0\\.1:${port}`),
    );
    const names = namesByThread(join(dir, 'out.json'));
    expect(has(names.get(t.pid), /^crunch \(.*attach-service\.js:\d+\)$/)).toBe(true);
    expect(loadReport(join(dir, 'out.json')).viztracer_metadata.backend).toBe('inspector');
    await checkDetached(t, port, r);
    // Its exit is its own.
    await get(t.httpPort, '/exit');
    expect(await t.exited).toEqual({ code: 7, signal: null });
    expect(t.stdout()).toBe(`ready ${t.httpPort}\n`);
  });

  it('--native: the addon samples the target, with real thread ids', async () => {
    const port = await freePort();
    const t = await startTarget([`--inspect-port=${port}`], 'attach-service.js');
    const dir = tempDir();
    const r = await viztracer(
      ['--attach', String(t.pid), '--duration', '1s', '--native', '-o', 'out.json'],
      { cwd: dir },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = loadReport(join(dir, 'out.json'));
    expect(report.viztracer_metadata.backend).toBe('native');
    expect(has(namesByThread(join(dir, 'out.json')).get(t.pid), /^crunch \(/)).toBe(true);
    await checkDetached(t, port, r);
  });

  for (const native of [false, true]) {
    it(`two workers: three JS tracks${native ? ' (--native)' : ''}`, async () => {
      const port = await freePort();
      const t = await startTarget([`--inspect-port=${port}`], 'attach-service.js', ['2']);
      const dir = tempDir();
      const r = await viztracer(
        ['--attach', String(t.pid), '--duration', '1s', ...(native ? ['--native'] : [])],
        { cwd: dir },
      );
      expect(r.status, r.stderr).toBe(0);
      const names = namesByThread(join(dir, 'result.json'));
      const workers = [...names].filter(([, n]) => has(n, /^workerCrunch \(/));
      expect(has(names.get(t.pid), /^crunch \(/)).toBe(true);
      expect(workers).toHaveLength(2);
      await checkDetached(t, port, r);
    });
  }

  it('--native: a worker created during the session is traced too', async () => {
    const port = await freePort();
    const t = await startTarget([`--inspect-port=${port}`], 'attach-service.js');
    const dir = tempDir();
    let spawned = false;
    const r = await viztracer(['--attach', String(t.pid), '--duration', '3s', '--native'], {
      cwd: dir,
      onStderr: (text) => {
        if (!spawned && /attached to process/.test(text)) {
          spawned = true;
          void get(t.httpPort, '/spawn');
        }
      },
    });
    expect(r.status, r.stderr).toBe(0);
    const names = namesByThread(join(dir, 'result.json'));
    expect([...names].filter(([, n]) => has(n, /^workerCrunch \(/))).toHaveLength(1);
    await checkDetached(t, port, r);
  });

  it('an ES module program (no require in its scope)', async () => {
    const port = await freePort();
    const t = await startTarget([`--inspect-port=${port}`], 'attach-service.mjs');
    const dir = tempDir();
    const r = await viztracer(['--attach', String(t.pid), '--duration', '500ms'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const names = namesByThread(join(dir, 'result.json'));
    expect(has(names.get(t.pid), /^esmCrunch \(.*attach-service\.mjs:\d+\)$/)).toBe(true);
    expect(await listening(port)).toBe(false);
  });

  it('a process stuck in synchronous code is reached by interrupt', async () => {
    const port = await freePort();
    const t = await startTarget([`--inspect-port=${port}`], 'attach-stuck.js');
    const dir = tempDir();
    const r = await viztracer(['--attach', String(t.pid), '--duration', '500ms'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const names = namesByThread(join(dir, 'result.json'));
    expect(has(names.get(t.pid), /attach-stuck\.js:\d+\)$/)).toBe(true);
    expect(await listening(port)).toBe(false);
    expect(t.child.exitCode).toBeNull();
  });

  it('Ctrl+C in the attaching terminal stops and saves', async () => {
    const port = await freePort();
    const t = await startTarget([`--inspect-port=${port}`], 'attach-service.js');
    const dir = tempDir();
    let sent = false;
    const r = await viztracer(['--attach', String(t.pid)], {
      cwd: dir,
      onStderr: (text, kill) => {
        if (!sent && /attached to process/.test(text)) {
          sent = true;
          // Some samples first: a report of one tick is still a report.
          setTimeout(() => kill('SIGINT'), 300);
        }
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(has(namesByThread(join(dir, 'result.json')).get(t.pid), /^crunch \(/)).toBe(true);
    await checkDetached(t, port, r);
  });

  it('the target exiting during the session: what was sampled is saved, exit 1', async () => {
    const port = await freePort();
    const t = await startTarget([`--inspect-port=${port}`], 'attach-service.js');
    const dir = tempDir();
    let asked = false;
    const r = await viztracer(['--attach', String(t.pid), '--duration', '30s'], {
      cwd: dir,
      onStderr: (text) => {
        if (!asked && /attached to process/.test(text)) {
          asked = true;
          setTimeout(() => void get(t.httpPort, '/exit'), 300);
        }
      },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `process ${t.pid} exited during the session; what was sampled until then is saved to .*result\\.json\\n$`,
      ),
    );
    expect(await t.exited).toEqual({ code: 7, signal: null });
    expect(has(namesByThread(join(dir, 'result.json')).get(t.pid), /^crunch \(/)).toBe(true);
    // No "Waiting for the debugger to disconnect": it exited as it would have.
    expect(t.stderr()).toMatch(INSPECTOR_LINES);
  });
});

describe('viztracer --attach to an armed process', () => {
  it('toggles it with SIGUSR2 and opens no inspector port', async () => {
    const port = await freePort();
    const dir = tempDir();
    const env = cleanEnv({
      VIZTRACER_TRIGGER: 'signal',
      VIZTRACER_OUTPUT: join(dir, 'armed.json'),
    });
    const t = await startTarget(
      [`--inspect-port=${port}`, '--require', REGISTER],
      'attach-service.js',
      [],
      env,
    );
    const r = await viztracer(['--attach', String(t.pid), '--duration', '1s'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/is armed .*SIGUSR2, no inspector port opened/);
    const m = new RegExp(`saved its report to (.*armed_${t.pid}_[\\dT:.Z-]+\\.json) `).exec(
      r.stderr,
    );
    expect(m, r.stderr).not.toBeNull();
    expect(has(namesByThread(m![1]).get(t.pid), /^crunch \(/)).toBe(true);
    expect(await listening(port)).toBe(false);
    expect(t.stderr()).not.toMatch(/Debugger/);
    expect(await get(t.httpPort)).toBe('ok');
  });
});

describe('viztracer --dump PID: a flight recorder writes its last seconds', () => {
  const fr = (dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
    cleanEnv({ VIZTRACER_OUTPUT: join(dir, 'fr.json'), ...extra });

  it('started with viztracer/register and VIZTRACER_FLIGHT_RECORDER', async () => {
    const dir = tempDir();
    const t = await startTarget(
      ['--require', REGISTER],
      'attach-service.js',
      [],
      fr(dir, { VIZTRACER_FLIGHT_RECORDER: '2s' }),
    );
    const r = await viztracer(['--dump', String(t.pid)], { cwd: tempDir() });
    expect(r.status, r.stderr).toBe(0);
    const m = new RegExp(
      `^viztracer: process ${t.pid} saved its last 2 s to (.*fr_${t.pid}_[\\dT.Z-]+\\.json) \\(\\d+ bytes\\)\\n$`,
    ).exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(has(namesByThread(m![1]).get(t.pid), /^crunch \(/)).toBe(true);
    // It keeps running, and recording: a second dump is a second file.
    expect(await get(t.httpPort)).toBe('ok');
    const again = await viztracer(['--dump', String(t.pid)]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain(m![1]);
  });

  it('run by the viztracer CLI (the program in its process): options read from its command line', async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [
        join(LIB, 'cli', 'viztracer.js'),
        '--flight_recorder',
        '3s',
        '-o',
        'cli.json',
        program('attach-service.js'),
      ],
      { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const t = await new Promise<number>((resolve, reject) => {
      child.stdout
        .setEncoding('utf8')
        .on('data', (d: string) => d.includes('ready') && resolve(child.pid!));
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    try {
      const r = await viztracer(['--dump', String(t)], { cwd: tempDir() });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`saved its last 3 s to ${dir}/cli_${t}_.*\\.json`));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a process without a flight recorder: one line, untouched', async () => {
    const t = await startTarget([], 'attach-service.js');
    const r = await viztracer(['--dump', String(t.pid)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `viztracer: process ${t.pid} runs no flight recorder (start it with --flight_recorder 30s, or VIZTRACER_FLIGHT_RECORDER=30s with viztracer/register); viztracer --attach ${t.pid} profiles it from now\n`,
    );
    expect(await get(t.httpPort)).toBe('ok');
    expect(t.stderr()).toBe('');
  });

  it('--attach to a flight recorder or to a traced process says what to do instead', async () => {
    const dir = tempDir();
    const flight = await startTarget(
      ['--require', REGISTER],
      'attach-service.js',
      [],
      fr(dir, { VIZTRACER_FLIGHT_RECORDER: '2s' }),
    );
    let r = await viztracer(['--attach', String(flight.pid)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `viztracer: process ${flight.pid} runs a flight recorder (the last 2 s in memory): viztracer --dump ${flight.pid} writes them\n`,
    );
    const traced = await startTarget(['--require', REGISTER], 'attach-service.js', [], fr(dir));
    r = await viztracer(['--attach', String(traced.pid)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /is traced by viztracer already; its report is written when it exits\n$/,
    );
    // Neither was signalled.
    expect(await get(flight.httpPort)).toBe('ok');
    expect(await get(traced.httpPort)).toBe('ok');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('viztracer --attach: one-line errors', () => {
  const oneLine = (r: RunResult, status: number, re: RegExp): void => {
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  };

  it('no such process', async () => {
    // Above the largest pid Linux gives (2^22).
    oneLine(await viztracer(['--attach', '4194305']), 1, /^viztracer: no such process: 4194305$/m);
  });

  it('a process that is not Node, left running', async () => {
    const sleep = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => sleep.on('spawn', r));
      const r = await viztracer(['--attach', String(sleep.pid)]);
      oneLine(r, 1, new RegExp(`process ${sleep.pid} is not a Node process \\(it runs .*sleep\\)`));
      expect(sleep.exitCode).toBeNull();
    } finally {
      sleep.kill('SIGKILL');
    }
  });

  it('bad --duration, bad pid, --duration alone', async () => {
    oneLine(
      await viztracer(['--attach', String(process.pid), '--duration', '10x']),
      2,
      /--duration: expected a time like 10s, 500ms, 2m or 10 \(seconds\), got "10x"/,
    );
    oneLine(await viztracer(['--attach', 'abc']), 2, /--attach: expected a process id, got "abc"/);
    oneLine(await viztracer(['--duration', '1s']), 2, /--duration needs --attach/);
  });

  it('the inspector port taken by another program: says how to pick one', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const t = await startTarget([`--inspect-port=${port}`], 'attach-service.js');
      const r = await viztracer(['--attach', String(t.pid), '--duration', '1s']);
      oneLine(r, 1, new RegExp(`127\\.0\\.0\\.1:${port} .* is taken by .*--inspect-port=N`));
      // It was never signalled: no inspector, still serving.
      expect(t.stderr()).toBe('');
      expect(await get(t.httpPort)).toBe('ok');
    } finally {
      server.close();
    }
  });
});
