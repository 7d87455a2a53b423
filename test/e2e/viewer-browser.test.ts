// The viewer in headless Chromium, as a user sees it: tracks, a click, search, the flame
// graph and the function table, an HTML-looking name, the standalone HTML file, ranges, and
// the threads overview of --native reports.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverviewRow } from '../../src/viewer/page/timeline';
import { isProfilerThread } from '../../src/viewer/page/range-summary';
import { program, ROOT, run, tempDir, viztracer } from '../helpers/run';
import { serve as serveReport } from '../helpers/viewer';

/** Screenshots land here, for a person to look at. */
const SHOTS = join(ROOT, 'test-results');

let browser: Browser;
const servers: ChildProcess[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const s of servers) s.kill('SIGKILL');
  await browser?.close();
});

const serve = (target: string): Promise<string> => serveReport(target, servers);

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as unknown as { errors: string[] }).errors = errors;
  await page.goto(url);
  await page.waitForFunction(
    () => (window as unknown as { __viztracer?: { ready: boolean } }).__viztracer?.ready === true,
    null,
    {
      timeout: 30_000,
    },
  );
  return page;
}

const trackNames = (page: Page): Promise<string[]> =>
  page.locator('[data-testid="track-name"]').allTextContents();

/** The processes and their threads overviews as the page lays them out (client px). */
const overview = (page: Page): Promise<OverviewRow[]> =>
  page.evaluate(() =>
    (window as unknown as { __viztracer: { overview(): OverviewRow[] } }).__viztracer.overview(),
  );

/** Clicks the first slice on screen named `name`, among async spans or threads' slices only. */
async function clickSlice(page: Page, name: string, track?: 'async' | 'thread'): Promise<void> {
  const at = await page.evaluate(
    ([n, tr]) =>
      (
        window as unknown as {
          __viztracer: {
            hitTest(n: string, tr?: 'async' | 'thread'): { x: number; y: number } | null;
          };
        }
      ).__viztracer.hitTest(n, tr),
    [name, track] as const,
  );
  expect(at, `a visible slice named ${name}`).not.toBeNull();
  await page.mouse.click(at!.x, at!.y);
}

