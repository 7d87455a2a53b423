// The vizviewer server as a user starts it: routes, what it refuses, and bad input.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, LIB, ROOT, run, tempDir, viztracer, waitFor } from '../helpers/run';

const VIZVIEWER = join(LIB, 'cli', 'vizviewer.js');
const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.kill('SIGKILL');
});

/** Starts vizviewer on a free port; resolves with its URL once it says it is serving. */
function serve(
  target: string,
  extra: string[] = [],
): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [VIZVIEWER, '--server_only', '--port', '0', ...extra, target],
    {
      env: cleanEnv(),
    },
  );
  running.push(child);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ url: m[1], child, exited });
    });
    child.on('exit', (code) => reject(new Error(`vizviewer exited ${code}`)));
  });
}

/** A raw GET, so the path is sent as written and the Host header can be chosen. */
function get(
  url: string,
  path: string,
  host?: string,
): Promise<{ status: number; type: string; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path, headers: host ? { host } : {} },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            type: String(res.headers['content-type']),
            body: Buffer.concat(parts),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function fibReport(dir: string): Promise<string> {
  const r = await viztracer(
    ['--quiet', '-o', 'fib.json', join(ROOT, 'examples', 'fibonacci.js'), '27'],
    { cwd: dir },
  );
  expect(r.status).toBe(0);
  return join(dir, 'fib.json');
}

describe('vizviewer server', () => {
  it('serves the page, the report data and nothing else', async () => {
    const dir = tempDir();
    const { url } = await serve(await fibReport(dir));
    const page = await get(url, '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    const meta = await get(url, '/data/meta');
    expect(meta.status).toBe(200);
    const m = JSON.parse(meta.body.toString());
    expect(m.title).toBe('fib.json');
    expect(m.metadata.tool).toBe('viztracer');
    const thread = m.processes[0].threads[0];
    expect(thread.name).toBe('main');
    const bin = await get(url, `/data/thread/${thread.key}`);
    expect(bin.status).toBe(200);
    expect(bin.body.length).toBe(thread.count * 28);
    expect(JSON.parse((await get(url, `/data/args/${thread.key}/0`)).body.toString())).toEqual({});
    for (const bad of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/data/../../../etc/passwd',
      '/data/thread/999',
      '/data/thread/0/extra',
      '/data/args/0/x',
      '/cli/viztracer.js',
      '/index.html/../../package.json',
    ]) {
      const r = await get(url, bad);
      expect([bad, r.status]).toEqual([bad, 404]);
    }
    // DNS rebinding: a request for another host name is refused.
    expect((await get(url, '/data/meta', 'evil.example:80')).status).toBe(403);
  });

  it('--once exits after the page says it has loaded the report', async () => {
    const dir = tempDir();
    const { url, exited } = await serve(await fibReport(dir), ['--once']);
    expect((await get(url, '/data/meta')).status).toBe(200);
    expect((await get(url, '/data/loaded')).status).toBe(204);
    expect(await exited).toBe(0);
  });

  it('lists a folder of reports, names shown as text', async () => {
    const dir = tempDir();
    const folder = join(dir, 'traces');
    mkdirSync(folder);
    writeFileSync(join(folder, '<img src=x onerror=alert(1)>.json'), '{"traceEvents":[]}');
    writeFileSync(
      join(folder, 'a.json'),
      '{"traceEvents":[{"ph":"X","name":"f","pid":1,"tid":1,"ts":1,"dur":2}]}',
    );
    writeFileSync(join(folder, 'broken.json'), '{"traceEvents":[');
    writeFileSync(join(folder, 'notes.txt'), 'not a report');
    const { url } = await serve(folder);
    const list = (await get(url, '/')).body.toString();
    expect(list).toContain('&lt;img src=x onerror=alert(1)&gt;.json');
    expect(list).not.toContain('<img');
    expect(list).not.toContain('notes.txt');
    // Reports sort by name: "<img...", "a", "broken".
    const a = JSON.parse((await get(url, '/report/1/data/meta')).body.toString());
    expect(a.title).toBe('a.json');
    expect((await get(url, '/report/1/')).status).toBe(200);
    const broken = await get(url, '/report/2/data/meta');
    expect(broken.status).toBe(500);
    expect(JSON.parse(broken.body.toString()).error).toMatch(
      /broken\.json: not a trace report \(truncated JSON\)/,
    );
    expect((await get(url, '/report/3/')).status).toBe(404);
  });
});

