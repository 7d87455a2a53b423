// --rotate and --push as a service would use them: one profile per period on disk, or sent to
// a Pyroscope-compatible ingest (a node:http server on 127.0.0.1 in this test), and a program
// that runs on, untouched, when the ingest is down.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromPprof, type PprofStacks } from '../../src/report/pprof';
import { program, tempDir, viztracer } from '../helpers/run';

const PERIODS = program('periods.js');
const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Each sample's count (the first type, samples/count), summed. */
const countOf = (p: PprofStacks): number => p.samples.reduce((n, s) => n + s.values[0], 0);
const ranMillis = (stdout: string): number => Number(/^ran ([\d.]+) ms$/m.exec(stdout)![1]);

interface Received {
  query: URLSearchParams;
  profile: PprofStacks;
}

/** An ingest that checks each request as Pyroscope would take it, and keeps what it got. */
async function ingest(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
      const body = Buffer.concat(chunks);
      if (req.method !== 'POST' || url.pathname !== '/ingest' || !boundary) {
        res.writeHead(400).end();
        return;
      }
      // One part, the field `profile`: its bytes stand between the part's head and the end.
      const head = body.indexOf('\r\n\r\n');
      expect(body.subarray(0, head).toString()).toContain('name="profile"');
      const bytes = body.subarray(head + 4, body.lastIndexOf(`\r\n--${boundary}--`));
      received.push({ query: url.searchParams, profile: fromPprof(bytes) });
      res.writeHead(200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('--rotate', () => {
  it('writes one profile per period whose samples add up to the run', async () => {
    const dir = tempDir();
    const r = await viztracer(
      ['--rotate', '1s', '--output_dir', 'out', '-o', 'p.pb.gz', PERIODS, '5000'],
      { cwd: dir },
    );
    expect(r.status).toBe(0);
    const files = readdirSync(join(dir, 'out'));
    // A 5 s program: 4 to 6 periods (its start and exit make part periods).
    const seconds = ranMillis(r.stdout) / 1000;
    expect(files.length).toBeGreaterThanOrEqual(Math.floor(seconds) - 1);
    expect(files.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    for (const f of files)
      expect(f).toMatch(/^p_\d+_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.pb\.gz$/);
    expect(r.stderr).toMatch(
      new RegExp(
        `^viztracer: Saved ${files.length} profiles, one per 1 s: out/p_\\d+_<time>\\.pb\\.gz$`,
        'm',
      ),
    );
    const counts = files.map((f) => countOf(fromPprof(readFileSync(join(dir, 'out', f)))));
    // At 1000 µs, one count a millisecond: the periods cover the run, less the gaps between them.
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total / ranMillis(r.stdout)).toBeGreaterThan(0.9);
    expect(total / ranMillis(r.stdout)).toBeLessThan(1.1);
  });
});

describe('--push', () => {
  it('sends one pprof per period with the name, labels, times and rate in the query', async () => {
    const { url, received } = await ingest();
    const dir = tempDir();
    const r = await viztracer(
      [
        '--rotate',
        '1s',
        '--push',
        url,
        '--app_name',
        'shop',
        '--tags',
        'env=test,region=eu',
        PERIODS,
        '3000',
      ],
      { cwd: dir },
    );
    expect(r.status).toBe(0);
    // One a second of the program's run, plus the part periods of its start and its exit.
    const seconds = ranMillis(r.stdout) / 1000;
    expect(received.length).toBeGreaterThanOrEqual(Math.floor(seconds));
    expect(received.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(r.stderr).toContain(`viztracer: pushed ${received.length} profiles to ${url}\n`);
    // With --push alone nothing is written to disk.
    expect(readdirSync(dir)).toEqual([]);
    let until = 0;
    for (const { query, profile } of received) {
      expect(query.get('name')).toBe('shop{env=test,region=eu}');
      expect(query.get('spyName')).toBe('viztracer');
      expect(query.get('sampleRate')).toBe('1000');
      expect(query.get('format')).toBe('pprof');
      const from = Number(query.get('from'));
      expect(Number(query.get('until'))).toBeGreaterThan(from);
      expect(from).toBeGreaterThanOrEqual(until);
      until = Number(query.get('until'));
      expect(
        profile.samples.some((s) =>
          s.stack.some((f) => /^(spin|tick) \(/.test(f) && f.includes(PERIODS)),
        ),
      ).toBe(true);
    }
  });

  it('leaves the program alone when the ingest is down, and names the dropped profiles', async () => {
    const { url } = await ingest();
    servers.pop()!.close();
    const r = await viztracer(['--rotate', '1s', '--push', url, PERIODS, '2500'], {
      cwd: tempDir(),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ran [\d.]+ ms\n$/);
    expect(r.stderr).toMatch(
      new RegExp(
        `^viztracer: warning: (\\d) of \\1 profiles were not pushed to ${url.replace(/\./g, '\\.')} \\(periods starting \\d\\d:\\d\\d:\\d\\d(, \\d\\d:\\d\\d:\\d\\d)* UTC\\): connect ECONNREFUSED`,
      ),
    );
  });

  it('refuses --push without --rotate, and bad periods, URLs and tags, in one line', async () => {
    const cases: [string[], string][] = [
      [
        ['--push', 'http://127.0.0.1:1'],
        'viztracer: --push needs --rotate: profiles are pushed once per period',
      ],
      [
        ['--rotate', '50ms'],
        'viztracer: --rotate: expected a period of at least 0.1 seconds (60, 60s, 500ms, 2m), got "50ms"',
      ],
      [
        ['--rotate', '1s', '--push', 'ftp://x'],
        'viztracer: --push: expected an http:// or https:// URL, got "ftp://x"',
      ],
      [
        ['--rotate', '1s', '--push', 'http://x', '--tags', 'a b'],
        'viztracer: --tags: expected a list of key=value labels, got "a b"',
      ],
    ];
    for (const [args, line] of cases) {
      const r = await viztracer([...args, PERIODS, '10'], { cwd: tempDir() });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`${line}\n`);
      expect(r.stdout).toBe('');
    }
  });
});