describe('the viewer in Chromium', () => {
  it('shows the Fibonacci report: track, details of a click, search, flame graph, functions', async () => {
    const dir = tempDir();
    await viztracer(['--quiet', '-o', 'fib.json', join(ROOT, 'examples', 'fibonacci.js'), '30'], {
      cwd: dir,
    });
    const page = await open(await serve(join(dir, 'fib.json')));
    expect(await trackNames(page)).toContain('main');
    await expect(page.title()).resolves.toContain('fib.json');
    await page.screenshot({ path: join(SHOTS, 'fibonacci-timeline.png') });

    const fib = `fibonacci (${join(ROOT, 'examples', 'fibonacci.js')}:5)`;
    await clickSlice(page, fib);
    const details = page.locator('[data-testid="details"]');
    await expect(details.textContent()).resolves.toContain('fibonacci');
    const text = (await details.textContent())!;
    expect(text).toContain(`${join(ROOT, 'examples', 'fibonacci.js')}:5`);
    expect(text).toMatch(/self/i);
    await page.screenshot({ path: join(SHOTS, 'fibonacci-details.png') });

    await page.locator('[data-testid="search-input"]').fill('fibonacci');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      /[1-9]/.test(document.querySelector('[data-testid="search-count"]')?.textContent ?? ''),
    );
    await page.locator('[data-testid="search-next"]').click();

    await page.locator('[data-testid="tab-flamegraph"]').click();
    await expect(page.locator('[data-testid="flamegraph"]').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SHOTS, 'fibonacci-flamegraph.png') });

    await page.locator('[data-testid="tab-functions"]').click();
    const table = page.locator('[data-testid="functions-table"]');
    await expect(table.textContent()).resolves.toContain('fibonacci');
    await page.screenshot({ path: join(SHOTS, 'fibonacci-functions.png') });
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);
  });

  it('shows a multi-thread report: one named track per thread', async () => {
    const dir = tempDir();
    await viztracer(
      ['--quiet', '-o', 'threads.json', join(ROOT, 'examples', 'threads-cpu.js'), '4', '100000'],
      {
        cwd: dir,
      },
    );
    const page = await open(await serve(join(dir, 'threads.json')));
    const names = await trackNames(page);
    expect(names[0]).toBe('main');
    for (let i = 0; i < 4; i++) expect(names).toContain(`Worker ${i + 1} (primes-${i})`);
    await expect(
      page.locator('[data-testid="process-name"]').first().textContent(),
    ).resolves.toMatch(/node threads-cpu\.js/);
    await page.screenshot({ path: join(SHOTS, 'threads-timeline.png') });
  });

  it('shows an HTML-looking function name as text, leaving the title and DOM alone', async () => {
    const dir = tempDir();
    const evil = '<img src=x onerror="window.__pwned=1">';
    writeFileSync(
      join(dir, 'evil.json'),
      JSON.stringify({
        traceEvents: [
          {
            ph: 'M',
            name: 'process_name',
            pid: 1,
            tid: 1,
            args: { name: `<script>window.__pwned=2</script>` },
          },
          { ph: 'M', name: 'thread_name', pid: 1, tid: 1, args: { name: '<b>bold</b>' } },
          { ph: 'X', name: evil, pid: 1, tid: 1, ts: 0, dur: 1000, args: { html: '<i>x</i>' } },
        ],
      }),
    );
    const page = await open(await serve(join(dir, 'evil.json')));
    expect(await trackNames(page)).toContain('<b>bold</b>');
    await clickSlice(page, evil);
    await expect(page.locator('[data-testid="details"]').textContent()).resolves.toContain(evil);
    await page.locator('[data-testid="search-input"]').fill('<img');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="tab-functions"]').click();
    await page.locator('[data-testid="tab-flamegraph"]').click();
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    expect(await page.locator('img, b, i, body script:not([src])').count()).toBe(0);
    await expect(page.title()).resolves.toBe('evil.json – vizviewer');
  });

  it('opens a standalone .html report from a file:// URL with no network', async () => {
    const dir = tempDir();
    const r = await viztracer(['-o', 'fib.html', join(ROOT, 'examples', 'fibonacci.js'), '27'], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Saved report to fib\.html/);
    expect(existsSync(join(dir, 'fib.html'))).toBe(true);
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(pathToFileURL(join(dir, 'fib.html')).href);
    await page.waitForFunction(
      () => (window as unknown as { __viztracer?: { ready: boolean } }).__viztracer?.ready === true,
    );
    expect(await page.locator('[data-testid="track-name"]').allTextContents()).toContain('main');
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'standalone.png') });
    await context.close();
  });

  it('summarizes a range selected with Shift+drag: threads and functions in it', async () => {
    const dir = tempDir();
    await viztracer(['--quiet', '-o', 'fib.json', join(ROOT, 'examples', 'fibonacci.js'), '30'], {
      cwd: dir,
    });
    const page = await open(await serve(join(dir, 'fib.json')));
    const box = (await page.locator('[data-testid="timeline"]').boundingBox())!;
    const y = box.y + 20;
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const summary = page.locator('[data-testid="range-summary"]');
    await expect(summary.isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-testid="range-threads"]').textContent()).resolves.toContain(
      'main',
    );
    const fns = (
      await page.locator('[data-testid="range-functions"] tbody tr').allTextContents()
    ).map((t) => t.trim());
    // The range is 40% of the run, all of it in fibonacci's recursion.
    expect(fns[0]).toMatch(/^fibonacci/);
    await page.screenshot({ path: join(SHOTS, 'range-summary.png') });
    // Escape clears the range: the details say to click a slice again.
    await page.keyboard.press('Escape');
    await expect(page.locator('[data-testid="details"]').textContent()).resolves.toContain(
      'Click a slice',
    );
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);
  });

  it('under --native, the threads overview shows the pool busy, main idle; a range lists the pool with its CPU time and cores', async () => {
    const dir = tempDir();
    // Four hashes: each of the pool's four threads takes one, so that each one works as long
    // as the others however busy the machine is.
    const r = await viztracer(
      [
        '--quiet',
        '--native',
        '-o',
        'tp.json',
        join(ROOT, 'examples', 'thread-pool.js'),
        '4',
        '300000',
      ],
      { cwd: dir },
    );
    expect(r.status).toBe(0);
    const page = await open(await serve(join(dir, 'tp.json')));
    const box = (await page.locator('[data-testid="timeline"]').boundingBox())!;
    const [proc] = await overview(page);
    // The first screen: the process's header, then a strip per OS thread, main first.
    expect(proc.top).toBeGreaterThanOrEqual(box.y);
    expect(proc.threads[0].name).toBe('main');
    for (const t of proc.threads) expect(t.bottom).toBeLessThanOrEqual(box.y + box.height);
    // The hashing runs on libuv's pool while the JavaScript thread waits: the four busiest
    // strips add up to one hash each (about 140 ms of CPU here), main's to a few ms.
    const busiest = [...proc.threads].sort((a, b) => b.cpuMicros - a.cpuMicros).slice(0, 4);
    const pool = proc.threads.filter((t) => t.name.startsWith('libuv-worker'));
    // The tracer names the pool's threads it finds (all four, but one was seen unnamed, as
    // "thread <tid>", on a loaded machine).
    expect(pool.length).toBeGreaterThanOrEqual(3);
    for (const t of pool) expect(busiest).toContain(t);
    const main = proc.threads[0];
    for (const t of busiest) {
      expect(t.cpuMicros, t.name).toBeGreaterThan(60_000);
      expect(t.cpuMicros, t.name).toBeGreaterThan(3 * main.cpuMicros);
    }
    // The detailed CPU tracks wait for the header's CPU button.
    expect((await trackNames(page)).filter((n) => n.startsWith('CPU'))).toEqual([]);
    // A strip's tooltip: the thread, its tid, its CPU % and core at that time.
    const w = pool[0];
    await page.mouse.move(box.x + box.width / 2, (w.top + w.bottom) / 2);
    const tip = page.locator('.timeline > .tooltip');
    await expect(tip.textContent()).resolves.toMatch(
      new RegExp(`^${w.name}tid ${w.tid} · pid ${proc.pid}CPU [\\d.]+ %core \\d+at `),
    );
    await page.screenshot({ path: join(SHOTS, 'thread-pool-overview.png') });

    // Shift+drag over the pool's busy middle of the run.
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.2, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + 20, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const rows = await page.$$eval('[data-testid="range-os-threads"] tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')),
    );
    const listed = rows.filter((cells) => cells[0].startsWith('libuv-worker'));
    expect(listed.map((cells) => cells[0]).sort()).toEqual(pool.map((t) => t.name).sort());
    // Each with its pid, CPU time (not zero), CPU %, and the cores with their shares.
    for (const [, pid, time, percent, cores] of listed) {
      expect(pid).toBe(String(proc.pid));
      expect(time).toMatch(/^[1-9][\d.]* (µs|ms|s)$/);
      expect(percent).toMatch(/^\d+(\.\d)?%$/);
      expect(cores).toMatch(/^\d+: \d+%(, \d+: \d+%)*$/);
    }
    await page.screenshot({ path: join(SHOTS, 'thread-pool-range.png') });
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);
  });

  it('under --native, every process and its threads overview on the first screen; processes collapse and stay so', async () => {
    const dir = tempDir();
    const r = await viztracer(
      [
        '--quiet',
        '--native',
        '-o',
        'pp.json',
        join(ROOT, 'examples', 'process-pool.js'),
        '3000000',
        '2',
      ],
      { cwd: dir },
    );
    expect(r.status).toBe(0);
    const page = await open(await serve(join(dir, 'pp.json')));
    const box = (await page.locator('[data-testid="timeline"]').boundingBox())!;
    const procs = await overview(page);
    // The parent, then its two children under it.
    expect(procs.map((p) => /child/.test(p.name))).toEqual([false, true, true]);
    for (const p of procs) {
      expect(p.top, p.name).toBeGreaterThanOrEqual(box.y);
      expect(p.threads.map((t) => t.name)).toContain('main');
      for (const t of p.threads) expect(t.bottom, p.name).toBeLessThanOrEqual(box.y + box.height);
      // The profiler's own threads come last, in thinner strips than the program's.
      const own = p.threads.filter((t) => isProfilerThread(t.name));
      expect(own.map((t) => t.name)).toContain('viztracer-mon');
      expect(p.threads.slice(-own.length)).toEqual(own);
      const height = (t: { top: number; bottom: number }) => t.bottom - t.top;
      for (const t of own) expect(height(t)).toBeLessThan(height(p.threads[0]));
    }
    // Each process's main thread ran: its strip is not empty.
    for (const p of procs) expect(p.threads[0].cpuMicros, p.name).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'process-pool-overview.png') });

    // The CPU button shows the OS threads' CPU % and CPU core tracks, on fixed scales.
    await page.locator('[data-testid="counters-toggle"]').first().click();
    expect(await trackNames(page)).toContain('CPU % (main)');
    const cpuLabel = page.locator('.tl-counter', { hasText: 'CPU % (main)' }).first();
    await expect(cpuLabel.textContent()).resolves.toContain('0–100 %');
    await page.screenshot({ path: join(SHOTS, 'process-pool-cpu-tracks.png') });
    await page.locator('[data-testid="counters-toggle"]').first().click();
    expect((await trackNames(page)).filter((n) => n.startsWith('CPU'))).toEqual([]);

    // Collapsing the first child hides its tracks and overview; the next process moves up.
    const before = (await trackNames(page)).length;
    await page.locator('[data-testid="process-name"]').nth(1).click();
    let now = await overview(page);
    expect(now[1].collapsed).toBe(true);
    expect(now[1].threads).toEqual([]);
    expect(now[2].top).toBeLessThan(procs[2].top);
    expect((await trackNames(page)).length).toBe(before - 1);
    await page.screenshot({ path: join(SHOTS, 'process-pool-collapsed.png') });
    // It stays collapsed through a zoom and a visit to another tab.
    await page.keyboard.down('w');
    await page.waitForTimeout(150);
    await page.keyboard.up('w');
    await page.locator('[data-testid="tab-flamegraph"]').click();
    await page.locator('[data-testid="tab-timeline"]').click();
    now = await overview(page);
    expect(now[1].collapsed).toBe(true);
    // And expands again.
    await page.locator('[data-testid="process-name"]').nth(1).click();
    now = await overview(page);
    expect(now[1].collapsed).toBe(false);
    expect(now[1].threads.length).toBe(procs[1].threads.length);
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);
  });

  it('draws arrows from a clicked async span to the slices that ran for it, and lists them', async () => {
    const dir = tempDir();
    const file = program('async-runs.js');
    await viztracer(['--instrument', '--quiet', '-o', 'async.json', file], { cwd: dir });
    // What the report says: each call's span (b/e) and its runs (X, args.span = the span's id).
    const events = (
      JSON.parse(readFileSync(join(dir, 'async.json'), 'utf8')) as {
        traceEvents: { ph: string; name: string; ts: number; id?: string; args?: any }[];
      }
    ).traceEvents;
    const steps = `steps (${file}:10)`;
    const span = events.find((e) => e.ph === 'b' && e.name === steps)!;
    const runs = events.filter((e) => e.ph === 'X' && e.args?.span === span.id);
    expect(runs.map((e) => e.args.resume)).toEqual([undefined, 1, 2, 3]);

    const page = await open(await serve(join(dir, 'async.json')));
    expect(await trackNames(page)).toEqual(['main', 'main (async)']);
    type Flow = {
      from: string;
      fromStart: number;
      to: string;
      toStart: number;
      y0: number;
      y1: number;
    };
    const flows = (): Promise<Flow[]> =>
      page.evaluate(() =>
        (window as unknown as { __viztracer: { flows(): Flow[] } }).__viztracer.flows(),
      );
    expect(await flows()).toEqual([]);

    await clickSlice(page, steps, 'async');
    await page.waitForFunction(
      () =>
        (window as unknown as { __viztracer: { flows(): unknown[] } }).__viztracer.flows().length >
        0,
    );
    const drawn = await flows();
    // One arrow per run, from the span's start, down... up to the main track (above it).
    expect(drawn.map((f) => [f.from, f.to])).toEqual(runs.map(() => [steps, steps]));
    expect(drawn.every((f) => f.y1 < f.y0)).toBe(true);
    // At the runs' times: the same offsets from the span's start as in the report (to the ns).
    expect(drawn[0].toStart).toBe(drawn[0].fromStart);
    drawn.forEach((f, k) => expect(f.toStart - f.fromStart).toBeCloseTo(runs[k].ts - span.ts, 3));
    const details = page.locator('[data-testid="span-runs"]');
    await expect(details.textContent()).resolves.toContain('4 runs');
    await expect(details.locator('li').count()).resolves.toBe(4);
    await page.screenshot({ path: join(SHOTS, 'async-span-arrows.png') });

    // A run selected (from the list): the same span and runs, the span listed to go back to.
    await details.locator('li').nth(2).locator('button').click();
    await expect(details.textContent()).resolves.toContain('the span at');
    expect((await flows()).map((f) => f.toStart)).toEqual(drawn.map((f) => f.toStart));
    await expect(page.locator('[data-testid="details"]').textContent()).resolves.toContain(
      '"resume": 2',
    );
    await page.screenshot({ path: join(SHOTS, 'async-run-arrows.png') });

    // The other call: its own two runs; a slice of no async call: no arrows.
    await clickSlice(page, `other (${file}:20)`, 'async');
    await page.waitForFunction(
      () =>
        (window as unknown as { __viztracer: { flows(): unknown[] } }).__viztracer.flows()
          .length === 2,
    );
    await clickSlice(page, `spin (${file}:3)`, 'thread');
    await page.waitForFunction(
      () =>
        (window as unknown as { __viztracer: { flows(): unknown[] } }).__viztracer.flows()
          .length === 0,
    );
    await expect(page.locator('[data-testid="span-runs"]').count()).resolves.toBe(0);
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);

    // The standalone HTML of the same report carries the runs too.
    await viztracer(['--quiet', '--combine', 'async.json', '-o', 'async.html'], { cwd: dir });
    const standalone = await open(pathToFileURL(join(dir, 'async.html')).href);
    await clickSlice(standalone, steps, 'async');
    await standalone.waitForFunction(
      () =>
        (window as unknown as { __viztracer: { flows(): unknown[] } }).__viztracer.flows()
          .length === 4,
    );
    expect((standalone as unknown as { errors: string[] }).errors).toEqual([]);
  });

  it('draws a node --cpu-prof profile as a timeline, saying what it lacks', async () => {
    const dir = tempDir();
    const fibJs = join(ROOT, 'examples', 'fibonacci.js');
    const n = await run(['--cpu-prof', '--cpu-prof-dir', dir, fibJs, '25'], { cwd: dir });
    expect(n.status).toBe(0);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
    const page = await open(await serve(join(dir, file)));
    expect(await trackNames(page)).toEqual(['main']);
    await expect(page.locator('[data-testid="notice"]').textContent()).resolves.toBe(
      'a V8 CPU profile: one thread, with no OS thread ids or CPU cores',
    );
    const at = await page.evaluate(
      (name) =>
        (
          window as unknown as {
            __viztracer: { hitTest(n: string): { x: number; y: number } | null };
          }
        ).__viztracer.hitTest(name),
      `fibonacci (${fibJs}:5)`,
    );
    expect(at, 'a drawn fibonacci slice').not.toBeNull();
    await page.screenshot({ path: join(SHOTS, 'cpuprofile-timeline.png') });
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);
  });

  it('opens pprof on its flame graph, with no timeline to show', async () => {
    const dir = tempDir();
    await viztracer(['--quiet', '-o', 'fib.pb.gz', join(ROOT, 'examples', 'fibonacci.js'), '25'], {
      cwd: dir,
    });
    const page = await open(await serve(join(dir, 'fib.pb.gz')));
    await expect(page.locator('[data-testid="tab-timeline"]').isVisible()).resolves.toBe(false);
    await expect(page.locator('[data-testid="flamegraph"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-testid="notice"]').textContent()).resolves.toMatch(
      /^pprof has no times/,
    );
    await page.locator('[data-testid="tab-functions"]').click();
    await expect(page.locator('[data-testid="functions-table"]').textContent()).resolves.toContain(
      'fibonacci',
    );
    await page.screenshot({ path: join(SHOTS, 'pprof-functions.png') });
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);
  });
});
