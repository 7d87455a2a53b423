// The viewer in Debian's Firefox ESR, headless, driven over WebDriver BiDi (scripts/firefox.mjs):
// the page loads from the server and as a standalone file, draws, and answers as in Chromium.
// Skipped where Firefox is not installed, except under CI (.ci/run installs it).
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverviewRow } from '../../src/viewer/page/timeline';
import { FIREFOX_PATH, launchFirefox } from '../../scripts/firefox.mjs';
import { ROOT, tempDir, viztracer } from '../helpers/run';
import { serve } from '../helpers/viewer';

const SHOTS = join(ROOT, 'test-results');
const available = existsSync(FIREFOX_PATH);

type Firefox = Awaited<ReturnType<typeof launchFirefox>>;
let firefox: Firefox;
const servers: ChildProcess[] = [];

/** Opens `url` and waits for the page to say it is done drawing. */
async function open(url: string): Promise<void> {
  await firefox.navigate(url);
  const until = Date.now() + 30_000;
  while (!(await firefox.evaluate('window.__viztracer?.ready === true'))) {
    if (Date.now() > until) throw new Error(`the page at ${url} did not get ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available && !process.env.CI)('the viewer in Firefox', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    firefox = await launchFirefox();
  });
  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
    firefox?.close();
  });

  it('draws the Fibonacci report from vizviewer, and from a standalone .html file', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'fib.json', join(ROOT, 'examples', 'fibonacci.js')], {
      cwd: dir,
    });
    expect(r.status, r.stderr).toBe(0);
    await open(await serve(join(dir, 'fib.json'), servers));
    expect(await firefox.evaluate('window.__viztracer.hitTest("fibonacci") !== null')).toBe(true);
    await firefox.screenshot(join(SHOTS, 'firefox-fibonacci.png'));

    const html = await viztracer(['-o', 'fib.html', join(ROOT, 'examples', 'fibonacci.js')], {
      cwd: dir,
    });
    expect(html.status, html.stderr).toBe(0);
    await open(pathToFileURL(join(dir, 'fib.html')).href);
    expect(await firefox.evaluate('window.__viztracer.hitTest("fibonacci") !== null')).toBe(true);
    expect(firefox.errors).toEqual([]);
  });

  it('shows the threads overview of a --native report: the pool busy, main idle', async () => {
    const dir = tempDir();
    const r = await viztracer(
      ['--native', '-o', 'tp.json', join(ROOT, 'examples', 'thread-pool.js'), '4', '300000'],
      { cwd: dir },
    );
    expect(r.status, r.stderr).toBe(0);
    await open(await serve(join(dir, 'tp.json'), servers));
    const rows = (await firefox.evaluate('window.__viztracer.overview()')) as OverviewRow[];
    expect(rows).toHaveLength(1);
    const threads = rows[0].threads;
    const main = threads.find((t) => t.tid === rows[0].pid)!;
    const pool = threads.filter((t) => t.name.startsWith('libuv-worker'));
    expect(pool.length).toBeGreaterThanOrEqual(3);
    const busiest = Math.max(...pool.map((t) => t.cpuMicros));
    expect(busiest).toBeGreaterThan(3 * main.cpuMicros);
    await firefox.screenshot(join(SHOTS, 'firefox-thread-pool.png'));
    expect(firefox.errors).toEqual([]);
  });
});