describe('vizviewer bad input: one line, exit 2', () => {
  it.each([
    [
      'a missing file',
      (d: string) => [join(d, 'nope.json')],
      /^vizviewer: .*nope\.json: no such file or folder$/,
    ],
    [
      'a truncated report',
      (d: string) => [join(d, 'cut.json')],
      /^vizviewer: .*cut\.json: not a trace report \(truncated JSON\)$/,
    ],
    [
      'a report of ours cut short',
      (d: string) => [join(d, 'ours.json')],
      /^vizviewer: .*ours\.json: not a trace report \(truncated JSON\)$/,
    ],
    [
      'a non-JSON file',
      (d: string) => [join(d, 'text.json')],
      /^vizviewer: .*text\.json: not a trace report \(invalid JSON\)$/,
    ],
    [
      'a corrupt gzip',
      (d: string) => [join(d, 'bad.json.gz')],
      /^vizviewer: .*bad\.json\.gz: corrupt or truncated gzip data$/,
    ],
    [
      'an unknown flag',
      (d: string) => ['--frobnicate', join(d, 'ok.json')],
      /^vizviewer: unknown option --frobnicate$/,
    ],
    [
      'a bad port',
      (d: string) => ['--port', 'http', join(d, 'ok.json')],
      /^vizviewer: --port: expected a port number \(0-65535\), got "http"$/,
    ],
    ['no report', () => [], /^vizviewer: no report given/],
  ])('%s', async (_what, args, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'cut.json'), '{"traceEvents":[{"ph":"X","name":"f","pid":1');
    writeFileSync(
      join(dir, 'ours.json'),
      '{"traceEvents":[\n{"ph":"X","name":"f","pid":1,"tid":1,"ts":1,"dur":1},\n',
    );
    writeFileSync(join(dir, 'text.json'), 'hello');
    writeFileSync(join(dir, 'bad.json.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    writeFileSync(join(dir, 'ok.json'), '{"traceEvents":[]}');
    const r = await run([VIZVIEWER, '--server_only', ...args(dir)]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a port that is taken', async () => {
    const dir = tempDir();
    const report = await fibReport(dir);
    const { url } = await serve(report);
    const port = new URL(url).port;
    const r = await run([VIZVIEWER, '--server_only', '--port', port, report]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`vizviewer: port ${port} is taken (use --port)\n`);
  });
});

describe('viztracer --open', () => {
  it('saves the report, opens the viewer in the browser, and serves it until Ctrl+C', async () => {
    const dir = tempDir();
    // A stand-in for xdg-open that records the URL it was asked to open.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > "${join(dir, 'opened')}"\n`, {
      mode: 0o755,
    });
    const child = spawn(
      process.execPath,
      [
        join(LIB, 'cli', 'viztracer.js'),
        '--open',
        '-o',
        'r.json',
        join(ROOT, 'examples', 'fibonacci.js'),
        '25',
      ],
      { cwd: dir, env: cleanEnv({ PATH: `${bin}:${process.env.PATH}` }) },
    );
    running.push(child);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
    });
    const meta = JSON.parse((await get(url, '/data/meta')).body.toString());
    expect(meta.title).toBe('r.json');
    // The browser opener the test put on PATH writes the URL it was given, then a newline: a
    // file that exists but has no newline yet is still being written.
    const opened = await waitFor('the browser to be opened', () => {
      const text = existsSync(join(dir, 'opened')) ? readFileSync(join(dir, 'opened'), 'utf8') : '';
      return text.endsWith('\n') ? text : undefined;
    });
    expect(opened.trim()).toBe(url);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
